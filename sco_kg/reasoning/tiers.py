"""Inference tiers: what the closure rests on (the declaration alone, outside facts, the user's files)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sco_kg.rdf import iri
from sco_kg.reasoning.engines import Closure, compute_closure

if TYPE_CHECKING:
    from rdflib import Dataset
    from rdflib.term import Node

    Triple = tuple[Node, Node, Node]


def tier_of(graph: str) -> str:
    """Return the inferred graph whose input tier the asserted ``graph`` belongs to.

    ``scog:user/*`` → ``scog:inferred-user``; the outside facts (:func:`sco_kg.rdf.iri.is_context_graph`) →
    ``scog:inferred-context``; everything else (ontology, text, assertion graphs, provenance, curation,
    the default graph) → ``scog:inferred``.
    """
    if graph.startswith(iri.GRAPH_USER):
        return iri.GRAPH_INFERRED_USER
    if iri.is_context_graph(graph):
        return iri.GRAPH_INFERRED_CONTEXT
    return iri.GRAPH_INFERRED


@dataclass(frozen=True)
class TieredClosure:
    """The closure split by what it rests on.

    Attributes:
        graphs: inferred graph IRI → its triples, in tier order (``scog:inferred``, then
            ``scog:inferred-context``, then ``scog:inferred-user``; a tier without input is left out).
        closures: the reasoner run of each cumulative input, in the same order (the last one saw everything).
    """

    graphs: dict[str, frozenset[Triple]]
    closures: tuple[Closure, ...]

    @property
    def full(self) -> Closure:
        """Return the run over the whole input (its clashes, input size and excluded links)."""
        return self.closures[-1]

    @property
    def seconds(self) -> float:
        """Return the time of all reasoner runs together."""
        return sum(c.seconds for c in self.closures)

    @property
    def inferred(self) -> int:
        """Return the number of inferred triples in all tiers."""
        return sum(len(t) for t in self.graphs.values())


def compute_tiers(source: Dataset, reasoner: str = "owlrl") -> TieredClosure:
    """Return the filtered closure of ``source`` split into tiers by the graphs each inference needs.

    Tier 1 (``scog:inferred``) is the closure of the declaration's own graphs and the ontology, minus what
    they assert: so no triple of it needs an outside fact. Tier 2 (``scog:inferred-context``) is the closure
    once the outside facts are added, minus tier 1 and minus what is asserted; tier 3
    (``scog:inferred-user``) likewise once the user's ``scog:user/*`` graphs are added. The reasoner runs
    once per tier present, on the cumulative input (the closure is monotone, so each tier only adds).
    """
    from rdflib import Graph
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    order = (iri.GRAPH_INFERRED, iri.GRAPH_INFERRED_CONTEXT, iri.GRAPH_INFERRED_USER)
    parts: dict[str, list[Triple]] = {name: [] for name in order}
    for s, p, o, g in source.quads((None, None, None, None)):
        gid = getattr(g, "identifier", g)
        name = "" if gid is None or gid == DATASET_DEFAULT_GRAPH_ID else str(gid)
        parts[tier_of(name)].append((s, p, o))
    graphs: dict[str, frozenset[Triple]] = {}
    closures: list[Closure] = []
    seen: set[Triple] = set()
    cumulative = Graph()
    for name in order:
        if name != iri.GRAPH_INFERRED and not parts[name]:
            continue
        for t in parts[name]:
            cumulative.add(t)
        result = compute_closure(cumulative, reasoner=reasoner)
        closures.append(result)
        graphs[name] = frozenset(result.inferred - seen)
        seen |= result.inferred
    return TieredClosure(graphs=graphs, closures=tuple(closures))
