"""Nothing is lost on faults: SIGKILL while writing an export or the inference cache, corrupt cache entries, a
remote store that dies halfway through a push, and clients that misbehave towards the server (issue 9)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import free_port, serve_subprocess

from sco_kg import export, paths
from sco_kg.reasoning import materialize as closure

KILLS = 30
CLI = [sys.executable, "-m", "sco_kg.cli"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SCO_KG_DEBUG",)}
    env.update(extra)
    return env


def _leftovers(directory: Path, name: str) -> list[Path]:
    return [p for p in directory.iterdir() if p.name != name]


# ------------------------------------------------------------------------------------------- exports


@pytest.mark.slow
def test_sigkill_during_export_leaves_old_or_new_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "sco-kg.nt"
    target.parent.mkdir()
    new = export.export(fmt="nt", selection="all")
    old = b"<urn:old> <urn:complete> <urn:file> .\n"
    argv = [*CLI, "export", "--format", "nt", "--graph", "all", "-o", str(target)]
    start = time.monotonic()
    subprocess.run(argv, env=_env(), check=True, capture_output=True, timeout=120)
    full = time.monotonic() - start
    assert target.read_bytes() == new  # the subprocess writes the same bytes as the API
    rng = random.Random(9)
    outcomes = {"old": 0, "new": 0}
    for _ in range(KILLS):
        target.write_bytes(old)
        proc = subprocess.Popen(argv, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.4, 1.05) * full)  # mostly while it serialises and writes
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        data = target.read_bytes()
        assert data in (old, new), f"partial file of {len(data)} bytes"
        outcomes["old" if data == old else "new"] += 1
    assert outcomes["old"] > 0  # some kills did land before the rename
    for p in _leftovers(target.parent, target.name):
        assert p.name.startswith(".sco-kg.nt.") and p.name.endswith(".tmp")  # a temp file, never the target


# ------------------------------------------------------------------------------------------- cache

_CACHE_WRITER = """
import hashlib, json, sys
from pathlib import Path
from sco_kg.atomic import atomic_write_bytes, atomic_write_text
nq, meta = Path(sys.argv[1]), Path(sys.argv[2])
variants = [Path(sys.argv[3]).read_bytes(), Path(sys.argv[4]).read_bytes()]
print("ready", flush=True)
i = 0
while True:  # exactly what closure.build does: the N-Quads file, then its metadata, both atomically
    data = variants[i % 2]
    atomic_write_bytes(nq, data)
    atomic_write_text(meta, json.dumps({"format": 1, "key": "k", "bytes": len(data),
                                        "sha256": hashlib.sha256(data).hexdigest(), "variant": i % 2}))
    i += 1
"""


@pytest.mark.slow
def test_sigkill_while_writing_cache_leaves_complete_files(tmp_path: Path) -> None:
    base = closure.read_lines(paths.closure_file())
    a = "".join(base).encode()
    b = a + b"<urn:x> <urn:y> <urn:z> .\n"
    (tmp_path / "a.nq").write_bytes(a)
    (tmp_path / "b.nq").write_bytes(b)
    cache = tmp_path / "cache"
    cache.mkdir()
    nq, meta = cache / "closure-k.nq", cache / "closure-k.json"
    rng = random.Random(9)
    trusted = rebuilt = 0
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", _CACHE_WRITER, str(nq), str(meta), str(tmp_path / "a.nq"),
                                 str(tmp_path / "b.nq")], stdout=subprocess.PIPE, env=_env())  # fmt: skip
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        if not nq.exists():
            continue  # killed before the first write finished: no entry at all, which is also safe
        assert nq.read_bytes() in (a, b)
        record = json.loads(meta.read_text()) if meta.exists() else None
        # What materialized_path does: trust the pair only when the hash recorded matches the file.
        if record is not None and closure._artifact_ok(nq, record):
            trusted += 1
            assert nq.read_bytes() == (a, b)[record["variant"]]
        else:
            rebuilt += 1
    assert trusted + rebuilt > 0


@pytest.fixture()
def user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny --with file and an empty cache directory."""
    monkeypatch.setenv("SCO_KG_CACHE", str(tmp_path / "cache"))
    f = tmp_path / "tiny.nt"
    f.write_text('<https://w3id.org/sco-kg/id/test/a> <http://www.w3.org/2000/01/rdf-schema#label> "a" .\n')
    return f


@pytest.mark.slow
def test_corrupt_cache_detected_and_rebuilt(user_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Path] = []
    real_build = closure.build

    def counting_build(*args, **kwargs):  # type: ignore[no-untyped-def]
        builds.append(args[2])
        return real_build(*args, **kwargs)

    monkeypatch.setattr(closure, "build", counting_build)
    nq = closure.materialized_path([user_file])
    meta_path = nq.with_suffix(".json")
    good = nq.read_bytes()
    assert len(builds) == 1
    assert closure.materialized_path([user_file]) == nq and len(builds) == 1  # intact: trusted, not rebuilt

    def truncate() -> None:
        nq.write_bytes(good[: len(good) // 2])

    def garbage() -> None:
        nq.write_bytes(b"\x00garbage\xff" * 100)

    def wrong_version() -> None:
        meta = json.loads(meta_path.read_text())
        meta["format"] = 0
        meta["key"] = hashlib.sha256(b"an older format").hexdigest()
        meta_path.write_text(json.dumps(meta))

    def meta_garbage() -> None:
        meta_path.write_text("{not json")

    for corrupt in (truncate, garbage, wrong_version, meta_garbage):
        corrupt()
        assert closure.materialized_path([user_file]) == nq
        assert nq.read_bytes() == good, corrupt.__name__
        assert closure._artifact_ok(nq, json.loads(meta_path.read_text()))
    assert len(builds) == 5


def test_corrupt_shipped_artifact_is_not_trusted(data_copy: Path) -> None:
    from sco_kg import paths

    artifact = paths.closure_file()
    manifest = closure._read_json(closure.manifest_path())
    assert manifest is not None and closure._artifact_ok(artifact, manifest)  # the shipped pair agrees
    artifact.write_bytes(artifact.read_bytes()[:-100])
    assert not closure._artifact_ok(artifact, manifest)
    status = closure.shipped_status()
    assert status is not None  # a truncated artifact is never loaded as the closure


# ------------------------------------------------------------------------------------------- push


class Oxigraph:
    """A real ``oxigraph serve`` on loopback, on a directory that survives restarts."""

    def __init__(self, location: Path) -> None:
        """Remember where the database lives."""
        self.location = location
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> None:
        """Start the server on a free port and wait until it answers."""
        exe = str(Path(sys.executable).parent / "oxigraph")
        self.port = free_port()
        self.proc = subprocess.Popen([exe, "serve", "--location", str(self.location), "--bind",
                                      f"127.0.0.1:{self.port}"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.count_graphs()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("oxigraph serve did not start")

    @property
    def endpoint(self) -> str:
        """Return the query endpoint URL."""
        return f"http://127.0.0.1:{self.port}/query"

    def select(self, text: str) -> list[dict[str, dict[str, str]]]:
        """Return the bindings of a SELECT on the server."""
        url = self.endpoint + "?" + urllib.parse.urlencode({"query": text})
        req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())["results"]["bindings"]  # type: ignore[no-any-return]

    def count_graphs(self) -> int:
        """Return the number of non-empty named graphs."""
        rows = self.select("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"]["value"])

    def graph_counts(self) -> dict[str, int]:
        """Return triples per named graph."""
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}

    def kill(self) -> None:
        """Stop the server abruptly (SIGKILL)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=30)
            self.proc = None


@pytest.fixture()
def oxigraph(tmp_path: Path) -> Iterator[Oxigraph]:
    """A real Oxigraph server (stopped at the end)."""
    server = Oxigraph(tmp_path / "oxdb")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.mark.network_loopback
@pytest.mark.slow
def test_push_store_dies_halfway_then_replace_converges(oxigraph: Oxigraph, tmp_path: Path) -> None:
    argv = [*CLI, "push", "--endpoint", oxigraph.endpoint, "--batch-size", "20", "--retries", "0", "--timeout", "5"]
    proc = subprocess.Popen(argv, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while oxigraph.count_graphs() < 5:
        assert proc.poll() is None, "the push finished before the store could be stopped"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    oxigraph.kill()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("\r")]
    assert lines and lines[-1].startswith("sco-kg: error: push failed "), err
    assert "nothing on the store changed, all " in lines[-1] or "; old (unchanged): " in lines[-1]
    assert "Traceback" not in err
    oxigraph.start()  # same database directory, new process
    again = [*CLI, "push", "--endpoint", oxigraph.endpoint, "--replace"]
    done = subprocess.run(again, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # What was pushed, counted from an export by the same code in another process.
    dump = tmp_path / "all.nq"
    subprocess.run([*CLI, "export", "--format", "nq", "--graph", "all", "-o", str(dump)], env=_env(), check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    import pyoxigraph as ox

    expected: dict[str, int] = {}
    for q in ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS):
        key = "" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
        expected[key] = expected.get(key, 0) + 1
    assert oxigraph.graph_counts() == {g: n for g, n in expected.items() if g}
    assert "verified:" in done.stdout


# ------------------------------------------------------------------------------------------- server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``sco-kg serve`` in a subprocess on a free loopback port."""
    with serve_subprocess("--timeout", "5", env=_env()) as (proc, base):
        yield proc, int(base.rstrip("/").rsplit(":", 1)[1])


def _ask(port: int, timeout: float = 10) -> int:
    url = f"http://127.0.0.1:{port}/sparql?query=ASK%20%7B%7D"
    with urllib.request.urlopen(url, timeout=timeout) as r:
        assert json.loads(r.read()) == {"head": {}, "boolean": True}
        return int(r.status)


@pytest.mark.slow
@pytest.mark.network_loopback
def test_server_survives_client_disconnect_mid_response(live_server) -> None:  # type: ignore[no-untyped-def]
    proc, port = live_server
    for path in ("/dumps/sco-kg.nt", "/sparql?query=CONSTRUCT%7B%3Fs%20%3Fp%20%3Fo%7DWHERE%7B%3Fs%20%3Fp%20%3Fo%7D"):
        for _ in range(5):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: application/n-triples\r\n\r\n".encode())
                assert s.recv(64).startswith(b"HTTP/1.1 ")
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
    assert _ask(port) == 200
    assert proc.poll() is None


@pytest.mark.slow
@pytest.mark.network_loopback
def test_server_survives_slowloris(live_server) -> None:  # type: ignore[no-untyped-def]
    proc, port = live_server
    slow = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(20)]
    try:
        for s in slow:
            s.sendall(b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        for i in range(10):
            for s in slow:
                with contextlib.suppress(OSError):  # the server may drop a slow client: that is allowed
                    s.sendall(f"X-Slow-{i}: {'a' * 10}\r\n".encode())
            assert _ask(port, timeout=5) == 200  # others are answered meanwhile
            time.sleep(0.1)
    finally:
        for s in slow:
            s.close()
    assert proc.poll() is None


@pytest.mark.slow
@pytest.mark.network_loopback
def test_server_survives_burst_of_concurrent_requests(live_server) -> None:  # type: ignore[no-untyped-def]
    proc, port = live_server
    paths = ["/sparql?query=ASK%20%7B%7D", "/id/state/china", "/queries/signatories", "/id/place/bishkek",
             "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%2050"]  # fmt: skip

    def get(i: int) -> int:
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}{paths[i % len(paths)]}",
            headers={"Accept": "text/turtle" if "/id/" in paths[i % len(paths)] else "*/*"},
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()
            return int(r.status)

    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(get, range(160)))
    assert statuses == [200] * 160
    assert proc.poll() is None
