"""The site: what the server holds and the indexes over it, computed once (the store is never written).

Three views of one dataset:

* ``store``: the pyoxigraph store as given (named graphs only); pages read it pattern by pattern.
* ``query_store``: a copy whose default graph is the SET union of the named graphs
  (:func:`sco_kg.dataset.fill_default_graph`, issue 13), so ``/sparql`` and the canned queries see the
  dataset SPARQL 1.1 describes and FROM / FROM NAMED work.
* ``export_quads()``: the exporter's quads (:func:`sco_kg.export.select`), which keep derived datatypes such
  as ``xsd:nonNegativeInteger`` that pyoxigraph's store normalises to ``xsd:integer``; dumps and the RDF
  documents of resources are written from them, so the server serves what ``sco-kg export`` writes.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sco_kg import export
from sco_kg.dataset import Source, copy_store, fill_default_graph
from sco_kg.engine.limits import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT
from sco_kg.engine.workers import WorkerPool
from sco_kg.rdf import iri
from sco_kg.server.conneg import lang_matches

if TYPE_CHECKING:
    import pyoxigraph as ox

    from sco_kg.server.guard import QueryGuard

T = TypeVar("T")

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
GRAPH_TRANSLATION = iri.GRAPH + "translation"  # data/translations.trig: the project's translations
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
NIF = iri.PREFIXES["nif"]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
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


@dataclass(frozen=True)
class ServerConfig:
    """Settings of one server instance (``sco-kg serve`` options)."""

    base_url: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = 10_000
    max_body_bytes: int = 1_000_000
    max_query_string: int = 16_384
    quiet: bool = False
    inferred: bool = True
    #: queries that run at once: the size of the query worker pool, or, with ``processes``, per serving process
    workers: int = 4
    #: serving processes (:mod:`sco_kg.server.prefork`): 0 = this one process, queries in a worker pool
    processes: int = 0
    #: bytes one query may grow its worker by (RLIMIT_DATA above the worker's size at start)
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT
    cache_dir: Path | None = None
    # What the store was opened from; dumps and documents come from the exporter's quads of it.
    source: Source | None = None


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
        #: (IRI, text) of every name from ``scog:translation``: the project's own translations, marked on the pages
        self.translated: set[tuple[str, str]] = {
            (q.subject.value, q.object.value)
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_TRANSLATION))
            if isinstance(q.object, ox.Literal) and isinstance(q.subject, ox.NamedNode)
        }
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
        # Queries read a copy whose default graph is the set union of the named graphs (issue 13); pages
        # read ``store``, where a pattern without a graph sees each named graph once.
        self.query_store = copy_store(store)
        fill_default_graph(self.query_store)
        #: distinct triples of the default graph (the union), what VoID and the service description count.
        self.triples = sum(1 for _ in self.query_store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        self.subclasses = self._sco_hierarchy()
        #: set in each serving process of ``sco-kg serve`` (:mod:`sco_kg.server.prefork`): queries run there
        self.guard: QueryGuard | None = None
        self.pool: WorkerPool | None = None
        if not config.processes:
            # The query workers (issue 13): forked now, before the server starts its threads, from a process
            # that holds the query store, so every worker shares it copy-on-write. A deadline kills and
            # replaces a worker; each is bounded in memory and has no network.
            self.pool = WorkerPool(
                _query_store_of(self), size=config.workers, memory_limit=config.memory_limit,
                name="sco-kg-sparql", limit_hint="sco-kg serve --memory-limit",
            )  # fmt: skip
            weakref.finalize(self, self.pool.close)
        self._export: tuple[list[export.Quad], dict[str, list[int]]] | None = None
        self._export_lock = threading.Lock()

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

    def is_translation(self, value: str, text: str) -> bool:
        """Return whether ``text`` names ``value`` only by the project's own translation (``scog:translation``)."""
        return (value, text) in self.translated

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

    # --- the exporter's quads: what dumps and documents are written from --------------------------

    def export_quads(self) -> list[export.Quad]:
        """Return the canonical quads of the dataset as the exporter writes them (computed once).

        They come from :func:`sco_kg.export.select` for the source the store was opened from when that
        selection holds exactly the store's quads (checked once, datatypes compared as the store keeps them);
        otherwise (a store this module cannot trace back to files) from the store itself.
        """
        return self._export_index()[0]

    def _export_index(self) -> tuple[list[export.Quad], dict[str, list[int]]]:
        with self._export_lock:
            if self._export is None:
                quads = self._exporter_selection() or export.canonicalize(export.quads_from_store(self.store))
                index: dict[str, list[int]] = {}
                for n, quad in enumerate(quads):
                    for term in {t for t in quad if t is not None and t.kind == "uri"}:
                        index.setdefault(term.value, []).append(n)
                self._export = (quads, index)
            return self._export

    def _exporter_selection(self) -> list[export.Quad] | None:
        import pyoxigraph as ox

        src = self.config.source or Source(inferred=self.config.inferred)
        if src.store_dir is not None:
            return None
        selection = "all" if src.inferred else "asserted"
        quads = export.select(selection, src.with_files, src.with_format, context=src.context)  # type: ignore[arg-type]
        if len(quads) != len(self.store):
            return None
        check = ox.Store()
        check.extend(_to_ox_quad(q) for q in quads)  # the store's own normal forms (xsd:integer …)
        mine = export.canonicalize(export.quads_from_store(self.store))
        return quads if export.canonicalize(export.quads_from_store(check)) == mine else None

    def document_quads(self, value: str) -> list[export.Quad]:
        """Return the exporter's quads about ``value``: out, in, as predicate, and the graph it names."""
        quads, index = self._export_index()
        return [quads[n] for n in sorted(set(index.get(value, ())))]

    def export_graph(self, graph: str) -> list[export.Quad]:
        """Return the exporter's quads of one named graph."""
        quads, index = self._export_index()
        return [quads[n] for n in index.get(graph, ()) if (g := quads[n][3]) is not None and g.value == graph]

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


def _query_store_of(site: Site) -> Callable[[], Any]:
    store = site.query_store  # not the site: the spawner keeps a reference to the store alone
    return lambda: store


def _to_ox_quad(q: export.Quad) -> Any:
    import pyoxigraph as ox

    s, p, o, g = q
    return ox.Quad(s.to_ox(), p.to_ox(), o.to_ox(), g.to_ox() if g is not None else ox.DefaultGraph())
