"""The build path of the `reasonable` closure on N-Triples strings: no rdflib term per triple anywhere.

pyoxigraph parses the inputs (:func:`read_quads`); each distinct term is written once in N-Triples by the one
term model (:class:`sco_kg.rdf.term.Term`, so the bytes are those of :func:`sco_kg.rdf.canon.sorted_nquads`);
the closure runs on IRI strings (:func:`sco_kg.reasoning.core.reason_iris`); the filter of
:mod:`sco_kg.reasoning.filter` is applied to the strings (:func:`trivial_reason`); and the sorted N-Quads are
joined from the strings (:func:`sorted_nquads`), with the canonical blank-node labels of :mod:`sco_kg.rdf.canon`.
The result equals the rdflib path (:func:`sco_kg.reasoning.tiers.compute_tiers`) triple for triple; only
the input guards (:mod:`sco_kg.reasoning.guards`) see rdflib terms, for the few schema triples they read.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sco_kg.rdf import iri
from sco_kg.rdf.term import Term
from sco_kg.reasoning.core import Closer, Encoder
from sco_kg.reasoning.guards import _SCHEMA_PREDICATES, MAX_SAMEAS_COMPONENT, check_input, schema_graph
from sco_kg.reasoning.tiers import tier_of
from sco_kg.reasoning.vocab import BUILTIN_NAMESPACES, OWL, RDF, RDFS, REFLEXIVE_TRIVIAL, TOP_CLASSES

# Subject, predicate, object in N-Triples syntax (``<iri>``, ``_:b``, ``"lit"@en``); a quad adds the graph
# (``None`` for the default graph).
NTriple = tuple[str, str, str]
NQuad = tuple[str, str, str, "str | None"]

_SAME_AS = f"<{OWL}sameAs>"
_BASE = "<" + iri.BASE
_BUILTIN = tuple("<" + ns for ns in BUILTIN_NAMESPACES)
_REFLEXIVE = frozenset(f"<{p}>" for p in REFLEXIVE_TRIVIAL)
_TOP_PREDICATES = frozenset(f"<{p}>" for p in (RDF + "type", RDFS + "subClassOf", RDFS + "domain", RDFS + "range"))
_SCHEMA = frozenset(f"<{p}>" for p in _SCHEMA_PREDICATES)


@dataclass(frozen=True)
class Run:
    """One reasoner run over a cumulative tier input (the fields of :class:`sco_kg.reasoning.engines.Closure`)."""

    version: str
    inferred: frozenset[NTriple]
    seconds: float
    input_triples: int
    raw_added: int
    excluded_links: int
    filtered: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Tiers:
    """The closure split by tier (as :class:`sco_kg.reasoning.tiers.TieredClosure`), in N-Triples strings."""

    graphs: dict[str, frozenset[NTriple]]
    runs: tuple[Run, ...]

    @property
    def full(self) -> Run:
        """Return the run over the whole input."""
        return self.runs[-1]

    @property
    def seconds(self) -> float:
        """Return the time of all reasoner runs together."""
        return sum(r.seconds for r in self.runs)

    @property
    def inferred(self) -> int:
        """Return the number of inferred triples in all tiers."""
        return sum(len(t) for t in self.graphs.values())


class Terms:
    """The N-Triples form of each pyoxigraph term (computed once per distinct term) and the way back to a Term."""

    def __init__(self) -> None:
        self.nt: dict[Any, str] = {}
        self.term: dict[str, Term] = {}

    def of(self, ox_term: Any) -> str:
        """Return the N-Triples form of ``ox_term``."""
        found = self.nt.get(ox_term)
        if found is None:
            t = Term.from_ox(ox_term)
            found = self.nt[ox_term] = t.n3()
            self.term[found] = t
        return found


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (and restore it after).

    The build allocates millions of tuples and strings that form no reference cycles; every automatic full
    collection walks all of them again, which made the collector half the build's time at N=1000 (23.6 s with
    it, 12.4 s without, same bytes).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_quads(
    with_files: Sequence[Path] = (), with_format: str | None = None, context: bool = True
) -> tuple[list[NQuad], Terms]:
    """Return the asserted quads (shipped files plus ``with_files``) parsed by pyoxigraph, as distinct strings.

    The same graphs as :func:`sco_kg.io.rdflib_parse.read_dataset`: the outside facts are dropped
    (``context=False``) before the user's files are read. Parsed, not loaded into a store, so every literal
    keeps its datatype.
    """
    import pyoxigraph as ox

    from sco_kg.io.inputs import asserted_files, ox_format, user_graph_iri
    from sco_kg.io.ox_parse import parse_quads

    terms = Terms()
    nt, of = terms.nt, terms.of
    seen: set[NQuad] = set()
    user_fmt = ox_format(with_format) if with_format else None
    sources: list[tuple[Path, str | None, str | None]] = [(p, g, None) for p, g in asserted_files()]
    sources += [(Path(u), user_graph_iri(Path(u)), user_fmt) for u in with_files]
    n_shipped = len(sources) - len(with_files)
    for i, (path, graph, fmt) in enumerate(sources):
        if i == n_shipped and not context:
            seen = {q for q in seen if q[3] is None or not iri.is_context_graph(q[3][1:-1])}
        for q in parse_quads(path, graph, fmt):
            s, p, o, g = q.subject, q.predicate, q.object, q.graph_name
            seen.add(
                (
                    nt.get(s) or of(s),
                    nt.get(p) or of(p),
                    nt.get(o) or of(o),
                    None if isinstance(g, ox.DefaultGraph) else (nt.get(g) or of(g)),
                )
            )
    if n_shipped == len(sources) and not context:
        seen = {q for q in seen if q[3] is None or not iri.is_context_graph(q[3][1:-1])}
    return list(seen), terms


def is_external_link(s: str, p: str, o: str) -> bool:
    """:func:`sco_kg.reasoning.filter.is_external_link` on N-Triples strings."""
    return p == _SAME_AS and ((s[0] == "<" and not s.startswith(_BASE)) or (o[0] == "<" and not o.startswith(_BASE)))


def trivial_reason(s: str, p: str, o: str) -> str | None:
    """:func:`sco_kg.reasoning.filter.trivial_reason` on N-Triples strings (same categories, same order)."""
    if s[0] == '"':
        return "literal-subject"
    if s[0] == "_" or o[0] == "_":
        return "blank-node"
    if s.startswith(_BUILTIN):
        return "builtin-vocabulary"
    if s == o and p in _REFLEXIVE:
        return "reflexive"
    # o[1:-1] is the IRI of <…> and the text of a plain literal "…", as str(term) in the rdflib filter.
    if p in _TOP_PREDICATES and o[1:-1] in TOP_CLASSES:
        return "top-class"
    return None


class _Coder:
    """N-Triples strings to the IRI strings `reasonable` takes and back, one string per distinct term."""

    def __init__(self) -> None:
        self.enc = Encoder()
        self.coded: dict[str, str] = {}
        self.plain: dict[str, str] = {}

    def code(self, t: str) -> str:
        found = self.coded.get(t)
        if found is None:
            found = self.coded[t] = sys.intern(t[1:-1]) if t[0] == "<" else self.enc.placeholder(t)
            self.plain[found] = t
        return found

    def decode(self, v: str) -> str:
        found = self.plain.get(v)
        if found is None:  # a term only the reasoner made (an IRI: every placeholder is in `plain`)
            found = self.plain[v] = f"<{v}>"
        return found


def compute_tiers(quads: Sequence[NQuad], terms: Terms, max_sameas: int = MAX_SAMEAS_COMPONENT) -> Tiers:
    """Return the tiered closure (:func:`sco_kg.reasoning.tiers.compute_tiers` with `reasonable`) of ``quads``.

    One reasoner grows tier by tier (it reasons incrementally). With C_k the closure and A_k the asserted
    triples up to tier k, the rdflib path's tier k is {t ∈ C_k − A_k, not trivial} minus the earlier tiers,
    which is {t ∈ C_k − C_(k−1) − A_k, not trivial} (the closure is monotone; A_(k−1) ⊆ A_k): so only what
    each tier gained is filtered. The filtered counts are those of the last run (over C_K − A_K).
    """
    from sco_kg.reasoning import engines

    version = engines.reasoner_version("reasonable")
    order = (iri.GRAPH_INFERRED, iri.GRAPH_INFERRED_CONTEXT, iri.GRAPH_INFERRED_USER)
    parts: dict[str, list[NTriple]] = {name: [] for name in order}
    for s, p, o, g in quads:
        parts[tier_of("" if g is None else g[1:-1])].append((s, p, o))
    names = [n for n in order if n == iri.GRAPH_INFERRED or parts[n]]
    asserted: set[NTriple] = set()
    given: list[NTriple] = []
    schema: list[NTriple] = []
    coder = _Coder()
    code, decode = coder.code, coder.decode
    closer = Closer()
    gained: list[list[NTriple]] = []
    seconds = 0.0
    for name in names:
        part = set(parts[name]) - asserted
        asserted |= part
        new = [t for t in part if not is_external_link(*t)]
        given.extend(new)
        schema.extend(t for t in new if t[1] in _SCHEMA)
        rdf_schema = schema_graph(
            (terms.term[s].to_rdflib(), terms.term[p].to_rdflib(), terms.term[o].to_rdflib()) for s, p, o in schema
        )
        check_input(rdf_schema, max_sameas=max_sameas)
        start = time.perf_counter()
        added = closer.add([(code(s), code(p), code(o)) for s, p, o in new], engines.completion_rules(rdf_schema))
        gained.append([(decode(s), decode(p), decode(o)) for s, p, o in added])
        seconds += time.perf_counter() - start
    graphs: dict[str, frozenset[NTriple]] = {}
    counts: dict[str, int] = {}
    cumulative: set[NTriple] = set()
    for i, name in enumerate(names):
        cumulative.update(parts[name])
        kept: set[NTriple] = set()
        for t in gained[i]:
            if t in cumulative:
                continue
            why = trivial_reason(*t)
            if why is None:
                kept.add(t)
            elif t not in asserted:  # the last run's counts: filtered against everything asserted
                counts[why] = counts.get(why, 0) + 1
        graphs[name] = frozenset(kept)
    full = Run(
        version=version,
        inferred=frozenset().union(*graphs.values()) - asserted,
        seconds=seconds,
        input_triples=len(given),
        raw_added=len(closer.current) - len(closer.given),
        excluded_links=len(asserted) - len(given),
        filtered=dict(sorted(counts.items())),
    )
    return Tiers(graphs=graphs, runs=(full,))


def sorted_nquads(quads: Iterable[NQuad], terms: Terms) -> bytes:
    """Return the quads as :func:`sco_kg.rdf.canon.sorted_nquads` writes them (same labels, same bytes)."""
    from sco_kg.rdf.canon import canonical_labels

    plain: set[str] = set()
    blank: list[NQuad] = []
    for s, p, o, g in quads:
        if s[0] == "_" or o[0] == "_" or (g is not None and g[0] == "_"):
            blank.append((s, p, o, g))
        else:
            plain.add(f"{s} {p} {o} {g} .\n" if g is not None else f"{s} {p} {o} .\n")
    if blank:
        t = terms.term
        labels = canonical_labels([(t[s], t[p], t[o], None if g is None else t[g]) for s, p, o, g in blank], True)
        new = {f"_:{old}": f"_:{label}" for old, label in labels.items()}
        for s, p, o, g in blank:
            s, o = new.get(s, s), new.get(o, o)
            if g is not None:
                g = new.get(g, g)
            plain.add(f"{s} {p} {o} {g} .\n" if g is not None else f"{s} {p} {o} .\n")
    return "".join(sorted(plain)).encode("utf-8")


def graph_counts(quads: Iterable[NQuad]) -> dict[str, int]:
    """Return quads per graph (assertion graphs grouped as ``…/assertion/*``), as the rdflib build records them."""
    counts: dict[str, int] = {}
    for *_, g in quads:
        name = "(default graph)" if g is None else g[1:-1]
        if name.startswith(iri.GRAPH_ASSERTION):
            name = iri.GRAPH_ASSERTION + "*"
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def from_rdflib(triples: Iterable[tuple[Any, Any, Any]]) -> frozenset[NTriple]:
    """Return rdflib triples in N-Triples strings (to compare an owlrl closure with this path's)."""
    out = set()
    for s, p, o in triples:
        out.add((Term.from_rdflib(s).n3(), Term.from_rdflib(p).n3(), Term.from_rdflib(o).n3()))
    return frozenset(out)
