"""The OWL 2 RL closure of ontology + data: the only module that imports ``owlrl`` (and ``reasonable``).

What it owns:

* :func:`compute_closure` runs a reasoner (``owlrl``, the reference, or ``reasonable``, the fast Rust one
  completed with SPARQL rules for what it lacks) on the union of all asserted graphs and returns the
  *filtered* inferred triples (see :func:`is_trivial`), the clashes owlrl reports, and the time taken.
* :func:`check_input` refuses inputs that make owlrl blow up (large ``owl:sameAs`` components,
  malformed or self-referential property chains) before any reasoning starts (SECURITY.md T8).
* :func:`compute_tiers` keeps inferences apart by what they rest on: ``scog:inferred`` is the closure of
  the ontology and the declaration's own graphs alone; ``scog:inferred-context`` what the outside facts
  (``scog:context…``, ``scog:provenance-context``) add; ``scog:inferred-user`` what the user's files add.
* :func:`add_closure` puts those graphs into an rdflib ``Dataset``; it reads the materialised N-Quads
  kept fresh by :mod:`sco_kg.closure` instead of reasoning again.

It must not write files (that is :mod:`sco_kg.closure`) and must not be imported on the CLI read path.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sco_kg import iri
from sco_kg.errors import ReasoningError

if TYPE_CHECKING:
    from rdflib import Dataset, Graph
    from rdflib.term import Node

    Triple = tuple[Node, Node, Node]

ReasonerName = Literal["owlrl", "reasonable"]
REASONERS: tuple[str, ...] = ("owlrl", "reasonable")

# owlrl reports a clash by adding a blank node of this class with an agent-ont#error message.
ERROR_NS = "http://www.daml.org/2002/03/agents/agent-ont#"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
BUILTIN_NAMESPACES = (RDF, RDFS, OWL, XSD)

# Properties whose reflexive statements (x p x) every OWL 2 RL closure adds for every term.
REFLEXIVE_TRIVIAL = frozenset(
    {
        OWL + "sameAs",
        RDFS + "subClassOf",
        RDFS + "subPropertyOf",
        OWL + "equivalentClass",
        OWL + "equivalentProperty",
    }
)
TOP_CLASSES = frozenset({OWL + "Thing", RDFS + "Resource"})

# SECURITY.md T8: owlrl's time grows about cubically with the size of an owl:sameAs component.
MAX_SAMEAS_COMPONENT = 20
# A chain axiom longer than this is refused (the ontology's chains have length 2).
MAX_CHAIN_LENGTH = 10

# Whether `reasonable` plus the completion rules gives exactly owlrl's filtered closure on the shipped
# data; tests/test_reason.py::test_reasonable_equals_owlrl_on_shipped_data guards this flag.
REASONABLE_EQUALS_OWLRL = True


@dataclass(frozen=True)
class Clash:
    """An inconsistency owlrl found: its message and the resources it names."""

    message: str
    resources: tuple[str, ...]


@dataclass(frozen=True)
class Closure:
    """The filtered result of one reasoner run.

    Attributes:
        reasoner: ``owlrl`` or ``reasonable``.
        version: the reasoner's package version.
        inferred: the inferred triples kept after :func:`is_trivial` and the asserted-triple filter.
        clashes: the inconsistencies owlrl reported (always empty for ``reasonable``, which reports none).
        seconds: wall-clock time of the reasoning itself (input conversion included, parsing excluded).
        input_triples: triples handed to the reasoner.
        raw_added: triples the reasoner added before filtering.
        excluded_links: ``owl:sameAs`` links to external IRIs kept out of the input.
    """

    reasoner: str
    version: str
    inferred: frozenset[Triple]
    clashes: tuple[Clash, ...] = ()
    seconds: float = 0.0
    input_triples: int = 0
    raw_added: int = 0
    excluded_links: int = 0
    filtered: dict[str, int] = field(default_factory=dict)


def is_available(name: str) -> bool:
    """Return whether the reasoner package ``name`` is installed (without importing it)."""
    return importlib.util.find_spec(name) is not None


def reasoner_version(name: str) -> str:
    """Return the installed version of reasoner ``name``, or raise :class:`ReasoningError` if absent."""
    check_reasoner(name)
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        raise ReasoningError(f"reasoner {name!r} is not installed (pip install 'sco-kg[fast]')") from None


def check_reasoner(name: str) -> None:
    """Raise :class:`ReasoningError` unless ``name`` is a known reasoner."""
    if name not in REASONERS:
        raise ReasoningError(f"unknown reasoner {name!r} (use one of: {', '.join(REASONERS)})")


def default_reasoner() -> str:
    """Return the default reasoner: ``reasonable`` when installed and equal to owlrl, else ``owlrl``."""
    if REASONABLE_EQUALS_OWLRL and is_available("reasonable"):
        return "reasonable"
    return "owlrl"


# --------------------------------------------------------------------------------------------------
# Input: the union of the asserted graphs, minus external identity links, checked against T8
# --------------------------------------------------------------------------------------------------


def is_external_link(s: Node, p: Node, o: Node) -> bool:
    """Return whether ``(s, p, o)`` is an ``owl:sameAs`` link with an IRI outside ``https://w3id.org/sco-kg/``.

    Such links (Wikidata, GeoNames) identify our entities with external ones; in the closure they would
    only copy every statement about a state or city onto its external IRIs (OWL 2 RL eq-rep-s/o).
    """
    from rdflib import URIRef

    if str(p) != OWL + "sameAs":
        return False
    return any(isinstance(t, URIRef) and not str(t).startswith(iri.BASE) for t in (s, o))


def input_triples(ds: Dataset | Graph, include_external_links: bool = False) -> tuple[list[Triple], int]:
    """Return the reasoner input (the distinct triples of the union of ``ds``'s graphs) and the links left out.

    Args:
        ds: the asserted dataset (or a graph).
        include_external_links: keep ``owl:sameAs`` links to external IRIs in the input.
    """
    triples: set[Triple] = set()
    excluded = 0
    for s, p, o in ds.triples((None, None, None)):
        if not include_external_links and is_external_link(s, p, o):
            excluded += 1
            continue
        triples.add((s, p, o))
    return list(triples), excluded


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


# --------------------------------------------------------------------------------------------------
# Filtering
# --------------------------------------------------------------------------------------------------


def _in_builtin_vocabulary(term: Node) -> bool:
    return str(term).startswith(BUILTIN_NAMESPACES)


def trivial_reason(s: Node, p: Node, o: Node) -> str | None:
    """Return why an inferred triple is filtered out (a short category name), or ``None`` to keep it.

    Categories, in the order they are tested:

    * ``literal-subject``: a literal as subject (generalised RDF; owlrl adds ``"x" owl:sameAs "x"`` and
      datatype triples such as ``"42"^^xsd:integer rdf:type xsd:integer``). Never valid RDF to export.
    * ``blank-node``: a blank node as subject or object: inferences about the ontology's anonymous class
      expressions, lists and axiom annotations, and owlrl's clash reports (collected as :class:`Clash`).
    * ``builtin-vocabulary``: a subject in the RDF, RDFS, OWL or XSD namespace (axiomatic triples about
      the vocabularies themselves, e.g. ``owl:Thing rdf:type owl:Class``).
    * ``reflexive``: ``x p x`` for ``owl:sameAs``, ``rdfs:subClassOf``, ``rdfs:subPropertyOf``,
      ``owl:equivalentClass``, ``owl:equivalentProperty``.
    * ``top-class``: ``rdf:type``, ``rdfs:subClassOf``, ``rdfs:domain`` or ``rdfs:range`` with object
      ``owl:Thing`` or ``rdfs:Resource``.
    """
    from rdflib import BNode
    from rdflib import Literal as RdfLiteral

    if isinstance(s, RdfLiteral):
        return "literal-subject"
    if isinstance(s, BNode) or isinstance(o, BNode):
        return "blank-node"
    if _in_builtin_vocabulary(s):
        return "builtin-vocabulary"
    ps = str(p)
    if s == o and ps in REFLEXIVE_TRIVIAL:
        return "reflexive"
    if ps in (RDF + "type", RDFS + "subClassOf", RDFS + "domain", RDFS + "range") and str(o) in TOP_CLASSES:
        return "top-class"
    return None


def is_trivial(s: Node, p: Node, o: Node) -> bool:
    """Return whether an inferred triple is a trivial entailment that is filtered out (:func:`trivial_reason`)."""
    return trivial_reason(s, p, o) is not None


def normalize(term: Node) -> Node:
    """Return ``term`` with ``xsd:string`` literals written as plain literals (RDF 1.1: the same value)."""
    from rdflib import Literal as RdfLiteral

    if isinstance(term, RdfLiteral) and term.datatype is not None and str(term.datatype) == XSD + "string":
        return RdfLiteral(str(term))
    return term


def filter_inferred(
    closure_triples: Iterable[Triple], asserted: Graph | set[Triple]
) -> tuple[frozenset[Triple], dict[str, int]]:
    """Return the inferred triples worth keeping and the count filtered per category.

    A triple is dropped if it is asserted (in any graph) or :func:`trivial_reason` names a category.
    """
    kept: set[Triple] = set()
    counts: dict[str, int] = {}
    for s, p, o in closure_triples:
        t = (s, p, normalize(o))
        if t in asserted:
            continue
        why = trivial_reason(*t)
        if why:
            counts[why] = counts.get(why, 0) + 1
            continue
        kept.add(t)
    return frozenset(kept), dict(sorted(counts.items()))


# --------------------------------------------------------------------------------------------------
# Clashes
# --------------------------------------------------------------------------------------------------

_IRI_IN_TEXT = re.compile(r"[a-z][a-z0-9+.\-]*://[^\s,;'\"()<>]+")


def clashes_in(graph: Graph) -> tuple[Clash, ...]:
    """Return the clashes recorded in ``graph`` by owlrl (``agent-ont#ErrorMessage`` nodes), sorted."""
    from rdflib import URIRef

    found = set()
    rdf_type = URIRef(RDF + "type")
    for node in graph.subjects(rdf_type, URIRef(ERROR_NS + "ErrorMessage")):
        for msg in graph.objects(node, URIRef(ERROR_NS + "error")):
            text = " ".join(str(msg).split())
            names = tuple(dict.fromkeys(m.rstrip(".") for m in _IRI_IN_TEXT.findall(text)))
            found.add(Clash(message=text, resources=names))
    return tuple(sorted(found, key=lambda c: c.message))


# --------------------------------------------------------------------------------------------------
# Reasoners
# --------------------------------------------------------------------------------------------------


def _run_owlrl(g: Graph) -> None:
    import owlrl

    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(g)


# OWL 2 RL rules that `reasonable` 0.4.4 does not implement, as (head, body) SPARQL patterns; they run as
# SPARQL updates on pyoxigraph, alternating with `reasonable`, until nothing new appears. The chain rules
# (prp-spo2) are generated from the ontology's owl:propertyChainAxiom lists by chain_rule().
COMPLETION_RULES: dict[str, tuple[str, str]] = {
    # scm-spo: p1 rdfs:subPropertyOf p2, p2 rdfs:subPropertyOf p3 => p1 rdfs:subPropertyOf p3
    "scm-spo": (
        f"?p1 <{RDFS}subPropertyOf> ?p3",
        f"?p1 <{RDFS}subPropertyOf> ?p2 . ?p2 <{RDFS}subPropertyOf> ?p3",
    ),
    # scm-dom1: p rdfs:domain c1, c1 rdfs:subClassOf c2 => p rdfs:domain c2
    "scm-dom1": (f"?p <{RDFS}domain> ?c2", f"?p <{RDFS}domain> ?c1 . ?c1 <{RDFS}subClassOf> ?c2"),
    # scm-dom2: p2 rdfs:domain c, p1 rdfs:subPropertyOf p2 => p1 rdfs:domain c
    "scm-dom2": (f"?p1 <{RDFS}domain> ?c", f"?p2 <{RDFS}domain> ?c . ?p1 <{RDFS}subPropertyOf> ?p2"),
    # scm-rng1: p rdfs:range c1, c1 rdfs:subClassOf c2 => p rdfs:range c2
    "scm-rng1": (f"?p <{RDFS}range> ?c2", f"?p <{RDFS}range> ?c1 . ?c1 <{RDFS}subClassOf> ?c2"),
    # scm-rng2: p2 rdfs:range c, p1 rdfs:subPropertyOf p2 => p1 rdfs:range c
    "scm-rng2": (f"?p1 <{RDFS}range> ?c", f"?p2 <{RDFS}range> ?c . ?p1 <{RDFS}subPropertyOf> ?p2"),
}

# Named graph that collects what one round of completion rules adds (internal to the reasoning store).
_NEW_GRAPH = "urn:x-sco-kg:new"


def chain_rule(prop: str, members: Sequence[str]) -> tuple[str, str]:
    """Return (head, body) of OWL 2 RL prp-spo2 for the chain axiom ``prop ≡ members[0] ∘ … ∘ members[n]``."""
    body = " . ".join(f"?x{i} <{m}> ?x{i + 1}" for i, m in enumerate(members))
    return f"?x0 <{prop}> ?x{len(members)}", body


def completion_rules(graph: Graph) -> dict[str, tuple[str, str]]:
    """Return the (head, body) rules that complete `reasonable`: prp-spo2 per chain, scm-spo, scm-dom/rng."""
    rules = {f"prp-spo2 {iri.compact(p)}": chain_rule(p, m) for p, m in chain_axioms(graph)}
    rules.update(COMPLETION_RULES)
    return rules


def rule_update(head: str, body: str) -> str:
    """Return the SPARQL update that adds the new conclusions of rule ``body => head`` to a marker graph."""
    return f"INSERT {{ GRAPH <{_NEW_GRAPH}> {{ {head} }} }} WHERE {{ {body} FILTER NOT EXISTS {{ {head} }} }}"


PLACEHOLDER = "urn:x-sco-kg:term:"


def _encode_terms(triples: Iterable[Triple]) -> tuple[list[Triple], dict[Node, Node]]:
    """Return ``triples`` with literals and blank nodes replaced by placeholder IRIs, and the way back.

    `reasonable` 0.4.4 rewrites literal datatypes on the way in and out (``xsd:nonNegativeInteger`` comes
    back as ``xsd:integer``, plain strings as ``xsd:string``). OWL 2 RL rules never look inside a literal
    except the datatype rules, whose conclusions are literal-subject triples that are filtered anyway, so
    reasoning over opaque placeholders gives the same filtered closure with the terms intact.
    """
    from rdflib import URIRef

    forward: dict[Node, Node] = {}
    back: dict[Node, Node] = {}

    def enc(term: Node) -> Node:
        if isinstance(term, URIRef):
            return term
        if term not in forward:
            ph = URIRef(f"{PLACEHOLDER}{len(forward)}")
            forward[term] = ph
            back[ph] = term
        return forward[term]

    return [(enc(s), p, enc(o)) for s, p, o in triples], back


def _run_reasonable(triples: list[Triple], schema: Graph) -> set[Triple]:
    """Return what `reasonable`, completed to a fixpoint with :func:`completion_rules`, adds to ``triples``.

    ``schema`` holds the chain axioms the prp-spo2 rules are generated from (:func:`schema_graph`).
    """
    import reasonable

    rules = completion_rules(schema)
    encoded, back = _encode_terms(triples)
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(encoded)
    current = set(reasoner.reason())
    current = _complete(current, reasoner, rules)
    added = current.difference(encoded)  # compared in encoded form: cheaper than decoding everything
    return {(back.get(s, s), p, back.get(o, o)) for s, p, o in added}


def _complete(current: set[Triple], reasoner: object, rules: dict[str, tuple[str, str]]) -> set[Triple]:
    """Return ``current`` closed under ``rules`` (SPARQL updates on pyoxigraph) and the reasoner.

    Every term is an IRI here (see :func:`_encode_terms`). Each round runs the rules to a fixpoint; what
    they add is handed to `reasonable` (incremental), whose new conclusions go back into the store.
    """
    import pyoxigraph as ox
    from rdflib import URIRef

    def quad(t: Triple) -> ox.Quad:
        return ox.Quad(ox.NamedNode(str(t[0])), ox.NamedNode(str(t[1])), ox.NamedNode(str(t[2])))

    store = ox.Store()
    store.extend(quad(t) for t in current)
    updates = [rule_update(head, body) for head, body in rules.values()]
    marker = ox.NamedNode(_NEW_GRAPH)
    copy_new = f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH <{_NEW_GRAPH}> {{ ?s ?p ?o }} }}"
    while True:
        # Run the rules to a fixpoint inside pyoxigraph first (chains over chains, e.g. foundingMemberOf
        # over isSignatoryOf), so that `reasonable` is called as few times as possible.
        while True:
            size = len(store)
            for update in updates:
                store.update(update)
            store.update(copy_new)
            if len(store) == size:
                break
        new: set[Triple] = {
            (URIRef(str(q.subject)[1:-1]), URIRef(q.predicate.value), URIRef(str(q.object)[1:-1]))
            for q in store.quads_for_pattern(None, None, None, marker)
        }
        store.remove_graph(marker)
        new -= current
        if not new:
            return current
        current |= new
        reasoner.from_graph(list(new))  # type: ignore[attr-defined]
        closed = set(reasoner.reason())  # type: ignore[attr-defined]
        store.extend(quad(t) for t in closed - current)
        store.extend(quad(t) for t in new)
        current |= closed


def compute_closure(
    source: Dataset | Graph,
    reasoner: str = "owlrl",
    include_external_links: bool = False,
    max_sameas: int = MAX_SAMEAS_COMPONENT,
) -> Closure:
    """Return the filtered OWL 2 RL closure of ``source`` (which is not modified).

    Args:
        source: the asserted dataset (its union is reasoned over) or a graph.
        reasoner: ``owlrl`` (reference, reports clashes) or ``reasonable`` (fast; completed with SPARQL
            rules for prp-spo2 and scm-dom/rng, which it lacks).
        include_external_links: also reason over ``owl:sameAs`` links to external IRIs.
        max_sameas: largest ``owl:sameAs`` component accepted (:func:`check_input`).

    Returns:
        A :class:`Closure` with the inferred triples that are neither asserted nor trivial.
    """
    check_reasoner(reasoner)
    version = reasoner_version(reasoner)
    triples, excluded = input_triples(source, include_external_links=include_external_links)
    schema = schema_graph(triples)
    check_input(schema, max_sameas=max_sameas)
    asserted = {(s, p, normalize(o)) for s, p, o in source.triples((None, None, None))}
    n_input = len(triples)
    if reasoner == "owlrl":
        from rdflib import Graph

        g = Graph()
        for t in triples:
            g.add(t)
        start = time.perf_counter()
        _run_owlrl(g)
        clashes = clashes_in(g)
        result: Iterable[Triple] = g
        raw = len(g) - n_input
    else:
        start = time.perf_counter()
        added = _run_reasonable(triples, schema)
        clashes = ()
        result = added
        raw = len(added)
    inferred, counts = filter_inferred(result, asserted)
    seconds = time.perf_counter() - start
    return Closure(
        reasoner=reasoner,
        version=version,
        inferred=inferred,
        clashes=clashes,
        seconds=seconds,
        input_triples=n_input,
        raw_added=raw,
        excluded_links=excluded,
        filtered=counts,
    )


def tier_of(graph: str) -> str:
    """Return the inferred graph whose input tier the asserted ``graph`` belongs to.

    ``scog:user/*`` → ``scog:inferred-user``; the outside facts (:func:`sco_kg.iri.is_context_graph`) →
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


def owlrl_clashes(source: Dataset | Graph) -> tuple[Clash, ...]:
    """Return the clashes owlrl reports on ``source`` (runs the full owlrl closure)."""
    return compute_closure(source, reasoner="owlrl").clashes


def add_closure(
    ds: Dataset, with_files: Sequence[Path] = (), with_format: str | None = None, context: bool = True
) -> None:
    """Add the filtered closure of the dataset (plus ``with_files``) to ``ds`` as its inferred graphs.

    The closure comes from :func:`sco_kg.closure.materialized_path` (the shipped artifact or a checked
    cache), so loading with inference does not reason again when nothing changed. With ``context=False``
    ``scog:inferred-context`` is left out (and ``scog:inferred-user`` is computed without outside facts).
    """
    from sco_kg import closure

    path = closure.materialized_path(list(with_files), with_format=with_format, context=context)
    wanted = [g for g in iri.INFERRED_GRAPHS if context or not iri.is_context_graph(g)]
    markers = tuple(f"<{g}> .\n" for g in wanted)
    # Inferred triples never contain blank nodes (see trivial_reason), so the lines stand alone.
    lines = [ln for ln in closure.read_lines(path) if ln.endswith(markers)]
    if lines:
        ds.parse(data="".join(lines), format="nquads")
