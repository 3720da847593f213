"""Remote SPARQL stores: push to a real Oxigraph server, run every canned query there, federation, errors.

A session fixture starts ``oxigraph serve`` (from the ``oxigraph`` wheel, a test dependency) on a free
loopback port and stops it afterwards; a second, read-only one loaded with tests/data/wikidata-snapshot.ttl
stands in for the Wikidata Query Service. Error cases use a tiny stdlib HTTP server on 127.0.0.1. Nothing
here touches the internet.
"""

from __future__ import annotations

import base64
import http.server
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import sco_kg
from sco_kg import export, remote
from sco_kg.cli import main
from sco_kg.engine.limits import Limits
from sco_kg.engine.results import Result
from sco_kg.errors import QueryRejected, RemoteError
from sco_kg.rdf import iri
from sco_kg.sparql import catalog
from sco_kg.sparql.params import bind_params
from tests.conftest import TEST_DATA, free_port

pytestmark = pytest.mark.network_loopback

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
FEDERATED = "member-states-wikidata"
FAST = {"retries": 0, "timeout": 5.0}


def oxigraph_binary() -> str:
    """Return the ``oxigraph`` CLI installed with the test dependencies (fail loudly if it is missing)."""
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        pytest.fail("the 'oxigraph' command is missing: pip install -e '.[test]' installs it (PyPI 'oxigraph')")
    return found


class OxigraphServer:
    """A running ``oxigraph serve`` process on 127.0.0.1."""

    def __init__(self, args: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [oxigraph_binary(), *args, "--bind", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/query?query=ASK%7B%7D", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                self.stop()
                pytest.fail(f"oxigraph serve did not start: {err[:500]}")
            time.sleep(0.1)

    @property
    def endpoint(self) -> str:
        """Return the SPARQL query endpoint URL."""
        return f"{self.url}/query"

    def stop(self) -> None:
        """Stop the server and wait for it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def store_server(tmp_path_factory) -> Iterator[OxigraphServer]:
    """A writable Oxigraph server on disk, union default graph (as sco-kg queries locally)."""
    server = OxigraphServer(["serve", "--location", str(tmp_path_factory.mktemp("oxigraph")), "--union-default-graph"])
    yield server
    server.stop()


@pytest.fixture(scope="session")
def wikidata_standin(tmp_path_factory) -> Iterator[OxigraphServer]:
    """A read-only Oxigraph server loaded with the Wikidata-shaped snapshot fixture."""
    location = tmp_path_factory.mktemp("wikidata")
    subprocess.run(
        [oxigraph_binary(), "load", "--location", str(location), "--file", str(TEST_DATA / "wikidata-snapshot.ttl")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    server = OxigraphServer(["serve-read-only", "--location", str(location)])
    yield server
    server.stop()


@pytest.fixture(scope="session")
def scratch_server() -> Iterator[OxigraphServer]:
    """An in-memory writable Oxigraph server for pushes that must not disturb the main one."""
    server = OxigraphServer(["serve", "--union-default-graph"])
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pushed(store_server) -> remote.PushReport:
    """The declaration dataset (asserted + inferred, as local queries see it) pushed with --replace."""
    quads = export.select("all")
    return remote.push(quads, store_server.endpoint, replace=True)


# ---------------------------------------------------------------------------------------------- push


@pytest.mark.slow
def test_push_writes_every_graph_and_counts_match(pushed, store_server, record_property):
    """Every named graph arrives; the remote count per graph equals the local one (checked independently)."""
    local = export.select("all")
    expected: dict[str, int] = {}
    for q in local:
        expected[q[3].value] = expected.get(q[3].value, 0) + 1
    assert pushed.method == "Graph Store HTTP Protocol"
    assert sorted(pushed.graphs_written) == sorted(expected)
    assert pushed.expected == expected
    assert remote.count_triples(store_server.endpoint, list(expected)) == expected
    assert iri.GRAPH_INFERRED in expected and iri.GRAPH_ONTOLOGY in expected
    record_property("push_seconds", round(pushed.seconds, 3))
    record_property("push_triples", pushed.triples)
    print(f"push: {pushed.triples} triples, {len(expected)} graphs, {pushed.seconds:.3f} s")


def _normalise(result: Result) -> tuple:
    """Return vars and rows with blank-node labels blanked (they differ between stores), as a bag or list."""

    def cell(t):
        if t is None:
            return None
        return ("bnode", "") if t.kind == "bnode" else (t.kind, t.value, t.datatype, t.lang)

    rows = [tuple(cell(t) for t in row) for row in result.rows]
    if result.form == "ASK":
        return ("ASK", result.boolean)
    return (result.vars, rows if result.ordered else sorted(rows, key=repr))


def _federated_text(standin: OxigraphServer) -> str:
    text = catalog.get(FEDERATED).text
    return remote.rewrite_services(text, {WIKIDATA_SPARQL: standin.endpoint})


@pytest.mark.slow
@pytest.mark.parametrize("name", catalog.names())
def test_every_canned_query_gives_the_same_rows_remotely(name, pushed, store_server, wikidata_standin):
    """Each canned query run on the Oxigraph server (through SPARQLWrapper) equals the local result."""
    q = catalog.get(name)
    bindings = bind_params(q, {})
    text, allow = q.text, ()
    if name == FEDERATED:
        text, allow = _federated_text(wikidata_standin), ("127.0.0.1",)
    local = sco_kg.run(text, None, Limits(allow_service=allow), bindings=bindings)
    there = remote.run_sparql(store_server.endpoint, text, bindings=bindings, allow_service=allow)
    assert there.engine == "remote" and there.ordered == local.ordered
    assert _normalise(there) == _normalise(local)


def test_catalogue_has_the_federated_query():
    """The federation query is in the catalogue, tagged, and names the real Wikidata endpoint."""
    q = catalog.get(FEDERATED)
    assert "federated" in q.tags
    assert f"SERVICE <{WIKIDATA_SPARQL}>" in q.text
    assert len(catalog.names()) > 20


@pytest.mark.slow
def test_federated_query_joins_local_graph_with_standin(pushed, store_server, wikidata_standin):
    """Local and remote runs join the six member states with the stand-in's ISO codes on their Q-ids."""
    text = _federated_text(wikidata_standin)
    bindings = bind_params(catalog.get(FEDERATED), {})
    local = sco_kg.run(text, None, Limits(allow_service=("127.0.0.1",)), bindings=bindings)
    rows = {(r["state"].value, r["iso3"].value) for r in local.bindings}
    assert rows == {
        (iri.ID + "state/kazakhstan", "KAZ"),
        (iri.ID + "state/china", "CHN"),
        (iri.ID + "state/kyrgyzstan", "KGZ"),
        (iri.ID + "state/russia", "RUS"),
        (iri.ID + "state/tajikistan", "TJK"),
        (iri.ID + "state/uzbekistan", "UZB"),
    }
    there = remote.run_sparql(store_server.endpoint, text, bindings=bindings, allow_service=("127.0.0.1",))
    assert _normalise(there) == _normalise(local)


def test_federation_is_off_unless_the_user_opts_in(capsys):
    """Without --allow-service the SERVICE clause is refused before anything is sent (exit 2)."""
    q = catalog.get(FEDERATED)
    with pytest.raises(QueryRejected, match=r"query\.wikidata\.org"):
        sco_kg.run(q.text, bindings=bind_params(q, {}))
    with pytest.raises(QueryRejected, match=r"query\.wikidata\.org"):
        remote.run_sparql("http://127.0.0.1:9/query", q.text, bindings=bind_params(q, {}))
    assert main(["query", FEDERATED]) == 2
    err = capsys.readouterr().err
    assert "--allow-service" in err and "Traceback" not in err


def test_rewrite_services_touches_only_service_iris():
    """Only the IRI after SERVICE (or SERVICE SILENT) changes; the same IRI elsewhere stays."""
    text = (
        'SELECT * WHERE { BIND(<https://query.wikidata.org/sparql> AS ?x) FILTER(?s != "SERVICE") '
        "SERVICE SILENT <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
    )
    out = remote.rewrite_services(text, {WIKIDATA_SPARQL: "http://127.0.0.1:1/query"})
    assert out.count("<https://query.wikidata.org/sparql>") == 1
    assert "SERVICE SILENT <http://127.0.0.1:1/query>" in out


def test_cli_query_endpoint_prints_what_the_local_run_prints(pushed, store_server, capsys):
    """``sco-kg query NAME --endpoint URL`` gives byte-identical CSV and JSON to the local run."""
    for fmt in ("csv", "json"):
        assert main(["query", "signatories", "--format", fmt]) == 0
        local = capsys.readouterr().out
        assert main(["query", "signatories", "--format", fmt, "--endpoint", store_server.endpoint]) == 0
        assert capsys.readouterr().out == local
    assert main(["sparql", "ASK { ?s a <https://w3id.org/sco-kg/ontology/State> }", "--format", "json",
                 "--endpoint", store_server.endpoint]) == 0  # fmt: skip
    assert '"boolean":true' in capsys.readouterr().out.replace(" ", "")


def test_construct_runs_remotely(pushed, store_server):
    """A CONSTRUCT comes back as triples (N-Triples negotiated), equal to the local ones."""
    text = "CONSTRUCT WHERE { <https://w3id.org/sco-kg/id/state/china> ?p ?o }"
    there = remote.run_sparql(store_server.endpoint, text)
    local = sco_kg.run(text)
    assert there.form == "CONSTRUCT" and len(there.triples) > 5
    assert sorted(there.triples) == sorted(local.triples)


def test_push_by_update_into_one_graph(scratch_server):
    """SPARQL Update (INSERT DATA) in small batches, everything in one graph, then verified."""
    target = "https://example.org/test/one-graph"
    quads = export.select("ontology")
    report = remote.push(quads, scratch_server.endpoint, target_graph=target, replace=True, method="update",
                         batch_size=100)  # fmt: skip
    union = export.union(quads)
    assert report.method == "SPARQL 1.1 Update"
    assert report.graphs_written == [target]
    assert report.remote == {target: len(union)}
    assert report.requests >= len(union) // 100 + 1  # batches (+ the DROP)


def test_blank_nodes_stay_together_in_batches():
    """A blank node's triples are never split across requests (they would become different nodes)."""
    quads = export.select("ontology")
    batches = remote.batches(quads, 3)
    owner: dict[str, int] = {}
    for i, batch in enumerate(batches):
        for s, _, o, _ in batch:
            for t in (s, o):
                if t.kind == "bnode":
                    assert owner.setdefault(t.value, i) == i
    assert len(owner) > 5 and sum(len(b) for b in batches) == len(quads)


def test_push_falls_back_to_update_without_graph_store(scratch_server):
    """A store without a Graph Store endpoint (404) gets SPARQL Update instead."""
    quads = export.select("provenance")
    report = remote.push(quads, scratch_server.endpoint, store_url=f"{scratch_server.url}/no-such-gsp",
                         replace=True)  # fmt: skip
    assert report.method == "SPARQL 1.1 Update"
    assert report.remote == report.expected


def test_push_without_replace_adds(scratch_server):
    """POST adds to a graph: pushing twice keeps the count (RDF sets), and extra triples stay."""
    g = "https://example.org/test/adds"
    quads = export.select("provenance")
    remote.push(quads, scratch_server.endpoint, target_graph=g, replace=True)
    extra = [(export.Term("uri", "https://example.org/x"), export.Term("uri", "https://example.org/p"),
              export.Term("literal", "y", export.XSD_STRING), None)]  # fmt: skip
    remote.push(extra, scratch_server.endpoint, target_graph=g)
    report = remote.push(quads, scratch_server.endpoint, target_graph=g)
    assert report.remote[g] == len(export.union(quads)) + 1


def test_push_of_a_query_store_skips_its_union_default_graph(scratch_server):
    """A store whose default graph is the union of its named graphs pushes the named graphs only, once each."""
    import pyoxigraph as ox

    from sco_kg.dataset import fill_default_graph

    g1, g2 = "https://example.org/test/union-1", "https://example.org/test/union-2"
    s, p = ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p")
    store = ox.Store()
    for i, g in enumerate((g1, g2)):
        store.add(ox.Quad(s, p, ox.Literal("shared"), ox.NamedNode(g)))
        store.add(ox.Quad(s, p, ox.Literal(f"only {i}"), ox.NamedNode(g)))
    fill_default_graph(store)
    assert len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == 3  # the set union
    quads = export.quads_from_store(store)
    assert len(quads) == 4 and all(q[3] is not None for q in quads)
    report = remote.push(quads, scratch_server.endpoint, replace=True)
    assert report.graphs_written == [g1, g2]
    assert report.expected == {g1: 2, g2: 2} == report.remote


def test_cli_push(scratch_server, capsys):
    """``sco-kg push`` reports the counts per graph and exits 0."""
    assert main(["push", "--endpoint", scratch_server.endpoint, "--select", "ontology", "--replace"]) == 0
    out = capsys.readouterr().out
    assert "Graph Store HTTP Protocol" in out and "verified:" in out and "scog:ontology" in out


# --------------------------------------------------------------------------------------------- errors


@dataclass
class Fake:
    """A scripted stdlib HTTP server: answers in order (the last one repeats) and records requests."""

    answers: list[tuple[int, dict[str, str], bytes]]
    delay: float = 0.0
    requests: list[dict] = field(default_factory=list)
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        """Return the fake endpoint URL."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}/query"


@pytest.fixture()
def fake() -> Iterator:
    """Start scripted servers on demand; stop them after the test."""
    started: list[Fake] = []

    def start(*answers: tuple[int, dict[str, str], bytes], delay: float = 0.0) -> Fake:
        state = Fake(list(answers), delay)

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                state.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                       "body": body})  # fmt: skip
                if state.delay:
                    time.sleep(state.delay)
                i = min(len(state.requests), len(state.answers)) - 1
                status, headers, data = state.answers[i]
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up (timeout test) makes the late answer fail: not a test failure

        state.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=state.server.serve_forever, daemon=True).start()
        started.append(state)
        return state

    yield start
    for s in started:
        assert s.server is not None
        s.server.shutdown()
        s.server.server_close()


JSON_OK = (200, {"Content-Type": "application/sparql-results+json"},
           b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}')  # fmt: skip
ASK = "ASK { ?s ?p ?o }"
SELECT = "SELECT ?n WHERE { ?s ?p ?n } LIMIT 1"


@pytest.mark.slow
def test_error_500_is_one_line(fake):
    """A 500 answer: one line with the status and the server's own first line."""
    srv = fake((500, {"Content-Type": "text/plain"}, b"Oops: disk full\nmore detail"))
    with pytest.raises(RemoteError, match="HTTP 500") as exc:
        remote.run_sparql(srv.endpoint, SELECT, **FAST)
    msg = str(exc.value)
    assert "HTTP 500" in msg and "Oops: disk full" in msg and "\n" not in msg


@pytest.mark.slow
def test_html_instead_of_results(fake):
    """An HTML page (a login or landing page) with 200 is an error, not an empty result."""
    html = b"<!DOCTYPE html><html><head><title>Welcome to nginx</title></head><body>hi</body></html>"
    srv = fake((200, {"Content-Type": "text/html"}, html))
    with pytest.raises(RemoteError, match=r"HTML page instead of SPARQL results.*Welcome to nginx"):
        remote.run_sparql(srv.endpoint, SELECT, **FAST)
    srv2 = fake((200, {"Content-Type": "application/sparql-results+json"}, html))  # lying content type
    with pytest.raises(RemoteError, match="HTML page"):
        remote.run_sparql(srv2.endpoint, SELECT, **FAST)


def test_empty_200(fake):
    """An empty 200 answer is an error (Wikidata does this under load), not zero rows."""
    srv = fake((200, {"Content-Type": "application/sparql-results+json"}, b""))
    with pytest.raises(RemoteError, match="HTTP 200 with an empty body"):
        remote.run_sparql(srv.endpoint, SELECT, **FAST)


@pytest.mark.slow
def test_malformed_json(fake):
    """Truncated JSON (a store that gave up mid-answer) is a clear error."""
    srv = fake((200, {"Content-Type": "application/sparql-results+json"}, b'{"head":{"vars":["n"]},"resu'))
    with pytest.raises(RemoteError, match="not SPARQL results JSON"):
        remote.run_sparql(srv.endpoint, SELECT, **FAST)


@pytest.mark.slow
def test_retries_503_and_429_with_backoff(fake):
    """503 and 429 are retried (Retry-After honoured) until the answer comes."""
    srv = fake((503, {"Retry-After": "0"}, b"busy"), (429, {}, b"slow down"), JSON_OK)
    res = remote.run_sparql(srv.endpoint, SELECT, retries=3, backoff=0.01)
    assert [r[0].value for r in res.rows] == ["1"]
    assert len(srv.requests) == 3


@pytest.mark.slow
def test_gives_up_after_the_retries(fake):
    """A store that keeps answering 429 fails after the retries, saying so."""
    srv = fake((429, {}, b"Too Many Requests"))
    with pytest.raises(RemoteError, match=r"HTTP 429.*gave up after 2 retries"):
        remote.run_sparql(srv.endpoint, SELECT, retries=2, backoff=0.01)
    assert len(srv.requests) == 3


@pytest.mark.slow
def test_user_agent_method_and_accept(fake):
    """Requests name the project and version, are POSTed, and ask for SPARQL JSON results."""
    from sco_kg.version import __version__

    srv = fake(JSON_OK)
    remote.run_sparql(srv.endpoint, SELECT, **FAST)
    req = srv.requests[0]
    assert req["headers"]["User-Agent"].startswith(f"sco-kg/{__version__}")
    assert req["method"] == "POST"
    assert "application/sparql-results+json" in req["headers"]["Accept"]
    assert b"query=" in req["body"]


@pytest.mark.slow
def test_timeout(fake):
    """A store that does not answer within the timeout gives a one-line timeout error."""
    srv = fake(JSON_OK, delay=2.5)
    with pytest.raises(RemoteError, match=r"no answer within 1 s \(timeout; raise --timeout\)"):
        remote.run_sparql(srv.endpoint, SELECT, timeout=1, retries=0)


def test_wrong_port_is_unreachable(capsys):
    """Nothing listens on the port: a one-line 'unreachable' error, exit 1 from the CLI."""
    endpoint = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(RemoteError, match="unreachable"):
        remote.run_sparql(endpoint, ASK, **FAST)
    assert main(["sparql", ASK, "--endpoint", endpoint]) == 1
    err = capsys.readouterr().err
    assert "unreachable" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_stopped_server_is_unreachable():
    """A real Oxigraph server that answered a moment ago and was then stopped."""
    server = OxigraphServer(["serve"])
    assert remote.run_sparql(server.endpoint, ASK, **FAST).boolean is False
    server.stop()
    with pytest.raises(RemoteError, match="unreachable"):
        remote.run_sparql(server.endpoint, ASK, **FAST)


def test_bad_endpoint_url_is_a_usage_error(capsys):
    """A non-HTTP endpoint is refused before anything is sent (exit 2)."""
    assert main(["sparql", ASK, "--endpoint", "file:///etc/passwd"]) == 2
    assert "expected an http://" in capsys.readouterr().err


@pytest.mark.slow
def test_basic_auth_from_environment(fake, monkeypatch, capsys):
    """--user U --password-env VAR sends HTTP Basic; the password never appears in the output."""
    srv = fake((204, {}, b""), (200, {"Content-Type": "application/sparql-results+json"},
               b'{"head":{"vars":["g","n"]},"results":{"bindings":[]}}'))  # fmt: skip
    monkeypatch.setenv("SCO_KG_TEST_PW", "s3cret!")
    code = main(["push", "--endpoint", srv.endpoint, "--select", "ontology", "--user", "alice",
                 "--password-env", "SCO_KG_TEST_PW", "--no-verify"])  # fmt: skip
    assert code == 0
    want = "Basic " + base64.b64encode(b"alice:s3cret!").decode()
    assert all(r["headers"].get("Authorization") == want for r in srv.requests)
    assert srv.requests[0]["method"] == "GET" and "text/turtle" in srv.requests[0]["headers"]["Accept"]  # detection
    assert srv.requests[1]["method"] == "POST" and "graph=" in srv.requests[1]["path"]  # staging
    captured = capsys.readouterr()
    assert "s3cret" not in captured.out + captured.err


@pytest.mark.slow
def test_bearer_token_from_environment(fake, monkeypatch):
    """--token-env VAR sends a bearer token; a missing variable is a usage error."""
    srv = fake(JSON_OK)
    monkeypatch.setenv("SCO_KG_TEST_TOKEN", "tok-123")
    auth = remote.auth_from_env(token_env="SCO_KG_TEST_TOKEN")
    remote.run_sparql(srv.endpoint, SELECT, auth=auth, **FAST)
    assert srv.requests[0]["headers"]["Authorization"] == "Bearer tok-123"
    monkeypatch.delenv("SCO_KG_TEST_TOKEN")
    assert main(["push", "--endpoint", srv.endpoint, "--token-env", "SCO_KG_TEST_TOKEN"]) == 2


@pytest.mark.slow
def test_failure_mid_push_names_the_graphs_new_and_old(fake, capsys):
    """The store fails on the second graph's switch: the error names the new graph, the old one, and the staging
    graphs it could not drop (the store keeps failing); exit code 1."""
    ok = (201, {}, b"")
    srv = fake(ok, ok, ok, (500, {"Content-Type": "text/plain"}, b"storage error"))
    code = main(["push", "--endpoint", srv.endpoint, "--select", "provenance", "--replace", "--store-type", "generic",
                 "--retries", "0"])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "HTTP 500" in err and "storage error" in err
    assert "after 1 of 2 graphs: new: scog:provenance; old (unchanged): scog:text" in err
    assert "staging graphs left on the store" in err and remote.STAGING in err
    bodies = [r["body"].decode() for r in srv.requests]
    assert [r["method"] for r in srv.requests] == ["POST"] * 5
    assert "graph=" + urllib.parse.quote(remote.STAGING, safe="") in srv.requests[0]["path"]  # staged first
    assert "MOVE" in urllib.parse.unquote_plus(bodies[2]) and "DROP" in urllib.parse.unquote_plus(bodies[4])


def test_failure_while_staging_changes_nothing(fake):
    """A failure before any switch: every graph is old, the staging graphs are dropped."""
    ok = (201, {}, b"")
    srv = fake(ok, (500, {"Content-Type": "text/plain"}, b"disk full"), ok)
    with pytest.raises(RemoteError, match=r"while staging .*nothing on the store changed, all 2 graphs are old; "
                       r"staging graphs dropped: .*disk full"):  # fmt: skip
        remote.push(export.select("provenance"), srv.endpoint, replace=True, store_type="generic", **FAST)
    assert "DROP SILENT GRAPH" in urllib.parse.unquote_plus(srv.requests[-1]["body"].decode())


@pytest.mark.slow
def test_unverifiable_push_is_an_error(fake):
    """All graphs written but the count query fails: say so (exit 1), listing nothing as unwritten."""
    ok = (201, {}, b"")
    srv = fake(ok, ok, ok, ok, (500, {"Content-Type": "text/plain"}, b"query engine down"))
    with pytest.raises(RemoteError, match=r"pushed all 2 graphs but could not verify.*query engine down"):
        remote.push(export.select("provenance"), srv.endpoint, replace=True, store_type="generic", **FAST)


@pytest.mark.slow
def test_verification_catches_a_store_that_lost_triples(fake):
    """If the store reports fewer triples than were sent, the push fails."""
    g = "https://example.org/test/g"
    counts = (
        b'{"head":{"vars":["g","n"]},"results":{"bindings":[{"g":{"type":"uri","value":"'
        + g.encode()
        + b'"},"n":{"type":"literal","value":"1","datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}'
    )
    srv = fake((204, {}, b""), (200, {"Content-Type": "application/sparql-results+json"}, counts))
    with pytest.raises(RemoteError, match=r"verification failed: graph <https://example\.org/test/g> has 1"):
        remote.push(export.select("provenance"), srv.endpoint, target_graph=g, replace=True, **FAST)


def test_missing_update_endpoint_names_the_options(fake):
    """Staging works but the derived Update URL is 404 (Virtuoso's layout pushed as generic): the error names
    --update and --store-type, and says nothing changed."""
    srv = fake((201, {}, b""), (201, {}, b""), (404, {"Content-Type": "text/plain"}, b"no such page"))
    with pytest.raises(RemoteError, match="HTTP 404") as exc:
        remote.push(export.select("provenance"), srv.endpoint, replace=True, store_type="generic", **FAST)
    msg = str(exc.value)
    assert "HTTP 404" in msg and "give --update URL" in msg and "--store-type oxigraph|jena|virtuoso" in msg
    assert "new: none; old (unchanged): scog:provenance scog:text" in msg
