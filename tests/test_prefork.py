"""``sco-kg serve``'s worker processes (issue 14): they answer HTTP themselves, are replaced when a query
overruns or when they die, have no network, and go when the supervisor goes. Plus the QueryGuard and the
``GET /sparql`` fast path in one process.

The live tests start ``sco-kg serve`` on 127.0.0.1 (tests/conftest.py ``serve_subprocess``) and find its
workers in /proc (the children of the supervisor).
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

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
        for pid in workers:  # an empty namespace: even a SERVICE call made in Rust reaches nothing
            assert os.readlink(f"/proc/{pid}/ns/net") != own
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
