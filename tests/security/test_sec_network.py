"""T1–T4: no network or file access that the user did not ask for (SECURITY.md).

Every test points the stack at a loopback server that counts hits and asserts that it saw none.
"""

from __future__ import annotations

import json
from pathlib import Path

import _helpers
import pytest
from _helpers import HitServer, isolated_env, one_line_error, run_cli, run_python

import sco_kg
from sco_kg.dataset import Source
from sco_kg.engine.limits import Limits
from sco_kg.errors import DataFileError, QueryRejected
from sco_kg.io import inputs
from sco_kg.io.inputs import guard_input

pytestmark = pytest.mark.network_loopback
hit_server = _helpers.hit_server  # the fixture


def _service_queries(server: HitServer) -> dict[str, str]:
    url = server.url("/sparql")
    return {
        "iri": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "silent": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "variable": f"SELECT * WHERE {{ BIND(<{url}> AS ?ep) SERVICE ?ep {{ ?s ?p ?o }} }}",
        "escaped": f"SELECT * WHERE {{ SERVIC\\u0045 <{url}> {{ ?s ?p ?o }} }}",
        "prefixed": f"PREFIX ep: <{url}> SELECT * WHERE {{ SERVICE ep: {{ ?s ?p ?o }} }}",
        # issue 13: the token policy read <?b&&'> as an IRI and never saw SERVICE (HTTP 200, the service's answer)
        "comparison": f"SELECT * WHERE {{ BIND(?a<?b&&'>' AS ?z) SERVICE <{url}> {{ ?s ?p ?o }} }}",
        # issue 13: rdflib decodes \U0053 (4 digits after \U) where the token policy did not
        "U-escape": f"SELECT * WHERE {{ \\U0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        # a string for rdflib (\u0022 ends it), a SERVICE for Oxigraph (escapes decoded only inside strings)
        "string-hidden": f'SELECT * WHERE {{ FILTER("\\u0022 < ") SERVICE <{url}> {{ ?s ?p ?o }} #") }}',
    }


KINDS = ["iri", "silent", "variable", "escaped", "prefixed", "comparison", "U-escape", "string-hidden"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_t1_service_ssrf_api(hit_server: HitServer, kind: str, engine: str) -> None:
    text = _service_queries(hit_server)[kind]
    with pytest.raises(QueryRejected, match=r"SERVICE|as Oxigraph reads"):
        sco_kg.run(text, Source(inferred=False), engine=engine)  # type: ignore[arg-type]
    assert hit_server.hits == []


@pytest.mark.slow
def test_t1_service_ssrf_cli(hit_server: HitServer, tmp_path: Path) -> None:
    for kind, text in _service_queries(hit_server).items():
        proc = run_cli("sparql", "--no-inference", text, cwd=tmp_path)
        assert proc.returncode == 2, (kind, proc.stderr)
        assert "SERVICE" in one_line_error(proc) or "as Oxigraph reads" in one_line_error(proc)
    assert hit_server.hits == []


@pytest.mark.slow
def test_t1_service_ssrf_http(hit_server: HitServer) -> None:
    from starlette.testclient import TestClient

    pass
    from sco_kg.server import ServerConfig, create_app

    with TestClient(create_app(sco_kg.open_store(Source(inferred=False)), ServerConfig(quiet=True))) as client:
        for kind, text in _service_queries(hit_server).items():
            got = client.get("/sparql", params={"query": text})
            assert got.status_code == 400, (kind, got.text)
            assert got.headers["content-type"].startswith("text/plain")
            assert "SERVICE" in got.text or "as Oxigraph reads" in got.text
            posted = client.post("/sparql", content=text, headers={"Content-Type": "application/sparql-query"})
            assert posted.status_code == 400
    assert hit_server.hits == []


@pytest.mark.slow
def test_t1_service_allowed_host_is_opt_in(hit_server: HitServer) -> None:
    """Only the hosts on --allow-service pass the policy; another loopback port stays refused."""
    text = _service_queries(hit_server)["iri"]
    limits = Limits(allow_service=("example.org",))
    with pytest.raises(QueryRejected):
        sco_kg.run(text, Source(inferred=False), limits)
    assert hit_server.hits == []


@pytest.mark.slow
@pytest.mark.parametrize("clause", ["FROM", "FROM NAMED"])
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_t2_from_remote_graph_refused(hit_server: HitServer, clause: str, engine: str) -> None:
    text = f"SELECT * {clause} <{hit_server.url('/a.nt')}> WHERE {{ ?s ?p ?o }}"
    with pytest.raises(QueryRejected, match="dataset clause"):
        sco_kg.run(text, Source(inferred=False), engine=engine)  # type: ignore[arg-type]
    assert hit_server.hits == []


@pytest.mark.slow
def test_t2_load_refused_even_with_allow_update(hit_server: HitServer, tmp_path: Path) -> None:
    text = f"LOAD <{hit_server.url('/a.nt')}>"
    with pytest.raises(QueryRejected, match="LOAD"):
        sco_kg.run(text, Source(inferred=False), allow_update=True)
    proc = run_cli("sparql", "--no-inference", "--allow-update", text, cwd=tmp_path)
    assert proc.returncode == 2
    assert "LOAD is refused" in one_line_error(proc)
    assert hit_server.hits == []


@pytest.mark.slow
def test_t2_rdflib_load_graphs_off_under_sandbox(hit_server: HitServer, tmp_path: Path) -> None:
    """rdflib itself (bypassing the policy) fetches nothing for FROM <url> once the sandbox hardened it."""
    code = f"""
from sco_kg import sandbox
with sandbox.for_cli({{}}):
    import rdflib
    sandbox.harden_parsers()
    rows = list(rdflib.Dataset().query("SELECT * FROM <{hit_server.url("/a.nt")}> WHERE {{ ?s ?p ?o }}"))
    print("rows", len(rows))
"""
    proc = run_python(code, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "rows 0" in proc.stdout
    assert hit_server.hits == []


# ------------------------------------------------------------------------------------------- T3: audit hook

_PROBES = """
import json, socket, sys, urllib.request
from sco_kg import sandbox
URL = {url!r}
results = {{}}
def probe(name, fn):
    try:
        fn()
        results[name] = "allowed"
    except BaseException as exc:
        results[name] = type(exc).__name__ + ": " + str(exc)[:300]
with sandbox.for_cli({{}}):
    import rdflib
    probe("urlopen", lambda: urllib.request.urlopen(URL + "/urlopen", timeout=5).read())
    probe("socket", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=5))
    probe("parse_url", lambda: rdflib.Graph().parse(URL + "/data.ttl", format="turtle"))
    probe("service", lambda: list(rdflib.Graph().query(
        "SELECT * WHERE {{ SERVICE <" + URL + "/sparql> {{ ?s ?p ?o }} }}")))
    probe("jsonld_http_context", lambda: rdflib.Graph().parse(
        data=json.dumps({{"@context": URL + "/ctx", "@id": "http://e/a", "p": "v"}}), format="json-ld"))
    probe("jsonld_file_context", lambda: rdflib.Graph().parse(
        data=json.dumps({{"@context": "file://{secret}", "@id": "http://e/a", "p": "v"}}), format="json-ld"))
    probe("open_outside", lambda: open({secret!r}).read())
    probe("write_outside", lambda: open({outside!r}, "w").write("x"))
    probe("dns_lookup", lambda: socket.getaddrinfo("example.org", 80))
    probe("literal_lookup", lambda: socket.getaddrinfo("203.0.113.5", 80, flags=socket.AI_NUMERICHOST))
    probe("read_inside", lambda: open({inside!r}).read())
    probe("tmp_write", lambda: __import__("tempfile").TemporaryFile().write(b"x"))
probe("open_after", lambda: open({secret!r}).read())
print(json.dumps(results))
"""


@pytest.mark.slow
def test_t3_audit_hook_blocks_every_path(hit_server: HitServer, tmp_path: Path) -> None:
    secret = tmp_path / "secret" / "hostname"
    secret.parent.mkdir()
    secret.write_text('{"@context": {"p": "http://example.org/stolen"}}')
    inside = Path(inputs.__file__).resolve().parents[2] / "data" / "README.md"
    code = _PROBES.format(
        url=hit_server.url(""),
        port=hit_server.port,
        secret=str(secret),
        outside=str(tmp_path / "secret" / "w"),
        inside=str(inside),
    )
    proc = run_python(code, cwd=tmp_path, env=isolated_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for name in ("urlopen", "socket", "parse_url", "jsonld_http_context", "jsonld_file_context", "open_outside",
                 "write_outside", "dns_lookup"):  # fmt: skip
        assert "sandbox (cli): refused" in results[name], (name, results[name])
    # rdflib's SERVICE turns the refused request into its own error; the request is never sent either way.
    assert results["service"] != "allowed"
    assert results["literal_lookup"] == "allowed"  # an address is not looked up: nothing is sent
    assert results["read_inside"] == "allowed"
    assert results["tmp_write"] == "allowed"
    assert results["open_after"] == "allowed"  # inert once the command is over
    assert hit_server.hits == []
    assert not (tmp_path / "secret" / "w").exists()


def test_t3_cli_main_runs_commands_in_the_sandbox(tmp_path: Path) -> None:
    """``sco-kg`` activates the hook around the command: a command that strays gets one line and exit 1."""
    outside = tmp_path / "not-named.txt"
    outside.write_text("secret")
    code = f"""
import sys
import sco_kg.cli.commands.stats as stats
from sco_kg import cli, sandbox
stats.run = lambda args: print(open({str(outside)!r}).read())
rc = cli.main(["stats"])
print("rc", rc, "installed", sandbox.is_installed(), "active", len(sandbox.active_policies()))
"""
    proc = run_python(code, cwd=tmp_path, env=isolated_env(tmp_path))
    assert "rc 1 installed True active 0" in proc.stdout, proc.stdout + proc.stderr
    assert "secret" not in proc.stdout
    assert "sandbox (cli): refused to read" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_t3_cli_normal_operation_under_the_sandbox(tmp_path: Path) -> None:
    """The allow-list lets the ordinary work through: --with files, -o outputs, canned queries, stdin."""
    user = tmp_path / "in" / "mine.ttl"
    user.parent.mkdir()
    user.write_text('<http://example.org/a> <http://example.org/p> "v" .\n')
    out = tmp_path / "out" / "export.nt"
    out.parent.mkdir()
    env = isolated_env(tmp_path)  # the files are allowed because they are named, not because they are in /tmp
    proc = run_cli("sparql", "--no-inference", "--with", str(user), "--format", "csv",
                   "SELECT ?o WHERE { <http://example.org/a> ?p ?o }", cwd=tmp_path, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["o", "v"]
    proc = run_cli("export", "--format", "nt", "--graph", "ontology", "-o", str(out), cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 1000
    assert sorted(p.name for p in out.parent.iterdir()) == ["export.nt"]  # no temp file left behind
    proc = run_cli("query", "signatories", "--format", "csv", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "state/china" in proc.stdout


def test_t3_server_requests_run_in_the_sandbox(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    code = f"""
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from sco_kg import sandbox

def read(request):
    try:
        return PlainTextResponse(open({str(outside)!r}).read())
    except PermissionError as exc:
        return PlainTextResponse(str(exc), status_code=403)

app = sandbox.SandboxMiddleware(Starlette(routes=[Route("/", read)]), sandbox.server_policy())
with TestClient(app) as c:
    r = c.get("/")
    print(r.status_code, r.text[:60])
print("after", open({str(outside)!r}).read())
"""
    proc = run_python(code, cwd=tmp_path, env=isolated_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "403 sandbox (server): refused to read" in proc.stdout
    assert "after secret" in proc.stdout


def test_t3_create_app_installs_the_sandbox() -> None:
    from sco_kg import sandbox
    from sco_kg.server import ServerConfig, create_app

    app = create_app(sco_kg.open_store(Source(inferred=False)), ServerConfig(quiet=True))
    assert any(m.cls is sandbox.SandboxMiddleware for m in app.user_middleware)


# ------------------------------------------------------------------------------------------- T4: JSON-LD


def _jsonld(tmp_path: Path, context: object, name: str = "user.jsonld") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"@context": context, "@id": "http://example.org/a", "p": "v"}))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_t4_jsonld_remote_context_refused(hit_server: HitServer, tmp_path: Path, engine: str) -> None:
    for context in (hit_server.url("/ctx"), "file:///etc/hostname", [{"p": "http://e/p"}, hit_server.url("/c2")]):
        path = _jsonld(tmp_path, context)
        proc = run_cli("sparql", "--no-inference", "--engine", engine, "--with", str(path), "ASK {}", cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert "refusing JSON-LD context" in one_line_error(proc)
    assert hit_server.hits == []


@pytest.mark.slow
def test_t4_jsonld_scoped_context_and_import_refused(hit_server: HitServer, tmp_path: Path) -> None:
    scoped = {"t": {"@id": "http://example.org/t", "@context": hit_server.url("/scoped")}}
    imported = {"@import": hit_server.url("/import"), "p": "http://example.org/p"}
    for context, words in ((scoped, "refusing JSON-LD context"), (imported, "@import")):
        path = _jsonld(tmp_path, context)
        with pytest.raises(DataFileError, match=words):
            guard_input(path, "json-ld")
        with pytest.raises(DataFileError):
            sco_kg.run("ASK {}", Source(inferred=False, with_files=[path]))
        from sco_kg import export

        with pytest.raises(DataFileError):
            export.parse_jsonld(path)
    assert hit_server.hits == []


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_t4_own_context_resolves_offline(hit_server: HitServer, tmp_path: Path, engine: str) -> None:
    path = tmp_path / "own.jsonld"
    path.write_text(json.dumps({
        "@context": "https://w3id.org/sco-kg/context.jsonld",
        "@id": "scoid:state/testland", "@type": "sco:State",
    }))  # fmt: skip
    text = "SELECT ?g ?t WHERE { GRAPH ?g { <https://w3id.org/sco-kg/id/state/testland> a ?t } }"
    proc = run_cli("sparql", "--no-inference", "--engine", engine, "--with", str(path), "--format", "csv", text,
                   cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    # Both engines put the file's triples into its own graph, scog:user/<file name>.
    assert "https://w3id.org/sco-kg/graph/user/own.jsonld,https://w3id.org/sco-kg/ontology/State" in proc.stdout
    assert hit_server.hits == []
