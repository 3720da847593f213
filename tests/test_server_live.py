"""A real ``sco-kg serve`` on a free loopback port, queried with SPARQLWrapper (issue 6).

The answers must equal what the same queries give in process on the same store.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

import sco_kg
from sco_kg.dataset import Source
from sco_kg.rdf import iri
from tests.conftest import serve_subprocess

pytest.importorskip("uvicorn")
SPARQLWrapper = pytest.importorskip("SPARQLWrapper")

pytestmark = pytest.mark.network_loopback

STATES = {iri.ID + f"state/{s}" for s in ("kazakhstan", "china", "kyrgyzstan", "russia", "tajikistan", "uzbekistan")}
SELECT = (
    "PREFIX sco: <https://w3id.org/sco-kg/ontology/>\n"
    "SELECT ?state ?label WHERE { <https://w3id.org/sco-kg/id/document/declaration-2001> sco:hasSignatory ?state .\n"
    "  ?state <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(lang(?label) = 'en') }"
)
CONSTRUCT = (
    "PREFIX sco: <https://w3id.org/sco-kg/ontology/>\nCONSTRUCT { ?s sco:memberOf ?o } WHERE { ?s sco:memberOf ?o }"
)


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    """Start ``sco-kg serve`` (with inference, quiet) on a free port; yield its base URL; stop it."""
    with serve_subprocess("--timeout", "5") as (_proc, base):
        yield base


@pytest.fixture(scope="module")
def local() -> ox.Store:
    """The same dataset in process."""

    return sco_kg.open_store(Source(inferred=True))


def _wrapper(base: str, query: str, fmt: str) -> SPARQLWrapper.SPARQLWrapper:
    w = SPARQLWrapper.SPARQLWrapper(base + "sparql")
    w.setQuery(query)
    w.setReturnFormat(fmt)
    w.setTimeout(20)
    return w


def _local_rows(local: ox.Store, query: str) -> set[tuple[str, ...]]:
    result = sco_kg.run(query, target=local)
    return {tuple(t.value for t in row if t is not None) for row in result.rows}


def test_select_json(live: str, local: ox.Store) -> None:
    res = _wrapper(live, SELECT, SPARQLWrapper.JSON).query().convert()
    got = {(b["state"]["value"], b["label"]["value"]) for b in res["results"]["bindings"]}
    assert got == _local_rows(local, SELECT)
    assert {s for s, _ in got} == STATES


def test_select_xml(live: str, local: ox.Store) -> None:
    doc = _wrapper(live, SELECT, SPARQLWrapper.XML).query().convert()  # xml.dom.minidom Document
    got = set()
    for result in doc.getElementsByTagName("result"):
        values = {
            b.getAttribute("name"): b.firstChild.firstChild.nodeValue for b in result.getElementsByTagName("binding")
        }
        got.add((values["state"], values["label"]))
    assert got == _local_rows(local, SELECT)


def test_select_csv(live: str, local: ox.Store) -> None:
    raw = _wrapper(live, SELECT, SPARQLWrapper.CSV).query().convert()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0] == ["state", "label"]
    assert {tuple(r) for r in rows[1:]} == _local_rows(local, SELECT)


def test_select_tsv(live: str, local: ox.Store) -> None:
    raw = _wrapper(live, SELECT, SPARQLWrapper.TSV).query().convert()
    lines = raw.decode("utf-8").splitlines()
    assert lines[0] == "?state\t?label"
    got = set()
    for line in lines[1:]:
        state, label = line.split("\t")
        got.add((state.strip("<>"), label.split('"')[1]))
    assert got == _local_rows(local, SELECT)


def test_ask(live: str) -> None:
    yes = _wrapper(live, f"ASK {{ <{iri.SCO_ORG}> ?p ?o }}", SPARQLWrapper.JSON).query().convert()
    no = _wrapper(live, "ASK { <http://example.org/none> ?p ?o }", SPARQLWrapper.JSON).query().convert()
    assert yes["boolean"] is True and no["boolean"] is False


def _local_triples(local: ox.Store) -> set[tuple[str, str, str]]:
    result = sco_kg.run(CONSTRUCT, target=local)
    return {(s.value, p.value, o.value) for s, p, o in result.triples}


def test_construct_turtle(live: str, local: ox.Store) -> None:
    raw = _wrapper(live, CONSTRUCT, SPARQLWrapper.TURTLE).query().convert()
    got = {(t.subject.value, t.predicate.value, t.object.value) for t in ox.parse(raw, ox.RdfFormat.TURTLE)}
    assert got == _local_triples(local)
    assert (iri.ID + "state/kazakhstan", iri.ONTOLOGY + "memberOf", iri.SCO_ORG) in got


def test_construct_jsonld(live: str, local: ox.Store) -> None:
    graph = _wrapper(live, CONSTRUCT, SPARQLWrapper.JSONLD).query().convert()  # an rdflib Graph
    got = {(str(s), str(p), str(o)) for s, p, o in graph}
    assert got == _local_triples(local)


def test_update_refused(live: str, local: ox.Store) -> None:
    w = _wrapper(live, "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", SPARQLWrapper.JSON)
    w.setMethod(SPARQLWrapper.POST)
    with pytest.raises(urllib.error.HTTPError, match="403") as info:
        w.query()
    assert info.value.code == 403
    assert b"read-only" in info.value.read()
    check = _wrapper(live, "ASK { <urn:x:a> ?p ?o }", SPARQLWrapper.JSON).query().convert()
    assert check["boolean"] is False


def test_syntax_error_reported(live: str) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    with pytest.raises(QueryBadFormed, match="SPARQL syntax error") as info:
        _wrapper(live, "SELECT ?s WHERE { ?s ?p }", SPARQLWrapper.JSON).query()
    assert "SPARQL syntax error" in str(info.value)


def test_post_and_get_agree(live: str) -> None:
    w = _wrapper(live, SELECT, SPARQLWrapper.JSON)
    w.setMethod(SPARQLWrapper.POST)
    posted = w.query().convert()
    got = _wrapper(live, SELECT, SPARQLWrapper.JSON).query().convert()
    assert json.dumps(posted, sort_keys=True) == json.dumps(got, sort_keys=True)


def test_resource_negotiation_over_http(live: str) -> None:
    req = urllib.request.Request(live + "id/state/kazakhstan", headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers["Vary"] == "Accept"
        body = r.read()
    subjects = {q.subject.value for q in ox.parse(body, ox.RdfFormat.N_TRIPLES)}
    assert iri.ID + "state/kazakhstan" in subjects
