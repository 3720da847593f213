"""Load test: a bounded mix of requests against ``sco-kg serve`` on loopback (issue 9).

Starts ``sco-kg serve`` on a free 127.0.0.1 port, warms every URL of the mix once, then sends ``--requests``
requests (default 20,000) from ``--concurrency`` keep-alive connections (default 32; one thread each) and stops.
The mix, drawn with a fixed seed: canned queries (``/queries/NAME``, JSON results), resource pages
(``/id/...`` as Turtle, JSON-LD or HTML) and SPARQL requests (GET and POST: SELECT with LIMIT, ASK, CONSTRUCT,
DESCRIBE). Every request of the mix is valid, so every answer must be 2xx. Reports throughput, p50/p90/p99/max
latency (overall and per kind), the count of non-2xx answers and of transport errors, and the server's resident
memory (``VmRSS``) after the warm-up and at the end. Exits 1 if any answer was not 2xx. Writes
``bench/out/load.json``.

Usage::

    python -m bench.load                          # 20,000 requests, 32 connections
    python -m bench.load --requests 600 --concurrency 8   # what tests/test_load.py runs
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._util import OUT, environment, markdown_table, sco_kg_command, write_report
from sco_kg.sparql import catalog

BASE = "https://w3id.org/sco-kg/"
SPARQL = [
    "SELECT ?s ?label WHERE { ?s a <https://w3id.org/sco-kg/ontology/State> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label",
    "ASK { <https://w3id.org/sco-kg/id/organization/sco> ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "CONSTRUCT WHERE { <https://w3id.org/sco-kg/id/document/declaration-2001> ?p ?o }",
    "DESCRIBE <https://w3id.org/sco-kg/id/state/china>",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 100",
]


@dataclass(frozen=True)
class Req:
    """One request of the mix."""

    kind: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class Outcome:
    """What happened to the requests of one kind."""

    latencies: list[float] = field(default_factory=list)
    non_2xx: int = 0
    errors: int = 0
    examples: list[str] = field(default_factory=list)


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    """Return the resident set size of process ``pid`` in KiB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def _get(port: int, path: str, accept: str = "application/sparql-results+json") -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET {path}: {resp.status} {body[:200]!r}")
        return body
    finally:
        conn.close()


def start_server(port: int, extra: Sequence[str] = ()) -> subprocess.Popen[bytes]:
    """Start ``sco-kg serve`` on ``port`` and return once it answers ``ASK {}``."""
    proc = subprocess.Popen(
        [*sco_kg_command(), "serve", "--port", str(port), "--quiet", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sco-kg serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            _get(port, "/sparql?query=" + urllib.parse.quote("ASK {}"))
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("sco-kg serve did not answer within 120 s")


def build_mix(port: int, count: int, seed: int) -> list[Req]:
    """Return ``count`` requests: 30 % canned queries, 40 % resource pages, 30 % SPARQL (GET and POST)."""

    canned = [q.name for q in catalog.all_queries() if not q.federated]
    rows = json.loads(_get(port, "/sparql?query=" + urllib.parse.quote(
        f"SELECT DISTINCT ?s WHERE {{ ?s a ?c FILTER(STRSTARTS(STR(?s), '{BASE}id/')) }} ORDER BY ?s LIMIT 300"
    )))["results"]["bindings"]  # fmt: skip
    resources = ["/" + r["s"]["value"][len(BASE) :] for r in rows]
    rng = random.Random(seed)
    accepts = ["text/turtle", "application/ld+json", "text/html"]
    mix: list[Req] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.3:
            mix.append(Req("canned", "GET", f"/queries/{rng.choice(canned)}",
                           {"Accept": "application/sparql-results+json"}))  # fmt: skip
        elif roll < 0.7:
            path = urllib.parse.quote(rng.choice(resources), safe="/-._~!$&'()*+,;=:@")
            mix.append(Req("resource", "GET", path, {"Accept": rng.choice(accepts)}))
        else:
            text = rng.choice(SPARQL)
            accept = "text/turtle" if text.startswith(("CONSTRUCT", "DESCRIBE")) else "application/sparql-results+json"
            if rng.random() < 0.5:
                mix.append(Req("sparql", "GET", "/sparql?query=" + urllib.parse.quote(text), {"Accept": accept}))
            else:
                mix.append(Req("sparql", "POST", "/sparql", {"Accept": accept,
                               "Content-Type": "application/sparql-query"}, text.encode()))  # fmt: skip
    return mix


def _worker(port: int, jobs: list[Req], outcomes: dict[str, Outcome], lock: threading.Lock) -> None:
    conn: http.client.HTTPConnection | None = None
    local: dict[str, Outcome] = {}
    for req in jobs:
        out = local.setdefault(req.kind, Outcome())
        start = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request(req.method, req.path, body=req.body, headers=req.headers)
            resp = conn.getresponse()
            resp.read()
            out.latencies.append(time.perf_counter() - start)
            if not 200 <= resp.status < 300:
                out.non_2xx += 1
                if len(out.examples) < 5:
                    out.examples.append(f"{req.method} {req.path[:120]} -> {resp.status}")
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            out.errors += 1
            if len(out.examples) < 5:
                out.examples.append(f"{req.method} {req.path[:120]} -> {type(exc).__name__}: {exc}")
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()
    with lock:
        for kind, out in local.items():
            total = outcomes.setdefault(kind, Outcome())
            total.latencies += out.latencies
            total.non_2xx += out.non_2xx
            total.errors += out.errors
            total.examples += out.examples[: 5 - len(total.examples)]


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": 0.0, "p90_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    qs = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [values[0]] * 99
    return {"p50_ms": qs[49] * 1e3, "p90_ms": qs[89] * 1e3, "p99_ms": qs[98] * 1e3, "max_ms": max(values) * 1e3}


def run_load(requests: int = 20_000, concurrency: int = 32, seed: int = 9, port: int | None = None) -> dict[str, Any]:
    """Start a server, send the mix, stop the server; return the report (see the module docstring)."""
    port = port or free_port()
    proc = start_server(port)
    try:
        mix = build_mix(port, requests, seed)
        for req in {(r.method, r.path, r.headers.get("Accept", ""), r.body): r for r in mix}.values():
            _worker(port, [req], {}, threading.Lock())  # warm every distinct request once
        rss_before = rss_kib(proc.pid)
        outcomes: dict[str, Outcome] = {}
        lock = threading.Lock()
        shards = [mix[i::concurrency] for i in range(concurrency)]
        threads = [threading.Thread(target=_worker, args=(port, s, outcomes, lock)) for s in shards]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - start
        rss_after = rss_kib(proc.pid)
        alive = proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    everything = [x for o in outcomes.values() for x in o.latencies]
    return {
        "requests": requests,
        "concurrency": concurrency,
        "seconds": seconds,
        "throughput_rps": requests / seconds if seconds else 0.0,
        **_percentiles(everything),
        "non_2xx": sum(o.non_2xx for o in outcomes.values()),
        "errors": sum(o.errors for o in outcomes.values()),
        "examples": [e for o in outcomes.values() for e in o.examples],
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "rss_growth_kib": rss_after - rss_before,
        "server_alive": alive,
        "by_kind": {
            kind: {
                "count": len(o.latencies) + o.errors,
                "non_2xx": o.non_2xx,
                "errors": o.errors,
                **_percentiles(o.latencies),
            }
            for kind, o in sorted(outcomes.items())
        },
        "environment": environment(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print its tables; return 1 if any valid request got a non-2xx answer."""
    ap = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=20_000, help="requests to send (default 20000)")
    ap.add_argument("--concurrency", type=int, default=32, help="keep-alive connections (default 32)")
    ap.add_argument("--seed", type=int, default=9, help="seed of the request mix")
    ap.add_argument("--out", type=Path, default=OUT / "load.json", help="JSON report (default bench/out/load.json)")
    args = ap.parse_args(argv)
    report = run_load(args.requests, args.concurrency, args.seed)
    write_report(args.out, report)
    print(markdown_table(
        ["requests", "concurrency", "seconds", "req/s", "p50 ms", "p99 ms", "max ms", "non-2xx", "errors",
         "RSS before", "RSS after"],
        [[report["requests"], report["concurrency"], f"{report['seconds']:.1f}", f"{report['throughput_rps']:.0f}",
          f"{report['p50_ms']:.1f}", f"{report['p99_ms']:.1f}", f"{report['max_ms']:.0f}", report["non_2xx"],
          report["errors"], f"{report['rss_before_kib'] / 1024:.1f} MiB", f"{report['rss_after_kib'] / 1024:.1f} MiB"]],
    ))  # fmt: skip
    print()
    print(markdown_table(
        ["kind", "count", "p50 ms", "p90 ms", "p99 ms", "non-2xx", "errors"],
        [[k, v["count"], f"{v['p50_ms']:.1f}", f"{v['p90_ms']:.1f}", f"{v['p99_ms']:.1f}", v["non_2xx"], v["errors"]]
         for k, v in report["by_kind"].items()],
    ))  # fmt: skip
    for example in report["examples"]:
        print("  " + example, file=sys.stderr)
    return 0 if report["non_2xx"] == 0 and report["errors"] == 0 and report["server_alive"] else 1


if __name__ == "__main__":
    sys.exit(main())
