"""The vocabulary the reasoners share: built-in namespaces and the triples that every closure adds for every term."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib.term import Node

    Triple = tuple[Node, Node, Node]


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
