"""Benchmark: ``/sparql`` of ``sco-kg serve`` against ``oxigraph serve-read-only`` on the same quads (issue 6).

A bounded loopback load: ``--requests`` GET requests (default 2,000) of one simple SELECT, ``--concurrency``
keep-alive connections (default 8), from an asyncio client in this process (a raw HTTP/1.1 client, so that the
client costs as little as Python allows; it shares the two cores with the server, see PERFORMANCE.md). Both
servers get the materialised dataset (asserted + inferred N-Quads) and answer SPARQL JSON; the two servers are
measured in alternating rounds so that a noisy minute hits both. Reports req/s and p50/p90/p99 latency per
server, writes ``bench/out/endpoint.json``.

Usage::

    python -m bench.endpoint                 # 2,000 requests x 3 rounds, 8 concurrent
    python -m bench.endpoint --smoke         # 200 requests, 1 round (what CI's smoke test runs)
"""

from __future__ import annotations

import argparse
import asyncio
import json
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


async def _load(port: int, path: str, requests: int, concurrency: int) -> dict[str, Any]:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/sparql-results+json\r\n"
        "Connection: keep-alive\r\n\r\n"
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
        "answer": json.loads(sample),
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


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; return 0."""
    ap = argparse.ArgumentParser(prog="python -m bench.endpoint", description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=2000, help="requests per round and server (default 2000)")
    ap.add_argument("--concurrency", type=int, default=8, help="keep-alive connections (default 8)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per server (default 3)")
    ap.add_argument("--smoke", action="store_true", help="200 requests, one round")
    args = ap.parse_args(argv)
    if args.smoke:
        args.requests, args.rounds = 200, 1

    nquads = closure.materialized_path([])
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    path = "/sparql?" + urllib.parse.urlencode({"query": QUERY})
    results: dict[str, list[dict[str, Any]]] = {"sco-kg serve": [], "oxigraph serve-read-only": []}
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
            _wait(f"http://127.0.0.1:{p_sco}{path}", sco)
            _wait(f"http://127.0.0.1:{p_ox}/query?{urllib.parse.urlencode({'query': QUERY})}", ox)
            targets = {
                "sco-kg serve": (p_sco, path),
                "oxigraph serve-read-only": (p_ox, path.replace("/sparql", "/query")),
            }
            for port, target in targets.values():  # warm-up
                asyncio.run(_load(port, target, 100, args.concurrency))
            for _ in range(args.rounds):
                for name, (port, target) in targets.items():
                    results[name].append(asyncio.run(_load(port, target, args.requests, args.concurrency)))
        finally:
            _stop(sco)
            _stop(ox)
    answers = {
        name: sorted(b["label"]["value"] for b in runs[0]["answer"]["results"]["bindings"])
        for name, runs in results.items()
    }
    if len(set(map(tuple, answers.values()))) != 1:
        raise SystemExit(f"the servers disagree: {answers}")
    summary = {}
    for name, runs in results.items():
        best = max(runs, key=lambda r: r["req_per_s"])
        summary[name] = {
            "req_per_s_median": statistics.median(r["req_per_s"] for r in runs),
            "req_per_s_best": best["req_per_s"],
            "p50_ms_median": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms_median": statistics.median(r["p99_ms"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
        }
    ratio = summary["oxigraph serve-read-only"]["req_per_s_median"] / summary["sco-kg serve"]["req_per_s_median"]
    rows = [
        [
            name,
            f"{s['req_per_s_median']:.0f}",
            f"{s['p50_ms_median']:.1f}",
            f"{s['p99_ms_median']:.1f}",
            str(s["errors"]),
        ]
        for name, s in summary.items()
    ]
    print(f"/sparql, {args.requests} requests x {args.rounds} rounds, {args.concurrency} concurrent, loopback:")
    print(markdown_table(["server", "req/s (median)", "p50 ms", "p99 ms", "errors"], rows))
    print(f"oxigraph serve-read-only / sco-kg serve throughput: {ratio:.2f}x")
    for runs in results.values():
        for r in runs:
            r.pop("answer")
    write_report(OUT / "endpoint.json", {
        "query": QUERY, "requests": args.requests, "rounds": args.rounds, "concurrency": args.concurrency,
        "summary": summary, "ratio_oxigraph_over_sco_kg": ratio, "runs": results, "answer": answers,
        "environment": environment(),
    })  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
