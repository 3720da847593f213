"""The dataset of a :class:`~sco_kg.dataset.Source` as quads in memory, and the citations of the triples it holds.

A triple's citations come from the graphs that hold it and from what ``scog:provenance``,
``scog:provenance-context`` and the text layer (``scog:text``) say about those graphs: the sentence(s) (verbatim
``nif:anchorOf``, ``nif:beginIndex``/``nif:endIndex``), the paragraph, the attribution phrase and voice, the
implied graphs' ``sco:impliedBy`` sentences, the outside sources' URLs. Every string of a citation is a value of
the graph, except the fixed words that join them in :attr:`Citation.text`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sco_kg.rdf import iri
from sco_kg.rdf.term import Term

if TYPE_CHECKING:
    from sco_kg.dataset import Source
    from sco_kg.explain.rules import Deriver, Triple

P = iri.PREFIXES
NIF = P["nif"]
SCO = iri.ONTOLOGY
PROV = P["prov"]
DCT = P["dcterms"]
RDF_TYPE = Term.uri(P["rdf"] + "type")
RDFS_LABEL = Term.uri(P["rdfs"] + "label")
RDFS_DEFINED_BY = P["rdfs"] + "isDefinedBy"
# Where an outside-source graph could record when it was retrieved (none of the shipped graphs does yet).
RETRIEVAL_PROPERTIES = (DCT + "date", PROV + "generatedAtTime", DCT + "modified", "http://purl.org/pav/retrievedOn")

CitationKind = Literal["stated", "implied", "outside", "ontology", "text", "editorial", "user", "other"]


@dataclass(frozen=True)
class SentenceRef:
    """A sentence of the source text as the text layer records it (offsets: code points, ``[begin, end)``)."""

    iri: str
    label: str
    text: str
    begin: int
    end: int
    paragraph: str
    paragraph_label: str
    context: str


@dataclass(frozen=True)
class Citation:
    """Why one graph holds a triple: what the graph is and where its content comes from.

    Attributes:
        kind: ``stated`` (an assertion graph: what a sentence states), ``implied`` (an implied graph: what
            sentences imply), ``outside`` (an outside source), ``ontology``, ``text`` (the text layer),
            ``editorial`` (``scog:curation``, ``scog:provenance``), ``user`` (a ``--with`` file) or ``other``.
        graph: the graph's IRI.
        sentences: the sentence(s) the graph is derived from (``prov:wasDerivedFrom``) or implied by
            (``sco:impliedBy``).
        attribution: the paragraph's attribution phrase (``sco:attributionPhrase``, e.g. "the Declaration said");
            ``None`` where the release speaks itself.
        voice: ``sco:voice`` of the graph (``sco:ReleaseVoice``, ``sco:ReportedVoice``).
        primary_source: ``prov:hadPrimarySource`` (the Declaration or the news release).
        description: ``dcterms:description`` of the graph (implied and outside graphs).
        sources: the outside source's URLs (``prov:wasDerivedFrom``, ``dcterms:source``), for a link its evidence.
        bibliographic: ``dcterms:bibliographicCitation`` of an outside graph.
        retrieved: when the outside source was retrieved, if the graph records it.
        text: a one-line human-readable citation built from the fields above.
    """

    kind: CitationKind
    graph: str
    sentences: tuple[SentenceRef, ...] = ()
    attribution: str | None = None
    voice: str | None = None
    primary_source: str | None = None
    primary_source_label: str | None = None
    description: str | None = None
    sources: tuple[str, ...] = ()
    bibliographic: str | None = None
    retrieved: str | None = None
    label: str | None = None
    text: str = ""


@dataclass
class Facts:
    """The quads of one source, with lookups by subject, by object and by graph, and the derivation of the closure."""

    quads: dict[Triple, frozenset[str]]
    by_s: dict[Term, list[Triple]] = field(default_factory=dict)
    by_o: dict[Term, list[Triple]] = field(default_factory=dict)
    _deriver: Deriver | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for t in self.quads:
            self.by_s.setdefault(t[0], []).append(t)
            self.by_o.setdefault(t[2], []).append(t)

    # ------------------------------------------------------------------------------------------ lookups
    def objects(self, s: Term | str, p: str, graph: str | None = None) -> list[Term]:
        subj = Term.uri(s) if isinstance(s, str) else s
        return sorted(
            t[2] for t in self.by_s.get(subj, []) if t[1].value == p and (graph is None or graph in self.quads[t])
        )

    def value(self, s: Term | str, p: str, graph: str | None = None, lang: str | None = "en") -> str | None:
        """Return one value of ``s p ?`` (the ``lang`` one first, then a plain one, then any), or ``None``."""
        found = self.objects(s, p, graph)
        for want in (lang, None):
            for t in found:
                if t.lang == want:
                    return t.value
        return found[0].value if found else None

    def graphs(self, t: Triple) -> frozenset[str]:
        return self.quads.get(t, frozenset())

    def is_asserted(self, t: Triple) -> bool:
        return any(g not in iri.INFERRED_GRAPHS for g in self.graphs(t))

    def asserted(self) -> list[Triple]:
        """Return the reasoner's input: the asserted triples without ``owl:sameAs`` links to outside IRIs."""
        same = P["owl"] + "sameAs"

        def external(t: Triple) -> bool:
            return t[1].value == same and any(
                x.kind == "uri" and not x.value.startswith(iri.BASE) for x in (t[0], t[2])
            )

        return [t for t in self.quads if self.is_asserted(t) and not external(t)]

    def deriver(self) -> Deriver:
        """Return the :class:`~sco_kg.explain.rules.Deriver` of the asserted triples (built once)."""
        from sco_kg.explain.rules import Deriver

        with self._lock:
            if self._deriver is None:
                self._deriver = Deriver(self.asserted())
            return self._deriver

    def text(self) -> tuple[str, str] | None:
        """Return (context IRI, ``nif:isString``) of the source text, or ``None`` without a text layer."""
        for t in self.by_s.get(Term.uri(iri.TEXT_CONTEXT), []):
            if t[1].value == NIF + "isString":
                return iri.TEXT_CONTEXT, t[2].value
        return None

    def sentences(self) -> list[SentenceRef]:
        """Return every ``nif:Sentence`` of the text layer, in text order."""
        found = [t[0] for t in self.by_o.get(Term.uri(NIF + "Sentence"), []) if t[1] == RDF_TYPE]
        refs = [r for r in (self.sentence(s.value) for s in set(found)) if r is not None]
        return sorted(refs, key=lambda r: (r.begin, r.end))

    def sentence(self, s: str) -> SentenceRef | None:
        text = self.value(s, NIF + "anchorOf")
        begin = self.value(s, NIF + "beginIndex")
        end = self.value(s, NIF + "endIndex")
        if text is None or begin is None or end is None:
            return None
        para = self.value(s, NIF + "superString") or self.value(s, SCO + "partOf") or ""
        return SentenceRef(
            iri=s,
            label=self.value(s, RDFS_LABEL.value) or iri.compact(s),
            text=text,
            begin=int(begin),
            end=int(end),
            paragraph=para,
            paragraph_label=(self.value(para, RDFS_LABEL.value) or "") if para else "",
            context=self.value(s, NIF + "referenceContext") or "",
        )

    # ------------------------------------------------------------------------------------------ citations
    def citations(self, t: Triple) -> tuple[Citation, ...]:
        """Return one :class:`Citation` per asserted graph holding ``t`` (stated first, then implied, …)."""
        order = ["stated", "implied", "outside", "user", "ontology", "text", "editorial", "other"]
        cites = [self.citation(g, t) for g in self.graphs(t) if g not in iri.INFERRED_GRAPHS]
        return tuple(sorted(cites, key=lambda c: (order.index(c.kind), c.graph)))

    def citation(self, graph: str, t: Triple | None = None) -> Citation:
        """Return the :class:`Citation` of ``graph`` (for the triple ``t``: a link's own evidence)."""
        prov = iri.GRAPH_PROVENANCE
        types = {x.value for x in self.objects(graph, RDF_TYPE.value, prov)}
        if graph.startswith(iri.GRAPH_ASSERTION) or SCO + "AssertionGraph" in types:
            return self._sentence_citation("stated", graph, PROV + "wasDerivedFrom")
        if SCO + "ImpliedGraph" in types:
            return self._sentence_citation("implied", graph, SCO + "impliedBy")
        if iri.is_context_graph(graph):
            return self._outside_citation(graph, t)
        if graph == iri.GRAPH_ONTOLOGY:
            # The axiom's term is defined in a module of the ontology (rdfs:isDefinedBy), when the graph says so.
            defined = tuple(x.value for x in self.objects(t[0], RDFS_DEFINED_BY, graph)) if t else ()
            where = f"{iri.compact(graph)}" + (f", {', '.join(iri.compact(d) for d in defined)}" if defined else "")
            return Citation("ontology", graph, sources=defined, text=f"ontology axiom ({where})")
        if graph.startswith(iri.GRAPH_USER):
            return Citation("user", graph, text=f"your file, graph {iri.compact(graph)}")
        kind: CitationKind = {
            iri.GRAPH_TEXT: "text",
            iri.GRAPH_CURATION: "editorial",
            iri.GRAPH_PROVENANCE: "editorial",
        }.get(graph, "other")  # type: ignore[assignment]
        return Citation(kind, graph, text=f"graph {iri.compact(graph)}")

    def _sentence_citation(self, kind: CitationKind, graph: str, link: str) -> Citation:
        prov = iri.GRAPH_PROVENANCE
        refs = [self.sentence(s.value) for s in self.objects(graph, link, prov)]
        sentences = tuple(sorted((r for r in refs if r is not None), key=lambda r: r.begin))
        if kind == "implied":
            # The graph's own sentence (its dcterms:source paragraph) first, then the others in text order.
            para = self.value(graph, DCT + "source", prov)
            sentences = tuple(sorted(sentences, key=lambda r: (r.paragraph != para, r.begin)))
        phrase = self.value(graph, SCO + "attributionPhrase", prov)
        voice = self.value(graph, SCO + "voice", prov)
        primary = self.value(graph, PROV + "hadPrimarySource", prov)
        primary_label = self.value(primary, RDFS_LABEL.value) if primary else None
        desc = self.value(graph, DCT + "description", prov)
        doc = self.value(iri.NEWS_RELEASE, RDFS_LABEL.value) or iri.compact(iri.NEWS_RELEASE)
        parts = []
        for r in sentences:
            parts.append(f'{doc}, {r.paragraph_label}, {r.label} [{r.begin}–{r.end}]: "{r.text}"')
        head = "; ".join(parts) if parts else f"graph {iri.compact(graph)}"
        if kind == "implied":
            text = f"implied by {head}"
        else:
            text = head + (f" ({phrase})" if phrase else f" ({iri.compact(voice)})" if voice else "")
        return Citation(
            kind,
            graph,
            sentences=sentences,
            attribution=phrase,
            voice=voice,
            primary_source=primary,
            primary_source_label=primary_label,
            description=desc,
            text=text,
        )

    def _outside_citation(self, graph: str, t: Triple | None) -> Citation:
        pc = iri.GRAPH_PROVENANCE_CONTEXT
        urls = [x.value for p in (PROV + "wasDerivedFrom", DCT + "source") for x in self.objects(graph, p, pc)]
        if t is not None and graph == iri.GRAPH_CONTEXT_LINKS:
            urls = [*self._link_evidence(t), *urls]
        sources = tuple(dict.fromkeys(urls))
        retrieved = next((v for p in RETRIEVAL_PROPERTIES if (v := self.value(graph, p, pc))), None)
        label = self.value(graph, RDFS_LABEL.value, pc)
        bib = self.value(graph, DCT + "bibliographicCitation", pc)
        text = f"{label or iri.compact(graph)}: {', '.join(sources) if sources else 'no source recorded'}"
        if retrieved:
            text += f" (retrieved {retrieved})"
        return Citation(
            "outside",
            graph,
            description=self.value(graph, DCT + "description", pc),
            sources=sources,
            bibliographic=bib,
            retrieved=retrieved,
            label=label,
            text=text,
        )

    def _link_evidence(self, t: Triple) -> list[str]:
        """Return the ``dcterms:source`` of the ``rdf:Statement`` record of the link ``t`` (scog:provenance-context)."""
        rdf = P["rdf"]
        out: list[str] = []
        for rec in self.by_o.get(t[0], []):
            node = rec[0]
            if rec[1].value != rdf + "subject":
                continue
            if self.objects(node, rdf + "predicate") == [t[1]] and self.objects(node, rdf + "object") == [t[2]]:
                out += [x.value for x in self.objects(node, DCT + "source")]
        return out


_CACHE: dict[tuple[Source, tuple[tuple[str, int, int], ...]], Facts] = {}
_CACHE_LOCK = threading.Lock()


def _stamp(src: Source) -> tuple[tuple[str, int, int], ...]:
    """Return (path, mtime, size) of every input file of ``src``: the cache entry is dropped when one changes."""
    from sco_kg import paths

    out = []
    for p in [*paths.ontology_files(), *paths.data_files(), *src.with_files]:
        try:
            st = p.stat()
            out.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), 0, 0))
    return tuple(out)


def facts_of(source: Source | None = None) -> Facts:
    """Return the :class:`Facts` of ``source`` (the default source: asserted + closure + outside facts), cached."""
    import pyoxigraph as ox

    from sco_kg.dataset import Source, open_store

    src = source or Source()
    key = (src, _stamp(src))
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    store = open_store(src)
    quads: dict[Triple, set[str]] = {}
    for q in store.quads_for_pattern(None, None, None, None):
        if isinstance(q.graph_name, ox.DefaultGraph):
            continue
        t = (Term.from_ox(q.subject), Term.from_ox(q.predicate), Term.from_ox(q.object))
        quads.setdefault(t, set()).add(q.graph_name.value)
    facts = Facts({t: frozenset(g) for t, g in quads.items()})
    with _CACHE_LOCK:
        for stale in [k for k in _CACHE if k[0] == src and k != key]:
            del _CACHE[stale]
        return _CACHE.setdefault(key, facts)
