"""A lexer for TRUSTED SPARQL texts (the catalogue's own queries): never a security decision.

What may run is decided by :mod:`sco_kg.sparql.gate` on a parse by a grammar-complete parser. This module
only handles the project's own query texts: it finds the ``{`` of the outermost ``WHERE`` (where a parameter's
``VALUES`` block goes, :func:`where_brace`), the projected variables a catalogue header must list
(:func:`projection`), the variables a query uses, and the ``SERVICE`` IRIs to point at a stand-in endpoint
(:func:`sco_kg.remote.rewrite_services`). It works on tokens, with the standard library only, so it costs the
CLI read path nothing: comments, string literals, IRIs, variables and prefixed names are recognised first.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from sco_kg.errors import QueryError
from sco_kg.sparql.info import Form, QueryInfo

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


@functools.lru_cache(maxsize=256)
def outline(text: str) -> QueryInfo:
    """Return the form, SERVICE targets, dataset IRIs, update operations and ORDER BY of a TRUSTED SPARQL text.

    For the catalogue's own queries (read on every CLI run, where a full parse would cost rdflib's import); a
    test checks that for every canned query it says what :func:`sco_kg.sparql.gate.analyse` says.

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
        return QueryInfo("UPDATE", tuple(services), tuple(dataset), update_ops=tuple(dict.fromkeys(updates)),
                         prefixes=prefixes)  # fmt: skip
    if form is None:
        raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    ordered = any(t.is_kw("ORDER") for t in tokens)
    projected = projection(text) if form == "SELECT" else None
    return QueryInfo(
        cast(Form, form), tuple(services), from_graphs=tuple(dataset), ordered=ordered,
        projection=tuple(projected) if projected is not None else None, prefixes=prefixes,
    )  # fmt: skip
