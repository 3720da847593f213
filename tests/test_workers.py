"""Killable, memory-bounded, network-less workers (sco_kg.engine.workers; issue 13, "Isolation").

Runaway jobs here are stopped by the pool's own deadline or memory limit, and each test asserts a loose
elapsed-time bound, so a broken limit fails the test in seconds instead of hanging the suite (pytest-timeout
cannot interrupt native code). Job functions are module-level so they pickle by reference.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sco_kg.engine import workers
from sco_kg.engine.errors import MemoryLimitExceeded, PoolBusy, PoolClosed, WorkerDied
from sco_kg.engine.workers import WorkerPool, run_once
from sco_kg.errors import QueryError, QueryRejected, QueryTimeout

pytestmark = pytest.mark.skipif(not workers.FORK_AVAILABLE, reason="worker processes need fork (Linux)")

BOMB = "SELECT ?a ?b ?c WHERE { ?a ?p ?o . ?b ?q ?r . ?c ?x ?y } ORDER BY ?a ?b ?c"
REGEX_BOMB = 'SELECT ?x WHERE { BIND("' + "a" * 30 + '!" AS ?x) FILTER(REGEX(?x, "^(a+)+$")) }'
MiB = 1 << 20


# ---------------------------------------------------------------- jobs (run inside workers)


def echo(state: Any, payload: Any) -> tuple[Any, Any, int]:
    return state, payload, os.getpid()


def pid_of(state: Any, payload: Any) -> int:
    return os.getpid()


def nap(state: Any, seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def refuse(state: Any, message: str) -> None:
    raise QueryRejected(message)


def crash(state: Any, payload: Any) -> None:
    raise ValueError(payload)


def unpicklable(state: Any, payload: Any) -> Any:
    return lambda: None


def die(state: Any, payload: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def allocate(state: Any, mib: int) -> int:
    block = bytearray(mib * MiB)
    return len(block) // MiB


def state_size(state: Any, payload: Any) -> int:
    return len(state)


def warn(state: Any, payload: str) -> str:
    print(payload, file=sys.stderr)
    return payload


def ox_query(store: Any, text: str) -> int:
    return sum(1 for _ in store.query(text))


def rdflib_query(graph: Any, text: str) -> int:
    return len(list(graph.query(text)))


def connect(state: Any, port: int) -> str:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
            sock.sendall(b"GET /probe HTTP/1.0\r\n\r\n")
            reply = b"".join(iter(lambda: sock.recv(4096), b""))  # to EOF: the server closes after answering
            return "connected: " + reply.decode("latin-1").split("\r\n")[0]
    except OSError as exc:
        return f"refused: {exc}"


# ---------------------------------------------------------------- helpers


def rss() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def wait_gone(pid: int, within: float = 5.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if gone(pid):
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(lambda: {"loaded": "in parent"}, size=2, name="test") as p:
        yield p


@pytest.fixture(scope="module")
def ox_store() -> Any:
    ox = pytest.importorskip("pyoxigraph")
    store = ox.Store()
    for i in range(3000):
        graph = ox.DefaultGraph()
        subject, predicate = (
            ox.NamedNode(f"http://example.org/s{i % 400}"),
            ox.NamedNode(f"http://example.org/p{i % 9}"),
        )
        store.add(ox.Quad(subject, predicate, ox.Literal(f"value {i}"), graph))
    return store


@pytest.fixture
def loopback() -> Iterator[tuple[int, list[str]]]:
    """A SPARQL-ish HTTP server on 127.0.0.1 that counts hits (answers an empty JSON result)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            hits.append(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            body = json.dumps({"head": {"vars": []}, "results": {"bindings": []}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- results and errors


def test_job_runs_in_a_worker_on_the_parents_state(pool: WorkerPool) -> None:
    state, payload, pid = pool.run(echo, [1, "two"], timeout=5)
    assert state == {"loaded": "in parent"} and payload == [1, "two"]
    assert pid in pool.pids() and pid != os.getpid()


def test_init_in_worker_runs_after_the_fork() -> None:
    with WorkerPool(os.getpid, size=1, init_in="worker") as p:
        state, _, pid = p.run(echo, None, timeout=5)
    assert state == pid != os.getpid()


def test_errors_come_back_as_the_same_class(pool: WorkerPool) -> None:
    with pytest.raises(QueryRejected, match=r"^SERVICE is not allowed here$"):
        pool.run(refuse, "SERVICE is not allowed here", timeout=5)
    with pytest.raises(QueryError, match=r"^query failed: ValueError: bad input$"):
        pool.run(crash, "bad input", timeout=5)
    with pytest.raises(QueryError, match="result cannot be sent back"):
        pool.run(unpicklable, None, timeout=5)
    with pytest.raises(QueryError, match="job cannot be sent"):
        pool.run(echo, lambda: None, timeout=5)
    with pytest.raises(QueryError, match="positive number"):
        pool.run(echo, None, timeout=0)
    assert pool.replacements == 0  # none of these costs a worker
    assert pool.run(echo, 3, timeout=5)[1] == 3


def test_dead_worker_is_reported_and_replaced(pool: WorkerPool) -> None:
    before = set(pool.pids())
    with pytest.raises(WorkerDied, match=r"^the worker running the query was killed by SIGKILL .*; it was replaced$"):
        pool.run(die, None, timeout=5)
    after = set(pool.pids())
    assert len(after) == 2 and len(before - after) == 1 and wait_gone((before - after).pop())
    assert pool.run(echo, 1, timeout=5)[1] == 1


# ---------------------------------------------------------------- deadlines


@pytest.mark.slow
def test_timeout_kills_and_replaces_the_worker(pool: WorkerPool) -> None:
    before = set(pool.pids())
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"longer than 1 s"):
        pool.run(nap, 60, timeout=1)
    assert 0.9 < time.monotonic() - start < 10
    after = set(pool.pids())
    assert len(after) == 2 and len(before - after) == 1 and len(after - before) == 1
    assert wait_gone((before - after).pop())


@pytest.mark.slow
def test_timed_out_jobs_hold_no_capacity(pool: WorkerPool) -> None:
    errors: list[BaseException] = []

    def slow() -> None:
        try:
            pool.run(nap, 60, timeout=1)
        except QueryTimeout as exc:
            errors.append(exc)

    threads = [threading.Thread(target=slow) for _ in range(4)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(errors) == 4 and time.monotonic() - start < 10  # 2 rounds of 1 s
    start = time.monotonic()
    assert pool.run(echo, "quick", timeout=5)[1] == "quick"
    assert time.monotonic() - start < 1
    assert pool.replacements == 4


@pytest.mark.slow
def test_native_runaway_is_killed_on_deadline(ox_store: Any) -> None:
    with WorkerPool(lambda: ox_store, size=1, memory_limit=None) as p:
        start = time.monotonic()
        with pytest.raises(QueryTimeout, match=r"^query ran longer than [\d.]+ s and was stopped"):
            p.run(ox_query, "SELECT * WHERE { ?a ?p ?o . ?b ?q ?r . ?c ?x ?y }", timeout=1)
        assert time.monotonic() - start < 10
        assert p.run(ox_query, "SELECT * WHERE { ?s ?p ?o }", timeout=5) == 3000


@pytest.mark.slow
def test_rdflib_catastrophic_regex_is_killed_on_deadline() -> None:
    rdflib = pytest.importorskip("rdflib")
    graph = rdflib.Graph()
    with WorkerPool(lambda: graph, size=1) as p:
        assert p.run(rdflib_query, REGEX_BOMB.replace("a!", "a"), timeout=20) == 1  # the same query, matching
        start = time.monotonic()
        with pytest.raises(QueryTimeout, match=r"^query ran longer than [\d.]+ s and was stopped"):
            p.run(rdflib_query, REGEX_BOMB, timeout=1)
        assert time.monotonic() - start < 10


@pytest.mark.slow
def test_busy_pool_refuses_after_wait() -> None:
    with WorkerPool(lambda: None, size=1) as p:
        holder = threading.Thread(target=p.run, args=(nap, 2), kwargs={"timeout": 10})
        holder.start()
        time.sleep(0.3)
        with pytest.raises(PoolBusy, match="busy"):
            p.run(echo, None, timeout=5, wait=0.2)
        holder.join(10)
        assert p.run(echo, 7, timeout=5)[1] == 7


# ---------------------------------------------------------------- memory


@pytest.mark.slow
def test_memory_bomb_becomes_a_clear_error(ox_store: Any, capfd: pytest.CaptureFixture[str]) -> None:
    parent_before = rss()
    with WorkerPool(lambda: ox_store, size=1, memory_limit=256 * MiB, limit_hint="--memory-limit") as p:
        start = time.monotonic()
        with pytest.raises(MemoryLimitExceeded, match=r"memory limit \(256 MiB\).*raise --memory-limit"):
            p.run(ox_query, BOMB, timeout=20)
        assert time.monotonic() - start < 10
        assert p.run(ox_query, "SELECT * WHERE { ?s ?p ?o }", timeout=5) == 3000  # replaced, serving
        assert p.replacements == 1
        assert p.run(warn, "a warning from the job", timeout=5) == "a warning from the job"
        err, end = "", time.monotonic() + 5
        while "a warning from the job" not in err and time.monotonic() < end:  # forwarded by the spawner
            time.sleep(0.05)
            err += capfd.readouterr().err
    assert rss() - parent_before < 50 * MiB
    assert err == "a warning from the job\n"  # and no allocator abort note from the bomb


def private_dirty(state: Any, payload: Any) -> int:
    with open("/proc/self/smaps_rollup", encoding="ascii") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("Private_Dirty:"))


@pytest.mark.slow
def test_memory_limit_bounds_growth_not_inherited_state() -> None:
    big = bytearray(b"x" * (300 * MiB))  # loaded (and touched) in the parent: shared by fork, outside the allowance
    with WorkerPool(lambda: big, size=1, memory_limit=128 * MiB) as p:
        assert p.run(state_size, None, timeout=10) == 300 * MiB
        assert p.run(private_dirty, None, timeout=10) < 64 * MiB  # shared copy-on-write, not copied
        assert p.run(allocate, 64, timeout=10) == 64
        with pytest.raises(MemoryLimitExceeded, match="128 MiB"):
            p.run(allocate, 256, timeout=10)
        assert p.run(allocate, 64, timeout=10) == 64


# ---------------------------------------------------------------- asyncio


@pytest.mark.slow
def test_concurrent_run_async_all_answered_without_blocking_the_loop() -> None:
    async def main(p: WorkerPool) -> tuple[list[int], int, float]:
        ticks = 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        tick_task = asyncio.create_task(ticker())
        start = time.monotonic()
        pids = await asyncio.gather(*(p.run_async(nap, 0.25, timeout=10) for _ in range(8)))
        elapsed = time.monotonic() - start
        stop.set()
        await tick_task
        return list(pids), ticks, elapsed

    with WorkerPool(lambda: None, size=2) as p:
        pids, ticks, elapsed = asyncio.run(main(p))
        assert len(pids) == 8 and set(pids) == set(p.pids())  # all answered, by the two workers
        assert 0.9 < elapsed < 10  # 4 rounds of 0.25 s on 2 workers
        assert ticks > 10  # the event loop kept running meanwhile (a blocked loop ticks once or twice)


@pytest.mark.slow
def test_cancelled_async_job_kills_its_worker() -> None:
    async def main(p: WorkerPool) -> None:
        task = asyncio.create_task(p.run_async(nap, 60, timeout=60))
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError, match=r"^$"):  # a plain cancel() carries no message
            await task

    with WorkerPool(lambda: None, size=1) as p:
        (before,) = p.pids()
        asyncio.run(main(p))
        assert wait_gone(before)
        start = time.monotonic()
        assert p.run(echo, "next", timeout=5)[1] == "next"
        assert time.monotonic() - start < 5 and p.pids() != [before]


# ---------------------------------------------------------------- network


@pytest.mark.slow
def test_isolated_worker_cannot_reach_loopback(loopback: tuple[int, list[str]]) -> None:
    port, hits = loopback
    with WorkerPool(lambda: None, size=1, network=True) as p:  # control: the probe works when allowed
        assert p.run(connect, port, timeout=10).startswith("connected: HTTP/1.0 200")
    assert hits == ["/probe"]
    with WorkerPool(lambda: None, size=1) as p:
        if not p.network_isolated:
            pytest.skip(p.network_reason)
        assert p.run(connect, port, timeout=10).startswith("refused:")
    assert hits == ["/probe"]


@pytest.mark.slow
def test_isolated_pyoxigraph_service_makes_no_hit(ox_store: Any, loopback: tuple[int, list[str]]) -> None:
    port, hits = loopback
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/internal> {{ ?s ?p ?o }} }}"
    with WorkerPool(lambda: ox_store, size=1, network=True) as p:  # control: pyoxigraph does call out
        assert p.run(ox_query, query, timeout=20) == 0
    assert hits == ["/internal"]
    with WorkerPool(lambda: ox_store, size=1) as p:
        if not p.network_isolated:
            pytest.skip(p.network_reason)
        with pytest.raises(QueryError, match="query failed"):
            p.run(ox_query, query, timeout=20)
    assert hits == ["/internal"]


def test_probe_reports_isolation() -> None:
    isolated, reason = workers.probe_network_isolation()
    assert reason.startswith("workers run in their own") if isolated else reason.startswith("workers HAVE network")


# ---------------------------------------------------------------- run_once (the CLI) and the fallback


@pytest.mark.slow
def test_run_once_limits(ox_store: Any, loopback: tuple[int, list[str]], capfd: pytest.CaptureFixture[str]) -> None:
    state, payload, pid = run_once(echo, 1, timeout=5, state="inherited")
    assert (state, payload) == ("inherited", 1) and pid != os.getpid()
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"^query ran longer than [\d.]+ s and was stopped"):
        run_once(nap, 60, timeout=1)
    assert time.monotonic() - start < 10
    with pytest.raises(MemoryLimitExceeded, match="256 MiB"):
        run_once(ox_query, BOMB, timeout=20, memory_limit=256 * MiB, state=ox_store)
    assert time.monotonic() - start < 15
    assert run_once(warn, "a warning from the job", timeout=5) == "a warning from the job"
    assert capfd.readouterr().err == "a warning from the job\n"  # no allocator abort note from the bomb
    with pytest.raises(QueryRejected, match=r"^no$"):
        run_once(refuse, "no", timeout=5)
    port, hits = loopback
    outcome = run_once(connect, port, timeout=10)
    assert outcome.startswith("refused:" if workers.probe_network_isolation()[0] else "connected:")
    assert run_once(connect, port, timeout=10, network=True).startswith("connected:")
    assert len(hits) == (1 if outcome.startswith("refused:") else 2)


@pytest.mark.slow
def test_thread_fallback_still_times_out() -> None:
    with WorkerPool(lambda: "S", size=1, _use_fork=False) as p:
        assert not p.network_isolated and "no fork" in p.network_reason
        assert p.run(echo, 1, timeout=5) == ("S", 1, os.getpid())
        start = time.monotonic()
        with pytest.raises(QueryTimeout, match=r"^query ran longer than [\d.]+ s and was stopped"):
            p.run(nap, 3, timeout=0.5)
        assert time.monotonic() - start < 2
        with pytest.raises(QueryRejected, match=r"^no$"):
            p.run(refuse, "no", timeout=5)


def failing_init() -> None:
    raise OSError("store not found: /nowhere")


@pytest.mark.slow
def test_failed_init_and_closed_pool_are_clear_errors() -> None:
    with pytest.raises(PoolClosed, match=r"could not start \(OSError: store not found: /nowhere\)"):
        WorkerPool(failing_init, size=1)
    with pytest.raises(PoolClosed, match="could not start"):
        WorkerPool(failing_init, size=1, init_in="worker")
    p = WorkerPool(lambda: None, size=1)
    (pid,) = p.pids()
    holder: list[BaseException] = []

    def long_job() -> None:
        try:
            p.run(nap, 60, timeout=60)
        except PoolClosed as exc:
            holder.append(exc)

    thread = threading.Thread(target=long_job)
    thread.start()
    time.sleep(0.3)
    p.close()
    thread.join(10)
    assert len(holder) == 1 and "closed while the query ran" in str(holder[0])
    assert wait_gone(pid)
    with pytest.raises(PoolClosed, match="closed"):
        p.run(echo, None, timeout=5)


@pytest.mark.slow
def test_refused_isolation_is_reported(monkeypatch: pytest.MonkeyPatch, loopback: tuple[int, list[str]]) -> None:
    from sco_kg.engine import _child

    monkeypatch.setattr(_child, "_CLONE_NEWNET", 0x40000001)  # + a signal bit: EINVAL, as where refused
    port, hits = loopback
    with WorkerPool(lambda: None, size=1) as p:
        assert not p.network_isolated
        assert p.network_reason.startswith("workers HAVE network: unshare(CLONE_NEWNET) failed (Invalid argument)")
        assert p.run(connect, port, timeout=10).startswith("connected:")
    assert hits == ["/probe"]


def leak(state: Any, mib: int) -> int:
    state.append(bytearray(mib * MiB))  # kept: the worker ends the job that much bigger
    return os.getpid()


def test_worker_that_stays_big_retires() -> None:
    with WorkerPool(list, size=1, memory_limit=128 * MiB) as p:
        first = p.run(leak, 10, timeout=10)
        assert p.run(pid_of, None, timeout=10) == first  # small growth: the same worker goes on
        assert p.run(leak, 80, timeout=10) == first  # answered, then retired: > half the allowance kept
        assert p.run(pid_of, None, timeout=10) != first and wait_gone(first)


@pytest.mark.slow
def test_many_open_descriptors_in_the_parent() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"cannot open 1100 descriptors (hard limit {hard})")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    fds = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]  # a busy server: sockets above FD_SETSIZE
    try:
        with WorkerPool(lambda: None, size=1) as p:
            assert p.run(echo, 1, timeout=5)[1] == 1
            with pytest.raises(QueryTimeout, match=r"^query ran longer than [\d.]+ s and was stopped"):
                p.run(nap, 60, timeout=0.5)
            with pytest.raises(WorkerDied, match=r"^the worker running the query was killed by SIGKILL"):
                p.run(die, None, timeout=5)
            assert p.run(echo, 2, timeout=5)[1] == 2
    finally:
        for fd in fds:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
