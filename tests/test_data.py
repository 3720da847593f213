"""The declaration as RDF: coverage of INVENTORY.md, sentence provenance, no blank nodes, round trip (issue 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.compare import isomorphic

from sco_kg import paths
from sco_kg.rdf import iri

TEST_DATA = Path(__file__).resolve().parent / "data"
PREFIXES = iri.sparql_prefixes()

# Which sentence states a triple: the assertion graph holding it and that graph's source sentence.
SOURCE_OF = """
    GRAPH ?g { %s }
    GRAPH scog:provenance { ?g prov:wasDerivedFrom ?sentence }
    GRAPH scog:text { ?sentence a nif:Sentence ; nif:anchorOf ?anchor }
"""


def rows(ds: Dataset, query: str) -> list:
    return list(ds.query(PREFIXES + query))


IMPLIED_BY = """
    GRAPH ?g { %s }
    GRAPH scog:provenance { ?g a sco:ImpliedGraph ; sco:impliedBy ?sentence }
    GRAPH scog:text { ?sentence a nif:Sentence ; nif:anchorOf ?anchor }
"""


def test_no_blank_nodes_in_data(asserted):
    checked = 0
    for s, p, o, g in asserted.quads((None, None, None, None)):
        if g is not None and str(g.identifier if hasattr(g, "identifier") else g) == iri.GRAPH_ONTOLOGY:
            continue  # OWL lists (property chains, AllDisjointClasses) are blank nodes by the OWL mapping
        assert not isinstance(s, BNode) and not isinstance(o, BNode), (s, p, o, g)
        checked += 1
    assert checked > 2000, checked  # the loop saw the data graphs (about 3,000 quads outside the ontology)


@pytest.mark.parametrize("paragraph", [*range(1, 19), 20])
def test_every_content_paragraph_asserts_something(asserted, paragraph):
    found = rows(
        asserted,
        f"""SELECT ?g (COUNT(*) AS ?n) WHERE {{
              GRAPH scog:provenance {{ ?g a sco:AssertionGraph ; prov:wasDerivedFrom ?s }}
              GRAPH scog:text {{ ?s sco:partOf <{iri.paragraph(paragraph)}> }}
              GRAPH ?g {{ ?a ?b ?c }} }} GROUP BY ?g""",
    )
    assert found and all(int(r.n) > 0 for r in found), f"paragraph {paragraph} asserts nothing"


def test_every_assertion_graph_has_provenance_and_vice_versa(asserted):
    graphs = {str(c.identifier) for c in asserted.graphs() if str(c.identifier).startswith(iri.GRAPH_ASSERTION)}
    described = {
        str(r.g)
        for r in rows(
            asserted,
            """SELECT ?g WHERE { GRAPH scog:provenance {
                   ?g a sco:AssertionGraph ; prov:wasDerivedFrom ?s ; prov:hadPrimarySource ?src } }""",
        )
    }
    assert graphs and graphs == described


def test_inventory_items_are_all_encoded(asserted):
    wanted = {ln.strip() for ln in (TEST_DATA / "inventory-ids.txt").read_text().splitlines() if ln.strip()}
    assert len(wanted) >= 200
    notations = [str(r.n) for r in rows(asserted, "SELECT ?n WHERE { GRAPH ?g { ?x skos:notation ?n } }")]
    missing = sorted(wanted - set(notations))
    assert not missing, f"inventory items not in the graph: {missing}"


def test_six_signatory_states_each_with_source_sentence(asserted):
    found = rows(
        asserted,
        "SELECT DISTINCT ?state ?anchor WHERE {"
        + SOURCE_OF % "?president sco:signed document:declaration-2001 ; sco:isHeadOfStateOf ?state ."
        + "}",
    )
    states = {str(r.state).rsplit("/", 1)[1] for r in found}
    assert states == {"kazakhstan", "china", "kyrgyzstan", "russia", "tajikistan", "uzbekistan"}
    assert all("signed Friday the Declaration" in str(r.anchor) for r in found)


def test_shanghai_five_has_exactly_five_members(asserted):
    """The membership is implied (P4), so it sits in an implied graph read from P4's sentence."""
    found = rows(
        asserted,
        "SELECT DISTINCT ?state ?anchor WHERE {"
        + IMPLIED_BY % "?m org:member ?state ; org:organization organization:shanghai-five ."
        + " FILTER(CONTAINS(?anchor, 'heads of states of Kazakhstan')) }",
    )
    assert {str(r.state).rsplit("/", 1)[1] for r in found} == {
        "kazakhstan",
        "china",
        "kyrgyzstan",
        "russia",
        "tajikistan",
    }
    assert all("Kazakhstan, China, [Kyrgyzstan](#), Russia and Tajikistan" in str(r.anchor) for r in found)


def test_shanghai_spirit_has_six_components(asserted):
    found = rows(
        asserted,
        "SELECT DISTINCT ?c ?anchor WHERE {" + SOURCE_OF % "principle:shanghai-spirit sco:hasComponent ?c ." + "}",
    )
    assert len({r.c for r in found}) == 6
    assert all(str(r.anchor).startswith('The "Shanghai Spirit", featuring') for r in found)


def test_eight_fields_of_cooperation_in_paragraph_6(asserted):
    found = rows(
        asserted,
        "SELECT DISTINCT ?f ?n ?anchor WHERE {"
        + SOURCE_OF % "?aim sco:concernsField ?f . ?f skos:notation ?n ."
        + "FILTER(?g = ag:p6-s1) }",
    )
    named = {str(r.n) for r in found} - {"F9", "F12"}  # F9 "other fields"; F12 belongs to A3
    assert named == {f"F{i}" for i in range(1, 9)}
    assert all("politics, economy, science and technology" in str(r.anchor) for r in found)


def test_six_threats_to_combat_in_paragraph_13(asserted):
    found = rows(
        asserted,
        "SELECT DISTINCT ?t ?n ?anchor WHERE {"
        + SOURCE_OF % "?x sco:addresses ?t . ?t a sco:Threat ; skos:notation ?n ."
        + "FILTER(STRSTARTS(STR(?g), STR(ag:p13-))) }",
    )
    specific = {str(r.n) for r in found} - {"TH8"}  # TH8: "other criminal activities"
    assert specific == {"TH2", "TH3", "TH4", "TH5", "TH6", "TH7"}
    assert all(str(r.anchor) for r in found)


def test_signing_place_of_the_declaration_is_not_asserted_from_the_text(asserted):
    """INVENTORY.md point 2: the text does not say where the Declaration was signed."""
    found = rows(
        asserted,
        """SELECT ?g WHERE { GRAPH ?g { document:declaration-2001 sco:signingEvent ?e . ?e sco:atPlace ?p }
             FILTER(STRSTARTS(STR(?g), STR(ag:))) }""",
    )
    assert found == []


def test_trig_round_trip_is_isomorphic(asserted, tmp_path):
    out = tmp_path / "all.trig"
    asserted.serialize(out, format="trig")
    back = Dataset()
    back.parse(out, format="trig")
    graphs = {str(c.identifier) for c in asserted.graphs() if len(c)}
    assert graphs == {str(c.identifier) for c in back.graphs() if len(c)}
    for name in graphs:
        a = asserted.graph(URIRef(name))
        b = back.graph(URIRef(name))
        assert len(a) == len(b) and isomorphic(a, b), name


def test_every_term_used_in_data_is_declared(asserted):
    """Every sco: term the data uses is declared in the ontology (typos would otherwise pass silently)."""
    used = rows(
        asserted,
        """SELECT DISTINCT ?t WHERE {
             { GRAPH ?g { ?s ?t ?o } } UNION { GRAPH ?g { ?s a ?t } }
             FILTER(?g != scog:ontology && STRSTARTS(STR(?t), STR(sco:))) }""",
    )
    declared = {str(r.t) for r in rows(asserted, "SELECT ?t WHERE { GRAPH scog:ontology { ?t a ?k } }")}
    missing = sorted(str(r.t) for r in used if str(r.t) not in declared)
    assert not missing, missing


def test_languages_are_tagged(asserted):
    seen: set[str] = set()
    for s, p, o, _g in asserted.quads((None, None, None, None)):
        if isinstance(o, Literal) and str(p).endswith(("label", "prefLabel", "altLabel", "definition")):
            assert o.language, (s, p, o)
            seen.add(o.language)
    assert {"en", "zh", "ru"} <= seen, seen  # the loop saw labels in the three languages


def test_source_document_origin_is_stated():
    readme = (paths.data_dir() / "README.md").read_text(encoding="utf-8")
    assert paths.SOURCE_TEXT_NAME in readme and "origin" in readme.lower()
