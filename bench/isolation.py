"""The cost of running a query in a killable worker: the same queries inline, in a forked child (the CLI and
API default), and in a worker pool (the server), interleaved in one run.

``python -m bench.isolation [--runs N]`` prints the median per query of each way and the difference.
"""

from __future__ import annotations

import argparse
import statistics
import time

QUERIES = {
    "ASK": "ASK { ?s ?p ?o }",
    "signatories": "",
}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per way of running; return 0."""
    import asyncio

    from sco_kg.dataset import cached_store
    from sco_kg.engine.limits import Limits
    from sco_kg.engine.run import run, run_canned, run_in_pool
    from sco_kg.engine.workers import WorkerPool
    from sco_kg.sparql import catalog
    from sco_kg.sparql.params import bind_params

    ap = argparse.ArgumentParser(prog="python -m bench.isolation", description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=200, help="queries of each kind and way (default 200)")
    args = ap.parse_args(argv)
    store = cached_store()
    q = catalog.get("signatories")
    bindings = bind_params(q, {})
    ways = {
        "inline": Limits(isolation="none"),
        "forked child (CLI, API)": Limits(isolation="process"),
    }
    pool = WorkerPool(lambda: store, size=2, name="bench-isolation")
    times: dict[str, list[float]] = {name: [] for name in [*ways, "worker pool (server)"]}

    async def pooled(text: str, trusted: bool) -> None:
        await run_in_pool(pool, text, Limits(), bindings=bindings if trusted else None, trusted=trusted)

    for _ in range(args.runs):
        for name, limits in ways.items():
            t = time.perf_counter()
            run("ASK { ?s ?p ?o }", limits=limits, target=store)
            run_canned("signatories", limits=limits, target=store)
            times[name].append(time.perf_counter() - t)
        t = time.perf_counter()
        asyncio.run(pooled("ASK { ?s ?p ?o }", False))
        asyncio.run(pooled(q.text, True))
        times["worker pool (server)"].append(time.perf_counter() - t)
    pool.close()
    base = statistics.median(times["inline"])
    print(f"median of {args.runs} runs of (ASK + the signatories canned query), same process, interleaved:")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"  {name:26} {med * 1000:7.2f} ms   (+{(med - base) * 1000:.2f} ms over inline)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
