"""Inspect a SPARQL request before anything evaluates it: its form, and whether the policy allows it.

This module owns the decision "may this text run here?" (SECURITY.md T1, T2, T7): ``SERVICE`` in any form (an
IRI, a variable, ``SILENT``) is refused unless its host is on an allow-list, ``LOAD`` is always refused (it
fetches), ``FROM``/``FROM NAMED``/``USING`` may name only the project's own graphs, and an UPDATE is refused
unless the caller allows updates. It also holds the wall-clock timeout and the row cap that every query gets.

It works on tokens, with the standard library only, so the CLI read path never imports rdflib: comments, string
literals, IRIs, variables and prefixed names are recognised first, so a keyword inside a literal or a
prefixed name such as ``ex:service`` is not mistaken for one. rdflib expands ``\\uHHHH`` escapes in the whole
query text before parsing (SPARQL 1.1 §19.2), so a query with such escapes is checked a second time in its
expanded form. It never evaluates anything and never opens a file or a socket.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from sco_kg.errors import QueryError, QueryRejected
from sco_kg.rdf import iri

Form = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "UPDATE"]

#: Default wall-clock budget of one query, in seconds (CLI ``--timeout``).
DEFAULT_TIMEOUT = 30.0
#: Default cap on result rows (SELECT solutions or CONSTRUCT/DESCRIBE triples; CLI ``--max-rows``).
DEFAULT_MAX_ROWS = 100_000

# The only graphs a dataset clause (FROM, FROM NAMED, USING) may name: the project's own, never a URL to fetch.
LOCAL_GRAPH_PREFIX = iri.GRAPH

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# SPARQL 1.1 Update operations (§3); none of these words is a keyword of the query language.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)

_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
# The grammar's character classes, simplified to Unicode word characters (\w: letters, digits, "_"): exact
# enough to keep prefixed names, variables and keywords apart, and cheap to compile (the CLI pays for this
# module on every run; the grammar's full ranges took 150 ms to compile).
_NAME_START = r"[^\W\d_]"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"

# Token patterns, tried in this order at each position (longest literal forms first).
_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<ws>\s+)",
            r"(?P<comment>#[^\r\n]*)",
            rf"(?P<iri><(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)",
            r"(?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)"
            r'|"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)'
            r"|'(?:[^'\\\n\r]|\\.)*(?:'|$)"
            r'|"(?:[^"\\\n\r]|\\.)*(?:"|$))',
            r"(?P<var>[?$]\w[\w\u00b7]*)",
            r"(?P<bnode>_:\w(?:[\w.\-\u00b7]*[\w\-\u00b7])?)",
            rf"(?P<pname>(?:{_NAME_START}(?:[\w.\-\u00b7]*[\w\-\u00b7])?)?:"
            rf"(?:(?:[\w:]|{_PLX})(?:(?:[\w.:\-\u00b7]|{_PLX})*(?:[\w:\-\u00b7]|{_PLX}))?)?)",
            r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
            r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)",
            r"(?P<punct>\^\^|\|\||&&|!=|<=|>=|.)",
        ]
    ),
    re.DOTALL,
)
_ESCAPE = re.compile(rf"\\u({_HEX}{{4}})|\\U({_HEX}{{8}})")


@dataclass(frozen=True)
class Token:
    """A lexical token of a SPARQL text: its kind, its text, and where it starts (0-based offset)."""

    kind: str
    text: str
    pos: int

    def is_kw(self, *words: str) -> bool:
        """Return whether the token is one of the keywords ``words`` (case-insensitive)."""
        return self.kind == "name" and self.text.upper() in words


def tokenize(text: str, keep_trivia: bool = False) -> list[Token]:
    """Return the tokens of a SPARQL text (whitespace and comments only when ``keep_trivia``).

    Never raises: an unterminated string or IRI runs to the end of the text, any other character is a
    one-character ``punct`` token, so a malformed query is left for the parser to report.
    """
    out: list[Token] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        assert m is not None and m.lastgroup is not None  # the final alternative matches any character
        kind = m.lastgroup
        if keep_trivia or kind not in ("ws", "comment"):
            out.append(Token(kind, m.group(), pos))
        pos = m.end()
    return out


def expand_escapes(text: str) -> str:
    """Return ``text`` with ``\\uHHHH``/``\\UHHHHHHHH`` replaced by their characters (what rdflib parses)."""

    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group()

    return _ESCAPE.sub(repl, text)


def iri_value(token: Token) -> str:
    """Return the IRI inside an ``iri`` token, with its ``\\u`` escapes resolved."""
    return expand_escapes(token.text[1:-1])


def line_col(text: str, pos: int) -> tuple[int, int]:
    """Return the 1-based (line, column) of offset ``pos`` in ``text``."""
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


@dataclass(frozen=True)
class QueryInfo:
    """What the policy found in a SPARQL text before evaluation."""

    form: Form
    services: tuple[str, ...] = ()  # SERVICE targets: IRIs, or "?var" for a variable
    dataset_iris: tuple[str, ...] = ()  # IRIs named by FROM / FROM NAMED / USING / USING NAMED
    update_ops: tuple[str, ...] = ()  # the update keywords present (INSERT, DELETE, LOAD, ...)
    prefixes: dict[str, str] = field(default_factory=dict)

    @property
    def is_update(self) -> bool:
        """Return whether the text is a SPARQL Update request."""
        return self.form == "UPDATE"


def _prefixes(tokens: list[Token]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, tok in enumerate(tokens[:-2]):
        if tok.is_kw("PREFIX") and tokens[i + 1].kind == "pname" and tokens[i + 2].kind == "iri":
            out[tokens[i + 1].text[:-1]] = iri_value(tokens[i + 2])
    return out


def _resolve(tok: Token, prefixes: dict[str, str]) -> str | None:
    if tok.kind == "iri":
        return iri_value(tok)
    if tok.kind == "pname":
        pfx, _, local = tok.text.partition(":")
        if pfx in prefixes:
            return prefixes[pfx] + re.sub(r"\\(.)", r"\1", local)
    return None


def analyse(text: str) -> QueryInfo:
    """Return the form, SERVICE targets, dataset IRIs and update operations of a SPARQL text.

    Raises:
        QueryError: the text is empty or is neither a query nor an update.
    """
    tokens = tokenize(text)
    if not tokens:
        raise QueryError("empty SPARQL query")
    prefixes = _prefixes(tokens)
    services: list[str] = []
    dataset: list[str] = []
    updates: list[str] = []
    form: str | None = None
    for i, tok in enumerate(tokens):
        if tok.kind != "name":
            continue
        word = tok.text.upper()
        nxt = tokens[i + 1 : i + 4]
        if word == "SERVICE":
            rest = [t for t in nxt if not t.is_kw("SILENT")]
            target = rest[0] if rest else None
            if target is not None and target.kind == "var":
                services.append(target.text)
            else:
                resolved = _resolve(target, prefixes) if target is not None else None
                services.append(resolved if resolved is not None else "?")
        elif word in ("FROM", "USING"):
            rest = [t for t in nxt if not t.is_kw("NAMED")]
            resolved = _resolve(rest[0], prefixes) if rest else None
            dataset.append(resolved if resolved is not None else "")
            if word == "USING":
                updates.append(word)
        elif word in UPDATE_KEYWORDS:
            updates.append(word)
        elif word in QUERY_FORMS and form is None:
            form = word
    if updates:
        return QueryInfo("UPDATE", tuple(services), tuple(dataset), tuple(dict.fromkeys(updates)), prefixes)
    if form is None:
        raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return QueryInfo(form, tuple(services), tuple(dataset), (), prefixes)  # type: ignore[arg-type]


def _host_allowed(target: str, allow_service: Iterable[str]) -> bool:
    if target.startswith("?"):
        return False  # SERVICE ?var can reach anything
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and bool(host) and host in {h.lower() for h in allow_service}


def _check_one(info: QueryInfo, allow_update: bool, allow_service: tuple[str, ...]) -> None:
    if "LOAD" in info.update_ops:
        raise QueryRejected("LOAD is refused: sco-kg never fetches data named in a query")
    if info.is_update and not allow_update:
        ops = ", ".join(info.update_ops)
        raise QueryRejected(
            f"SPARQL Update ({ops}) is refused: this is a read-only query interface "
            "(use --allow-update to run it on an in-memory copy)"
        )
    for target in info.services:
        if not _host_allowed(target, allow_service):
            shown = "a variable" if target.startswith("?") else f"<{target}>"
            hint = " (allow its host with --allow-service HOST)" if not target.startswith("?") else ""
            raise QueryRejected(f"SERVICE {shown} is refused: federated queries are off{hint}")
    for graph in info.dataset_iris:
        if not graph.startswith(LOCAL_GRAPH_PREFIX):
            shown = f"<{graph}>" if graph else "a relative or unknown IRI"
            raise QueryRejected(
                f"dataset clause FROM/USING {shown} is refused: only the project's graphs "
                f"(<{LOCAL_GRAPH_PREFIX}…>) may be named"
            )


def check(text: str, allow_update: bool = False, allow_service: Iterable[str] = ()) -> QueryInfo:
    """Return the :class:`QueryInfo` of ``text`` if the policy allows it to run.

    Args:
        text: the SPARQL query or update.
        allow_update: let INSERT/DELETE/CLEAR/DROP/... through (LOAD is refused regardless).
        allow_service: hosts that ``SERVICE <http(s)://host/...>`` may call (the federation feature).

    Raises:
        QueryRejected: SERVICE, LOAD, a remote dataset clause, or an update that is not allowed.
        QueryError: the text is not a SPARQL query or update at all.
    """
    hosts = tuple(allow_service)
    info = analyse(text)
    _check_one(info, allow_update, hosts)
    expanded = expand_escapes(text)
    if expanded != text:
        # rdflib expands \u escapes before parsing; what it would see must pass as well.
        try:
            _check_one(analyse(expanded), allow_update, hosts)
        except QueryRejected as exc:
            raise QueryRejected(f"{exc} (written with \\u escapes)") from None
        except QueryError:
            pass  # the expanded text is not a query: the parser reports it
    return info


def variables(tokens: Iterable[Token]) -> Iterator[str]:
    """Yield the names (without ``?``/``$``) of the variable tokens among ``tokens``."""
    for tok in tokens:
        if tok.kind == "var":
            yield tok.text[1:]


def projection(text: str) -> list[str] | None:
    """Return the projected variables of a SELECT query in order, or ``None`` for ``SELECT *``.

    Raises:
        QueryError: the text is not a SELECT query.
    """
    tokens = tokenize(text)
    start = next((i for i, t in enumerate(tokens) if t.is_kw("SELECT")), None)
    if start is None:
        raise QueryError("not a SELECT query")
    out: list[str] = []
    depth = 0
    i = start + 1
    while i < len(tokens):
        tok = tokens[i]
        if depth == 0 and (tok.is_kw("WHERE", "FROM") or tok.text == "{"):
            break
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
        elif tok.text == "*" and depth == 0:
            return None
        elif tok.kind == "var" and (depth == 0 or (i > 0 and tokens[i - 1].is_kw("AS"))):
            out.append(tok.text[1:])
        i += 1
    return out


def where_brace(text: str) -> int:
    """Return the offset of the ``{`` that opens the outermost WHERE clause (for a VALUES block).

    Raises:
        QueryError: there is no top-level ``WHERE {``.
    """
    depth = 0
    tokens = tokenize(text)
    for i, tok in enumerate(tokens):
        if tok.text == "{":
            if depth == 0 and i > 0 and tokens[i - 1].is_kw("WHERE"):
                return tok.pos
            depth += 1
        elif tok.text == "}":
            depth -= 1
    raise QueryError("the query has no top-level 'WHERE {' to bind parameters in")
