"""The gate: decide on a parse what a SPARQL text may do before any engine sees it (issue 13, SECURITY.md T1/T2/T16).

What a query may do — ``SERVICE`` (a request to any URL), ``LOAD`` (a fetch), ``FROM``/``FROM NAMED``/``USING``
naming a graph outside the project, an update — is decided on the parse tree of rdflib's SPARQL 1.1 parser
(``rdflib.plugins.sparql.parser``, a pyparsing transcription of the whole grammar), never on a token scan:
SPARQL's lexer is context-dependent (``<`` is less-than in an expression and opens an IRI elsewhere), which
is how ``BIND(?a<?b&&'>' AS ?z) SERVICE <…> {…}`` got past the old token check.

``\\u``/``\\U`` escapes. The two engines read them differently, so the gate parses the text as each of them
reads it and refuses if either reading does something forbidden:

* rdflib (``parser.expandUnicodeEscapes``, called by ``parseQuery``/``parseUpdate``) replaces every match of
  ``\\\\u([0-9a-f]{4}(?:[0-9a-f]{4})?)`` (case-insensitive, so ``\\U0053ERVICE`` is ``SERVICE`` there) in the
  whole text before parsing. :func:`decode_escapes` is that function.
* Oxigraph (pyoxigraph 0.5): spargebra's ``SparqlParser::parse_query``/``parse_update`` call
  ``unescape_unicode_codepoints`` on the whole text only under the cargo feature ``standard-unicode-escaping``
  (``lib/spargebra/src/parser.rs`` lines 121-153 and 188-283 on oxigraph's ``0.5`` branch, release commit
  d6f5b98 "Releases v0.5.9"), which is off by default (``lib/spargebra/Cargo.toml``) and enabled only by the
  W3C ``testsuite`` crate; ``lib/oxigraph`` and ``python/Cargo.toml`` do not enable it. So pyoxigraph
  decodes ``UCHAR`` (``\\\\u`` + 4 hex or ``\\\\U`` + 8 hex, rule ``UCHAR`` line 2527) only inside string
  literals (``STRING_LITERAL1``/``2``/``LONG1``/``LONG2``, lines 2504-2525, where a decoded quote does not end
  the string) and IRIs (``IRIREF`` line 2444 then ``unescape_iriref`` line 982); a ``\\\\u`` anywhere else is
  a syntax error. The gate models that reading by replacing each such escape (read left to right, a
  backslash pairing with the character after it, as in ``ECHAR`` and ``PN_LOCAL_ESC``) by a placeholder
  character that is valid inside a string or an IRI and ends neither, parses that text with rdflib's grammar,
  and maps the placeholders back to their characters in the IRIs it reports. (Oxigraph's main branch,
  7396ddf of August 2026, rewrote the parser around a logos lexer, ``lib/spargebra/src/lexer.rs`` lines
  20-41, which still accepts ``UCHAR`` only inside ``IRIREF`` and string tokens; the feature is gone there.)

Keywords. pyparsing compares keywords with ``str.upper()``, so rdflib reads ``ſERVICE`` (long s) and
``SERVıCE`` (dotless i) as ``SERVICE``; the keyword pre-check therefore looks in ``text.upper()``.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any, cast
from urllib.parse import urlsplit

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql import parser as _parser
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Prologue
from rdflib.term import Variable

from sco_kg.errors import QueryError, QueryRejected
from sco_kg.rdf import iri
from sco_kg.sparql.info import Form, QueryInfo

__all__ = ["QueryInfo", "analyse", "check", "decode_escapes"]

_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
_UPDATE_OPS = {
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT",
}
# Words without which no reading of a text can call a service, fetch, name a dataset or update anything: every
# update operation starts with one of the last ten. Searched for in ``text.upper()`` (see the module docstring).
_CAPABILITY_WORDS: tuple[str, ...] = (
    *("SERVICE", "FROM", "USING", "LOAD", "INSERT", "DELETE", "CLEAR"),
    *("DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"),
)

# rdflib's escape pattern (used only to map offsets in the decoded text back to the text the user wrote).
_RDFLIB_ESCAPE: re.Pattern[str] = _parser.expandUnicodeEscapes_re
# Oxigraph's reading: UCHAR, or a backslash pair (ECHAR, PN_LOCAL_ESC), scanned left to right.
_OXIGRAPH_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|.)", re.DOTALL)
# Placeholders for Oxigraph's escapes: supplementary private-use planes 15 and 16 (valid in IRIREF and strings).
_PLACEHOLDERS = (range(0xF0000, 0xFFFFE), range(0x100000, 0x10FFFE))


def decode_escapes(text: str) -> str:
    """Return ``text`` with its ``\\u``/``\\U`` escapes decoded exactly as rdflib decodes them before parsing.

    Raises:
        QueryError: an escape names no code point (rdflib refuses such a text too).
    """
    try:
        return _parser.expandUnicodeEscapes(text)
    except ValueError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None


def analyse(text: str) -> QueryInfo:
    """Return what ``text`` does as rdflib reads it (escapes decoded, then parsed as a query or an update).

    Raises:
        QueryError: the text is empty or not a SPARQL 1.1 query or update (``SPARQL syntax error at line L,
            column C: …``, the position counted in ``text`` as written), or nested too deeply to parse.
    """
    decoded = decode_escapes(text)
    try:
        return _analyse_text(decoded, _grammar_parse)
    except _SyntaxError as exc:
        raise QueryError(exc.message(text, _rdflib_offset(text, exc.loc))) from None


def check(
    text: str, allow_update: bool = False, allow_service: Iterable[str] = (), local_graph_prefix: str = iri.GRAPH
) -> QueryInfo:
    """Return the :class:`QueryInfo` of ``text`` if neither engine's reading of it does anything forbidden.

    Args:
        text: the SPARQL query or update, as received.
        allow_update: let INSERT/DELETE/CLEAR/DROP/... through (LOAD is refused regardless).
        allow_service: hosts that ``SERVICE <http(s)://host/…>`` may call (the federation feature).
        local_graph_prefix: the only graphs FROM/FROM NAMED/USING may name are IRIs that start with it.

    Raises:
        QueryRejected: SERVICE to a host not allowed (or to a variable), LOAD, a dataset clause outside
            ``local_graph_prefix``, an update that is not allowed, or a text the two engines read differently
            in a way that cannot be checked.
        QueryError: the text is not a SPARQL query or update (see :func:`analyse`).
    """
    hosts = frozenset(h.lower() for h in ([allow_service] if isinstance(allow_service, str) else allow_service))
    info = analyse(text)
    _enforce(info, allow_update, hosts, local_graph_prefix, "")
    oxigraph_text, placeholders = _oxigraph_reading(text)
    # A second parse is needed only when Oxigraph reads other text than rdflib (an escape either decodes and
    # the other does not: ``\\U`` with 4 digits, ``\\u`` with 8, ``\\\\u…``, surrogates, or any escape that
    # Oxigraph keeps inside a string or an IRI) and a capability keyword is left in Oxigraph's reading.
    differs = placeholders or ("\\" in text and oxigraph_text != decode_escapes(text))
    if differs and _may_need_capabilities(oxigraph_text):
        note = " (as Oxigraph reads the query's \\u escapes)"
        try:
            other = _unmask(_analyse_text(oxigraph_text, _grammar_parse), placeholders)
        except (_SyntaxError, QueryError):
            raise QueryRejected(
                "the query cannot be checked as Oxigraph reads its \\u escapes (decoded only inside IRIs and "
                "strings): write the characters themselves"
            ) from None
        _enforce(other, allow_update, hosts, local_graph_prefix, note)
        if other.form != info.form:
            raise QueryRejected(
                f"the query reads as {info.form} to rdflib and as {other.form} to Oxigraph because of its \\u "
                "escapes: refused"
            )
    return info


# --- parsing ------------------------------------------------------------------------------------------------


_PROLOGUE_ONLY = re.compile(r"\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*\Z", re.IGNORECASE)


class _SyntaxError(Exception):
    """A parse failure at offset ``loc`` of the parsed text."""

    def __init__(self, loc: int, msg: str) -> None:
        super().__init__(msg)
        self.loc = loc
        self.msg = msg

    def message(self, text: str, loc: int) -> str:
        line = text.count("\n", 0, loc) + 1
        col = loc - (text.rfind("\n", 0, loc) + 1) + 1
        return f"SPARQL syntax error at line {line}, column {col}: {self.msg}"


#: rdflib's pyparsing grammar keeps parse state on shared objects: two threads parsing at once corrupt each
#: other's parse actions (seen as "TypeError: <lambda>() missing 1 required positional argument" under load).
#: The parse holds the GIL throughout anyway, so one parse at a time costs no parallelism.
_PARSE_LOCK = threading.Lock()


def _grammar_parse(text: str, update: bool) -> Any:
    """Parse with rdflib's grammar as is: no escape decoding (the caller gives the text as an engine reads it)."""
    element = _parser.UpdateUnit if update else _parser.Query
    with _PARSE_LOCK:
        result = element.parse_string(text, parse_all=True)
    return result[0] if update else result


def _parse(text: str, parse: Any) -> tuple[Any, bool]:
    """Return (tree, is_update): the text as a query, else as an update; the furthest error if neither."""
    if not text.strip():
        raise QueryError("empty SPARQL query")
    errors: list[ParseBaseException] = []
    for update in (False, True):
        try:
            return parse(text, update), update
        except ParseBaseException as exc:
            errors.append(exc)
        except RecursionError:
            # rdflib's grammar recurses once per triple pattern of a block and per level of nesting.
            raise QueryError(
                "SPARQL query too deep for the parser: about 100 triple patterns in one block or 30 nested "
                "groups at most (split a long block into several { … } groups)"
            ) from None
        except Exception as exc:  # a parse action of rdflib's grammar failed (e.g. -0.25 in VALUES): refused
            raise QueryError(
                f"the SPARQL parser cannot read this query ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})"
            ) from None
    best = max(errors, key=lambda e: e.loc)
    found = f", found {text[best.loc : best.loc + 12]!r}" if best.loc < len(text) else ", found end of text"
    if _PROLOGUE_ONLY.match(text[: best.loc]):  # nothing after the prologue reads as a query or an update
        raise _SyntaxError(best.loc, f"not a SPARQL query: expected SELECT, ASK, CONSTRUCT, DESCRIBE{found}")
    raise _SyntaxError(best.loc, f"{_expected(best)}{found}")


def _expected(exc: ParseBaseException) -> str:
    msg = str(exc.msg)
    return msg if msg.startswith("Expected") else f"unexpected text ({msg})"


def _rdflib_offset(text: str, loc: int) -> int:
    """Return the offset in ``text`` of offset ``loc`` of its rdflib-decoded form."""
    starts: list[int] = []  # decoded offset of each escape
    ends: list[int] = []  # raw offset just after it
    shift = 0
    for m in _RDFLIB_ESCAPE.finditer(text):
        starts.append(m.start() - shift)
        ends.append(m.end())
        shift += len(m.group()) - 1
    i = bisect.bisect_right(starts, loc - 1)
    if i == 0:
        return loc
    return ends[i - 1] + (loc - starts[i - 1] - 1)


# --- what the tree says -------------------------------------------------------------------------------------


def _analyse_text(text: str, parse: Any) -> QueryInfo:
    tree, is_update = _parse(text, parse)
    if is_update:
        return _update_info(tree)
    prologue = _prologue(tree[0], None)
    body = tree[1]
    found = _Found(prologue)
    found.walk(body)
    found.declare(tree[0])
    projection: tuple[str, ...] | None = None
    if body.name == "SelectQuery" and _get(body, "projection"):
        projection = tuple(str(_get(v, "var") or _get(v, "evar")) for v in body["projection"])
    return QueryInfo(
        form=cast(Form, _FORMS[body.name]),
        services=tuple(found.services),
        from_graphs=tuple(found.default),
        from_named=tuple(found.named),
        ordered=_get(body, "orderby") is not None,
        projection=projection,
        prefixes=found.prefixes,
    )


def _update_info(tree: CompValue) -> QueryInfo:
    requests = list(_get(tree, "request") or [])
    if not requests:
        raise QueryError("empty SPARQL query: no query form and no update operation")
    prologue: Prologue | None = None
    ops: list[str] = []
    found = _Found(Prologue())
    for pro, request in zip(tree["prologue"], requests, strict=False):
        prologue = _prologue(pro, prologue)
        found.prologue = prologue
        found.declare(pro)
        ops.append(_UPDATE_OPS.get(request.name, request.name))
        if request.name == "Load":
            found.loads.append(found.resolve(request["iri"]))
        found.walk(request)
    return QueryInfo(
        form="UPDATE",
        services=tuple(found.services),
        from_graphs=tuple(found.default),
        from_named=tuple(found.named),
        loads=tuple(found.loads),
        update_ops=tuple(dict.fromkeys(ops)),
        prefixes=found.prefixes,
    )


def _prologue(decls: Any, previous: Prologue | None) -> Prologue:
    try:
        return translatePrologue(decls, None, None, previous)
    except Exception as exc:  # rdflib raises a bare Exception for an undeclared prefix
        raise QueryError(f"SPARQL syntax error: {exc}") from None


def _get(node: CompValue, key: str) -> Any:
    """Return a field of a parse-tree node, or None (``CompValue.get`` takes other arguments)."""
    return dict.get(node, key)


class _Found:
    """Collects SERVICE targets and dataset clauses from a parse tree (walked without recursion)."""

    def __init__(self, prologue: Prologue) -> None:
        self.prologue = prologue
        self.services: list[str] = []
        self.default: list[str] = []
        self.named: list[str] = []
        self.loads: list[str] = []
        self.prefixes: dict[str, str] = {}

    def declare(self, decls: Any) -> None:
        """Record the PREFIX declarations of a prologue, as rdflib resolved them (against BASE)."""
        for decl in decls:
            if isinstance(decl, CompValue) and decl.name == "PrefixDecl":
                prefix = str(_get(decl, "prefix") or "")
                self.prefixes[prefix] = str(self.prologue.namespace_manager.store.namespace(prefix))

    def resolve(self, term: Any) -> str:
        if isinstance(term, Variable):
            return f"?{term}"
        try:
            return str(self.prologue.absolutize(term))
        except Exception as exc:  # undeclared prefix
            raise QueryError(f"SPARQL syntax error: {exc}") from None

    def walk(self, root: Any) -> None:
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, CompValue):
                if node.name == "ServiceGraphPattern":
                    self.services.append(self.resolve(node["term"]))
                elif node.name in ("DatasetClause", "UsingClause"):
                    if _get(node, "default") is not None:
                        self.default.append(self.resolve(node["default"]))
                    if _get(node, "named") is not None:
                        self.named.append(self.resolve(node["named"]))
                stack.extend(reversed(list(node.values())))
            elif isinstance(node, (list, tuple, ParseResults)):
                stack.extend(reversed(list(node)))


# --- the decision -------------------------------------------------------------------------------------------


def _host_allowed(target: str, hosts: frozenset[str]) -> bool:
    if target.startswith("?"):
        return False  # SERVICE ?var can reach anything
    try:
        parts = urlsplit(target)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host) and host in hosts


def _enforce(info: QueryInfo, allow_update: bool, hosts: frozenset[str], prefix: str, note: str) -> None:
    if info.loads:
        raise QueryRejected(f"LOAD is refused: sco-kg never fetches data named in a query{note}")
    if info.is_update and not allow_update:
        raise QueryRejected(
            f"SPARQL Update ({', '.join(info.update_ops)}) is refused: this is a read-only query interface "
            f"(use --allow-update to run it on an in-memory copy){note}"
        )
    for target in info.services:
        if not _host_allowed(target, hosts):
            variable = target.startswith("?")
            shown = f"a variable ({target})" if variable else f"<{target}>"
            hint = "" if variable else " (allow its host with --allow-service HOST)"
            raise QueryRejected(f"SERVICE {shown} is refused: federated queries are off{hint}{note}")
    for clause, graphs in (("FROM", info.from_graphs), ("FROM NAMED", info.from_named)):
        for graph in graphs:
            if not graph.startswith(prefix):
                keyword = clause.replace("FROM", "USING") if info.is_update else clause
                raise QueryRejected(
                    f"dataset clause {keyword} <{graph}> is refused: only the project's graphs "
                    f"(<{prefix}…>) may be named{note}"
                )


def _may_need_capabilities(text: str) -> bool:
    """Return False only if no reading of ``text`` can contain SERVICE, a dataset clause or an update."""
    upper = text.upper()
    return any(word in upper for word in _CAPABILITY_WORDS)


# --- Oxigraph's reading of escapes --------------------------------------------------------------------------


def _free_placeholders(text: str) -> Iterator[str]:
    used = set(text)
    for block in _PLACEHOLDERS:
        for code in block:
            char = chr(code)
            if char not in used:
                yield char
    raise QueryRejected("too many different \\u escapes in one query")


def _oxigraph_reading(text: str) -> tuple[str, dict[str, str]]:
    """Return ``text`` with each escape Oxigraph decodes replaced by a placeholder, and placeholder → character.

    An escape naming no character (a surrogate, beyond U+10FFFF) is left as written: Oxigraph refuses it.
    The mapping is empty when Oxigraph would decode nothing (then both engines read the same text).
    """
    if "\\" not in text:
        return text, {}
    by_char: dict[str, str] = {}
    free: Iterator[str] | None = None

    def repl(m: re.Match[str]) -> str:
        nonlocal free
        hexa = m.group(1) or m.group(2)
        if hexa is None:
            return m.group()
        code = int(hexa, 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return m.group()
        char = chr(code)
        if char not in by_char:
            if free is None:
                free = _free_placeholders(text)
            by_char[char] = next(free)
        return by_char[char]

    masked = _OXIGRAPH_ESCAPE.sub(repl, text)
    return masked, {p: c for c, p in by_char.items()}


def _unmask(info: QueryInfo, placeholders: dict[str, str]) -> QueryInfo:
    table = str.maketrans(placeholders)

    def fix(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.translate(table) for v in values)

    return QueryInfo(
        form=info.form,
        services=fix(info.services),
        from_graphs=fix(info.from_graphs),
        from_named=fix(info.from_named),
        loads=fix(info.loads),
        ordered=info.ordered,
        projection=info.projection,
        update_ops=info.update_ops,
    )
