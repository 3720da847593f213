"""The reasoners: owlrl (the reference) and reasonable (fast, Rust) completed with SPARQL rules for what it lacks.

:func:`compute_closure` runs one on the union of the asserted graphs and returns the *filtered* inferred
triples (:mod:`sco_kg.reasoning.filter`), the clashes owlrl reports and the time taken; inputs are checked by
:mod:`sco_kg.reasoning.guards` first. The only module that imports ``owlrl`` and ``reasonable``. It writes no
files (that is :mod:`sco_kg.reasoning.materialize`) and is never imported on the CLI read path.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sco_kg.errors import ReasoningError
from sco_kg.rdf import iri
from sco_kg.reasoning.core import Encoder, reason_iris
from sco_kg.reasoning.filter import filter_inferred, input_triples, normalize
from sco_kg.reasoning.guards import MAX_SAMEAS_COMPONENT, chain_axioms, check_input, schema_graph
from sco_kg.reasoning.vocab import RDF, RDFS

if TYPE_CHECKING:
    from rdflib import Dataset, Graph
    from rdflib.term import Node

    Triple = tuple[Node, Node, Node]

ReasonerName = Literal["owlrl", "reasonable"]
REASONERS: tuple[str, ...] = ("owlrl", "reasonable")

# owlrl reports a clash by adding a blank node of this class with an agent-ont#error message.
ERROR_NS = "http://www.daml.org/2002/03/agents/agent-ont#"


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


# --------------------------------------------------------------------------------------------------
# Filtering
# --------------------------------------------------------------------------------------------------


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


def chain_rule(prop: str, members: Sequence[str]) -> tuple[str, str]:
    """Return (head, body) of OWL 2 RL prp-spo2 for the chain axiom ``prop ≡ members[0] ∘ … ∘ members[n]``."""
    body = " . ".join(f"?x{i} <{m}> ?x{i + 1}" for i, m in enumerate(members))
    return f"?x0 <{prop}> ?x{len(members)}", body


def completion_rules(graph: Graph) -> dict[str, tuple[str, str]]:
    """Return the (head, body) rules that complete `reasonable`: prp-spo2 per chain, scm-spo, scm-dom/rng."""
    rules = {f"prp-spo2 {iri.compact(p)}": chain_rule(p, m) for p, m in chain_axioms(graph)}
    rules.update(COMPLETION_RULES)
    return rules


def _run_reasonable(triples: list[Triple], schema: Graph) -> set[Triple]:
    """Return what `reasonable`, completed to a fixpoint with :func:`completion_rules`, adds to ``triples``.

    ``schema`` holds the chain axioms the prp-spo2 rules are generated from (:func:`schema_graph`). The terms
    are encoded as IRI strings (:class:`sco_kg.reasoning.core.Encoder`) and the closure is computed by
    :func:`sco_kg.reasoning.core.reason_iris`, the one implementation the build path uses too.
    """
    from rdflib import URIRef

    rules = completion_rules(schema)
    enc = Encoder()

    def code(term: Node) -> str:
        return str(term) if isinstance(term, URIRef) else enc.placeholder(term)

    added = reason_iris([(code(s), str(p), code(o)) for s, p, o in triples], rules)
    back = enc.back
    uris: dict[str, Node] = {}

    def decode(value: str) -> Node:
        found = back.get(value, uris.get(value))  # not `or`: an empty literal is falsy
        if found is None:
            found = uris[value] = URIRef(value)
        return found  # type: ignore[return-value]

    return {(decode(s), decode(p), decode(o)) for s, p, o in added}


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


def owlrl_clashes(source: Dataset | Graph) -> tuple[Clash, ...]:
    """Return the clashes owlrl reports on ``source`` (runs the full owlrl closure)."""
    return compute_closure(source, reasoner="owlrl").clashes
