"""Input guards (SECURITY.md T8): refuse inputs that make owlrl blow up before any reasoning starts.

Large ``owl:sameAs`` components and malformed or self-referential property chains are refused with a
one-line :class:`~sco_kg.errors.ReasoningError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sco_kg.errors import ReasoningError
from sco_kg.rdf import iri

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

    Triple = tuple[Node, Node, Node]

from sco_kg.reasoning.vocab import OWL, RDF, RDFS

# SECURITY.md T8: owlrl's time grows about cubically with the size of an owl:sameAs component.
MAX_SAMEAS_COMPONENT = 20


# A chain axiom longer than this is refused (the ontology's chains have length 2).
MAX_CHAIN_LENGTH = 10


# What check_input and completion_rules read: identity links, chain axioms with their lists, sub-properties.
_SCHEMA_PREDICATES = frozenset(
    {OWL + "sameAs", OWL + "propertyChainAxiom", RDF + "first", RDF + "rest", RDFS + "subPropertyOf"}
)


def schema_graph(triples: Iterable[Triple]) -> Graph:
    """Return the small graph of the triples :func:`check_input` and :func:`completion_rules` look at."""
    from rdflib import Graph

    g = Graph()
    for t in triples:
        if str(t[1]) in _SCHEMA_PREDICATES:
            g.add(t)
    return g


def sameas_components(triples: Iterable[Triple]) -> list[set[Node]]:
    """Return the ``owl:sameAs`` components (union-find) with more than one member, largest first."""
    parent: dict[Node, Node] = {}

    def find(x: Node) -> Node:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s, p, o in triples:
        if str(p) == OWL + "sameAs" and s != o:
            a, b = find(s), find(o)
            if a != b:
                parent[a] = b
    groups: dict[Node, set[Node]] = {}
    for x in parent:
        groups.setdefault(find(x), set()).add(x)
    return sorted((g for g in groups.values() if len(g) > 1), key=len, reverse=True)


def read_list(graph: Graph, head: Node, limit: int = MAX_CHAIN_LENGTH) -> list[Node]:
    """Return the members of the RDF list at ``head``; raise :class:`ReasoningError` if it is malformed.

    A list that loops back on itself, branches, lacks ``rdf:first`` or does not end in ``rdf:nil`` would
    make owlrl's list walk loop or misread the axiom, so it is refused with the offending node named.
    """
    from rdflib import URIRef

    first, rest, nil = URIRef(RDF + "first"), URIRef(RDF + "rest"), URIRef(RDF + "nil")
    items: list[Node] = []
    seen: set[Node] = set()
    node = head
    while node != nil:
        if node in seen:
            raise ReasoningError(f"property chain list loops back on itself at node {node.n3()}")
        seen.add(node)
        firsts = list(graph.objects(node, first))
        rests = list(graph.objects(node, rest))
        if len(firsts) != 1 or len(rests) != 1:
            raise ReasoningError(
                f"malformed property chain list at node {node.n3()}: "
                f"{len(firsts)} rdf:first and {len(rests)} rdf:rest (need exactly one each)"
            )
        items.append(firsts[0])
        if len(items) > limit:
            raise ReasoningError(f"property chain at {head.n3()} is longer than {limit} properties")
        node = rests[0]
    return items


def chain_axioms(graph: Graph) -> list[tuple[str, list[str]]]:
    """Return every ``owl:propertyChainAxiom`` of ``graph`` as (property, [p1, …, pn]), sorted."""
    from rdflib import URIRef

    chains = []
    for prop, head in graph.subject_objects(URIRef(OWL + "propertyChainAxiom")):
        members = read_list(graph, head)
        if len(members) < 2:
            raise ReasoningError(f"property chain of {prop.n3()} has {len(members)} member(s); need at least 2")
        if not all(isinstance(m, URIRef) for m in members) or not isinstance(prop, URIRef):
            raise ReasoningError(f"property chain of {prop.n3()} uses a non-IRI property")
        chains.append((str(prop), [str(m) for m in members]))
    return sorted(chains)


def _chain_cycle(chains: Sequence[tuple[str, list[str]]], graph: Graph) -> list[str] | None:
    """Return a cycle of properties defined through their own chains (with sub-properties), or ``None``."""
    from rdflib import URIRef

    edges: dict[str, set[str]] = {}
    for prop, members in chains:
        edges.setdefault(prop, set()).update(members)
    # p1 ⊑ p2: the extension of p2 depends on p1.
    for sub, sup in graph.subject_objects(URIRef(RDFS + "subPropertyOf")):
        if sub != sup:
            edges.setdefault(str(sup), set()).add(str(sub))
    chained = {p for p, _ in chains}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                if any(p in chained for p in cycle):
                    return cycle
            elif nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(chained):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def check_input(graph: Graph, max_sameas: int = MAX_SAMEAS_COMPONENT) -> None:
    """Raise :class:`ReasoningError` if ``graph`` would make the closure blow up (SECURITY.md T8).

    Refused: an ``owl:sameAs`` component larger than ``max_sameas`` nodes (owlrl's cost grows about
    cubically: 100 nodes took 95 s); a property-chain list that is malformed, loops, or is longer than
    :data:`MAX_CHAIN_LENGTH`; a property defined through a chain that (via sub-properties and other
    chains) contains the property itself.
    """
    from rdflib import URIRef

    pairs = list(graph.triples((None, URIRef(OWL + "sameAs"), None)))
    components = sameas_components(pairs)
    if components and len(components[0]) > max_sameas:
        big = components[0]
        sample = ", ".join(sorted(iri.compact(str(n)) for n in big)[:3])
        raise ReasoningError(
            f"owl:sameAs component of {len(big)} resources ({sample}, …) exceeds the limit of {max_sameas}: "
            "remove the identity links or use skos:exactMatch/closeMatch"
        )
    chains = chain_axioms(graph)
    cycle = _chain_cycle(chains, graph)
    if cycle:
        path = " -> ".join(iri.compact(p) for p in cycle)
        raise ReasoningError(
            f"property chain loop: {path} is defined through itself "
            "(declare it owl:TransitiveProperty instead of a recursive chain)"
        )
