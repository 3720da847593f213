"""SPARQL-correct datasets on the oxigraph engine (issue 13, "Wrong answers, silently").

Each test failed before the fix: FROM was overridden by pyoxigraph's ``use_default_graph_as_union`` (5,072
triples instead of the graph's 1,127), the union default graph was a bag (a triple stored in two named graphs
matched twice), and ASK in CSV/TSV had no final line end. Expected values come from the data itself (a plain
pyoxigraph store, GRAPH patterns), not from constants.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

import sco_kg
from sco_kg import dataset
from sco_kg.cli import main
from sco_kg.engine.limits import Limits
from sco_kg.rdf import iri
from sco_kg.reasoning import materialize as closure

COUNT = "SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}"


@pytest.fixture(scope="module")
def plain() -> ox.Store:
    """The materialised dataset in a plain store: named graphs only."""
    store = ox.Store()
    store.bulk_load(path=str(closure.materialized_path()), format=ox.RdfFormat.N_QUADS)
    return store


def _graph_size(store: ox.Store, graph: str) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


def _count(text: str, engine: str = "oxigraph") -> int:
    (row,) = sco_kg.run(text, engine=engine).rows  # type: ignore[arg-type]
    assert row[0] is not None
    return int(row[0].value)


def test_from_is_honoured_on_the_oxigraph_engine(plain):
    inferred = _graph_size(plain, iri.GRAPH_INFERRED)
    assert 0 < inferred < len(plain)
    assert _count(COUNT.format(dataset=f"FROM <{iri.GRAPH_INFERRED}>")) == inferred
    both = f"FROM <{iri.GRAPH_INFERRED}> FROM <{iri.GRAPH_ONTOLOGY}>"
    assert _count(COUNT.format(dataset=both)) == inferred + _graph_size(plain, iri.GRAPH_ONTOLOGY)


def test_from_named_alone_leaves_the_default_graph_empty_and_scopes_graph(plain):
    named = f"FROM NAMED <{iri.GRAPH_TEXT}>"
    assert _count(COUNT.format(dataset=named)) == 0
    rows = sco_kg.run(f"SELECT DISTINCT ?g {named} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}").rows
    assert [r[0].value for r in rows if r[0] is not None] == [iri.GRAPH_TEXT]


def test_the_default_graph_is_a_set(plain):
    distinct = {(q.subject, q.predicate, q.object) for q in plain}
    assert len(distinct) < len(plain)  # some triple is in two named graphs
    for engine in ("oxigraph", "rdflib"):
        assert _count(COUNT.format(dataset=""), engine) == len(distinct), engine
    labels = sco_kg.run(
        "SELECT ?l WHERE { <https://w3id.org/sco-kg/id/organization/sco> "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }"
    ).rows
    assert labels and len(labels) == len(set(labels))


def test_named_graphs_are_unchanged_by_the_default_graph(plain):
    text = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    ours = {r[0].value: int(r[1].value) for r in sco_kg.run(text).rows if r[0] and r[1]}
    assert ours == {g.value: _graph_size(plain, g.value) for g in plain.named_graphs()}


def test_fill_default_graph_makes_the_set_union():
    store = ox.Store()
    s, p = ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p")
    for g in ("g1", "g2"):  # project graph IRIs: the policy refuses FROM of any other
        store.add(ox.Quad(s, p, ox.Literal("x"), ox.NamedNode(iri.GRAPH + g)))
    unlimited = Limits(timeout=None, max_rows=None)

    def rows(text: str) -> int:
        return len(sco_kg.run(text, None, unlimited, target=store).rows)

    assert rows("SELECT ?o WHERE { ?s ?p ?o }") == 2  # pyoxigraph's union: a bag
    dataset.fill_default_graph(store)
    assert rows("SELECT ?o WHERE { ?s ?p ?o }") == 1
    assert rows(f"SELECT ?o FROM <{iri.GRAPH}g1> WHERE {{ ?s ?p ?o }}") == 1
    assert rows("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }") == 2


def test_server_executor_honours_from(plain):
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from sco_kg.server import ServerConfig, create_app

    def count(text: str) -> int:
        r = client.get("/sparql", params={"query": text}, headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, r.text
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    inferred = _graph_size(plain, iri.GRAPH_INFERRED)
    distinct = len({(q.subject, q.predicate, q.object) for q in plain})
    assert distinct < len(plain)  # some triples sit in two graphs: a bag union would count them twice
    with TestClient(create_app(plain, ServerConfig(quiet=True))) as client:
        assert count(COUNT.format(dataset=f"FROM <{iri.GRAPH_INFERRED}>")) == inferred
        # Without a dataset clause the default graph is the SET union of the named graphs.
        assert count(COUNT.format(dataset="")) == distinct
        # "from" in a string is not a FROM clause.
        assert count('SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != "from") }') > inferred
        # The protocol's default-graph-uri names the dataset too.
        r = client.get("/sparql", params={"query": COUNT.format(dataset=""), "default-graph-uri": iri.GRAPH_INFERRED})
        assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == inferred


@pytest.mark.parametrize(("fmt", "end"), [("csv", b"\r\n"), ("tsv", b"\n")])
def test_ask_in_csv_and_tsv_ends_with_a_line_end(capsysbinary, fmt, end):
    assert main(["sparql", "ASK { ?s ?p ?o }", "--format", fmt]) == 0
    assert capsysbinary.readouterr().out == b"true" + end
    assert main(["sparql", "ASK { ?s <http://example.org/none> ?o }", "--format", fmt]) == 0
    assert capsysbinary.readouterr().out == b"false" + end
