"""What goes in and what comes out of a closure: the input triples and the filter of trivial inferences."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sco_kg.rdf import iri

if TYPE_CHECKING:
    from rdflib import Dataset, Graph
    from rdflib.term import Node

    Triple = tuple[Node, Node, Node]

from sco_kg.reasoning.vocab import BUILTIN_NAMESPACES, OWL, RDF, RDFS, REFLEXIVE_TRIVIAL, TOP_CLASSES, XSD


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
