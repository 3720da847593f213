"""Issue 13's attacks on a live server: a memory bomb, runaway queries, an expensive body, a name too long.

Each runs ``sco-kg serve`` in a subprocess (tests/conftest.py ``serve_subprocess``) and talks HTTP to it on
127.0.0.1, so the server's own process is measured (its RSS from /proc) and a hang fails on the client's
timeout instead of hanging the suite.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import serve_subprocess

BOMB = "SELECT ?a ?b ?c WHERE { ?a ?p ?o . ?b ?q ?r . ?c ?x ?y } ORDER BY ?a ?b ?c"
#: how much the server process itself may grow while a bomb runs in a worker (the worker's limit is 256 MiB)
SERVER_GROWTH_BOUND = 64 << 20


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _get(base: str, path: str, timeout: float = 30) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _sparql(base: str, text: str, timeout: float = 30) -> tuple[int, str]:
    return _get(base, "sparql?" + urllib.parse.urlencode({"query": text}), timeout)


pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")


def test_memory_bomb_is_stopped_in_its_worker_and_the_server_stays_small() -> None:
    with serve_subprocess("--memory-limit", "256M", "--timeout", "30", "--workers", "2") as (proc, base):
        before = _rss(proc.pid)
        answer: dict[str, tuple[int, str]] = {}
        worker = threading.Thread(target=lambda: answer.setdefault("bomb", _sparql(base, BOMB, timeout=60)))
        worker.start()
        peak = before
        while worker.is_alive():
            peak = max(peak, _rss(proc.pid))
            time.sleep(0.02)
        status, text = answer["bomb"]
        assert status == 422, text
        assert "memory limit (256 MiB)" in text and "\n" not in text.strip()
        assert peak - before < SERVER_GROWTH_BOUND, (before, peak)
        assert _sparql(base, "ASK {}")[0] == 200  # the pool replaced the worker


def test_timed_out_queries_free_their_workers_at_once() -> None:
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?r . ?c ?x ?y }"
    with serve_subprocess("--timeout", "0.5", "--workers", "2") as (_, base):
        statuses = [_sparql(base, runaway)[0] for _ in range(4)]
        assert statuses == [504, 504, 504, 504]
        together: list[int] = []  # four at once on two workers: each is stopped or turned away, none hangs
        threads = [threading.Thread(target=lambda: together.append(_sparql(base, runaway)[0])) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(together) == 4 and set(together) <= {503, 504}
        started = time.monotonic()
        status, text = _sparql(base, "ASK {}")
        assert status == 200 and '"boolean":true' in text.replace(" ", "")
        assert time.monotonic() - started < 1  # issue 13: a simple query is answered within 1 s


def test_an_expensive_body_does_not_stall_other_pages() -> None:
    """The gate parses in a worker thread, never on the event loop: the home page answers while it works."""
    values = " ".join(f"<https://w3id.org/sco-kg/id/x{i}>" for i in range(2200))  # about 64 KB
    body = f"SELECT * WHERE {{ VALUES ?x {{ {values} }} ?x ?p ?o }}".encode()
    with serve_subprocess("--timeout", "30") as (_, base):
        done: dict[str, float] = {}

        def post() -> None:
            req = urllib.request.Request(
                base + "sparql", data=body, headers={"Content-Type": "application/sparql-query"}
            )
            with urllib.request.urlopen(req, timeout=60) as r:
                assert r.status == 200
            done["big"] = time.monotonic()

        big = threading.Thread(target=post)
        big.start()
        time.sleep(0.05)
        status, _ = _get(base, "")
        done["home"] = time.monotonic()
        big.join()
        assert status == 200
        assert done["home"] < done["big"]  # answered while the big query was being checked


def test_over_long_query_name_is_404_on_the_server_and_exit_2_on_the_cli(tmp_path: Path) -> None:
    from tests.security._helpers import run_cli

    name = "x" * 300
    with serve_subprocess() as (_, base):
        assert _get(base, f"queries/{name}")[0] == 404
        assert _get(base, "query?" + urllib.parse.urlencode({"name": name}))[0] == 404
    proc = run_cli("query", name, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "unknown query" in proc.stderr and "Traceback" not in proc.stderr
