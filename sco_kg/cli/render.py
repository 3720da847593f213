"""Results and tables as text for a terminal: ``table`` (labels, cells cut to fit) and ``md``."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from sco_kg.engine.labels import display
from sco_kg.engine.results import Result

TABLE_WIDTH = 60


def render(result: Result, fmt: str, names: Mapping[str, str] | None = None) -> str:
    """Return ``result`` as text in format ``table`` or ``md`` (labels from ``names``) or a W3C format.

    ``table`` cuts cells at 60 terminal columns (with "…"); ``md`` keeps them whole.
    """
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
        rows = [[display(t, names) for t in row] for row in result.rows]
    if fmt == "md":

        def cell(s: str) -> str:
            return s.replace("\\", "\\\\").replace("|", "\\|")

        lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
        return "\n".join(lines)

    def clip(text: str) -> str:
        # Long labels (whole sentences) would make every row wider than a terminal: cut them at TABLE_WIDTH.
        if display_width(text) <= TABLE_WIDTH:
            return text
        while display_width(text) > TABLE_WIDTH - 1:
            text = text[:-1]
        return text + "…"

    return format_table(header, [[clip(c) for c in row] for row in rows])


def display_width(text: str) -> int:
    """Return the number of terminal columns ``text`` takes (CJK wide characters count two)."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    """Return ``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(0, width - display_width(text))


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return a plain-text table whose columns line up for Latin, Cyrillic and CJK text."""
    widths = [display_width(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))
    lines = ["  ".join(pad(h, widths[i]) for i, h in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(pad(c, widths[i]) for i, c in enumerate(row)).rstrip())
    return "\n".join(lines)
