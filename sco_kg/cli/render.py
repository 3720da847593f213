"""Results and tables as text for a terminal: ``table`` (labels, fitted to the terminal) and ``md``.

Width (``table``): ``$COLUMNS`` when set, else the terminal's width when stdout is a terminal; when stdout is
not a terminal and ``COLUMNS`` is unset (a pipe, a file), the table is not fitted to any width, and only cells
longer than :data:`CELL_WIDTH` columns are cut (with "…"), as before: machine readers want CSV/TSV/JSON
anyway. A fitted table gives short columns their whole width and shares the rest among the long ones; a cell
wider than its column wraps at spaces (a word is broken only when it is wider than the column), and after
:data:`MAX_LINES` lines it is cut with "…".

An IRI column whose every label also stands in another column of the same row (``state`` beside ``label`` in
``signatories``) shows its IRIs as prefixed names (``state:china``), not the label a second time.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Mapping, Sequence

from sco_kg.rdf import iri

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing at start-up
if TYPE_CHECKING:  # the table helpers stay importable without the query engine (``sco-kg queries``, ``stats``)
    from sco_kg.engine.results import Result
    from sco_kg.rdf.term import Term

CELL_WIDTH = 60
MAX_LINES = 8
MIN_COLUMN = 12
MIN_SQUEEZED = 6
WORD_CAP = 24
BREAK_AFTER = "-/:_."
GAP = "  "


def terminal_width() -> int | None:
    """Return the width to fit tables to: ``$COLUMNS``, else the terminal's width, else ``None`` (no terminal)."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        if sys.stdout.isatty():
            import shutil

            return shutil.get_terminal_size().columns
    except (AttributeError, ValueError, OSError):
        pass
    return None


def render(result: Result, fmt: str, names: Mapping[str, str] | None = None, width: int | None = None) -> str:
    """Return ``result`` as text in format ``table`` or ``md`` (labels from ``names``) or a W3C format.

    ``table`` fits ``width`` terminal columns (``None``: cells cut at :data:`CELL_WIDTH`); ``md`` keeps cells whole.
    """
    from sco_kg.engine.labels import display

    names = names or {}
    if fmt not in ("table", "md"):
        return result.serialize(fmt).decode("utf-8")
    if result.form == "ASK":
        return "true" if result.boolean else "false"
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        header: Sequence[str] = ("subject", "predicate", "object")
        rows: list[list[str]] = [[display(t, names) for t in tr] for tr in result.triples]
    else:
        header = result.vars
        compact = labelled_columns(result.vars, result.rows, names)
        rows = [
            [iri.compact(t.value) if i in compact and t is not None else display(t, names) for i, t in enumerate(row)]
            for row in result.rows
        ]
    if fmt == "md":

        def cell(s: str) -> str:
            return s.replace("\\", "\\\\").replace("|", "\\|")

        lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
        return "\n".join(lines)
    if width is None:
        return format_table(header, [[clip(c, CELL_WIDTH) for c in row] for row in rows])
    return format_table(header, rows, width)


def labelled_columns(
    names_of_vars: Sequence[str], rows: Sequence[Sequence[Term | None]], names: Mapping[str, str]
) -> set[int]:
    """Return the indexes of the IRI columns whose label stands in another column of every row that has both."""
    from sco_kg.engine.labels import display

    out: set[int] = set()
    for i in range(len(names_of_vars)):
        for j in range(len(names_of_vars)):
            if i == j:
                continue
            matched = 0
            for row in rows:
                a, b = row[i], row[j]
                if a is None or b is None:
                    continue
                if a.kind != "uri" or b.kind != "literal" or a.value not in names:
                    break
                if names[a.value] != display(b, names):
                    break
                matched += 1
            else:
                if matched:
                    out.add(i)
                    break
    return out


def display_width(text: str) -> int:
    """Return the number of terminal columns ``text`` takes (CJK wide characters count two)."""
    return sum(_char_width(ch) for ch in text)


def pad(text: str, width: int) -> str:
    """Return ``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(0, width - display_width(text))


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def fitting(text: str, width: int) -> int:
    """Return the length of the longest prefix of ``text`` that takes at most ``width`` terminal columns."""
    used = 0
    for i, ch in enumerate(text):
        used += _char_width(ch)
        if used > width:
            return i
    return len(text)


def clip(text: str, width: int) -> str:
    """Return ``text`` cut to ``width`` terminal columns, ending in "…" when it was cut."""
    if display_width(text) <= width:
        return text
    return text[: fitting(text, width - 1)].rstrip() + "…"


def wrap(text: str, width: int, max_lines: int = MAX_LINES) -> list[str]:
    """Return ``text`` as lines of at most ``width`` columns, broken at spaces (a longer word is broken too).

    After ``max_lines`` lines the rest is cut with "…".
    """
    if display_width(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if display_width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while display_width(word) > width:  # a word wider than the column (or CJK text without spaces)
            cut = max(fitting(word, width), 1)
            soft = max(word.rfind(c, 0, cut) for c in BREAK_AFTER)  # an IRI breaks after - / : _ . if it can
            cut = soft + 1 if soft > 0 else cut
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = [*lines[: max_lines - 1], last + "…" if display_width(last) < width else clip(last + "…", width)]
    return lines


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None) -> list[int]:
    """Return the width of each column: its natural width, or its share of ``width`` when the table is wider.

    Each column keeps at least its header, its short cells and its longest word (up to :data:`WORD_CAP`
    columns), so short cells never wrap mid-word; the columns that want more share the rest equally.
    """
    natural = [display_width(h) for h in header]
    longest_word = [0] * len(header)
    for row in rows:
        for i, cell in enumerate(row):
            natural[i] = max(natural[i], display_width(cell))
            longest_word[i] = max([longest_word[i], *(display_width(w) for w in cell.split(" "))])
    gaps = len(GAP) * (len(natural) - 1)
    if width is None or sum(natural) + gaps <= width:
        return natural
    out = [
        min(n, max(display_width(h), min(w, WORD_CAP), min(n, MIN_COLUMN)))
        for h, n, w in zip(header, natural, longest_word, strict=True)
    ]
    # Too many columns for the width even so: narrow the widest, down to MIN_SQUEEZED (headers wrap too).
    while sum(out) + gaps > width:
        widest = max(range(len(out)), key=lambda k: out[k])
        if out[widest] <= MIN_SQUEEZED:
            break
        out[widest] -= 1
    extra = width - gaps - sum(out)
    want = {i: natural[i] - out[i] for i in range(len(out)) if natural[i] > out[i]}
    total = sum(want.values())
    if extra > 0 and total:
        # The rest is shared in proportion to what each column lacks (a long summary gets more than its tags).
        share = {i: min(w, extra * w // total) for i, w in want.items()}
        for i, give in share.items():
            out[i] += give
        left = extra - sum(share.values())
        for i in sorted(want, key=lambda k: want[k] - share[k], reverse=True):
            give = min(want[i] - share[i], left)
            out[i] += give
            left -= give
    return out


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None) -> str:
    """Return a plain-text table whose columns line up for Latin, Cyrillic and CJK text.

    With ``width``, long columns are narrowed so that the table fits and their cells wrap at spaces.
    """
    widths = column_widths(header, rows, width)
    lines: list[str] = []

    def add(row: Sequence[str]) -> None:
        cells = [wrap(c, widths[i]) for i, c in enumerate(row)]
        for k in range(max((len(c) for c in cells), default=1)):
            parts = [pad(c[k] if k < len(c) else "", widths[i]) for i, c in enumerate(cells)]
            lines.append(GAP.join(parts).rstrip())

    add(header)
    lines.append(GAP.join("-" * w for w in widths))
    for row in rows:
        add(row)
    return "\n".join(lines)
