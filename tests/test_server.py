"""In-process tests of the linked-data server (issue 6): every route and status code, with Starlette's TestClient.

The app serves the shipped dataset (asserted + the shipped OWL 2 RL closure) from one session store.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest

from sco_kg.rdf import iri
from sco_kg.server import (
    ServerConfig,
    create_app,
    iri_to_path,
    negotiate,
    parse_accept,
    path_to_iri,
    preferred_language,
)

pytest.importorskip("starlette")
from starlette.testclient import TestClient

import sco_kg
from sco_kg.dataset import Source
from sco_kg.sparql import catalog

KZ = iri.ID + "state/kazakhstan"
STATES = {iri.ID + f"state/{s}" for s in ("kazakhstan", "china", "kyrgyzstan", "russia", "tajikistan", "uzbekistan")}
SIGNATORIES = (
    "PREFIX sco: <https://w3id.org/sco-kg/ontology/> "
    "SELECT ?s WHERE { <https://w3id.org/sco-kg/id/document/declaration-2001> sco:hasSignatory ?s } ORDER BY ?s"
)
SR = "{http://www.w3.org/2005/sparql-results#}"


def _sparql_json(client: TestClient, query: str) -> dict:
    r = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return r.json()


# --------------------------------------------------------------------------- pure helpers


def test_parse_accept_and_negotiate() -> None:
    assert parse_accept("text/html;q=0.5, application/ld+json") == [("text/html", 0.5), ("application/ld+json", 1.0)]
    offered = ["text/html", "text/turtle", "application/ld+json"]
    assert negotiate("text/turtle", offered) == "text/turtle"
    assert negotiate("text/*;q=0.9, application/ld+json", offered) == "application/ld+json"
    assert negotiate("*/*", offered) == "text/html"
    assert negotiate(None, offered) == "text/html"
    assert negotiate("image/png", offered) is None
    assert parse_accept("text/html;q=nan") == [("text/html", 0.0)]
    assert negotiate("text/turtle;q=NaN", ["text/turtle"]) is None
    assert negotiate("text/turtle;q=0, */*;q=0.1", ["text/turtle"]) is None
    assert negotiate("application/json", offered, {"application/json": "application/ld+json"}) == "application/ld+json"


def test_preferred_language() -> None:
    assert preferred_language("ru-RU,ru;q=0.9,en;q=0.8") == "ru"
    assert preferred_language("zh-CN") == "zh"
    assert preferred_language("de-DE,en;q=0.5") == "en"
    assert preferred_language(None) == "en"


def test_iri_path_mapping_round_trips() -> None:
    assert iri_to_path(KZ) == "/id/state/kazakhstan"
    assert path_to_iri("/id/state/kazakhstan") == KZ
    assert iri_to_path("http://www.wikidata.org/entity/Q232") is None
    assert path_to_iri("/id/../etc/passwd") is None
    assert path_to_iri("/id/a b") is None


# --------------------------------------------------------------------------- SPARQL protocol


def test_sparql_get_select_json(client: TestClient) -> None:
    body = _sparql_json(client, SIGNATORIES)
    assert body["head"]["vars"] == ["s"]
    assert {b["s"]["value"] for b in body["results"]["bindings"]} == STATES


def test_sparql_post_form_and_direct_equal_get(client: TestClient) -> None:
    want = _sparql_json(client, SIGNATORIES)
    form = client.post("/sparql", data={"query": SIGNATORIES}, headers={"Accept": "application/sparql-results+json"})
    direct = client.post(
        "/sparql", content=SIGNATORIES.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )  # fmt: skip
    assert form.status_code == direct.status_code == 200
    assert form.json() == direct.json() == want


@pytest.mark.parametrize(
    ("accept", "fmt", "media"),
    [
        ("application/sparql-results+xml", None, "application/sparql-results+xml"),
        ("text/csv", None, "text/csv"),
        ("text/tab-separated-values", None, "text/tab-separated-values"),
        ("application/json", None, "application/sparql-results+json"),
        ("text/html", "xml", "application/sparql-results+xml"),
        ("*/*", "csv", "text/csv"),
        ("*/*", "tsv", "text/tab-separated-values"),
        ("*/*", "text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_sparql_select_formats(client: TestClient, accept: str, fmt: str | None, media: str) -> None:
    params = {"query": SIGNATORIES} | ({"format": fmt} if fmt else {})
    r = client.get("/sparql", params=params, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    if media.endswith("xml"):
        root = ET.fromstring(r.content)
        got = {u.text for u in root.iter(SR + "uri")}
    elif media == "text/csv":
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["s"]
        got = {row[0] for row in rows[1:]}
    elif media == "text/tab-separated-values":
        lines = r.text.splitlines()
        assert lines[0] == "?s"
        got = {line.strip("<>") for line in lines[1:]}
    else:
        got = {b["s"]["value"] for b in r.json()["results"]["bindings"]}
    assert got == STATES


def test_sparql_ask(client: TestClient) -> None:
    yes = client.get("/sparql", params={"query": f"ASK {{ <{KZ}> ?p ?o }}"})
    no = client.get("/sparql", params={"query": "ASK { <http://example.org/nothing> ?p ?o }", "format": "xml"})
    assert yes.json() == {"head": {}, "boolean": True}
    assert ET.fromstring(no.content).find(SR + "boolean").text == "false"


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/trig", ox.RdfFormat.TRIG),
        ("application/n-quads", ox.RdfFormat.N_QUADS),
    ],
)
def test_sparql_construct_formats(client: TestClient, accept: str, fmt: ox.RdfFormat) -> None:
    q = f"CONSTRUCT {{ <{KZ}> ?p ?o }} WHERE {{ <{KZ}> ?p ?o FILTER(isIRI(?o)) }}"
    r = client.get("/sparql", params={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == accept
    triples = {(q.subject.value, q.predicate.value, q.object.value) for q in ox.parse(r.content, fmt)}
    assert (KZ, iri.ONTOLOGY + "memberOf", iri.SCO_ORG) in triples
    assert all(s == KZ for s, _, _ in triples)


def test_sparql_describe(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": f"DESCRIBE <{KZ}>", "format": "nt"})
    assert r.status_code == 200
    subjects = {q.subject.value for q in ox.parse(r.content, ox.RdfFormat.N_TRIPLES)}
    assert KZ in subjects


def test_sparql_service_description(client: TestClient) -> None:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    sd = "http://www.w3.org/ns/sparql-service-description#"
    triples = {
        (t.subject.value, t.predicate.value, getattr(t.object, "value", ""))
        for t in ox.parse(r.content, ox.RdfFormat.TURTLE)
    }
    endpoint = "http://testserver/sparql"
    assert (endpoint, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", sd + "Service") in triples
    assert (endpoint, sd + "supportedLanguage", sd + "SPARQL11Query") in triples
    names = {o for _, p, o in triples if p == sd + "name"}
    assert iri.GRAPH_ONTOLOGY in names and iri.GRAPH_INFERRED in names
    html = client.get("/sparql", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "<textarea" in html.text


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "url": "/sparql?update=" + urllib.parse.quote("DROP ALL")},
        {"method": "POST", "url": "/sparql", "data": {"update": "CLEAR DEFAULT"}},
        {
            "method": "POST",
            "url": "/sparql",
            "content": b"DROP ALL",
            "headers": {"Content-Type": "application/sparql-update"},
        },
        {"method": "POST", "url": "/sparql", "data": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"method": "GET", "url": "/sparql?query=" + urllib.parse.quote("DELETE WHERE { ?s ?p ?o }")},
    ],
)
def test_sparql_update_refused_403(client: TestClient, server_store: ox.Store, request_kwargs: dict) -> None:
    before = len(server_store)
    r = client.request(**request_kwargs)
    assert r.status_code == 403, r.text
    assert "read-only" in r.text
    assert len(server_store) == before


def test_sparql_syntax_error_400_with_parser_message(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("SPARQL syntax error")  # the engine says where: "at line 1, column 26:"
    assert re.search(r"line 1, column \d+", r.text), r.text
    assert "Traceback" not in r.text


def test_sparql_protocol_errors(client: TestClient) -> None:
    q = urllib.parse.quote(SIGNATORIES)
    assert client.get(f"/sparql?query={q}&query={q}").status_code == 400  # two queries
    wrong = client.post("/sparql", content=SIGNATORIES.encode(), headers={"Content-Type": "text/plain"})
    assert wrong.status_code == 415
    missing = client.post("/sparql", content=b"query=" + q.encode(), headers={"Content-Type": ""})
    assert missing.status_code == 400
    assert client.put("/sparql", content=b"x").status_code == 405
    assert client.get("/sparql", params={"query": SIGNATORIES}, headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/sparql", params={"query": SIGNATORIES, "format": "yaml"}).status_code == 406
    assert client.get("/sparql?query=%FF%FE").status_code == 400  # invalid UTF-8
    assert client.post("/sparql", data={}).status_code == 400  # no query in the form
    both = client.post(f"/sparql?query={q}", data={"query": SIGNATORIES})
    assert both.status_code == 400


def test_sparql_service_clause_refused(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"})
    assert r.status_code == 400
    assert "SERVICE" in r.text


def test_sparql_dataset_parameters(client: TestClient) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only_onto = client.get("/sparql", params={"query": q, "default-graph-uri": iri.GRAPH_ONTOLOGY}).json()
    everything = client.get("/sparql", params={"query": q}).json()
    n_onto = int(only_onto["results"]["bindings"][0]["n"]["value"])
    n_all = int(everything["results"]["bindings"][0]["n"]["value"])
    assert 0 < n_onto < n_all
    named = client.get(
        "/sparql",
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": iri.GRAPH_TEXT},
    ).json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [iri.GRAPH_TEXT]
    bad = client.get("/sparql", params={"query": q, "default-graph-uri": "not an iri"})
    assert bad.status_code == 400
    # An exact count: the ontology graph's own triples; a graph the dataset does not have is a clear 400.
    size = sum(
        1 for _ in client.app.state.site.store.quads_for_pattern(None, None, None, ox.NamedNode(iri.GRAPH_ONTOLOGY))
    )  # type: ignore[attr-defined]
    assert n_onto == size
    unknown = client.get("/sparql", params={"query": q, "default-graph-uri": "http://example.org/no-graph"})
    assert unknown.status_code == 400 and "no graph of this dataset" in unknown.text


def test_cors_star_without_credentials(client: TestClient) -> None:
    r = client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://evil.example", "Cookie": "session=1"}
    )
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    pre = client.options("/sparql", headers={"Origin": "http://app.example", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204
    assert "POST" in pre.headers["access-control-allow-methods"]


def test_limits_413_and_414(server_store: ox.Store) -> None:
    app = create_app(server_store, ServerConfig(quiet=True, max_body_bytes=200, max_query_string=300))
    with TestClient(app) as c:
        big = c.post("/sparql", data={"query": "ASK {}" + " " * 400})
        assert big.status_code == 413
        long = c.get("/sparql", params={"query": "ASK {}" + " " * 400})
        assert long.status_code == 414
        assert c.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_row_cap_truncates_and_flags(server_store: ox.Store) -> None:
    app = create_app(server_store, ServerConfig(quiet=True, max_rows=5))
    with TestClient(app) as c:
        r = c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert r.status_code == 200
        assert len(r.json()["results"]["bindings"]) == 5
        assert r.headers["x-sco-kg-truncated"] == "max-rows=5"
        small = c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
        assert "x-sco-kg-truncated" not in small.headers


def _hold(state: object, seconds: float) -> None:
    """A pool job that keeps its worker busy (module level: jobs are pickled by reference)."""
    time.sleep(seconds)


@pytest.mark.slow
def test_timeout_504_then_busy_503(server_store: ox.Store) -> None:
    """Streaming and blocking queries both stop at the deadline (504: the worker is killed and replaced); after
    four timed-out queries a simple one is answered at once; with every worker taken, a query gets 503."""
    app = create_app(server_store, ServerConfig(quiet=True, timeout=0.3, workers=1, max_rows=10**9))
    site = app.state.site
    with TestClient(app) as c:
        stream = c.get("/sparql", params={"query": "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
        assert stream.status_code == 504
        assert "time limit" in stream.text
        values = " ".join(str(i) for i in range(200))
        blocking = (
            f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} "
            f"VALUES ?c {{ {values} }} }}"
        )
        first = site.pool.pids()
        for _ in range(4):
            started = time.monotonic()
            slow = c.get("/sparql", params={"query": blocking})
            assert slow.status_code == 504 and time.monotonic() - started < 2
        assert set(site.pool.pids()).isdisjoint(first)  # the killed workers were replaced
        started = time.monotonic()
        after = c.get("/sparql", params={"query": "ASK {}"})  # the killed queries hold no worker
        assert after.status_code == 200 and after.json()["boolean"] is True
        assert time.monotonic() - started < 1
        holder = threading.Thread(target=site.pool.run, args=(_hold, 1.5, 5))  # the one worker is busy
        holder.start()
        time.sleep(0.2)
        busy = c.get("/sparql", params={"query": "ASK {}"})
        holder.join()
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "5"
        assert c.get("/sparql", params={"query": "ASK {}"}).status_code == 200


@pytest.mark.slow
def test_slow_query_does_not_block_others(server_store: ox.Store) -> None:
    app = create_app(server_store, ServerConfig(quiet=True, timeout=2.0, workers=2, max_rows=10**9))
    with TestClient(app) as c:
        results: dict[str, int] = {}

        def slow() -> None:
            q = "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
            results["slow"] = c.get("/sparql", params={"query": q}).status_code

        t = threading.Thread(target=slow)
        t.start()
        time.sleep(0.2)
        ask = c.get("/sparql", params={"query": "ASK {}"})
        finished_while_slow_ran = t.is_alive()
        t.join()
        assert ask.status_code == 200 and ask.json()["boolean"] is True
        assert finished_while_slow_ran
        assert results["slow"] == 504


# --------------------------------------------------------------------------- dereferenceable IRIs


@pytest.mark.parametrize(
    ("accept", "fmt", "ext"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE, "ttl"),
        ("application/ld+json", ox.RdfFormat.JSON_LD, "jsonld"),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES, "nt"),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML, "rdf"),
        ("application/trig", ox.RdfFormat.TRIG, "trig"),
        ("application/n-quads", ox.RdfFormat.N_QUADS, "nq"),
    ],
)
def test_resource_content_negotiation(client: TestClient, accept: str, fmt: ox.RdfFormat, ext: str) -> None:
    r = client.get("/id/state/kazakhstan", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == accept
    assert r.headers["vary"] == "Accept"
    assert r.headers["content-location"] == f"http://testserver/id/state/kazakhstan.{ext}"
    quads = list(ox.parse(r.content, fmt))
    about = {(q.subject.value, q.predicate.value, getattr(q.object, "value", "")) for q in quads}
    assert (KZ, iri.ONTOLOGY + "memberOf", iri.SCO_ORG) in about  # out
    assert (iri.DECLARATION, iri.ONTOLOGY + "hasSignatory", KZ) in about  # in
    assert all(KZ in (s, o) for s, _, o in about)
    if ext in ("trig", "nq", "jsonld"):
        graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
        assert any(g.startswith(iri.GRAPH_ASSERTION) for g in graphs)
        assert iri.GRAPH_INFERRED in graphs
    same = client.get(f"/id/state/kazakhstan.{ext}")
    assert same.status_code == 200 and same.content == r.content
    assert "vary" not in same.headers


def test_resource_html_and_406(client: TestClient) -> None:
    r = client.get("/id/state/kazakhstan", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-location"].endswith("/id/state/kazakhstan.html")
    assert "Kazakhstan" in r.text
    assert client.get("/id/state/kazakhstan", headers={"Accept": "image/png"}).status_code == 406


def test_resource_page_shows_provenance_and_inference(client: TestClient) -> None:
    page = client.get("/id/state/kazakhstan", headers={"Accept": "text/html"}).text
    assert 'class="badge inf"' in page  # an inferred statement is marked
    assert 'class="source"' in page and "/text#p" in page  # a source sentence, linked into the text
    assert "<svg" in page or "Graphviz" in page  # the neighbourhood picture (or why it is missing)
    assert 'href="http://testserver/id/document/declaration-2001"' in page  # incoming link


def test_resource_languages(client: TestClient) -> None:
    ru = client.get("/id/state/kazakhstan?lang=ru").text
    assert '<h1 lang="ru">Республика Казахстан</h1>' in ru
    zh = client.get("/id/state/kazakhstan", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert zh.headers["content-language"] == "zh"
    assert "哈萨克斯坦共和国" in zh.text
    en = client.get("/id/state/kazakhstan", headers={"Accept-Language": "en"})
    assert '<h1 lang="en">Republic of Kazakhstan</h1>' in en.text
    # links on a page chosen with ?lang keep the language
    assert "?lang=ru" in ru


def test_unknown_resource_404(client: TestClient) -> None:
    html = client.get("/id/state/kazakstan", headers={"Accept": "text/html"})
    assert html.status_code == 404
    assert "/id/state/kazakhstan" in html.text  # a suggestion
    plain = client.get("/id/state/kazakstan", headers={"Accept": "text/turtle"})
    assert plain.status_code == 404 and plain.headers["content-type"].startswith("text/plain")
    assert client.get("/id/../../etc/passwd").status_code == 404
    assert client.get("/nowhere/at/all").status_code == 404


def test_ontology_iri_serves_the_whole_ontology(client: TestClient, server_store: ox.Store) -> None:
    ttl = client.get("/ontology/", headers={"Accept": "text/turtle"})
    assert ttl.status_code == 200
    assert ttl.headers["content-location"].endswith("/ontology/index.ttl")
    got = list(ox.parse(ttl.content, ox.RdfFormat.TURTLE))
    want = list(server_store.quads_for_pattern(None, None, None, ox.NamedNode(iri.GRAPH_ONTOLOGY)))
    assert len(got) == len(want)

    def ground(triples: list) -> set:
        return {
            (t.subject, t.predicate, t.object)
            for t in triples
            if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)
        }

    assert ground(got) == ground(want)
    doc = client.get("/ontology/", headers={"Accept": "text/html"})
    assert doc.status_code == 200
    assert 'id="State"' in doc.text and "sco:memberOf" in doc.text
    redirect = client.get("/ontology", follow_redirects=False)
    assert redirect.status_code == 301 and redirect.headers["location"].endswith("/ontology/")
    term = client.get("/ontology/State", headers={"Accept": "text/turtle"})
    assert term.status_code == 200 and b"owl:Class" in term.content


def test_graph_iri_page_lists_its_statements(client: TestClient) -> None:
    r = client.get("/graph/assertion/p1-s1", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert 'id="graph"' in r.text


# --------------------------------------------------------------------------- pages


def test_home_page(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert 'href="http://testserver/id/state/kazakhstan"' in r.text
    assert "<svg" in r.text  # the timeline
    assert "/.well-known/void" in r.text and "/dumps/sco-kg.ttl" in r.text
    assert 'name="q"' in r.text


def test_full_text_anchors_every_sentence(client: TestClient, server_store: ox.Store) -> None:
    r = client.get("/text")
    assert r.status_code == 200
    sentences = {
        q.subject.value.rsplit("/", 1)[1]
        for q in server_store.quads_for_pattern(
            None,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#Sentence"),
            None,
        )
    }
    assert len(sentences) >= 20
    for key in sentences:
        assert f'id="{key}"' in r.text
    assert "[Kazakhstan](#)" not in r.text  # residue of the scrape is not shown


def test_search(client: TestClient) -> None:
    r = client.get("/search", params={"q": "казахстан"})
    assert r.status_code == 200 and "/id/state/kazakhstan" in r.text
    text = client.get("/search", params={"q": "Shanghai Spirit"})
    assert "/text#p" in text.text


def test_diagrams(client: TestClient) -> None:
    from tests.conftest import require_tool

    timeline = client.get("/diagrams/timeline.svg")
    assert timeline.status_code == 200 and timeline.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(timeline.content)
    labels = "".join(root.itertext())
    assert "2001" in labels and "1996" in labels
    require_tool("dot", "graphviz")
    onto = client.get("/diagrams/ontology.svg")
    assert onto.status_code == 200 and ET.fromstring(onto.content).tag.endswith("svg")
    kz = client.get("/diagrams/id/state/kazakhstan.svg")
    assert kz.status_code == 200 and "Shanghai Cooperation" in kz.text
    assert client.get("/diagrams/id/state/nowhere.svg").status_code == 404


def test_void_description(client: TestClient, server_store: ox.Store) -> None:
    r = client.get("/.well-known/void")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = [(t.subject, t.predicate.value, t.object) for t in ox.parse(r.content, ox.RdfFormat.TURTLE)]
    void = "http://rdfs.org/ns/void#"
    ds = [s for s, p, o in g if p == void + "triples" and s.value.endswith("#dataset")]
    total = next(int(o.value) for s, p, o in g if s == ds[0] and p == void + "triples")
    # Distinct triples (the default graph is the set union of the named graphs), not quads.
    assert total == len({(q.subject, q.predicate, q.object) for q in server_store}) < len(server_store)
    dumps = {o.value for s, p, o in g if p == void + "dataDump"}
    assert "http://testserver/dumps/sco-kg.nq" in dumps and "http://testserver/dumps/sco-kg.jsonld" in dumps
    assert any(p == void + "sparqlEndpoint" and o.value == "http://testserver/sparql" for _, p, o in g)
    assert any(p == "http://purl.org/dc/terms/license" for _, p, _ in g)
    classes = {o.value for _, p, o in g if p == void + "class"}
    assert iri.ONTOLOGY + "State" in classes
    jsonld = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert jsonld.status_code == 200 and json.loads(jsonld.content)


@pytest.mark.parametrize(("ext", "fmt"), [("nq", ox.RdfFormat.N_QUADS), ("ttl", ox.RdfFormat.TURTLE)])
def test_dumps(client: TestClient, server_store: ox.Store, ext: str, fmt: ox.RdfFormat) -> None:
    r = client.get(f"/dumps/sco-kg.{ext}")
    assert r.status_code == 200
    quads = list(ox.parse(r.content, fmt))
    if ext == "nq":
        assert len(quads) == len(server_store)
    assert client.get("/dumps/other.ttl").status_code == 404


def test_static_css_and_security_headers(client: TestClient) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "body" in css.text
    page = client.get("/")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'none'" in page.headers["content-security-policy"]


def test_base_url_maps_links(server_store: ox.Store) -> None:
    app = create_app(server_store, ServerConfig(quiet=True, base_url="https://example.org/sco/"))
    with TestClient(app) as c:
        r = c.get("/id/state/kazakhstan", headers={"Accept": "text/turtle"})
        assert r.headers["content-location"] == "https://example.org/sco/id/state/kazakhstan.ttl"
        page = c.get("/").text
        assert 'href="https://example.org/sco/id/state/kazakhstan"' in page


def test_request_log_and_quiet(server_store: ox.Store, capsys: pytest.CaptureFixture[str]) -> None:
    with TestClient(create_app(server_store, ServerConfig(quiet=False))) as c:
        c.get("/id/state/nowhere")
    err = capsys.readouterr().err
    assert "GET /id/state/nowhere 404" in err and "ms" in err
    with TestClient(create_app(server_store, ServerConfig(quiet=True))) as c:
        c.get("/id/state/nowhere")
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- canned queries


def test_queries_catalogue_json_and_html(client: TestClient) -> None:
    pass

    names = [q.name for q in catalog.all_queries()]
    assert names
    r = client.get("/queries", headers={"Accept": "application/json"})
    assert r.status_code == 200
    listed = r.json()["queries"]
    assert [q["name"] for q in listed] == names
    sig = next(q for q in listed if q["name"] == "signatories")
    assert sig["columns"] == ["state", "label"] and sig["params"]["lang"]["type"] == "lang"
    html = client.get("/queries", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "signatories" in html.text
    assert client.get("/queries", headers={"Accept": "image/png"}).status_code == 406


def test_canned_query_run(client: TestClient) -> None:
    r = client.get("/queries/signatories", params={"format": "csv"})
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["state", "label"]
    assert {row[0] for row in rows[1:]} == STATES
    ru = client.get("/queries/signatories", params={"lang": "ru"}, headers={"Accept": "application/json"})
    labels = {b["label"]["value"] for b in ru.json()["results"]["bindings"]}
    assert "Казахстан" in labels or "Республика Казахстан" in labels


def test_canned_query_errors(client: TestClient) -> None:
    assert client.get("/queries/no-such-query").status_code == 404
    bad = client.get("/queries/signatories", params={"lang": 'x" } ; DROP ALL ; #'})
    assert bad.status_code == 400
    unknown = client.get("/queries/signatories", params={"colour": "red"}, headers={"Accept": "text/csv"})
    assert unknown.status_code == 400 and "colour" in unknown.text
    federated = client.get("/queries/member-states-wikidata", headers={"Accept": "application/json"})
    assert federated.status_code == 400 and "SERVICE" in federated.text


def test_query_page(client: TestClient) -> None:
    page = client.get("/query", params={"name": "signatories"})
    assert page.status_code == 200
    assert "<textarea" in page.text and "sco:isSignatoryOf" in page.text
    assert 'id="results"' not in page.text  # prefilled, not run yet
    ran = client.get("/query", params={"name": "signatories", "run": "1"})
    assert ran.status_code == 200
    table = ran.text.split('<table class="results">')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 6
    for state in STATES:
        assert state.replace(iri.BASE, "http://testserver/") in table
    assert "queries/signatories?lang=en&amp;format=csv" in ran.text
    own = client.post("/query", data={"query": f"SELECT ?o WHERE {{ <{KZ}> a ?o }}", "run": "1"})
    assert own.status_code == 200 and "sparql?query=" in own.text
    update = client.post("/query", data={"query": "DROP ALL", "run": "1"})
    assert update.status_code == 403
    broken = client.post("/query", data={"query": "SELECT WHERE {", "run": "1"})
    assert broken.status_code == 400 and "syntax error" in broken.text


def test_sparql_remote_dataset_clause_refused(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }"})
    assert r.status_code == 400 and "FROM" in r.text


# --------------------------------------------------------------------------- the serve command


def test_serve_without_the_server_extra(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from sco_kg.cli import main
    from sco_kg.cli.commands import serve

    monkeypatch.setattr(serve, "missing_server_modules", lambda: ["starlette"])
    assert main(["serve"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'sco-kg[server]'" in err and "starlette" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["serve", "--timeout", "-1"],
        ["serve", "--timeout", "nan"],
        ["serve", "--max-rows", "0"],
        ["serve", "--port", "70000"],
        ["serve", "--base-url", "ftp://example.org/"],
        ["serve", "--with-format", "ttl"],
    ],
)
def test_serve_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from sco_kg.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_serve_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from sco_kg.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["serve", "--no-inference", "--port", str(port), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"cannot serve on 127.0.0.1:{port}" in err and err.count("\n") == 1


@pytest.mark.slow
def test_cache_is_bounded_whatever_the_host_header(server_store: ox.Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from sco_kg.server import site

    monkeypatch.setattr(site, "CACHE_ENTRIES", 20)
    app = create_app(server_store, ServerConfig(quiet=True))
    with TestClient(app) as c:
        for i in range(40):
            r = c.get("/.well-known/void", headers={"Host": f"h{i}.example"})
            assert r.status_code == 200
            assert f"http://h{i}.example/sparql".encode() in r.content
        assert len(app.state.site._cache) == 20


def test_canned_query_as_html_page(client: TestClient) -> None:
    r = client.get("/queries/signatories", params={"lang": "zh"}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    table = r.text.split('<table class="results">')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 6 and "哈萨克斯坦" in table


# --------------------------------------------------------------------------- one writer, exporter's terms


def test_dump_is_the_export_byte_for_byte(client: TestClient) -> None:
    from sco_kg import export

    for ext, fmt in (("nq", "nq"), ("ttl", "ttl")):
        r = client.get(f"/dumps/sco-kg.{ext}")
        assert r.status_code == 200
        assert r.content == export.export(fmt, "all")  # type: ignore[arg-type]
    assert b"XMLSchema#nonNegativeInteger" in client.get("/dumps/sco-kg.nq").content


def test_documents_keep_the_exporters_datatypes_results_do_not(client: TestClient) -> None:
    """A sentence page keeps xsd:nonNegativeInteger (as the export); a query result has xsd:integer, because
    pyoxigraph's store normalises derived integer types (documented in sco_kg/server/protocol.py)."""
    nif = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    sentence = client.app.state.site.sentences["p1-s1"].iri  # type: ignore[attr-defined]
    r = client.get(iri_to_path(sentence) or "", headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    begins = [t.object for t in ox.parse(r.content, ox.RdfFormat.N_TRIPLES) if t.predicate.value == nif + "beginIndex"]
    assert begins and {b.datatype.value for b in begins} == {xsd + "nonNegativeInteger"}
    query = f"SELECT ?n WHERE {{ <{sentence}> <{nif}beginIndex> ?n }}"
    row = client.get("/sparql", params={"query": query}).json()["results"]["bindings"][0]
    assert row["n"]["datatype"] == xsd + "integer" and row["n"]["value"] == begins[0].value


def test_only_web_iris_become_links(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sco_kg.server import diagrams
    from sco_kg.server.links import Linker

    extra = tmp_path / "links.ttl"
    extra.write_text(
        f"<{KZ}> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <javascript:alert(1)>, <data:text/html,hi>, "
        "<https://example.org/fine> .\n"
    )
    source = Source(inferred=False, with_files=(str(extra),))
    app = create_app(sco_kg.open_store(source), ServerConfig(quiet=True, inferred=False, source=source))
    with TestClient(app) as c:
        page = c.get("/id/state/kazakhstan", headers={"Accept": "text/html"}).text
        assert 'href="https://example.org/fine"' in page
        assert "javascript:alert(1)" in page and "data:text/html,hi" in page  # shown as text
        assert 'href="javascript:' not in page and 'href="data:' not in page
        dot = diagrams.neighbourhood_dot(app.state.site, Linker("http://testserver/", "en", False), KZ, "en")
        assert 'URL="https://example.org/fine"' in dot
        assert 'URL="javascript:' not in dot and 'URL="data:' not in dot
        assert '"javascript:alert(1)" [label=' in dot  # the node is drawn, without a link
        # The dump of a store opened with --with files is the exporter's selection of the same files.
        from sco_kg import export

        assert c.get("/dumps/sco-kg.nq").content == export.serialize(export.select("asserted", (str(extra),)), "nq")


def test_every_language_has_the_words_of_english() -> None:
    import json
    from importlib import resources

    words = resources.files("sco_kg.server").joinpath("words")
    data = {lang: json.loads(words.joinpath(f"{lang}.json").read_text("utf-8")) for lang in ("en", "zh", "ru")}
    for lang, entry in data.items():
        assert set(entry) == set(data["en"]), lang
        assert set(entry["ui"]) == set(data["en"]["ui"]), lang
        assert all(isinstance(v, str) and v.strip() for v in entry["ui"].values()), lang
    assert data["zh"]["ui"]["home"] == "首页" and len(data["en"]["ui"]) > 50


def test_over_long_query_name_is_404_not_500(client: TestClient) -> None:
    name = "a" * 300
    for url in (f"/queries/{name}", f"/query?name={name}"):
        for accept in ("text/html", "application/sparql-results+json"):
            r = client.get(url, headers={"Accept": accept})
            assert r.status_code == 404, (url, accept, r.status_code)
            assert "unknown query" in r.text and "Traceback" not in r.text


def test_inferred_values_link_to_their_explanation(client) -> None:
    """Issue 16: a "why?" link beside every inferred value, to the explanation from the same code as the CLI."""
    import re

    page = client.get("/id/state/uzbekistan", headers={"Accept": "text/html"})
    assert page.status_code == 200
    links = re.findall(r'<a class="why" href="([^"]+)"', page.text)
    assert links and all("explain?s=" in h for h in links)
    member = [h for h in links if "memberOf" in h and "organization%2Fsco" in h]
    assert member, links
    why = client.get(member[0].replace("&amp;", "&").replace("http://testserver", ""))
    assert why.status_code == 200
    assert "prp-spo2" in why.text and "p1-s1" in why.text
    data = client.get("/explain", params={"s": "state:uzbekistan", "p": "sco:memberOf", "o": "organization:sco",
                                          "format": "json"}).json()  # fmt: skip
    assert data["status"] == "inferred" and data["rule"] == "prp-spo2"
    assert client.get("/explain", params={"s": "state:uzbekistan", "p": "sco:memberOf"}).status_code == 400
    assert (
        client.get("/explain", params={"s": "nope:x", "p": "sco:memberOf", "o": "organization:sco"}).status_code == 400
    )
    missing = client.get("/explain", params={"s": "state:china", "p": "sco:memberOf", "o": "state:russia"})
    assert missing.status_code == 404
