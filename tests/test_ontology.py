"""The ontology: it parses, its header is complete, every term is annotated, it stays in OWL 2 RL (issue 2)."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, Graph, Literal, URIRef

from sco_kg import paths
from sco_kg.rdf import iri
from sco_kg.rdf.namespaces import SCO, ontology_terms
from sco_kg.version import __version__

PREFIXES = iri.sparql_prefixes()


@pytest.fixture(scope="module")
def onto() -> Graph:
    g = Graph()
    for f in paths.ontology_files():
        g.parse(f, format="turtle")
    return g


def test_every_module_is_an_ontology_imported_by_sco_ttl(onto):
    top = URIRef(iri.ONTOLOGY)
    modules = {URIRef(f"{iri.ONTOLOGY}module/{p.stem}") for p in (paths.ontology_dir() / "modules").glob("*.ttl")}
    assert modules and modules <= set(onto.subjects(RDF.type, OWL.Ontology))
    assert set(onto.objects(top, OWL.imports)) == modules


def test_header(onto):
    top = URIRef(iri.ONTOLOGY)
    dct = iri.PREFIXES["dcterms"]
    for prop in ("title", "description", "license", "creator", "created", "modified"):
        assert onto.value(top, URIRef(dct + prop)) is not None, prop
    assert onto.value(top, OWL.versionIRI) == URIRef(iri.ONTOLOGY_VERSION)
    assert str(onto.value(top, OWL.versionInfo)) == __version__
    assert str(onto.value(top, URIRef(iri.PREFIXES["vann"] + "preferredNamespacePrefix"))) == "sco"


def test_every_term_has_english_label_definition_and_is_defined_by(onto):
    missing = list(
        onto.query(
            PREFIXES
            + """SELECT ?t ?what WHERE {
                 ?t a ?k . FILTER(?k IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty, owl:AnnotationProperty))
                 FILTER(STRSTARTS(STR(?t), STR(sco:)))
                 { FILTER NOT EXISTS { ?t rdfs:label ?l FILTER(langMatches(lang(?l), "en")) } BIND("label" AS ?what) }
                 UNION
                 { FILTER NOT EXISTS { ?t skos:definition ?d FILTER(langMatches(lang(?d), "en")) }
                   BIND("definition" AS ?what) }
                 UNION
                 { FILTER NOT EXISTS { ?t rdfs:isDefinedBy ?m } BIND("isDefinedBy" AS ?what) }
               }"""
        )
    )
    assert missing == [], missing


def test_closed_namespace_matches_the_ontology():
    assert sorted(SCO.__annotations__) == ontology_terms()
    with pytest.raises(AttributeError, match=r"^term 'signedby' not in namespace "):
        SCO.signedby  # noqa: B018 - a typo must fail


def test_stays_in_owl2_rl(onto):
    """Constructs outside OWL 2 RL (or that make the reasoner quadratic) are absent."""
    assert not list(onto.subjects(RDF.type, OWL.FunctionalProperty)), "no functional properties (PERFORMANCE.md)"
    for s, _p, _o in onto.triples((None, OWL.someValuesFrom, None)):
        assert not list(onto.subjects(OWL.equivalentClass, s)), "someValuesFrom only on the left of subClassOf"
    for forbidden in (OWL.minCardinality, OWL.cardinality, OWL.unionOf, OWL.sameAs):
        assert not list(onto.triples((None, forbidden, None))), forbidden


def test_declaration_is_non_binding_and_treaties_are_disjoint_from_it(onto):
    lkif = iri.PREFIXES["lkif-norm"]
    assert (
        SCO.NonBindingInstrument,
        URIRef(iri.PREFIXES["rdfs"] + "subClassOf"),
        URIRef(lkif + "Non-binding_International_Agreement"),
    ) in onto
    assert (URIRef(lkif + "Treaty"), OWL.disjointWith, URIRef(lkif + "Non-binding_International_Agreement")) in onto


def test_labels_are_unique(onto):
    labels: dict[str, URIRef] = {}
    for s, o in onto.subject_objects(URIRef(iri.PREFIXES["rdfs"] + "label")):
        if isinstance(s, URIRef) and str(s).startswith(iri.ONTOLOGY) and isinstance(o, Literal):
            key = str(o).lower()
            assert key not in labels or labels[key] == s, (key, labels.get(key), s)
            labels[key] = s
    assert len(labels) > 100, len(labels)  # the loop saw the ontology's labels
