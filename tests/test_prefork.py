"""``sco-kg serve``'s worker processes (issue 14): they answer HTTP themselves, are replaced when a query
overruns or when they die, have no network, and go when the supervisor goes. Plus the QueryGuard and the
``GET /sparql`` fast path in one process.

The live tests start ``sco-kg serve`` on 127.0.0.1 (tests/conftest.py ``serve_subprocess``) and find its
workers in /proc (the children of the supervisor).
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from sco_kg.engine.workers import probe_network_isolation
from sco_kg.errors import QueryTimeout
from sco_kg.server import prefork
from sco_kg.server.errors import ServerBusy
from sco_kg.server.guard import QueryGuard
from tests.conftest import serve_subprocess

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?r . ?c ?x ?y }"
linux_only = pytest.mark.skipif(not prefork.AVAILABLE, reason="worker processes need Linux (fork, /proc)")


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def _sparql(base: str, text: str, timeout: float = 30) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(base + "sparql?" + urllib.parse.urlencode({"query": text}), timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _stderr_until(proc: subprocess.Popen[bytes], text: str, seconds: float = 10) -> bool:
    """Read the server's stderr (it runs with --quiet: only its notes) until ``text`` shows; False on timeout."""
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + seconds
    while text.encode() not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.1)
        if ready:
            seen += os.read(proc.stderr.fileno(), 65536)
    return text.encode() in seen


def _wait_for(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


@linux_only
def test_workers_are_forked_children_each_in_its_own_network_namespace() -> None:
    with serve_subprocess("--workers", "3") as (proc, base):
        workers = _children(proc.pid)
        assert len(workers) == 3, workers
        own = os.readlink(f"/proc/{proc.pid}/ns/net")
        # an empty namespace (even a SERVICE call made in Rust reaches nothing), where this kernel allows one
        isolated = probe_network_isolation()[0]
        for pid in workers:
            assert (os.readlink(f"/proc/{pid}/ns/net") != own) == isolated
        assert _sparql(base, "ASK {}")[0] == 200


@linux_only
def test_an_overrunning_query_gets_504_and_its_worker_is_replaced() -> None:
    with serve_subprocess("--workers", "2", "--timeout", "0.5") as (proc, base):
        before = _children(proc.pid)
        started = time.monotonic()
        status, text = _sparql(base, RUNAWAY)
        assert status == 504 and "time limit of 0.5 s" in text, (status, text)
        assert time.monotonic() - started < 3
        # the retiring worker exits (taking its runaway thread with it); a new one serves in its place
        assert _wait_for(lambda: len(_children(proc.pid) - before) == 1 and len(_children(proc.pid)) == 2)
        status, text = _sparql(base, "ASK {}")
        assert status == 200 and "true" in text


@linux_only
def test_a_killed_worker_is_replaced_and_reported() -> None:
    with serve_subprocess("--workers", "2") as (proc, base):
        victim = min(_children(proc.pid))
        os.kill(victim, signal.SIGKILL)
        assert _wait_for(lambda: victim not in _children(proc.pid) and len(_children(proc.pid)) == 2)
        for _ in range(4):
            assert _sparql(base, "ASK {}")[0] == 200
        assert _stderr_until(proc, f"worker {victim} was stopped by SIGKILL; starting another")


@linux_only
def test_workers_go_with_the_supervisor() -> None:
    with serve_subprocess("--workers", "2") as (proc, _):
        workers = _children(proc.pid)
        proc.kill()  # SIGKILL: no cleanup runs in the supervisor; the workers must not keep the port
        proc.wait()
        assert _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers))


@linux_only
def test_sigterm_stops_every_worker_and_exits_0() -> None:
    with serve_subprocess("--workers", "2") as (proc, _):
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers))


def _get(url: str, accept: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()


@linux_only
@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv", "application/sparql-results+xml"])
def test_a_repeated_query_gives_the_same_answer_and_the_row_cap_holds_every_time(accept: str) -> None:
    """The first run is written by our writers, later ones (the query proved quick) by pyoxigraph: same bytes;
    a query the row cap cuts is never taken for quick, so every answer is cut and flagged."""
    small = (
        "SELECT ?label WHERE { <https://w3id.org/sco-kg/id/state/kazakhstan> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label LIMIT 2"
    )
    with serve_subprocess("--workers", "1", "--max-rows", "3") as (_, base):
        answers = [_get(base + "sparql?" + urllib.parse.urlencode({"query": small}), accept) for _ in range(3)]
        assert answers[0][0] == 200 and b"Kazakhstan" in answers[0][2]
        assert "x-sco-kg-truncated" not in answers[0][1]
        assert answers[0] == answers[1] == answers[2]
        big = base + "sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
        for _ in range(3):
            status, headers, body = _get(big, accept)
            assert status == 200 and headers["x-sco-kg-truncated"] == "max-rows=3"
            if accept.endswith("json"):
                import json

                assert len(json.loads(body)["results"]["bindings"]) == 3


# --------------------------------------------------------------------------- the guard, in this process


def _guard(slots: int, timeout: float, retired: list[str]) -> QueryGuard:
    return QueryGuard(slots, timeout, None, retired.append)  # no memory limit: this is the test process


def test_guard_runs_work_in_a_thread_then_inline_once_it_proved_quick() -> None:
    retired: list[str] = []
    guard = _guard(2, 5.0, retired)

    async def go() -> list[str]:
        names = []
        for _ in range(3):
            names.append(await guard.run(lambda: threading.current_thread().name, key="q"))
        names.append(await guard.run(lambda: threading.current_thread().name))  # no key: always a thread
        return names

    first, second, third, unkeyed = asyncio.run(go())
    assert first.startswith("sco-kg-query")
    assert second == third == threading.current_thread().name  # on the event loop's thread
    assert unkeyed.startswith("sco-kg-query")
    assert retired == []


def test_guard_times_out_at_once_and_retires_the_process() -> None:
    retired: list[str] = []
    guard = _guard(1, 0.2, retired)

    async def go() -> float:
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match=r"time limit of 0\.2 s"):
            await guard.run(lambda: time.sleep(1.0), key="slow")
        return time.monotonic() - started

    assert asyncio.run(go()) < 0.9  # answered at the deadline, not when the work ended
    assert retired == ["a query ran past the time limit"]
    assert "slow" not in guard._quick


def test_guard_waits_for_a_slot_then_turns_away_work_when_none_frees_in_time() -> None:
    retired: list[str] = []

    async def waits() -> None:
        guard = _guard(1, 1.0, retired)
        holder = asyncio.ensure_future(guard.run(lambda: time.sleep(0.1)))
        await asyncio.sleep(0.02)
        assert await guard.run(lambda: 42) == 42  # waited for the one slot and got it
        await holder

    async def busy() -> None:
        guard = _guard(1, 0.3, retired)
        holder = asyncio.ensure_future(guard.run(lambda: time.sleep(1.0)))
        await asyncio.sleep(0.02)
        with pytest.raises(ServerBusy, match="every query worker is busy"):
            await guard.run(lambda: 1)  # the holder overran: its slot stays taken until the process is gone
        with pytest.raises(QueryTimeout):
            await holder

    asyncio.run(waits())
    assert retired == []
    asyncio.run(busy())
    assert retired == ["a query ran past the time limit"]


# --------------------------------------------------------------------------- pyoxigraph's own result writers


def _bytes_both(store: object, text: str, fmt: str) -> tuple[bytes, bytes]:
    from sco_kg.engine.limits import Limits
    from sco_kg.engine.run import run_here, serialized_here, writes_itself
    from sco_kg.sparql import gate

    info = gate.check(text)
    if not writes_itself(info, fmt):  # the server then writes with ours
        return b"", b""
    return run_here(store, text, Limits(max_rows=None), info=info).serialize(fmt), serialized_here(
        store, text, info, fmt
    )


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_pyoxigraph_writes_the_same_bytes_as_our_writers_for_every_canned_query(fmt: str) -> None:
    """The server's quick path lets pyoxigraph write a repeated query's answer: it must be byte-identical."""
    from sco_kg.dataset import Source, cached_store
    from sco_kg.sparql import catalog

    store = cached_store(Source())
    compared = 0
    for q in catalog.all_queries():
        if q.federated:
            continue
        ours, theirs = _bytes_both(store, q.text, fmt)
        assert ours == theirs, q.name
        compared += 1
    assert compared >= 29


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_pyoxigraph_writes_the_same_bytes_on_awkward_terms(fmt: str) -> None:
    import pyoxigraph as ox

    store = ox.Store()
    store.load(
        b'<http://e.org/a> <http://e.org/p> "Hi"@EN-us , "x\\ty\\"z\\n"^^<http://e.org/dt> , _:b1 , 42 , "1.5e0"^^'
        b'<http://www.w3.org/2001/XMLSchema#double> , "plain" , <http://e.org/b?q=1&r=%3C> .\n',
        format=ox.RdfFormat.TURTLE,
    )
    for text in (
        "SELECT ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?o <http://e.org/q> ?none } } ORDER BY STR(?o)",
        "ASK { ?s ?p 42 }",
        "ASK { ?s ?p 43 }",  # (CSV, TSV: not by pyoxigraph)
        "SELECT * WHERE { ?s ?p ?o FILTER(false) }",
    ):
        ours, theirs = _bytes_both(store, text, fmt)
        assert ours == theirs, text
