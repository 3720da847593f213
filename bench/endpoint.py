"""Benchmark: ``/sparql`` of ``sco-kg serve`` against ``oxigraph serve-read-only`` on the same quads (issue 14).

ApacheBench (Debian ``apache2-utils``), as the issue measures it: ``--requests`` GET requests (default 2,000)
at ``--concurrency`` 8, a new connection per request (ab's default), for each scenario and server, the two
servers in alternating rounds so that a noisy minute hits both. Both servers get the materialised dataset
(asserted + inferred N-Quads) and answer SPARQL JSON; ``sco-kg serve`` runs as shipped, with its isolation on
(worker processes, deadline, memory limit, no network). Scenarios:

* ``simple``: one triple pattern (the labels of Kazakhstan), 3 rows;
* ``join``: states, heads of state and their English labels, 6 rows (a 4-pattern join with a filter);
* ``canned page``: ``/queries/signatories``, the HTML page of a canned query (sco-kg only: Oxigraph has none).

Before anything is timed, both servers' answers to each query are compared (the same rows). Without ``ab`` on
PATH, an asyncio keep-alive client in this process stands in (said in the report). Reports req/s, p50/p99
latency (ms) per scenario and server and the ratios; writes ``bench/out/endpoint.json``.

Usage::

    python -m bench.endpoint                 # 2,000 requests x 3 rounds per scenario, 8 concurrent
    python -m bench.endpoint --smoke         # 200 requests, 1 round (what CI's smoke test runs)
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench._util import OUT, environment, markdown_table, sco_kg_command, write_report
from sco_kg.reasoning import materialize as closure

QUERY = (
    "SELECT ?label WHERE { <https://w3id.org/sco-kg/id/state/kazakhstan> "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"
)
JOIN = (
    "PREFIX sco: <https://w3id.org/sco-kg/ontology/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?state ?label ?head ?headLabel WHERE { ?state a sco:State ; sco:hasHeadOfState ?head ; "
    'rdfs:label ?label . ?head rdfs:label ?headLabel . FILTER(lang(?label) = "en" && lang(?headLabel) = "en") } '
    "ORDER BY ?label"
)
JSON_ACCEPT = "application/sparql-results+json"
SCO, OX = "sco-kg serve", "oxigraph serve-read-only"


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return status, bytes(body)
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    raise RuntimeError("response without Content-Length or chunked encoding")


async def _load(port: int, path: str, requests: int, concurrency: int, accept: str) -> dict[str, Any]:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: {accept}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    errors = 0
    remaining = [requests]
    sample: bytes = b""

    async def worker() -> None:
        nonlocal errors, sample
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while remaining[0] > 0:
                remaining[0] -= 1
                start = time.perf_counter()
                writer.write(request)
                status, body = await _read_response(reader)
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    errors += 1
                sample = body
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e3

    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": elapsed,
        "req_per_s": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(latencies) * 1e3,
        "answer": sample,
    }


def _wait(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not answer within {seconds} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _ab(url: str, requests: int, concurrency: int, accept: str) -> dict[str, Any]:
    """One ApacheBench run: req/s, p50/p99 (ms, from ab's percentile table) and errors."""
    with tempfile.NamedTemporaryFile(suffix=".csv") as table:
        proc = subprocess.run(
            ["ab", "-q", "-n", str(requests), "-c", str(concurrency), "-H", f"Accept: {accept}", "-e", table.name, url],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise SystemExit(f"ab failed on {url}: {proc.stderr.strip()[-300:]}")
        rows = list(csv.reader(Path(table.name).read_text().splitlines()[1:]))
    percentile = {int(float(p)): float(ms) for p, ms in rows}

    def number(pattern: str) -> float:
        m = re.search(pattern, proc.stdout)
        return float(m.group(1)) if m else 0.0

    return {
        "requests": requests,
        "errors": int(number(r"Failed requests:\s+(\d+)") + number(r"Non-2xx responses:\s+(\d+)")),
        "req_per_s": number(r"Requests per second:\s+([\d.]+)"),
        "p50_ms": percentile[50],
        "p99_ms": percentile[99],
    }


def _fallback(url: str, requests: int, concurrency: int, accept: str) -> dict[str, Any]:
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    out = asyncio.run(_load(parts.port or 80, path, requests, concurrency, accept))
    out.pop("answer", None)
    return out


def _rows(url: str) -> list[tuple[str, ...]]:
    req = urllib.request.Request(url, headers={"Accept": JSON_ACCEPT})
    with urllib.request.urlopen(req, timeout=30) as r:
        data = json.loads(r.read())
    names = data["head"]["vars"]
    return sorted(tuple(b.get(v, {}).get("value", "") for v in names) for b in data["results"]["bindings"])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables; return 0."""
    ap = argparse.ArgumentParser(prog="python -m bench.endpoint", description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=2000, help="requests per round, scenario and server (default 2000)")
    ap.add_argument("--concurrency", type=int, default=8, help="concurrent requests (default 8)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per server (default 3)")
    ap.add_argument("--smoke", action="store_true", help="200 requests, one round")
    args = ap.parse_args(argv)
    if args.smoke:
        args.requests, args.rounds = 200, 1
    client = "ApacheBench" if shutil.which("ab") else "asyncio keep-alive client (ab not found)"
    load = _ab if shutil.which("ab") else _fallback

    nquads = closure.materialized_path([])
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    answers: dict[str, dict[str, list[tuple[str, ...]]]] = {}
    with tempfile.TemporaryDirectory(prefix="sco-kg-bench-") as tmp:
        subprocess.run([oxigraph, "load", "--location", tmp, "--file", str(nquads)], check=True, capture_output=True)
        p_sco, p_ox = free_port(), free_port()
        sco = subprocess.Popen(
            [*sco_kg_command(), "serve", "--port", str(p_sco), "--quiet"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        ox = subprocess.Popen(
            [oxigraph, "serve-read-only", "--location", tmp, "--bind", f"127.0.0.1:{p_ox}", "--union-default-graph"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = {SCO: f"http://127.0.0.1:{p_sco}/sparql", OX: f"http://127.0.0.1:{p_ox}/query"}
            _wait(f"{base[SCO]}?{urllib.parse.urlencode({'query': QUERY})}", sco)
            _wait(f"{base[OX]}?{urllib.parse.urlencode({'query': QUERY})}", ox)
            scenarios: dict[str, dict[str, tuple[str, str]]] = {}
            for name, text in (("simple", QUERY), ("join", JOIN)):
                urls = {server: f"{b}?{urllib.parse.urlencode({'query': text})}" for server, b in base.items()}
                answers[name] = {server: _rows(url) for server, url in urls.items()}
                if answers[name][SCO] != answers[name][OX] or not answers[name][SCO]:
                    raise SystemExit(f"the servers disagree on {name}: {answers[name]}")
                scenarios[name] = {server: (url, JSON_ACCEPT) for server, url in urls.items()}
            scenarios["canned page"] = {SCO: (f"http://127.0.0.1:{p_sco}/queries/signatories", "text/html")}
            for name, targets in scenarios.items():
                results[name] = {server: [] for server in targets}
                for url, accept in targets.values():  # warm-up (each worker learns the query)
                    load(url, 200, args.concurrency, accept)
                for _ in range(args.rounds):
                    for server, (url, accept) in targets.items():
                        results[name][server].append(load(url, args.requests, args.concurrency, accept))
        finally:
            _stop(sco)
            _stop(ox)
    summary: dict[str, dict[str, dict[str, float]]] = {}
    rows = []
    for name, servers in results.items():
        summary[name] = {}
        for server, runs in servers.items():
            s = summary[name][server] = {
                "req_per_s_median": statistics.median(r["req_per_s"] for r in runs),
                "p50_ms_median": statistics.median(r["p50_ms"] for r in runs),
                "p99_ms_median": statistics.median(r["p99_ms"] for r in runs),
                "errors": sum(r["errors"] for r in runs),
            }
            rows.append([name, server, f"{s['req_per_s_median']:.0f}", f"{s['p50_ms_median']:.1f}",
                         f"{s['p99_ms_median']:.1f}", str(s["errors"])])  # fmt: skip
    ratios = {
        name: {
            "throughput_sco_over_oxigraph": s[SCO]["req_per_s_median"] / s[OX]["req_per_s_median"],
            "p99_sco_over_oxigraph": s[SCO]["p99_ms_median"] / max(s[OX]["p99_ms_median"], 1e-9),
        }
        for name, s in summary.items()
        if OX in s
    }
    print(f"/sparql, {args.requests} requests x {args.rounds} rounds, {args.concurrency} concurrent, {client}:")
    print(markdown_table(["scenario", "server", "req/s (median)", "p50 ms", "p99 ms", "errors"], rows))
    for name, r in ratios.items():
        print(f"{name}: sco-kg serve / oxigraph throughput {r['throughput_sco_over_oxigraph']:.2f}x, "
              f"p99 {r['p99_sco_over_oxigraph']:.2f}x")  # fmt: skip
    write_report(OUT / "endpoint.json", {
        "queries": {"simple": QUERY, "join": JOIN}, "requests": args.requests, "rounds": args.rounds,
        "concurrency": args.concurrency, "client": client, "summary": summary, "ratios": ratios, "runs": results,
        "answers": answers, "environment": environment(),
    })  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
