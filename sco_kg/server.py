"""The linked-data server: a SPARQL 1.1 Protocol endpoint, dereferenceable IRIs and HTML pages (Starlette).

Owns everything HTTP: routing, content negotiation, the SPARQL protocol, the HTML pages rendered from
``sco_kg/templates/`` and the pictures (Graphviz ``dot`` or SVG written here). It reads one in-memory
pyoxigraph ``Store`` and never writes to it, never parses RDF with rdflib on a request and never writes a file
outside its cache directory. ``create_app(store, ...)`` builds the app; the handlers live at module level and
find their state on ``request.app.state.site``.

IRIs under ``https://w3id.org/sco-kg/`` map onto the server by path (``…/id/state/china`` →
``{base_url}id/state/china``). A resource IRI answers ``200`` with the negotiated representation and a
``Content-Location`` naming the representation's own URL (``….ttl``, ``….html``, …), ``Vary: Accept``; see
``docs/readme/server.md`` for why this is not a 303.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import csv
import difflib
import functools
import html
import io
import json
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sco_kg import sandbox
from sco_kg.errors import QueryError, QueryRejected, QueryTimeout, ScoKgError, UsageError
from sco_kg.rdf import iri
from sco_kg.sparql import gate as policy  # the server package (in progress) switches to the engine boundary

if TYPE_CHECKING:
    import pyoxigraph as ox
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

T = TypeVar("T")

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

LANGS = ("en", "zh", "ru")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
NIF = iri.PREFIXES["nif"]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = iri.PREFIXES["void"]
DCAT = iri.PREFIXES["dcat"]
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
DATASET_IRI = iri.BASE + ".well-known/void#dataset"
CACHE_ENTRIES = 1024  # rendered pictures, pages and descriptions kept in memory

# Label predicates in the order a display name is chosen (LINKING.md: formal names in skos:prefLabel).
LABEL_PREDICATES = (
    SKOS + "prefLabel",
    RDFS + "label",
    DCTERMS + "title",
    "http://xmlns.com/foaf/0.1/name",
    "https://schema.org/name",
    SKOS + "altLabel",
)
DEFINITION_PREDICATES = (SKOS + "definition", RDFS + "comment", DCTERMS + "description", SKOS + "scopeNote")

# ---------------------------------------------------------------------------------------------------------
# Media types and content negotiation (RFC 9110 §12.5.1)
# ---------------------------------------------------------------------------------------------------------

HTML = "text/html"
TURTLE = "text/turtle"
JSONLD = "application/ld+json"
NTRIPLES = "application/n-triples"
RDFXML = "application/rdf+xml"
TRIG = "application/trig"
NQUADS = "application/n-quads"
RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"

# Representation extension -> media type (document URLs of a resource: ``…/kazakhstan.ttl``).
RDF_EXTENSIONS: dict[str, str] = {
    "ttl": TURTLE,
    "jsonld": JSONLD,
    "nt": NTRIPLES,
    "rdf": RDFXML,
    "trig": TRIG,
    "nq": NQUADS,
}
EXTENSION_OF = {media: ext for ext, media in RDF_EXTENSIONS.items()} | {HTML: "html"}
# Media type -> pyoxigraph RdfFormat attribute.
OX_RDF = {
    TURTLE: "TURTLE",
    JSONLD: "JSON_LD",
    NTRIPLES: "N_TRIPLES",
    RDFXML: "RDF_XML",
    TRIG: "TRIG",
    NQUADS: "N_QUADS",
}
QUAD_MEDIA = {JSONLD, TRIG, NQUADS}
# Aliases a client may send in Accept (mapped onto the canonical media type we answer with).
MEDIA_ALIASES = {
    "application/xhtml+xml": HTML,
    "application/x-turtle": TURTLE,
    "application/turtle": TURTLE,
    "application/x-json+ld": JSONLD,
    "text/n-triples": NTRIPLES,
    "application/x-trig": TRIG,
    "text/x-nquads": NQUADS,
}
RESULT_MEDIA = (RESULTS_JSON, RESULTS_XML, CSV, TSV)
RESULT_ALIASES = {
    "application/json": RESULTS_JSON,
    "text/javascript": RESULTS_JSON,
    "application/javascript": RESULTS_JSON,
    "application/xml": RESULTS_XML,
    "text/xml": RESULTS_XML,
}
GRAPH_MEDIA = (TURTLE, JSONLD, NTRIPLES, RDFXML, TRIG, NQUADS)
GRAPH_ALIASES = {**MEDIA_ALIASES, "application/json": JSONLD, "application/xml": RDFXML, "text/xml": RDFXML}
# Values of the ``format`` parameter (SPARQLWrapper sends format=json, format=turtle, format=rdf+xml, …).
RESULT_FORMAT_NAMES = {"json": RESULTS_JSON, "xml": RESULTS_XML, "csv": CSV, "tsv": TSV, "srj": RESULTS_JSON}
GRAPH_FORMAT_NAMES = {
    "turtle": TURTLE,
    "ttl": TURTLE,
    "n3": TURTLE,
    "json-ld": JSONLD,
    "jsonld": JSONLD,
    "json": JSONLD,
    "nt": NTRIPLES,
    "ntriples": NTRIPLES,
    "n-triples": NTRIPLES,
    "xml": RDFXML,
    "rdf": RDFXML,
    "rdf+xml": RDFXML,
    "rdfxml": RDFXML,
    "trig": TRIG,
    "nq": NQUADS,
    "nquads": NQUADS,
    "n-quads": NQUADS,
}
FILE_EXTENSION_OF = {
    RESULTS_JSON: "srj",
    RESULTS_XML: "srx",
    CSV: "csv",
    TSV: "tsv",
    TURTLE: "ttl",
    JSONLD: "jsonld",
    NTRIPLES: "nt",
    RDFXML: "rdf",
    TRIG: "trig",
    NQUADS: "nq",
}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Return the media ranges of an ``Accept`` header with their q-values (``*/*`` when the header is absent).

    Malformed parts (no slash, bad q) are skipped, so a garbled header degrades to "anything".
    """
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in bits[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0) if q == q else 0.0  # NaN (q=nan) means "not acceptable"
        ranges.append((media, q))
    return ranges or [("*/*", 1.0)]


def negotiate(header: str | None, offered: Sequence[str], aliases: dict[str, str] | None = None) -> str | None:
    """Return the offered media type the client prefers, or ``None`` when nothing offered is acceptable.

    Args:
        header: the request's ``Accept`` header.
        offered: media types the server can produce, in the server's order of preference (ties go to it).
        aliases: other names of offered types (``application/json`` → JSON-LD), matched as exact types.

    Returns:
        One of ``offered``, or ``None`` (the caller answers 406).
    """
    aliases = aliases or {}
    best: tuple[float, int, int] | None = None
    choice: str | None = None
    ranges = parse_accept(header)
    for index, media in enumerate(offered):
        main = media.split("/")[0]
        q_value = -1.0
        specificity = -1
        for rng, q in ranges:
            target = aliases.get(rng, rng)
            if target == media:
                spec = 3 if rng == media else 2
            elif rng == f"{main}/*":
                spec = 1
            elif rng == "*/*":
                spec = 0
            else:
                continue
            if spec > specificity or (spec == specificity and q > q_value):
                specificity, q_value = spec, q
        if q_value <= 0:
            continue
        key = (q_value, specificity, -index)
        if best is None or key > best:
            best, choice = key, media
    return choice


def preferred_language(header: str | None) -> str:
    """Return ``en``, ``zh`` or ``ru``: the first of them that ``Accept-Language`` ranks highest (default ``en``)."""
    if not header:
        return "en"
    best, best_q = "en", 0.0
    for position, part in enumerate(header.split(",")):
        bits = [b.strip() for b in part.split(";")]
        tag = bits[0].lower().split("-")[0]
        q = 1.0
        for param in bits[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q != q:  # NaN
            q = 0.0
        q -= position * 1e-6  # earlier wins a tie
        if tag in LANGS and q > best_q:
            best, best_q = tag, q
    return best


def lang_matches(tag: str | None, lang: str) -> bool:
    """Return whether the language tag ``tag`` (``zh-Hans``, ``ru``…) belongs to ``lang`` (``zh``, ``ru``, ``en``)."""
    return bool(tag) and tag.lower().split("-")[0] == lang  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------------------
# IRI ⇄ URL mapping
# ---------------------------------------------------------------------------------------------------------

_PATH_SAFE = "/-._~!$&'()*+,;=:@"


def iri_to_path(value: str) -> str | None:
    """Return the server path (``/id/state/china``) of an IRI under the project base, or ``None``."""
    if not value.startswith(iri.BASE):
        return None
    return "/" + urllib.parse.quote(value[len(iri.BASE) :], safe=_PATH_SAFE)


def path_to_iri(path: str) -> str | None:
    """Return the IRI a server path denotes (the inverse of :func:`iri_to_path`), or ``None`` when unsafe.

    ``path`` is the decoded request path; ``..`` segments and control characters are refused.
    """
    rel = path[1:] if path.startswith("/") else path  # one slash only: "//x" is not "/x" (round trip)
    if any(seg in ("..", ".") for seg in rel.split("/")) or any(ord(c) < 0x21 or c in '<>"{}|\\^`' for c in rel):
        return None
    return iri.BASE + rel


# ---------------------------------------------------------------------------------------------------------
# Query results: run with a deadline and a row cap, serialise in the W3C formats
# ---------------------------------------------------------------------------------------------------------


class ServerBusy(ScoKgError):
    """Every query worker is busy (the server answers 503)."""


@dataclass
class QueryOutcome:
    """What one query returned: solutions, a boolean or triples, and whether the row cap cut it short."""

    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Any] = field(default_factory=list)
    truncated: bool = False


def _clean_syntax_message(msg: str) -> str:
    return " ".join(msg.split())


def execute_query(
    store: ox.Store,
    text: str,
    *,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    deadline: float | None = None,
    max_rows: int = 10_000,
    substitutions: dict[str, Any] | None = None,
) -> QueryOutcome:
    """Run a checked query on ``store`` and return its outcome (blocking; call it off the event loop).

    Args:
        store: the pyoxigraph store.
        text: the SPARQL query (checked with :func:`sco_kg.sparql.policy.check` by the caller).
        default_graphs: ``default-graph-uri`` values; none means the union of all graphs.
        named_graphs: ``named-graph-uri`` values; none means every named graph.
        deadline: ``time.monotonic()`` value after which iteration stops with :class:`QueryTimeout`.
        max_rows: rows (or triples) kept; more sets ``truncated``.
        substitutions: variable name → pyoxigraph term, bound before evaluation (SEP-0007).

    Raises:
        QueryError: the query does not parse (the parser's message) or fails while running.
        QueryTimeout: the deadline passed while results were read.
    """
    import pyoxigraph as ox

    kwargs: dict[str, Any] = {}
    if default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = True
    if named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    if substitutions:
        kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
    try:
        result: Any = store.query(text, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            return QueryOutcome(kind="ask", boolean=bool(result))
        outcome: QueryOutcome
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            outcome = QueryOutcome(kind="select", variables=variables)
            sink: list[Any] = outcome.rows
        else:
            outcome = QueryOutcome(kind="graph")
            sink = outcome.triples
        # pyoxigraph's result iterators must die in this thread: no local may outlive an early exit.
        expired = False
        for n, item in enumerate(result):
            if n >= max_rows:
                outcome.truncated = True
                break
            if deadline is not None and n % 64 == 0 and time.monotonic() > deadline:
                expired = True
                break
            sink.append([item[v] for v in outcome.variables] if outcome.kind == "select" else item)
        item = result = None
        if expired:
            raise QueryTimeout("the query ran past its time limit")
        return outcome
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {_clean_syntax_message(str(exc))}") from None
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        raise QueryError(f"query failed: {_clean_syntax_message(str(exc))}") from None


def _term_json(term: Any) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}  # RDF-star quoted triple (not in this dataset)


def _term_xml(term: Any) -> str:
    import pyoxigraph as ox

    esc = html.escape
    if isinstance(term, ox.NamedNode):
        return f"<uri>{esc(term.value, quote=False)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{esc(term.value, quote=False)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f'<literal xml:lang="{esc(term.language)}">{esc(term.value, quote=False)}</literal>'
        if term.datatype.value != XSD_STRING:
            return f'<literal datatype="{esc(term.datatype.value)}">{esc(term.value, quote=False)}</literal>'
        return f"<literal>{esc(term.value, quote=False)}</literal>"
    return f"<literal>{esc(str(term), quote=False)}</literal>"


def _term_csv(term: Any) -> str:
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def _tsv_escape(text: str) -> str:
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def serialize_results(outcome: QueryOutcome, media: str) -> bytes:
    """Return a SELECT/ASK outcome in a W3C SPARQL 1.1 results format (JSON, XML, CSV or TSV)."""
    if media == RESULTS_JSON:
        if outcome.kind == "ask":
            return json.dumps({"head": {}, "boolean": outcome.boolean}).encode()
        bindings = [
            {v: _term_json(t) for v, t in zip(outcome.variables, row, strict=False) if t is not None}
            for row in outcome.rows
        ]
        body = {"head": {"vars": outcome.variables}, "results": {"bindings": bindings}}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    if media == RESULTS_XML:
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        out += [f'<variable name="{html.escape(v)}"/>' for v in outcome.variables]
        out.append("</head>\n")
        if outcome.kind == "ask":
            out.append(f"<boolean>{'true' if outcome.boolean else 'false'}</boolean>\n")
        else:
            out.append("<results>\n")
            for row in outcome.rows:
                out.append("<result>")
                for v, t in zip(outcome.variables, row, strict=False):
                    if t is not None:
                        out.append(f'<binding name="{html.escape(v)}">{_term_xml(t)}</binding>')
                out.append("</result>\n")
            out.append("</results>\n")
        out.append("</sparql>\n")
        return "".join(out).encode()
    if media == CSV:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        if outcome.kind == "ask":
            writer.writerow(["_askResult"])
            writer.writerow(["true" if outcome.boolean else "false"])
        else:
            writer.writerow(outcome.variables)
            for row in outcome.rows:
                writer.writerow([_term_csv(t) for t in row])
        return buf.getvalue().encode()
    if media == TSV:
        if outcome.kind == "ask":
            return f"?_askResult\n{'true' if outcome.boolean else 'false'}\n".encode()
        lines = ["\t".join("?" + v for v in outcome.variables)]
        for row in outcome.rows:
            lines.append("\t".join("" if t is None else _tsv_escape(str(t)) for t in row))
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"not a results media type: {media}")


def serialize_rdf(items: Iterable[Any], media: str, prefixes: dict[str, str] | None = None) -> bytes:
    """Return triples or quads in an RDF media type; quads lose their graph in a triple format."""
    import pyoxigraph as ox

    items = list(items)
    if media in QUAD_MEDIA:
        quads = [x if isinstance(x, ox.Quad) else ox.Quad(x.subject, x.predicate, x.object) for x in items]
        data = quads
    else:
        seen: dict[Any, None] = {}
        for x in items:
            seen[x.triple if isinstance(x, ox.Quad) else x] = None
        data = list(seen)
    fmt = getattr(ox.RdfFormat, OX_RDF[media])
    use_prefixes = prefixes if media in (TURTLE, TRIG, RDFXML) else None
    return ox.serialize(data, format=fmt, prefixes=use_prefixes) or b""


def used_prefixes(items: Iterable[Any]) -> dict[str, str]:
    """Return the project prefixes whose namespace some IRI in ``items`` (triples or quads) starts with."""
    namespaces = sorted(iri.PREFIXES.items(), key=lambda kv: -len(kv[1]))
    values: set[str] = set()
    for x in items:
        terms = [x.subject, x.predicate, x.object] + ([x.graph_name] if hasattr(x, "graph_name") else [])
        for t in terms:
            v = getattr(t, "value", None)
            if isinstance(v, str) and v.startswith("http"):
                values.add(v)
            dt = getattr(t, "datatype", None)
            if dt is not None:
                values.add(dt.value)
    chosen: dict[str, str] = {}
    for v in values:
        for name, ns in namespaces:
            if v.startswith(ns):
                chosen[name] = ns
                break
    return dict(sorted(chosen.items()))


# ---------------------------------------------------------------------------------------------------------
# The site: indexes over the store computed once (the store is read-only while the server runs)
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerConfig:
    """Settings of one server instance (``sco-kg serve`` options)."""

    base_url: str | None = None
    timeout: float = 10.0
    max_rows: int = 10_000
    max_body_bytes: int = 1_000_000
    max_query_string: int = 16_384
    quiet: bool = False
    inferred: bool = True
    workers: int = 4
    cache_dir: Path | None = None


@dataclass(frozen=True)
class Statement:
    """One triple about a resource, with every graph that holds it."""

    subject: Any
    predicate: Any
    object: Any
    graphs: tuple[str, ...]

    @property
    def inferred(self) -> bool:
        """Return whether the triple is only in inferred graphs (entailed, not asserted)."""
        return all(g in iri.INFERRED_GRAPHS for g in self.graphs)

    @property
    def rests_on_context(self) -> bool:
        """Return whether the triple is inferred only with outside facts (``scog:inferred-context``)."""
        return self.inferred and iri.GRAPH_INFERRED not in self.graphs and iri.GRAPH_INFERRED_CONTEXT in self.graphs


@dataclass
class Sentence:
    """A sentence of the source text: anchor ``p13-s2``, IRI, text and the assertion graph it backs."""

    anchor: str
    iri: str
    paragraph: int
    number: int
    text: str
    graph: str | None = None


def display_text(raw: str) -> str:
    """Return source text for reading: the scraping residue ``[Name](#)`` becomes ``Name``, ``# `` headings go."""
    text = re.sub(r"\[([^\]]*)\]\(#\)", r"\1", raw)
    return re.sub(r"^#+\s*", "", text)


_SENTENCE_KEY = re.compile(r"p(\d+)-s(\d+)$")


class Site:
    """Indexes over the store that every page needs: labels, sentences, provenance, counts."""

    def __init__(self, store: ox.Store, config: ServerConfig) -> None:
        """Build the indexes of ``store`` (a few milliseconds for the declaration)."""
        import pyoxigraph as ox

        self.store = store
        self.config = config
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=config.workers, thread_name_prefix="sco-kg-query"
        )
        self._cache: collections.OrderedDict[tuple[str, ...], Any] = collections.OrderedDict()
        self._cache_lock = threading.Lock()
        self.labels: dict[str, dict[str, list[tuple[str, str]]]] = {}
        q: Any
        for pred in LABEL_PREDICATES:
            for q in store.quads_for_pattern(None, ox.NamedNode(pred), None, None):
                if not isinstance(q.object, ox.Literal) or isinstance(q.subject, ox.Triple):
                    continue
                lang = (q.object.language or "").lower().split("-")[0]
                entry = self.labels.setdefault(q.subject.value, {}).setdefault(lang, [])
                if (pred, q.object.value) not in entry:
                    entry.append((pred, q.object.value))
        self.sentences: dict[str, Sentence] = {}
        anchor = ox.NamedNode(NIF + "anchorOf")
        for q in store.quads_for_pattern(None, anchor, None, ox.NamedNode(iri.GRAPH_TEXT)):
            m = _SENTENCE_KEY.search(q.subject.value)
            if q.subject.value.startswith(iri.ID + "sentence/") and m:
                key = m.group(0)
                self.sentences[key] = Sentence(
                    key, q.subject.value, int(m.group(1)), int(m.group(2)), display_text(q.object.value)
                )
        self.paragraphs: dict[int, str] = {}
        for q in store.quads_for_pattern(None, anchor, None, ox.NamedNode(iri.GRAPH_TEXT)):
            if q.subject.value.startswith(iri.ID + "paragraph/"):
                with contextlib.suppress(ValueError):
                    self.paragraphs[int(q.subject.value.rsplit("/", 1)[1])] = display_text(q.object.value)
        self.graph_sentence: dict[str, Sentence] = {}
        derived = ox.NamedNode(PROV + "wasDerivedFrom")
        for q in store.quads_for_pattern(None, derived, None, ox.NamedNode(iri.GRAPH_PROVENANCE)):
            m = _SENTENCE_KEY.search(q.object.value)
            if m and m.group(0) in self.sentences:
                self.graph_sentence[q.subject.value] = self.sentences[m.group(0)]
                self.sentences[m.group(0)].graph = q.subject.value
        self.graph_counts: dict[str, int] = {}
        for graph in store.named_graphs():
            self.graph_counts[graph.value] = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
        self.total = sum(self.graph_counts.values())
        self.subclasses = self._sco_hierarchy()

    # --- caching -----------------------------------------------------------------------------------

    def cached(self, key: tuple[str, ...], make: Callable[[], T]) -> T:
        """Return the cached value for ``key``, computing it with ``make`` the first time."""
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = make()
        with self._cache_lock:
            self._cache[key] = value
            # Bounded: keys include the request's base URL, which a client chooses through the Host header.
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return value

    # --- labels ------------------------------------------------------------------------------------

    def label(self, value: str, lang: str = "en") -> str:
        """Return the display name of an IRI in ``lang`` (English, then untagged, then the compact IRI)."""
        found = self.labels.get(value)
        if found:
            for want in (lang, "en", ""):
                entries = found.get(want)
                if entries:
                    for pred in LABEL_PREDICATES:
                        for p, text in entries:
                            if p == pred:
                                return text
        return iri.compact(value)

    def has_label(self, value: str, lang: str) -> bool:
        """Return whether the IRI has a name in ``lang`` itself (no fallback)."""
        return bool(self.labels.get(value, {}).get(lang))

    def names(self, value: str) -> dict[str, list[tuple[str, str]]]:
        """Return every name of an IRI by language (``en``, ``zh``, ``ru``, others) as (predicate, text)."""
        return self.labels.get(value, {})

    # --- the graph ---------------------------------------------------------------------------------

    def _sco_hierarchy(self) -> dict[str, set[str]]:
        rows = self.select(
            f"SELECT ?c ?sup WHERE {{ GRAPH <{iri.GRAPH_ONTOLOGY}> {{ ?c <{RDFS}subClassOf> ?sup }} "
            "FILTER(isIRI(?c) && isIRI(?sup)) }"
        )
        out: dict[str, set[str]] = {}
        for c, sup in rows:
            out.setdefault(sup.value, set()).add(c.value)
        return out

    def descendants(self, cls: str) -> set[str]:
        """Return ``cls`` and every class below it by asserted ``rdfs:subClassOf`` in the ontology."""
        seen = {cls}
        todo = [cls]
        while todo:
            for sub in self.subclasses.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        return seen

    def select(self, query: str) -> list[list[Any]]:
        """Return the rows of a trusted internal SELECT over the union of all graphs."""
        result = self.store.query(query, use_default_graph_as_union=True)
        variables = result.variables  # type: ignore[union-attr]
        return [[s[v] for v in variables] for s in result]  # type: ignore[union-attr]

    def instances(self, cls: str) -> list[str]:
        """Return the IRIs typed with ``cls`` or a subclass (asserted or inferred), outside the ontology graph."""
        import pyoxigraph as ox

        found: set[str] = set()
        rdf_type = ox.NamedNode(RDF_TYPE)
        q: Any
        for c in self.descendants(cls):
            for q in self.store.quads_for_pattern(None, rdf_type, ox.NamedNode(c), None):
                if q.graph_name.value != iri.GRAPH_ONTOLOGY and isinstance(q.subject, ox.NamedNode):
                    found.add(q.subject.value)
        return sorted(found)

    def known(self, value: str) -> bool:
        """Return whether an IRI occurs in the store (as subject, object or graph name)."""
        import pyoxigraph as ox

        try:
            node = ox.NamedNode(value)
        except ValueError:  # not a valid IRI (e.g. a path with U+FFFD from invalid percent-encoding): unknown
            return False
        return (
            any(True for _ in self.store.quads_for_pattern(node, None, None, None))
            or any(True for _ in self.store.quads_for_pattern(None, None, node, None))
            or any(True for _ in self.store.quads_for_pattern(None, node, None, None))
            or value in self.graph_counts
        )

    def statements(self, value: str, incoming: bool = False) -> list[Statement]:
        """Return the triples with ``value`` as subject (or object), each once with all its graphs."""
        import pyoxigraph as ox

        node = ox.NamedNode(value)
        quads = (
            self.store.quads_for_pattern(None, None, node, None)
            if incoming
            else self.store.quads_for_pattern(node, None, None, None)
        )
        grouped: dict[tuple[Any, Any, Any], list[str]] = {}
        for q in quads:
            graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
            grouped.setdefault((q.subject, q.predicate, q.object), []).append(graph)
        return [Statement(s, p, o, tuple(sorted(gs))) for (s, p, o), gs in grouped.items()]

    def description_quads(self, value: str) -> list[Any]:
        """Return every quad about ``value``: out, in, and the content of the graph it names (if any)."""
        import pyoxigraph as ox

        node = ox.NamedNode(value)
        seen: dict[Any, None] = {}
        for q in self.store.quads_for_pattern(node, None, None, None):
            seen[q] = None
        for q in self.store.quads_for_pattern(None, None, node, None):
            seen[q] = None
        for q in self.store.quads_for_pattern(None, node, None, None):
            seen[q] = None
        if value in self.graph_counts:
            for q in self.store.quads_for_pattern(None, None, None, node):
                seen[q] = None
        return list(seen)

    def graph_quads(self, graph: str) -> list[Any]:
        """Return the quads of one named graph."""
        import pyoxigraph as ox

        return list(self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def literal_values(self, value: str, predicate: str, lang: str) -> list[str]:
        """Return the literal values of ``predicate`` on ``value``, those in ``lang`` (or English) first."""
        import pyoxigraph as ox

        found: list[tuple[int, str]] = []
        for q in self.store.quads_for_pattern(ox.NamedNode(value), ox.NamedNode(predicate), None, None):
            if isinstance(q.object, ox.Literal):
                tag = q.object.language
                rank = 0 if lang_matches(tag, lang) else 1 if (not tag or lang_matches(tag, "en")) else 2
                found.append((rank, q.object.value))
        found.sort()
        best = [text for rank, text in found if rank == found[0][0]] if found else []
        return list(dict.fromkeys(best))

    def objects(self, value: str, predicate: str) -> list[str]:
        """Return the IRIs ``o`` of the triples ``value predicate o`` in any graph."""
        import pyoxigraph as ox

        out = {
            q.object.value
            for q in self.store.quads_for_pattern(ox.NamedNode(value), ox.NamedNode(predicate), None, None)
            if isinstance(q.object, ox.NamedNode)
        }
        return sorted(out)

    def subjects(self, predicate: str, value: str) -> list[str]:
        """Return the IRIs ``s`` of the triples ``s predicate value`` in any graph."""
        import pyoxigraph as ox

        out = {
            q.subject.value
            for q in self.store.quads_for_pattern(None, ox.NamedNode(predicate), ox.NamedNode(value), None)
            if isinstance(q.subject, ox.NamedNode)
        }
        return sorted(out)


# ---------------------------------------------------------------------------------------------------------
# Words of the interface in the three languages of the SCO's documents
# ---------------------------------------------------------------------------------------------------------

UI: dict[str, dict[str, str]] = {
    "en": {
        "site": "SCO Declaration 2001: knowledge graph",
        "home": "Home",
        "text": "Full text",
        "ontology": "Ontology",
        "query": "Query",
        "sparql": "SPARQL",
        "search": "Search",
        "search_ph": "names and sentences…",
        "names": "Names",
        "types": "Types",
        "properties": "Properties",
        "incoming": "Referenced by",
        "inferred": "inferred",
        "inferred_context": "inferred from outside facts",
        "inferred_context_title": "follows only once the facts from outside the declaration (scog:context) are added",
        "asserted": "asserted",
        "source": "Source sentence",
        "download": "Download",
        "diagram": "Neighbourhood",
        "statements": "Statements",
        "relations": "Relations",
        "links": "Links to other datasets",
        "attributes": "Attributes",
        "description": "Description",
        "counts": "What is in the graph",
        "triples": "triples",
        "graph": "graph",
        "timeline": "Timeline 1996–2002",
        "states": "Signatory states",
        "organizations": "Organizations and bodies",
        "documents": "Documents",
        "events": "Events",
        "concepts": "Principles, aims, fields and threats",
        "classes": "Classes",
        "object_props": "Object properties",
        "data_props": "Data properties",
        "domain": "domain",
        "range": "range",
        "super": "broader",
        "sub": "narrower",
        "inverse": "inverse",
        "run": "Run",
        "results": "Results",
        "rows": "rows",
        "catalogue": "Canned queries",
        "not_found": "Not found",
        "no_results": "No results.",
        "truncated": "Results cut at the row limit.",
        "about_dataset": "The Declaration on the establishment of the Shanghai Cooperation Organization "
        "(Shanghai, 15 June 2001), as reported by the news release of that day, as linked data: an OWL "
        "ontology, every statement of the text in RDF with the sentence it comes from, and OWL 2 RL inferences.",
        "entry": "Start here",
        "metadata": "Dataset description (VoID/DCAT)",
        "dumps": "Downloads",
        "in_graph": "in graph",
        "sentence": "sentence",
        "params": "Parameters",
        "language": "Language",
        "graph_content": "Statements in this graph",
        "modules": "Modules",
        "edit": "Edit the query",
    },
    "zh": {
        "site": "2001年上海合作组织宣言：知识图谱",
        "home": "首页",
        "text": "全文",
        "ontology": "本体",
        "query": "查询",
        "sparql": "SPARQL",
        "search": "搜索",
        "search_ph": "名称和句子…",
        "names": "名称",
        "types": "类型",
        "properties": "属性",
        "incoming": "被引用",
        "inferred": "推理",
        "inferred_context": "由外部事实推理",
        "inferred_context_title": "只有加入宣言以外的事实（scog:context）后才能推出",
        "asserted": "断言",
        "source": "来源句子",
        "download": "下载",
        "diagram": "关系图",
        "statements": "陈述",
        "relations": "关系",
        "links": "外部链接",
        "attributes": "特征",
        "description": "说明",
        "counts": "图谱内容",
        "triples": "三元组",
        "graph": "图",
        "timeline": "时间线 1996–2002",
        "states": "签署国",
        "organizations": "组织和机构",
        "documents": "文件",
        "events": "事件",
        "concepts": "原则、宗旨、领域和威胁",
        "classes": "类",
        "object_props": "对象属性",
        "data_props": "数据属性",
        "domain": "定义域",
        "range": "值域",
        "super": "上位",
        "sub": "下位",
        "inverse": "逆属性",
        "run": "运行",
        "results": "结果",
        "rows": "行",
        "catalogue": "预设查询",
        "not_found": "未找到",
        "no_results": "没有结果。",
        "truncated": "结果已在行数上限处截断。",
        "about_dataset": "以关联数据形式呈现的《上海合作组织成立宣言》（2001年6月15日，上海），"
        "依据当天的新闻稿：OWL本体、文本中的每一陈述及其来源句子，以及OWL 2 RL推理结果。",
        "entry": "入口",
        "metadata": "数据集描述（VoID/DCAT）",
        "dumps": "下载",
        "in_graph": "所在图",
        "sentence": "句子",
        "params": "参数",
        "language": "语言",
        "graph_content": "本图中的陈述",
        "modules": "模块",
        "edit": "编辑查询",
    },
    "ru": {
        "site": "Декларация ШОС 2001 года: граф знаний",
        "home": "Главная",
        "text": "Полный текст",
        "ontology": "Онтология",
        "query": "Запрос",
        "sparql": "SPARQL",
        "search": "Поиск",
        "search_ph": "названия и предложения…",
        "names": "Названия",
        "types": "Типы",
        "properties": "Свойства",
        "incoming": "Ссылки на ресурс",
        "inferred": "выведено",
        "inferred_context": "выведено из внешних фактов",
        "inferred_context_title": "следует только с фактами вне декларации (scog:context)",
        "asserted": "утверждено",
        "source": "Исходное предложение",
        "download": "Скачать",
        "diagram": "Окрестность",
        "statements": "Утверждения",
        "relations": "Связи",
        "links": "Ссылки на другие наборы данных",
        "attributes": "Атрибуты",
        "description": "Описание",
        "counts": "Содержимое графа",
        "triples": "триплетов",
        "graph": "граф",
        "timeline": "Хронология 1996–2002",
        "states": "Государства-участники",
        "organizations": "Организации и органы",
        "documents": "Документы",
        "events": "События",
        "concepts": "Принципы, цели, области и угрозы",
        "classes": "Классы",
        "object_props": "Объектные свойства",
        "data_props": "Свойства данных",
        "domain": "область определения",
        "range": "область значений",
        "super": "шире",
        "sub": "уже",
        "inverse": "обратное",
        "run": "Выполнить",
        "results": "Результаты",
        "rows": "строк",
        "catalogue": "Готовые запросы",
        "not_found": "Не найдено",
        "no_results": "Нет результатов.",
        "truncated": "Результаты обрезаны по лимиту строк.",
        "about_dataset": "Декларация о создании Шанхайской организации сотрудничества (Шанхай, 15 июня 2001 г.) "
        "по сообщению информационного агентства того же дня в виде связанных данных: онтология OWL, каждое "
        "утверждение текста в RDF с исходным предложением и выводы OWL 2 RL.",
        "entry": "С чего начать",
        "metadata": "Описание набора данных (VoID/DCAT)",
        "dumps": "Выгрузки",
        "in_graph": "в графе",
        "sentence": "предложение",
        "params": "Параметры",
        "language": "Язык",
        "graph_content": "Утверждения этого графа",
        "modules": "Модули",
        "edit": "Изменить запрос",
    },
}
LANG_NAMES = {"en": "English", "zh": "中文", "ru": "Русский"}
GRAPH_NAMES = {
    iri.GRAPH_ONTOLOGY: "ontology",
    iri.GRAPH_TEXT: "text",
    iri.GRAPH_PROVENANCE: "provenance",
    iri.GRAPH_CURATION: "curation",
    iri.GRAPH_CONTEXT: "context",
    iri.GRAPH_INFERRED: "inferred",
    iri.GRAPH_INFERRED_CONTEXT: "inferred from outside facts",
    iri.GRAPH_INFERRED_USER: "inferred from your files",
}


# ---------------------------------------------------------------------------------------------------------
# Request helpers
# ---------------------------------------------------------------------------------------------------------


class HttpError(Exception):
    """An error answer: status, a one-line message, and extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        """Store the status, message and headers."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class UpdateRefused(QueryRejected):
    """A SPARQL Update sent to the read-only endpoint (403)."""


def _site(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def base_url(request: Request) -> str:
    """Return the public URL that ``https://w3id.org/sco-kg/`` maps onto (ends with ``/``)."""
    configured = _site(request).config.base_url
    if configured:
        return configured if configured.endswith("/") else configured + "/"
    return str(request.base_url)


def request_lang(request: Request) -> tuple[str, bool]:
    """Return the page language and whether it was chosen explicitly with ``?lang=``."""
    chosen = request.query_params.get("lang", "")
    if chosen in LANGS:
        return chosen, True
    return preferred_language(request.headers.get("accept-language")), False


def query_pairs(raw: bytes | str) -> list[tuple[str, str]]:
    """Return the pairs of an ``application/x-www-form-urlencoded`` string.

    Raises:
        HttpError: 400 when a value is not valid percent-encoded UTF-8.
    """
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    try:
        return urllib.parse.parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise HttpError(400, f"invalid percent-encoding or UTF-8 in the request parameters: {exc}") from None


def _values(pairs: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


async def read_body(request: Request) -> bytes:
    """Return the request body, refusing more than the configured size with 413."""
    limit = _site(request).config.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HttpError(413, f"request body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpError(413, f"request body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class Linker:
    """Turns IRIs into links on this server, keeping an explicitly chosen language."""

    def __init__(self, base: str, lang: str, explicit: bool) -> None:
        """Remember the base URL and the language."""
        self.base = base
        self.lang = lang
        self.explicit = explicit

    def url(self, path: str, lang: str | None = None, **params: str) -> str:
        """Return ``base + path`` with ``lang`` (when chosen) and ``params`` in the query string."""
        query = dict(params)
        if lang is not None:
            query["lang"] = lang
        elif self.explicit:
            query["lang"] = self.lang
        fragment = ""
        if "#" in path:
            path, fragment = path.split("#", 1)
            fragment = "#" + fragment
        qs = ("?" + urllib.parse.urlencode(query)) if query else ""
        return self.base + path.lstrip("/") + qs + fragment

    def iri(self, value: str) -> str:
        """Return where a click on ``value`` goes: its page here, or the IRI itself when it is elsewhere."""
        path = iri_to_path(value)
        return self.url(path) if path is not None else value


async def run_bounded(site: Site, job: Callable[[float], T]) -> T:
    """Run ``job(deadline)`` on the query pool; answer 503 if no worker starts it, 504 if it overruns.

    pyoxigraph cannot cancel a running evaluation: a query that is still producing its first row at the
    deadline finishes in the background (its worker stays busy), one that streams rows stops at the deadline.
    """
    timeout = site.config.timeout
    started = threading.Event()
    deadline = time.monotonic() + timeout

    def work() -> T:
        started.set()
        return job(deadline)

    future = site.executor.submit(work)
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
    except asyncio.TimeoutError:
        future.cancel()
        if not started.is_set():
            raise ServerBusy(f"every query worker is busy; try again in a few seconds (limit {timeout:g} s)") from None
        raise QueryTimeout(f"the query ran past the time limit of {timeout:g} s") from None


def error_status(exc: ScoKgError) -> int:
    """Return the HTTP status of a project error raised while answering a request."""
    if isinstance(exc, UpdateRefused):
        return 403
    if isinstance(exc, ServerBusy):
        return 503
    if isinstance(exc, QueryTimeout):
        return 504
    if isinstance(exc, (QueryError, UsageError)):
        return 400
    return 500


def plain_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Return a one-line ``text/plain`` error answer."""
    from starlette.responses import PlainTextResponse

    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


_jinja_env: Any = None


def _templates() -> Any:
    global _jinja_env
    if _jinja_env is None:
        import jinja2

        _jinja_env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=jinja2.select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _jinja_env


def render(
    request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> Response:
    """Return an HTML page rendered from ``sco_kg/templates/<template>`` in the request's language."""
    from markupsafe import Markup
    from starlette.responses import HTMLResponse

    lang, explicit = request_lang(request)
    link = Linker(base_url(request), lang, explicit)
    here = request.url.path
    switch = []
    for code in LANGS:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", code)]
        switch.append((code, LANG_NAMES[code], here + "?" + urllib.parse.urlencode(params), code == lang))
    page = (
        _templates()
        .get_template(template)
        .render(ui=UI[lang], lang=lang, link=link, switch=switch, site=_site(request), Markup=Markup, **context)
    )
    return HTMLResponse(page, status_code=status, headers={"Content-Language": lang, **(headers or {})})


def error_page(request: Request, status: int, title: str, message: str, **context: Any) -> Response:
    """Return an error as an HTML page when the client takes HTML, else as one line of text."""
    if negotiate(request.headers.get("accept"), [HTML, "text/plain"]) == HTML:
        return render(request, "error.html", status=status, title=title, message=message, **context)
    return plain_error(status, message)


# ---------------------------------------------------------------------------------------------------------
# /sparql: the SPARQL 1.1 Protocol (query operation only)
# ---------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _policy_verdict(text: str) -> tuple[str, str, str]:
    try:
        info = policy.analyse(text)
        if info.is_update:
            ops = ", ".join(info.update_ops)
            return "", "update", f"SPARQL Update ({ops}) is not allowed: this endpoint is read-only"
        policy.check(text)
    except QueryRejected as exc:
        return "", "rejected", str(exc)
    except QueryError as exc:
        return "", "error", str(exc)
    return {"SELECT": "select", "ASK": "ask"}.get(info.form, "graph"), "", ""


def checked_form(text: str) -> str:
    """Return ``select``, ``ask`` or ``graph`` for a query the policy lets run (verdicts are cached by text).

    Raises:
        UpdateRefused: the text is a SPARQL Update (the endpoint is read-only: 403).
        QueryRejected: SERVICE, LOAD or a remote dataset clause (400).
        QueryError: not a SPARQL query at all (400).
    """
    form, kind, message = _policy_verdict(text)
    if kind == "update":
        raise UpdateRefused(message)
    if kind == "rejected":
        raise QueryRejected(message)
    if kind == "error":
        raise QueryError(message)
    return form


def choose_media(form: str, accept: str | None, formats: Sequence[str]) -> str:
    """Return the answer's media type from the ``format`` parameter values or, without them, ``Accept``.

    Raises:
        HttpError: 406 when nothing acceptable can be produced.
    """
    graph = form == "graph"
    names = GRAPH_FORMAT_NAMES if graph else RESULT_FORMAT_NAMES
    aliases = GRAPH_ALIASES if graph else RESULT_ALIASES
    offered = GRAPH_MEDIA if graph else RESULT_MEDIA
    for value in formats:
        key = value.strip().lower()
        media = names.get(key) or aliases.get(key) or (key if key in offered else None)
        if media:
            return media
    if formats:
        raise HttpError(406, f"unknown format {formats[0]!r}: use one of {', '.join(sorted(names))}")
    media = negotiate(accept, offered, aliases)
    if media is None:
        raise HttpError(406, f"cannot answer in {accept!r}: this query can be answered in {', '.join(offered)}")
    return media


def _graph_list(values: Sequence[str], name: str) -> list[str]:
    import pyoxigraph as ox

    for v in values:
        try:
            ox.NamedNode(v)
        except ValueError:
            raise HttpError(400, f"{name}: not an absolute IRI: {v!r}") from None
    return list(values)


async def answer_query(
    request: Request,
    text: str,
    formats: Sequence[str] = (),
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
) -> Response:
    """Check, run and serialise one query; the status is final before any byte of the body is sent."""
    from starlette.responses import Response

    site = _site(request)
    try:
        form = checked_form(text)
        media = choose_media(form, request.headers.get("accept"), formats)
        outcome = await run_bounded(
            site,
            lambda deadline: execute_query(
                site.store,
                text,
                default_graphs=default_graphs,
                named_graphs=named_graphs,
                deadline=deadline,
                max_rows=site.config.max_rows,
            ),
        )
        if outcome.kind == "graph":
            if media not in GRAPH_MEDIA:
                media = choose_media("graph", request.headers.get("accept"), formats)
            body = serialize_rdf(outcome.triples, media, used_prefixes(outcome.triples))
        else:
            if media not in RESULT_MEDIA:
                media = choose_media("select", request.headers.get("accept"), formats)
            body = serialize_results(outcome, media)
    except HttpError as exc:
        return plain_error(exc.status, exc.message, exc.headers)
    except ScoKgError as exc:
        status = error_status(exc)
        headers = {"Retry-After": "5"} if status == 503 else None
        return plain_error(status, str(exc), headers)
    headers = {"Vary": "Accept"}
    if outcome.truncated:
        headers["X-SCO-KG-Truncated"] = f"max-rows={site.config.max_rows}"
    charset = "; charset=utf-8" if media not in (RESULTS_JSON, JSONLD) else ""
    return Response(body, media_type=media + charset, headers=headers)


def service_description(site: Site, endpoint: str) -> list[Any]:
    """Return the SPARQL 1.1 Service Description of the endpoint as triples."""
    import pyoxigraph as ox

    def n(v: str) -> ox.NamedNode:
        return ox.NamedNode(v)

    svc = n(endpoint)
    a = n(RDF_TYPE)
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    triples = [
        ox.Triple(svc, a, n(SD + "Service")),
        ox.Triple(svc, n(SD + "endpoint"), svc),
        ox.Triple(svc, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        ox.Triple(svc, n(SD + "feature"), n(SD + "UnionDefaultGraph")),
        ox.Triple(svc, n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, a, n(SD + "Dataset")),
        ox.Triple(dataset, n(SD + "defaultGraph"), default),
        ox.Triple(default, a, n(SD + "Graph")),
        ox.Triple(
            default, n(VOID + "triples"), ox.Literal(str(site.total), datatype=n(iri.PREFIXES["xsd"] + "integer"))
        ),
        ox.Triple(
            svc, n(RDFS + "label"), ox.Literal("SPARQL endpoint of the SCO Declaration knowledge graph", language="en")
        ),
    ]
    for fmt in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "JSON-LD",
        "N-Triples",
        "RDF_XML",
        "TriG",
        "N-Quads",
    ):
        triples.append(ox.Triple(svc, n(SD + "resultFormat"), n("http://www.w3.org/ns/formats/" + fmt)))
    for i, graph in enumerate(sorted(site.graph_counts)):
        node = ox.BlankNode(f"g{i}")
        triples += [
            ox.Triple(dataset, n(SD + "namedGraph"), node),
            ox.Triple(node, a, n(SD + "NamedGraph")),
            ox.Triple(node, n(SD + "name"), n(graph)),
        ]
    return triples


async def sparql(request: Request) -> Response:
    """Answer the SPARQL 1.1 Protocol: query via GET, POST form or POST ``application/sparql-query``."""
    from starlette.responses import Response

    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Access-Control-Max-Age": "86400"})
    try:
        url_pairs = query_pairs(request.scope.get("query_string", b""))
        if request.method == "GET":
            pairs = url_pairs
        else:
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = await read_body(request)
            if media == "application/x-www-form-urlencoded":
                if _values(url_pairs, "query") or _values(url_pairs, "update"):
                    raise HttpError(400, "send 'query' either in the URL or in the form body, not both")
                pairs = url_pairs + query_pairs(body)
            elif media == "application/sparql-query":
                if _values(url_pairs, "query"):
                    raise HttpError(400, "a query in the body and another in the URL: send one")
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    raise HttpError(400, "the query body is not UTF-8") from None
                pairs = [*url_pairs, ("query", text)]
            elif media == "application/sparql-update":
                raise HttpError(403, "SPARQL Update is not allowed: this endpoint is read-only")
            elif not media:
                raise HttpError(
                    400, "POST needs a Content-Type: application/x-www-form-urlencoded or application/sparql-query"
                )
            else:
                raise HttpError(
                    415,
                    f"unsupported Content-Type {media!r}: use application/x-www-form-urlencoded "
                    "or application/sparql-query",
                )
        if _values(pairs, "update"):
            raise HttpError(403, "SPARQL Update is not allowed: this endpoint is read-only")
        queries = _values(pairs, "query")
        if len(queries) > 1:
            raise HttpError(400, f"{len(queries)} 'query' parameters: send exactly one")
        default_graphs = _graph_list(_values(pairs, "default-graph-uri"), "default-graph-uri")
        named_graphs = _graph_list(_values(pairs, "named-graph-uri"), "named-graph-uri")
    except HttpError as exc:
        return plain_error(exc.status, exc.message, exc.headers)
    if not queries:
        if request.method != "GET":
            return plain_error(400, "missing 'query' parameter")
        return await service_description_response(request)
    return await answer_query(request, queries[0], _values(pairs, "format"), default_graphs, named_graphs)


async def service_description_response(request: Request) -> Response:
    """Return the Service Description (RDF), or the query page when the client prefers HTML."""
    from starlette.responses import Response

    offered = [TURTLE, JSONLD, NTRIPLES, RDFXML, HTML]
    media = negotiate(request.headers.get("accept"), offered, GRAPH_ALIASES)
    if media is None:
        return plain_error(406, f"the service description is available as {', '.join(offered)}")
    if media == HTML:
        return await query_page(request)
    site = _site(request)
    endpoint = base_url(request) + "sparql"
    body = site.cached(
        ("sd", endpoint, media),
        lambda: serialize_rdf(service_description(site, endpoint), media, {"sd": SD, "void": VOID, "rdfs": RDFS}),
    )
    return Response(body, media_type=media, headers={"Vary": "Accept"})


# ---------------------------------------------------------------------------------------------------------
# Views of the graph for the HTML pages
# ---------------------------------------------------------------------------------------------------------

NAME_PREDICATES = set(LABEL_PREDICATES)
EXTERNAL_LINK_PREDICATES = {OWL + "sameAs", SKOS + "exactMatch", SKOS + "closeMatch", RDFS + "seeAlso"}


def graph_label(graph: str) -> str:
    """Return a short name for a named graph (``text``, ``ag:p13-s2``, …)."""
    return GRAPH_NAMES.get(graph) or iri.compact(graph)


def term_view(site: Site, link: Linker, term: Any, lang: str) -> dict[str, Any]:
    """Return how a term is shown: link and label for an IRI, text with language or datatype for a literal."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        local = term.value.startswith(iri.BASE)
        return {
            "kind": "iri",
            "href": link.iri(term.value),
            "text": site.label(term.value, lang),
            "iri": term.value,
            "external": not local,
        }
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        shown_dt = "" if term.language or dt == XSD_STRING else iri.compact(dt)
        text = term.value
        return {"kind": "literal", "text": text, "lang": term.language or "", "datatype": shown_dt}
    return {"kind": "bnode", "text": "_:" + getattr(term, "value", str(term))}


def provenance_view(site: Site, link: Linker, graphs: Sequence[str]) -> list[dict[str, Any]]:
    """Return, per graph of a statement, the source sentence (for an assertion graph) or the graph's name."""
    out = []
    for g in graphs:
        sentence = site.graph_sentence.get(g)
        item: dict[str, Any] = {"graph": g, "graph_label": graph_label(g), "graph_href": link.iri(g) if g else ""}
        if sentence is not None:
            item["sentence"] = sentence
            item["sentence_href"] = link.url("text#" + sentence.anchor)
        out.append(item)
    return out


def _group_of(statement: Statement) -> str:
    import pyoxigraph as ox

    p = statement.predicate.value
    if p in DEFINITION_PREDICATES:
        return "description"
    if isinstance(statement.object, ox.NamedNode):
        if p in EXTERNAL_LINK_PREDICATES or not statement.object.value.startswith(iri.BASE):
            return "links"
        return "relations"
    return "attributes"


def resource_view(site: Site, link: Linker, value: str, lang: str) -> dict[str, Any]:
    """Return everything the resource page shows about ``value``."""
    out_statements = site.statements(value)
    types: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, dict[str, Any]]] = {"description": {}, "relations": {}, "attributes": {}, "links": {}}
    for st in out_statements:
        p = st.predicate.value
        if p == RDF_TYPE:
            view = term_view(site, link, st.object, lang)
            view["inferred"] = st.inferred
            view["inferred_context"] = st.rests_on_context
            view["provenance"] = provenance_view(site, link, st.graphs)
            types[getattr(st.object, "value", str(st.object))] = view
            continue
        if p in NAME_PREDICATES:
            continue
        group = groups[_group_of(st)]
        entry = group.setdefault(p, {"iri": p, "label": site.label(p, lang), "href": link.iri(p), "values": []})
        view = term_view(site, link, st.object, lang)
        view["inferred"] = st.inferred
        view["inferred_context"] = st.rests_on_context
        view["provenance"] = provenance_view(site, link, [g for g in st.graphs if g not in iri.INFERRED_GRAPHS])
        entry["values"].append(view)
    incoming: dict[str, dict[str, Any]] = {}
    for st in site.statements(value, incoming=True):
        p = st.predicate.value
        entry = incoming.setdefault(p, {"iri": p, "label": site.label(p, lang), "href": link.iri(p), "values": []})
        view = term_view(site, link, st.subject, lang)
        view["inferred"] = st.inferred
        view["inferred_context"] = st.rests_on_context
        view["provenance"] = provenance_view(site, link, [g for g in st.graphs if g not in iri.INFERRED_GRAPHS])
        entry["values"].append(view)

    def ordered(entries: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        for e in entries.values():
            e["values"].sort(key=lambda v: (v.get("inferred", False), v["text"].lower()))
        return sorted(entries.values(), key=lambda e: e["label"].lower())

    names = []
    found = site.names(value)
    for code in (*LANGS, *sorted(k for k in found if k not in LANGS)):
        for pred, text in found.get(code, []):
            names.append({"lang": code or "—", "predicate": iri.compact(pred), "text": text})
    graph_content = []
    if value in site.graph_counts:
        for q in sorted(site.graph_quads(value), key=lambda q: (q.subject.value, q.predicate.value))[:500]:
            graph_content.append(
                {
                    "s": term_view(site, link, q.subject, lang),
                    "p": term_view(site, link, q.predicate, lang),
                    "o": term_view(site, link, q.object, lang),
                }
            )
    sentence = next((s for s in site.sentences.values() if s.iri == value), None)
    return {
        "iri": value,
        "compact": iri.compact(value),
        "title": site.label(value, lang),
        "has_own_label": site.has_label(value, lang),
        "names": names,
        "types": sorted(types.values(), key=lambda t: (t.get("inferred", False), t["text"].lower())),
        "groups": [(key, ordered(entries)) for key, entries in groups.items() if entries],
        "incoming": ordered(incoming),
        "graph_content": graph_content,
        "sentence": sentence,
        "definition": site.literal_values(value, SKOS + "definition", lang),
    }


def text_view(site: Site, link: Linker, lang: str) -> list[dict[str, Any]]:
    """Return the paragraphs of the source text, each sentence with its anchor and the statements it backs."""
    by_paragraph: dict[int, list[Sentence]] = {}
    for s in site.sentences.values():
        by_paragraph.setdefault(s.paragraph, []).append(s)
    out = []
    for number in sorted(set(site.paragraphs) | set(by_paragraph)):
        sentences = []
        for s in sorted(by_paragraph.get(number, []), key=lambda x: x.number):
            statements = []
            if s.graph:
                for q in sorted(site.graph_quads(s.graph), key=lambda q: (q.subject.value, q.predicate.value)):
                    statements.append(
                        {
                            "s": term_view(site, link, q.subject, lang),
                            "p": term_view(site, link, q.predicate, lang),
                            "o": term_view(site, link, q.object, lang),
                        }
                    )
            sentences.append(
                {
                    "sentence": s,
                    "href": link.iri(s.iri),
                    "statements": statements,
                    "graph_href": link.iri(s.graph) if s.graph else "",
                }
            )
        out.append({"number": number, "href": link.iri(iri.paragraph(number)), "sentences": sentences})
    return out


def _ontology_terms(site: Site, kinds: Sequence[str]) -> list[str]:
    import pyoxigraph as ox

    found: set[str] = set()
    for kind in kinds:
        for q in site.store.quads_for_pattern(
            None, ox.NamedNode(RDF_TYPE), ox.NamedNode(kind), ox.NamedNode(iri.GRAPH_ONTOLOGY)
        ):
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(iri.ONTOLOGY):
                found.add(q.subject.value)
    return sorted(found, key=lambda v: v.lower())


def ontology_view(site: Site, link: Linker, lang: str) -> dict[str, Any]:
    """Return the classes and properties of the ontology with label, definition, domain, range and hierarchy."""

    def refs(values: Iterable[str]) -> list[dict[str, Any]]:
        return [{"href": link.iri(v), "text": site.label(v, lang)} for v in sorted(set(values))]

    def term(value: str, up: str) -> dict[str, Any]:
        onto = {o for o in site.objects(value, up) if o != value}
        return {
            "iri": value,
            "anchor": value[len(iri.ONTOLOGY) :],
            "href": link.iri(value),
            "label": site.label(value, lang),
            "compact": iri.compact(value),
            "definition": " ".join(site.literal_values(value, SKOS + "definition", lang)),
            "super": refs(onto),
            "sub": refs(s for s in site.subjects(up, value) if s != value and s.startswith(iri.ONTOLOGY)),
            "domain": refs(site.objects(value, RDFS + "domain")),
            "range": refs(site.objects(value, RDFS + "range")),
            "inverse": refs(site.objects(value, OWL + "inverseOf")),
        }

    classes = [term(c, RDFS + "subClassOf") for c in _ontology_terms(site, [OWL + "Class"])]
    object_props = [term(p, RDFS + "subPropertyOf") for p in _ontology_terms(site, [OWL + "ObjectProperty"])]
    data_props = [
        term(p, RDFS + "subPropertyOf")
        for p in _ontology_terms(site, [OWL + "DatatypeProperty", OWL + "AnnotationProperty"])
    ]
    modules = [
        {"href": link.iri(m), "text": site.label(m, lang), "iri": m}
        for m in sorted({q for q in _ontology_terms(site, [OWL + "Ontology"])})
    ]
    return {
        "title": " ".join(site.literal_values(iri.ONTOLOGY, DCTERMS + "title", lang)) or "sco-kg ontology",
        "description": " ".join(site.literal_values(iri.ONTOLOGY, DCTERMS + "description", lang)),
        "classes": classes,
        "object_props": object_props,
        "data_props": data_props,
        "modules": modules,
    }


HOME_SECTIONS = (
    ("states", [iri.ONTOLOGY + "State"]),
    (
        "organizations",
        [
            iri.ONTOLOGY + "InternationalOrganization",
            iri.ONTOLOGY + "StateGrouping",
            iri.ONTOLOGY + "OrganizationalBody",
        ],
    ),
    ("documents", [iri.ONTOLOGY + "Document"]),
    ("events", [iri.ONTOLOGY + "Event"]),
    (
        "concepts",
        [
            iri.ONTOLOGY + "Principle",
            iri.ONTOLOGY + "Aim",
            iri.ONTOLOGY + "FieldOfCooperation",
            iri.ONTOLOGY + "Threat",
        ],
    ),
)


def home_view(site: Site, link: Linker, lang: str) -> dict[str, Any]:
    """Return the counts and entry points of the home page."""
    graphs: dict[str, int] = {}
    for g, n in site.graph_counts.items():
        if g.startswith(iri.GRAPH_ASSERTION):
            key = "ag:*"
        elif g.startswith(iri.GRAPH_CONTEXT + "/"):
            key = "scog:context/*"
        else:
            key = graph_label(g)
        graphs[key] = graphs.get(key, 0) + n
    sections = []
    for key, classes in HOME_SECTIONS:
        members: set[str] = set()
        for c in classes:
            members.update(site.instances(c))
        if key == "documents":
            members.discard(iri.NEWS_RELEASE)
        items = sorted(
            ({"href": link.iri(m), "text": site.label(m, lang)} for m in members), key=lambda x: x["text"].lower()
        )
        if items:
            sections.append({"key": key, "title": UI[lang][key], "items": items, "count": len(items)})
    return {
        "graphs": sorted(graphs.items()),
        "total": site.total,
        "sections": sections,
        "sentences": len(site.sentences),
        "assertion_graphs": len(site.graph_sentence),
    }


def search(site: Site, phrase: str, limit: int = 100) -> tuple[list[str], list[Sentence]]:
    """Return IRIs whose names, and sentences whose text, contain ``phrase`` (case-insensitive)."""
    needle = phrase.casefold().strip()
    if not needle:
        return [], []
    hits: list[tuple[int, str]] = []
    for value, by_lang in site.labels.items():
        best = None
        for entries in by_lang.values():
            for _, text in entries:
                folded = text.casefold()
                if needle in folded:
                    rank = 0 if folded == needle else 1 if folded.startswith(needle) else 2
                    best = rank if best is None else min(best, rank)
        if best is not None:
            hits.append((best, value))
    hits.sort(key=lambda h: (h[0], site.label(h[1]).lower()))
    sentences = [s for s in site.sentences.values() if needle in s.text.casefold()]
    sentences.sort(key=lambda s: (s.paragraph, s.number))
    return [v for _, v in hits[:limit]], sentences[:limit]


def suggestions(site: Site, value: str, limit: int = 5) -> list[str]:
    """Return known IRIs that look like ``value`` (for the 404 page)."""
    tail = value.rsplit("/", 1)[-1]
    candidates = [v for v in site.labels if v.startswith(iri.BASE)]
    keyed = {v.rsplit("/", 1)[-1]: v for v in candidates}
    close = difflib.get_close_matches(tail, list(keyed), n=limit, cutoff=0.5)
    return [keyed[c] for c in close]


# ---------------------------------------------------------------------------------------------------------
# Pictures: the timeline is SVG written here; the class and neighbourhood diagrams are Graphviz ``dot``
# ---------------------------------------------------------------------------------------------------------


class DiagramError(ScoKgError):
    """A diagram cannot be drawn (Graphviz missing or failing)."""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def timeline_events(site: Site, lang: str) -> list[dict[str, Any]]:
    """Return the dated events of 1996–2002 in order: IRI, label, year, date (when the day is known)."""
    import pyoxigraph as ox

    when: dict[str, dict[str, str]] = {}
    for key in ("year", "date"):
        for q in site.store.quads_for_pattern(None, ox.NamedNode(iri.ONTOLOGY + key), None, None):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal):
                when.setdefault(q.subject.value, {})[key] = q.object.value
    events = set(site.instances(iri.ONTOLOGY + "Event"))
    out = []
    for e, found in when.items():
        if events and e not in events:
            continue
        m = re.match(r"(\d{4})", found.get("date") or found.get("year") or "")
        if not m or not 1996 <= int(m.group(1)) <= 2002:
            continue
        date = found.get("date", "")[:10]
        out.append({"iri": e, "label": site.label(e, lang), "year": int(m.group(1)), "date": date})
    out.sort(key=lambda x: (x["year"], x["date"] or f"{x['year']}-99", x["label"]))
    return out


def timeline_svg(site: Site, link: Linker, lang: str) -> str:
    """Return the SVG timeline 1996–2002: a year axis down the left, each event a linked dot and label."""
    events = timeline_events(site, lang)
    row, top, width = 26, 40, 760
    height = top + row * max(len(events), 1) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_esc(UI[lang]["timeline"])}" font-family="sans-serif" font-size="13">',
        f"<title>{_esc(UI[lang]['timeline'])}</title>",
        f'<text x="10" y="22" font-size="16" font-weight="bold">{_esc(UI[lang]["timeline"])}</text>',
        f'<line x1="110" y1="{top - 10}" x2="110" y2="{height - 20}" stroke="#556" stroke-width="2"/>',
    ]
    last_year = None
    band = 0
    for i, ev in enumerate(events):
        y = top + i * row + row // 2
        if ev["year"] != last_year:
            band += 1
            parts.append(f'<text x="10" y="{y + 5}" font-weight="bold" fill="#124">{ev["year"]}</text>')
            parts.append(
                f'<line x1="60" y1="{y - row // 2}" x2="{width - 10}" y2="{y - row // 2}" '
                'stroke="#ccd" stroke-width="1"/>'
            )
            last_year = ev["year"]
        day = ev["date"][5:] if ev["date"] else ""
        href = _esc(link.iri(ev["iri"]))
        parts.append(
            f'<a xlink:href="{href}" href="{href}" target="_top"><circle cx="110" cy="{y}" r="6" '
            f'fill="{"#c33" if day else "#36c"}"/>'
            f'<text x="124" y="{y + 4}">{_esc(day + "  " if day else "")}{_esc(ev["label"])}</text></a>'
        )
    if not events:
        parts.append(f'<text x="124" y="{top + 14}">{_esc(UI[lang]["no_results"])}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _dot_id(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_label(text: str, width: int = 28) -> str:
    import textwrap

    lines = textwrap.wrap(text, width) or [text]
    return _dot_id("\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")).replace("\n", "\\n")


def run_dot(source: str) -> str:
    """Return the SVG that Graphviz ``dot`` draws for ``source`` (its XML prologue removed).

    Raises:
        DiagramError: ``dot`` is not installed (Debian package ``graphviz``) or fails.
    """
    exe = shutil.which("dot")
    if exe is None:
        raise DiagramError("Graphviz 'dot' is not installed (Debian package 'graphviz'): no diagram")
    try:
        done = subprocess.run([exe, "-Tsvg"], input=source.encode(), capture_output=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        raise DiagramError("Graphviz 'dot' took more than 30 s") from None
    if done.returncode != 0:
        raise DiagramError(f"Graphviz 'dot' failed: {done.stderr.decode(errors='replace').strip()[:200]}")
    svg = done.stdout.decode("utf-8")
    return svg[svg.index("<svg") :]


def ontology_dot(site: Site, link: Linker, lang: str) -> str:
    """Return the Graphviz source of the class diagram: sco: classes, subclass arrows, main object properties."""
    classes = _ontology_terms(site, [OWL + "Class"])
    known = set(classes)
    lines = [
        "digraph ontology {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=10, nodesep=0.15, ranksep=0.6];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#4a6fa5", fontname="Helvetica",'
        " fontsize=10];",
        '  edge [fontname="Helvetica", fontsize=8, color="#667"];',
    ]
    for c in classes:
        lines.append(
            f"  {_dot_id(c)} [label={_dot_label(site.label(c, lang))}, URL={_dot_id(link.iri(c))}, "
            f'target="_top", tooltip={_dot_id(iri.compact(c))}];'
        )
    for c in classes:
        for sup in site.objects(c, RDFS + "subClassOf"):
            if sup in known and sup != c:
                lines.append(f"  {_dot_id(c)} -> {_dot_id(sup)} [arrowhead=empty];")
    for p in _ontology_terms(site, [OWL + "ObjectProperty"]):
        for d in site.objects(p, RDFS + "domain"):
            for r in site.objects(p, RDFS + "range"):
                if d in known and r in known:
                    lines.append(
                        f"  {_dot_id(d)} -> {_dot_id(r)} [label={_dot_label(site.label(p, lang), 20)}, "
                        'style=dashed, color="#a55", fontcolor="#a55"];'
                    )
    lines.append("}")
    return "\n".join(lines)


def neighbourhood_dot(site: Site, link: Linker, value: str, lang: str, limit: int = 40) -> str:
    """Return the Graphviz source of a resource's neighbourhood: links out and in (inferred ones dashed)."""
    import pyoxigraph as ox

    lines = [
        "digraph neighbourhood {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=10, overlap=false];',
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f6fa", color="#7890b0", fontname="Helvetica",'
        " fontsize=10];",
        '  edge [fontname="Helvetica", fontsize=8, color="#556"];',
        f'  {_dot_id(value)} [label={_dot_label(site.label(value, lang))}, fillcolor="#ffe9a8", color="#b08000", '
        "penwidth=2];",
    ]
    edges: list[tuple[str, str, str, bool]] = []
    for incoming in (False, True):
        for st in site.statements(value, incoming=incoming):
            other = st.subject if incoming else st.object
            if not isinstance(other, ox.NamedNode) or (st.predicate.value == RDF_TYPE and incoming):
                continue
            if st.predicate.value in (OWL + "sameAs",) and not other.value.startswith(iri.BASE):
                continue
            s, o = (other.value, value) if incoming else (value, other.value)
            edges.append((s, st.predicate.value, o, st.inferred))
    # One edge per neighbour: asserted predicates first, an all-inferred link dashed.
    edges.sort(key=lambda e: (e[3], e[1], e[0], e[2]))
    by_neighbour: dict[str, list[tuple[str, str, str, bool]]] = {}
    for edge in edges:
        other = edge[0] if edge[2] == value else edge[2]
        if other == value:
            continue
        if other in by_neighbour or len(by_neighbour) < limit:
            by_neighbour.setdefault(other, []).append(edge)
    for other, group in sorted(by_neighbour.items(), key=lambda kv: (kv[1][0][3], site.label(kv[0], lang))):
        lines.append(
            f"  {_dot_id(other)} [label={_dot_label(site.label(other, lang))}, URL={_dot_id(link.iri(other))}, "
            f'target="_top", tooltip={_dot_id(iri.compact(other))}];'
        )
        s, _, o, _ = group[0]
        names = list(dict.fromkeys(site.label(p, lang) for _, p, _, _ in group))
        text = "\n".join(names[:3]) + ("\n…" if len(names) > 3 else "")
        style = ', style=dashed, color="#999", fontcolor="#888"' if all(e[3] for e in group) else ""
        lines.append(f"  {_dot_id(s)} -> {_dot_id(o)} [label={_dot_id(text).replace(chr(10), chr(92) + 'n')}{style}];")
    lines.append("}")
    return "\n".join(lines)


def diagram(site: Site, link: Linker, kind: str, lang: str, value: str = "") -> str:
    """Return a cached SVG diagram: ``timeline``, ``ontology`` or ``neighbourhood`` (of ``value``)."""

    def make() -> str:
        if kind == "timeline":
            return timeline_svg(site, link, lang)
        if kind == "ontology":
            return run_dot(ontology_dot(site, link, lang))
        return run_dot(neighbourhood_dot(site, link, value, lang))

    return site.cached(("svg", kind, value, lang, link.base, str(link.explicit)), make)


# ---------------------------------------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------------------------------------


def _linker(request: Request) -> tuple[Linker, str]:
    lang, explicit = request_lang(request)
    return Linker(base_url(request), lang, explicit), lang


async def home(request: Request) -> Response:
    """Render the home page: what the dataset is, counts, entry points, timeline, search."""
    from markupsafe import Markup
    from starlette.concurrency import run_in_threadpool

    site = _site(request)
    link, lang = _linker(request)
    view = await run_in_threadpool(home_view, site, link, lang)
    svg = await run_in_threadpool(diagram, site, link, "timeline", lang)
    return render(request, "home.html", view=view, timeline=Markup(svg))


async def text_page(request: Request) -> Response:
    """Render the full text, every sentence anchored (``#p13-s2``) with the statements it backs."""
    from starlette.concurrency import run_in_threadpool

    site = _site(request)
    link, lang = _linker(request)
    paragraphs = await run_in_threadpool(
        site.cached, ("text", link.base, lang, str(link.explicit)), lambda: text_view(site, link, lang)
    )
    return render(request, "text.html", paragraphs=paragraphs)


async def search_page(request: Request) -> Response:
    """Render the search results over names (all languages) and sentence text."""
    site = _site(request)
    link, lang = _linker(request)
    phrase = request.query_params.get("q", "")[:200]
    values, sentences = search(site, phrase)
    hits = [{"href": link.iri(v), "text": site.label(v, lang), "compact": iri.compact(v)} for v in values]
    found = [{"sentence": s, "href": link.url("text#" + s.anchor)} for s in sentences]
    return render(request, "search.html", phrase=phrase, hits=hits, sentences=found)


def _split_extension(path: str) -> tuple[str, str | None]:
    stem, dot, ext = path.rpartition(".")
    if dot and (ext in RDF_EXTENSIONS or ext == "html") and "/" not in ext:
        return stem, ext
    return path, None


async def resource(request: Request) -> Response:
    """Serve an IRI under the base: its page, or its description in the negotiated RDF format."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse, Response

    site = _site(request)
    path = request.path_params["path"]
    if path == "ontology":
        return RedirectResponse(base_url(request) + "ontology/", status_code=301)
    value = path_to_iri(path)
    ext: str | None = None
    if value is not None and not site.known(value):
        stem, ext = _split_extension(path)
        if ext is not None:
            value = iri.ONTOLOGY if stem == "ontology/index" else path_to_iri(stem)
    is_ontology = value in (iri.ONTOLOGY, iri.ONTOLOGY_VERSION)
    if value is None or not (is_ontology or site.known(value)):
        return not_found(request, value or path)
    offered = [HTML, TURTLE, JSONLD, NTRIPLES, RDFXML, TRIG, NQUADS]
    if ext is not None:
        media = HTML if ext == "html" else RDF_EXTENSIONS[ext]
        headers: dict[str, str] = {}
    else:
        chosen = negotiate(request.headers.get("accept"), offered, MEDIA_ALIASES)
        if chosen is None:
            return plain_error(406, f"{value} is available as {', '.join(offered)}", {"Vary": "Accept"})
        media = chosen
        doc = (iri_to_path(value) or "/") + ("index" if is_ontology else "")
        headers = {
            "Vary": "Accept",
            "Content-Location": base_url(request) + doc.lstrip("/") + "." + EXTENSION_OF[media],
        }
    doc_base = base_url(request) + ((iri_to_path(value) or "/") + ("index" if is_ontology else "")).lstrip("/")
    headers["Link"] = ", ".join(f'<{doc_base}.{e}>; rel="alternate"; type="{m}"' for e, m in RDF_EXTENSIONS.items())
    if media != HTML:
        body = await run_in_threadpool(site.cached, ("rdf", value, media), lambda: describe(site, value, media))
        return Response(body, media_type=media, headers=headers)
    link, lang = _linker(request)
    if is_ontology:
        view = await run_in_threadpool(
            site.cached, ("onto", link.base, lang, str(link.explicit)), lambda: ontology_view(site, link, lang)
        )
        try:
            svg = await run_in_threadpool(diagram, site, link, "ontology", lang)
        except DiagramError as exc:
            svg = f"<p class='note'>{_esc(str(exc))}</p>"
        from markupsafe import Markup

        return render(request, "ontology.html", headers=headers, view=view, diagram=Markup(svg))
    view = await run_in_threadpool(resource_view, site, link, value, lang)
    try:
        svg = await run_in_threadpool(diagram, site, link, "neighbourhood", lang, value)
    except DiagramError as exc:
        svg = f"<p class='note'>{_esc(str(exc))}</p>"
    from markupsafe import Markup

    downloads = [(e.upper() if e != "jsonld" else "JSON-LD", f"{doc_base}.{e}") for e in RDF_EXTENSIONS]
    return render(request, "resource.html", headers=headers, view=view, diagram=Markup(svg), downloads=downloads)


def describe(site: Site, value: str, media: str) -> bytes:
    """Return the description of ``value`` (or the whole ontology) in an RDF media type, via the exporter."""
    import pyoxigraph as ox

    from sco_kg import export

    if value in (iri.ONTOLOGY, iri.ONTOLOGY_VERSION):
        quads = site.graph_quads(iri.GRAPH_ONTOLOGY)
    else:
        quads = site.description_quads(value)
    tmp = ox.Store()
    tmp.extend(quads)
    fmt = {TURTLE: "ttl", JSONLD: "jsonld", NTRIPLES: "nt", RDFXML: "xml", TRIG: "trig", NQUADS: "nq"}[media]
    return export.serialize(export.canonicalize(export.quads_from_store(tmp)), fmt)  # type: ignore[arg-type]


def not_found(request: Request, value: str) -> Response:
    """Return the 404 answer for an unknown IRI: suggestions and the way to search, in HTML or plain text."""
    site = _site(request)
    link, lang = _linker(request)
    close = [
        {"href": link.iri(v), "text": site.label(v, lang), "compact": iri.compact(v)} for v in suggestions(site, value)
    ]
    message = f"no resource {value} in the SCO Declaration graph"
    if close:
        message += "; did you mean " + ", ".join(c["compact"] for c in close)
    return error_page(request, 404, UI[lang]["not_found"], message, suggestions=close)


async def diagram_file(request: Request) -> Response:
    """Serve a picture as ``image/svg+xml``: ``timeline.svg``, ``ontology.svg`` or ``<IRI path>.svg``."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    site = _site(request)
    link, lang = _linker(request)
    name = request.path_params["name"]
    if not name.endswith(".svg"):
        return not_found(request, name)
    stem = name[:-4]
    try:
        if stem in ("timeline", "ontology"):
            svg = await run_in_threadpool(diagram, site, link, stem, lang)
        else:
            value = path_to_iri(stem)
            if value is None or not site.known(value):
                return not_found(request, value or stem)
            svg = await run_in_threadpool(diagram, site, link, "neighbourhood", lang, value)
    except DiagramError as exc:
        return plain_error(503, str(exc))
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + svg
    return Response(body.encode(), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


# --- canned queries -------------------------------------------------------------------------------------


def _catalogue() -> Any:
    from sco_kg.sparql import catalog

    return catalog


def _query_summary(link: Linker, q: Any) -> dict[str, Any]:
    params = getattr(q, "params", {}) or {}
    return {
        "name": q.name,
        "summary": getattr(q, "summary", ""),
        "description": getattr(q, "description", ""),
        "params": {k: _param_info(v) for k, v in dict(params).items()},
        "columns": list(getattr(q, "columns", []) or []),
        "tags": list(getattr(q, "tags", []) or []),
        "url": link.url("queries/" + q.name),
        "page": link.url("query", name=q.name),
    }


def _param_info(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        return {k: v for k, v in spec.items() if isinstance(v, (str, int, float, bool)) or v is None}
    out = {}
    for key in ("type", "default", "description"):
        if hasattr(spec, key):
            out[key] = getattr(spec, key)
    return out


async def queries_index(request: Request) -> Response:
    """List the canned queries as HTML or JSON (by ``Accept``)."""
    from starlette.responses import JSONResponse

    link, _ = _linker(request)
    items = [_query_summary(link, q) for q in _catalogue().all_queries()]
    media = negotiate(request.headers.get("accept"), [HTML, "application/json"])
    if media is None:
        return plain_error(406, "the catalogue is available as text/html or application/json")
    if media == "application/json":
        return JSONResponse({"queries": items}, headers={"Vary": "Accept"})
    return render(request, "queries.html", headers={"Vary": "Accept"}, queries=items)


def canned_params(q: Any, pairs: Sequence[tuple[str, str]], prefix: str = "") -> dict[str, str]:
    """Return the parameters for canned query ``q`` from request pairs (``prefix`` + name), unknown ones kept.

    The UI's ``lang`` is passed on only when the query declares a ``lang`` parameter.
    """
    declared = set(dict(getattr(q, "params", {}) or {}))
    skip = {"format", "run", "name", "query"}
    out: dict[str, str] = {}
    for key, value in pairs:
        if prefix:
            if not key.startswith(prefix):
                continue
            key = key[len(prefix) :]
        elif key in skip or (key == "lang" and "lang" not in declared):
            continue
        out[key] = value
    return out


async def run_canned(request: Request, name: str, params: dict[str, str]) -> tuple[Any, QueryOutcome]:
    """Return the catalogue entry and outcome of canned query ``name`` run with ``params`` (CLI validation)."""
    from sco_kg.sparql.params import bind_params, bind_values

    site = _site(request)
    q = _catalogue().get(name)
    policy.check(q.text)  # a canned SERVICE query (federation) is opt-in on the CLI, never on the server
    bindings = bind_params(q, params)
    text = bind_values(q.text, bindings) if bindings else q.text
    outcome = await run_bounded(
        site, lambda deadline: execute_query(site.store, text, deadline=deadline, max_rows=site.config.max_rows)
    )
    return q, outcome


async def queries_run(request: Request) -> Response:
    """Run one canned query with ``?param=value``: HTML table, or a SPARQL results format."""
    from starlette.responses import Response

    name = request.path_params["name"]
    try:
        pairs = query_pairs(request.scope.get("query_string", b""))
        q = _catalogue().get(name)
        formats = _values(pairs, "format")
        form = {"SELECT": "select", "ASK": "ask"}.get(policy.analyse(q.text).form, "graph")
        if not formats and negotiate(request.headers.get("accept"), [HTML, *RESULT_MEDIA], RESULT_ALIASES) == HTML:
            return await query_page(request, canned=name, params=canned_params(q, pairs))
        media = choose_media(form, request.headers.get("accept"), formats)
        _, outcome = await run_canned(request, name, canned_params(q, pairs))
        if outcome.kind == "graph":
            body = serialize_rdf(outcome.triples, media, used_prefixes(outcome.triples))
        else:
            body = serialize_results(outcome, media)
    except HttpError as exc:
        return plain_error(exc.status, exc.message, exc.headers)
    except ScoKgError as exc:
        status = 404 if "unknown query" in str(exc).lower() else error_status(exc)
        return plain_error(status, str(exc))
    headers = {"Vary": "Accept"}
    if outcome.truncated:
        headers["X-SCO-KG-Truncated"] = f"max-rows={_site(request).config.max_rows}"
    return Response(body, media_type=media, headers=headers)


def results_view(site: Site, link: Linker, outcome: QueryOutcome, lang: str) -> dict[str, Any]:
    """Return a query outcome as a table of term views (SELECT), a boolean (ASK) or triples (CONSTRUCT)."""
    if outcome.kind == "ask":
        return {"kind": "ask", "boolean": outcome.boolean}
    if outcome.kind == "graph":
        triples = [
            [
                term_view(site, link, t.subject, lang),
                term_view(site, link, t.predicate, lang),
                term_view(site, link, t.object, lang),
            ]
            for t in outcome.triples[:1000]
        ]
        return {
            "kind": "select",
            "columns": ["subject", "predicate", "object"],
            "rows": triples,
            "truncated": outcome.truncated,
        }
    rows: list[list[dict[str, Any] | None]] = [
        [term_view(site, link, t, lang) if t is not None else None for t in row] for row in outcome.rows
    ]
    return {"kind": "select", "columns": outcome.variables, "rows": rows, "truncated": outcome.truncated}


async def query_page(request: Request, canned: str | None = None, params: dict[str, str] | None = None) -> Response:
    """Render the query page: catalogue picker, prefilled textarea, parameters, results table, downloads."""
    site = _site(request)
    link, lang = _linker(request)
    pairs: list[tuple[str, str]] = []
    try:
        pairs = query_pairs(request.scope.get("query_string", b""))
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype == "application/x-www-form-urlencoded":
                pairs += query_pairs(await read_body(request))
    except HttpError as exc:
        return error_page(request, exc.status, str(exc.status), exc.message)
    catalogue = _catalogue()
    error = ""
    try:
        entries = [_query_summary(link, q) for q in catalogue.all_queries()]
    except ScoKgError as exc:  # a broken .rq file must not take the SPARQL page down
        entries, error = [], str(exc)
    name = canned or next(iter(_values(pairs, "name")), "")
    text = next(iter(_values(pairs, "query")), "")
    entry = None
    status = 200
    if name:
        try:
            entry = catalogue.get(name)
        except ScoKgError as exc:
            error, status = str(exc), 404
    if params is None:
        params = canned_params(entry, pairs, prefix="p_") if entry is not None else {}
    if entry is not None and "lang" in dict(getattr(entry, "params", {}) or {}) and not params.get("lang"):
        params = {**params, "lang": lang}  # labels in the page's language unless asked otherwise
    norm = " ".join(text.split())
    use_canned = entry is not None and (not text or norm == " ".join(entry.text.split()))
    if entry is not None and not text:
        text = entry.text
    run = canned is not None or bool(_values(pairs, "run")) or (bool(text) and not name)
    results = None
    downloads: list[tuple[str, str]] = []
    if run and text and not error:
        try:
            if use_canned:
                _, outcome = await run_canned(request, name, params)
                kind = outcome.kind
                base = f"queries/{name}"
                extra = dict(params)
            else:
                kind = checked_form(text)
                outcome = await run_bounded(
                    site,
                    lambda deadline: execute_query(site.store, text, deadline=deadline, max_rows=site.config.max_rows),
                )
                base, extra = "sparql", {"query": text}
            results = results_view(site, link, outcome, lang)
            names = ["json", "xml", "csv", "tsv"] if kind != "graph" else ["turtle", "json-ld", "nt", "xml"]
            downloads = [
                (n, base_url(request) + base + "?" + urllib.parse.urlencode({**extra, "format": n})) for n in names
            ]
        except ScoKgError as exc:
            error, status = str(exc), error_status(exc)
    declared = {}
    if entry is not None:
        for key, spec in dict(getattr(entry, "params", {}) or {}).items():
            info_p = _param_info(spec)
            declared[key] = {"value": params.get(key, str(info_p.get("default", "") or "")), **info_p}
    return render(
        request,
        "query.html",
        status=status,
        entries=entries,
        name=name,
        text=text,
        error=error,
        results=results,
        downloads=downloads,
        params=declared,
        summary=getattr(entry, "summary", "") if entry is not None else "",
    )


# --- dataset metadata and dumps ---------------------------------------------------------------------------

DUMP_FORMATS = {"ttl": "ttl", "jsonld": "jsonld", "nq": "nq", "nt": "nt", "trig": "trig", "rdf": "xml"}
DUMP_MEDIA = {"ttl": TURTLE, "jsonld": JSONLD, "nq": NQUADS, "nt": NTRIPLES, "trig": TRIG, "rdf": RDFXML}
EXAMPLE_RESOURCES = (
    iri.ID + "state/kazakhstan",
    iri.SCO_ORG,
    iri.DECLARATION,
    iri.ID + "event/signing-declaration-2001",
)


def void_triples(site: Site, base: str) -> list[Any]:
    """Return the VoID + DCAT description of the dataset: licence, counts per graph and class, dumps, endpoint."""
    import pyoxigraph as ox

    def n(v: str) -> ox.NamedNode:
        return ox.NamedNode(v)

    def integer(v: int) -> ox.Literal:
        return ox.Literal(str(v), datatype=n(iri.PREFIXES["xsd"] + "integer"))

    a = n(RDF_TYPE)
    ds = n(DATASET_IRI)
    out = [
        ox.Triple(ds, a, n(VOID + "Dataset")),
        ox.Triple(ds, a, n(DCAT + "Dataset")),
        ox.Triple(ds, n(DCTERMS + "title"), ox.Literal("SCO Declaration 2001 knowledge graph", language="en")),
        ox.Triple(ds, n(DCTERMS + "description"), ox.Literal(UI["en"]["about_dataset"], language="en")),
        ox.Triple(ds, n(DCTERMS + "license"), n(LICENSE)),
        ox.Triple(ds, n(DCTERMS + "source"), n(iri.NEWS_RELEASE)),
        ox.Triple(ds, n(DCTERMS + "subject"), n(iri.DECLARATION)),
        ox.Triple(ds, n(VOID + "triples"), integer(site.total)),
        ox.Triple(ds, n(VOID + "sparqlEndpoint"), n(base + "sparql")),
        ox.Triple(ds, n(VOID + "uriSpace"), ox.Literal(iri.BASE)),
        ox.Triple(ds, n(VOID + "rootResource"), n(iri.DECLARATION)),
        ox.Triple(ds, n(VOID + "vocabulary"), n(iri.ONTOLOGY)),
        ox.Triple(ds, n(DCAT + "landingPage"), n(base)),
        ox.Triple(ds, n(DCTERMS + "language"), ox.Literal("en")),
    ]
    for example in EXAMPLE_RESOURCES:
        if site.known(example):
            out.append(ox.Triple(ds, n(VOID + "exampleResource"), n(example)))
    for ext, media in DUMP_MEDIA.items():
        url = n(f"{base}dumps/sco-kg.{ext}")
        dist = ox.BlankNode(f"dist-{ext}")
        out += [
            ox.Triple(ds, n(VOID + "dataDump"), url),
            ox.Triple(ds, n(DCAT + "distribution"), dist),
            ox.Triple(dist, a, n(DCAT + "Distribution")),
            ox.Triple(dist, n(DCAT + "downloadURL"), url),
            ox.Triple(dist, n(DCAT + "mediaType"), ox.Literal(media)),
            ox.Triple(dist, n(DCTERMS + "license"), n(LICENSE)),
        ]
    service = ox.BlankNode("endpoint")
    out += [
        ox.Triple(ds, n(DCAT + "distribution"), service),
        ox.Triple(service, a, n(DCAT + "DataService")),
        ox.Triple(service, n(DCAT + "endpointURL"), n(base + "sparql")),
        ox.Triple(service, n(DCTERMS + "conformsTo"), n("https://www.w3.org/TR/sparql11-protocol/")),
    ]
    for i, (graph, count) in enumerate(sorted(site.graph_counts.items())):
        sub = ox.BlankNode(f"graph-{i}")
        out += [
            ox.Triple(ds, n(VOID + "subset"), sub),
            ox.Triple(sub, a, n(VOID + "Dataset")),
            ox.Triple(sub, n(SD + "name"), n(graph)),
            ox.Triple(sub, n(VOID + "triples"), integer(count)),
        ]
    rows = site.select(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} "
        f"FILTER(?g != <{iri.GRAPH_ONTOLOGY}> && isIRI(?c)) }} GROUP BY ?c ORDER BY ?c"
    )
    for i, (cls, count) in enumerate(rows):
        part = ox.BlankNode(f"class-{i}")
        out += [
            ox.Triple(ds, n(VOID + "classPartition"), part),
            ox.Triple(part, n(VOID + "class"), cls),
            ox.Triple(part, n(VOID + "entities"), integer(int(count.value))),
        ]
    return out


async def void(request: Request) -> Response:
    """Serve the VoID + DCAT description (Turtle by default; JSON-LD, N-Triples, RDF/XML by ``Accept``)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    site = _site(request)
    offered = [TURTLE, JSONLD, NTRIPLES, RDFXML]
    media = negotiate(request.headers.get("accept"), offered, GRAPH_ALIASES)
    if media is None:
        return plain_error(406, f"the dataset description is available as {', '.join(offered)}")
    base = base_url(request)
    prefixes = {
        "void": VOID,
        "dcat": DCAT,
        "dcterms": DCTERMS,
        "sd": SD,
        **{k: iri.PREFIXES[k] for k in ("sco", "scog", "ag", "state", "document", "organization", "event")},
    }
    body = await run_in_threadpool(
        site.cached, ("void", base, media), lambda: serialize_rdf(void_triples(site, base), media, prefixes)
    )
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def dump_bytes(site: Site, ext: str) -> bytes:
    """Return the whole dataset the server holds, serialised by the exporter (cached)."""
    from sco_kg import export

    def make() -> bytes:
        quads = export.canonicalize(export.quads_from_store(site.store))
        return export.serialize(quads, DUMP_FORMATS[ext])  # type: ignore[arg-type]

    return site.cached(("dump", ext), make)


async def dumps(request: Request) -> Response:
    """Serve ``/dumps/sco-kg.<ext>`` for every export format."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    name = request.path_params["name"]
    stem, _, ext = name.rpartition(".")
    if stem != "sco-kg" or ext not in DUMP_FORMATS:
        return error_page(request, 404, "404", f"no dump {name}: use sco-kg.{{{','.join(DUMP_FORMATS)}}}")
    body = await run_in_threadpool(dump_bytes, _site(request), ext)
    return Response(
        body, media_type=DUMP_MEDIA[ext], headers={"Content-Disposition": f'inline; filename="sco-kg.{ext}"'}
    )


# ---------------------------------------------------------------------------------------------------------
# Middleware: limits, CORS, security headers, request log
# ---------------------------------------------------------------------------------------------------------

CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", b"Accept, Content-Type"),
    (b"access-control-expose-headers", b"Content-Location, Link, Vary, X-SCO-KG-Truncated"),
]
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    ),
]


class ServerMiddleware:
    """A pure ASGI middleware: 414 on long query strings, CORS ``*`` (never credentials), headers, logging."""

    def __init__(self, app: Any, config: ServerConfig) -> None:
        """Wrap ``app`` with the limits and logging of ``config``."""
        self.app = app
        self.config = config

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status_box = [0]

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in CORS_HEADERS + SECURITY_HEADERS if k not in names]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        try:
            if len(scope.get("query_string", b"")) > self.config.max_query_string:
                from starlette.responses import PlainTextResponse

                response = PlainTextResponse(
                    f"query string over {self.config.max_query_string} bytes: POST the query instead\n",
                    status_code=414,
                )
                await response(scope, receive, send_wrapper)  # type: ignore[arg-type]
            else:
                await self.app(scope, receive, send_wrapper)
        finally:
            if not self.config.quiet:
                ms = (time.perf_counter() - start) * 1000
                path = scope.get("path", "")
                print(
                    f"{scope.get('method', '-')} {path} {status_box[0] or '-'} {ms:.1f}ms", file=sys.stderr, flush=True
                )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    return error_page(request, exc.status, str(exc.status), exc.message)


async def _project_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ScoKgError)
    status = error_status(exc)
    return error_page(request, status, str(status), str(exc))


def create_app(store: ox.Store, config: ServerConfig | None = None) -> Starlette:
    """Return the Starlette app serving ``store``.

    Args:
        store: the pyoxigraph store (asserted, or asserted + ``scog:inferred``); read, never written.
        config: base URL, limits and logging (defaults: the request's own base URL, 10 s, 10,000 rows).
    """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    config = config or ServerConfig()
    routes = [
        Route("/", home, methods=["GET", "HEAD"]),
        Route("/sparql", sparql, methods=["GET", "HEAD", "POST", "OPTIONS"]),
        Route("/queries", queries_index, methods=["GET", "HEAD"]),
        Route("/queries/{name}", queries_run, methods=["GET", "HEAD"]),
        Route("/query", query_page, methods=["GET", "HEAD", "POST"]),
        Route("/search", search_page, methods=["GET", "HEAD"]),
        Route("/text", text_page, methods=["GET", "HEAD"]),
        Route("/.well-known/void", void, methods=["GET", "HEAD"]),
        Route("/dumps/{name}", dumps, methods=["GET", "HEAD"]),
        Route("/diagrams/{name:path}", diagram_file, methods=["GET", "HEAD"]),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
        Route("/{path:path}", resource, methods=["GET", "HEAD"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            # Defence in depth (SECURITY.md T3): no network, no files outside the project while answering.
            Middleware(sandbox.SandboxMiddleware, policy=sandbox.server_policy(config.cache_dir)),
            Middleware(ServerMiddleware, config=config),
        ],
        exception_handlers={HttpError: _http_error, ScoKgError: _project_error},
    )
    app.state.site = Site(store, config)
    return app
