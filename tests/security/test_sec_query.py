"""T6, T7, T10–T13: parameters cannot change a query, every request has a bounded cost, the endpoint is
read-only and speaks the protocol strictly (SECURITY.md)."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _helpers import one_line_error, run_cli

import sco_kg
from sco_kg import paths
from sco_kg.dataset import Source
from sco_kg.engine.limits import Limits
from sco_kg.engine.results import Result
from sco_kg.errors import UsageError
from sco_kg.sparql import catalog
from sco_kg.sparql.params import bind_params, bind_values

# ------------------------------------------------------------------------------------------- T6: injection

PAYLOADS = [
    '" } UNION { ?s ?p ?o } #',
    'nothing" || true) } #',
    "> . ?s ?p ?o . <",
    "\\u0022 } UNION { ?s ?p ?o } #",
    'treaty" . } SELECT * WHERE { ?s ?p ?o } #',
    "line one\nline two\r\n} ?s ?p ?o {",
    "'''\"\"\"",
    "{ } ( ) < > \\ ^ ` | ;",
    "Uzbekistan",
    "",
]
STRING_PARAMS = [
    (q.name, name)
    for q in catalog.all_queries()
    for name, spec in q.params.items()
    if spec.type in ("string", "literal")
]
TYPED_PARAMS = [
    (q.name, name, spec.type)
    for q in catalog.all_queries()
    for name, spec in q.params.items()
    if spec.type in ("iri", "integer", "lang")
]


def _rows(result: Result) -> list[tuple[str, ...]]:
    return sorted(tuple(t.n3() if t is not None else "" for t in row) for row in result.rows)


def test_t6_catalogue_has_string_parameters() -> None:
    assert len(STRING_PARAMS) >= 2  # about-resource/resource, search-text/phrase


@pytest.mark.slow
@pytest.mark.parametrize(("name", "param"), STRING_PARAMS)
def test_t6_injection_string_parameters(name: str, param: str) -> None:
    """Each payload is one literal: the VALUES binding (oxigraph) gives the rows rdflib's initBindings gives,
    and the bound text parses with exactly one VALUES row holding the payload unchanged."""
    from rdflib.plugins.sparql.parser import parseQuery

    q = catalog.get(name)
    for payload in PAYLOADS:
        params = {param: payload}
        ox = sco_kg.query(name, params, Source(inferred=False), engine="oxigraph")
        rd = sco_kg.query(name, params, Source(inferred=False), engine="rdflib")
        assert _rows(ox) == _rows(rd), payload
        bound = bind_values(q.text, bind_params(q, params))
        tree = parseQuery(bound)
        text = str(tree)
        assert text.count("InlineData") == 1
        values = next(p for p in tree[1]["where"]["part"] if p.name == "InlineData")
        assert len(values["value"]) == 1  # one row
        cell = values["value"][0][list(q.params).index(param)]
        assert str(cell["string"]) == payload


@pytest.mark.parametrize(("name", "param", "type_"), TYPED_PARAMS)
def test_t6_injection_typed_parameters_refused(name: str, param: str, type_: str) -> None:
    q = catalog.get(name)
    for payload in PAYLOADS[:8]:
        with pytest.raises(UsageError, match=param):
            bind_params(q, {param: payload})


def test_t6_injection_cli_param(tmp_path: Path) -> None:
    proc = run_cli("query", "search-text", "--no-inference", "--format", "csv",
                   "--param", 'phrase=" } UNION { ?s ?p ?o } #', cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 1  # the header only: no sentence contains the payload
    proc = run_cli("query", "inferred-facts", "--param", "resource=> . ?s ?p ?o . <", cwd=tmp_path)
    assert proc.returncode == 2
    assert "expected an absolute IRI" in one_line_error(proc)


# ------------------------------------------------------------------------------------------- server fixture


@pytest.fixture(scope="module")
def server_store():  # type: ignore[no-untyped-def]
    """The asserted dataset in a pyoxigraph store (no closure needed for these checks)."""

    return sco_kg.open_store(Source(inferred=False))


def _client(server_store, **config):  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    from sco_kg.server import ServerConfig, create_app

    return TestClient(create_app(server_store, ServerConfig(quiet=True, **config)))


@pytest.fixture(scope="module")
def client(server_store) -> Iterator:  # type: ignore[no-untyped-def]
    """A TestClient with the default limits."""
    with _client(server_store) as c:
        yield c


CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


# ------------------------------------------------------------------------------------------- T7: cost


@pytest.mark.slow
def test_t7_cartesian_query_times_out_on_server_while_ask_answers(server_store) -> None:  # type: ignore[no-untyped-def]
    with _client(server_store, timeout=1.5, workers=2, max_rows=10**9) as c:
        slow: dict[str, object] = {}

        def run_slow() -> None:
            r = c.get("/sparql", params={"query": CARTESIAN})
            slow["status"], slow["type"], slow["body"] = r.status_code, r.headers["content-type"], r.text

        t = threading.Thread(target=run_slow)
        t.start()
        time.sleep(0.3)
        ask = c.get("/sparql", params={"query": "ASK {}"})
        answered_while_slow_ran = t.is_alive()
        t.join()
        assert ask.status_code == 200 and ask.json() == {"head": {}, "boolean": True}
        assert answered_while_slow_ran
        assert slow["status"] == 504
        assert str(slow["type"]).startswith("text/plain")  # an error status and body, not a truncated 200
        assert "time limit" in str(slow["body"])


@pytest.mark.slow
def test_t7_cli_timeout_exits_non_zero(tmp_path: Path) -> None:
    proc = run_cli("sparql", "--no-inference", "--timeout", "1", CARTESIAN, cwd=tmp_path)
    assert proc.returncode == 1
    assert "ran longer than 1 s" in one_line_error(proc)
    assert proc.stdout == ""


@pytest.mark.slow
def test_t7_api_timeout_process_isolation_kills_worker() -> None:
    from sco_kg.errors import QueryTimeout

    limits = Limits(timeout=0.5, max_rows=None, isolation="process")
    with pytest.raises(QueryTimeout):
        sco_kg.run("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", Source(inferred=False), limits)


# ------------------------------------------------------------------------------------------- T10: row cap


def test_t10_construct_everything_capped_and_flagged(server_store) -> None:  # type: ignore[no-untyped-def]
    with _client(server_store, max_rows=50) as c:
        r = c.get("/sparql", params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
                  headers={"Accept": "application/n-triples"})  # fmt: skip
        assert r.status_code == 200
        assert len([line for line in r.text.splitlines() if line.strip()]) == 50
        assert r.headers["x-sco-kg-truncated"] == "max-rows=50"
        r = c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert len(r.json()["results"]["bindings"]) == 50
        assert r.headers["x-sco-kg-truncated"] == "max-rows=50"


def test_t10_cli_row_cap(tmp_path: Path) -> None:
    proc = run_cli("sparql", "--no-inference", "--max-rows", "10", "SELECT * WHERE { ?s ?p ?o }", cwd=tmp_path)
    assert proc.returncode == 1
    assert "more than 10 rows" in one_line_error(proc)
    res = sco_kg.run("SELECT * WHERE { ?s ?p ?o }", Source(inferred=False), Limits(max_rows=10, truncate=True))
    assert len(res.rows) == 10 and res.truncated


# ------------------------------------------------------------------------------------------- T11: CORS


def test_t11_cors_without_credentials(client) -> None:  # type: ignore[no-untyped-def]
    headers = {"Origin": "http://evil.example", "Cookie": "session=abc"}
    r = client.get("/sparql", params={"query": "ASK {}"}, headers=headers)
    assert r.status_code == 200
    assert r.headers.get("access-control-allow-origin") in (None, "*")
    assert "access-control-allow-credentials" not in r.headers
    assert "set-cookie" not in r.headers
    pre = client.options("/sparql", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert pre.headers.get("access-control-allow-origin") in (None, "*")
    assert "access-control-allow-credentials" not in pre.headers


# ------------------------------------------------------------------------------------------- T12: updates


def test_t12_update_refused_over_http(client) -> None:  # type: ignore[no-untyped-def]
    insert = "INSERT DATA { <http://example.org/x> <http://example.org/p> 1 }"
    before = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    answers = [
        client.post("/sparql", data={"update": insert}),
        client.post("/sparql", content=insert, headers={"Content-Type": "application/sparql-update"}),
        client.get("/sparql", params={"update": insert}),
        client.get("/sparql", params={"query": insert}),
        client.post("/sparql", data={"query": "DROP ALL"}),
    ]
    for r in answers:
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("text/plain")
    assert client.put("/sparql", content=b"<a> <b> <c> .").status_code in (404, 405)
    after = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    assert before == after


@pytest.mark.slow
def test_t12_update_refused_on_cli_and_copy_only_with_allow_update(tmp_path: Path) -> None:
    from sco_kg.reasoning.materialize import sha256_file

    files = {p: sha256_file(p) for p in [*paths.ontology_files(), *paths.data_files()]}
    insert = "INSERT DATA { <http://example.org/x> <http://example.org/p> 1 }"
    proc = run_cli("sparql", "--no-inference", insert, cwd=tmp_path)
    assert proc.returncode == 2
    assert "refused" in one_line_error(proc)
    proc = run_cli("sparql", "--no-inference", "--allow-update", insert, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "nothing was written to disk" in proc.stderr
    assert {p: sha256_file(p) for p in files} == files
    res = sco_kg.run("ASK { <http://example.org/x> ?p ?o }", Source(inferred=False))
    assert res.boolean is False


# ------------------------------------------------------------------------------------------- T13: protocol


def test_t13_protocol_smoke(client) -> None:  # type: ignore[no-untyped-def]
    """The 12 checks of TOOLS.md §3.3, plus: every error is a 4xx with a plain-text body, every 2xx JSON parses."""
    ask = "ASK {}"
    select = "SELECT ?s WHERE { ?s a <https://w3id.org/sco-kg/ontology/State> } LIMIT 3"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    checks = {
        "query_get": (client.get("/sparql", params={"query": select}), 200),
        "query_post_form": (client.post("/sparql", data={"query": select}), 200),
        "query_post_direct": (
            client.post("/sparql", content=select, headers={"Content-Type": "application/sparql-query"}), 200),
        "bad_query_method": (client.put("/sparql", content=select), 405),
        "bad_multiple_queries": (client.get(f"/sparql?query={ask}&query={ask}"), 400),
        "bad_query_wrong_media_type": (
            client.post("/sparql", content=select, headers={"Content-Type": "text/plain"}), 415),
        "bad_query_missing_form_type": (client.post("/sparql", content="query=ASK%20%7B%7D"), 400),
        "bad_query_syntax": (client.get("/sparql", params={"query": "SELEKT * WHERE {"}), 400),
        "bad_update_get": (client.get("/sparql", params={"update": "CLEAR ALL"}), 403),
        "construct_turtle": (client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s a ?c } LIMIT 2"},
                                        headers={"Accept": "text/turtle"}), 200),
        "tsv": (client.get("/sparql", params={"query": select}, headers={"Accept": "text/tab-separated-values"}), 200),
        "unsupported_accept": (client.get("/sparql", params={"query": select}, headers={"Accept": "image/png"}), 406),
        "form_and_url_query": (client.post(f"/sparql?query={ask}", content=f"query={ask}", headers=form), 400),
    }  # fmt: skip
    for name, (r, status) in checks.items():
        if name == "bad_query_method":
            assert r.status_code in (404, 405), name
            continue
        assert r.status_code == status, (name, r.status_code, r.text[:200])
        if status >= 400:
            assert r.headers["content-type"].startswith("text/plain"), name
            assert r.text.strip() and "Traceback" not in r.text
    assert checks["construct_turtle"][0].headers["content-type"].startswith("text/turtle")
    tsv = checks["tsv"][0]
    assert tsv.headers["content-type"].startswith("text/tab-separated-values")
    assert tsv.text.splitlines()[0] == "?s"
    for name in ("query_get", "query_post_form", "query_post_direct"):
        body = json.loads(checks[name][0].text)
        assert len(body["results"]["bindings"]) == 3
    csv_answer = client.get("/sparql", params={"query": select}, headers={"Accept": "text/csv"})
    assert next(csv.reader(io.StringIO(csv_answer.text))) == ["s"]
