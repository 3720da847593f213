"""Benchmark 2: fresh OWL 2 RL inference on the declaration graph, owlrl vs `reasonable`, vs the cached load.

Measured in one process, the reasoners interleaved run by run (``--runs`` times each, after one warm-up):

* ``owlrl``: :func:`sco_kg.engines.compute_closure` with owlrl 7.x, the reference (filter included);
* ``reasonable``: the same with `reasonable` + the SPARQL completion rules (prp-spo2 from the ontology's
  chain axioms, scm-spo, scm-dom1/2, scm-rng1/2) run to a fixpoint on pyoxigraph (filter included);
* ``cache load``: what a reader pays instead: hash check of the inputs + manifest, and loading the
  materialised N-Quads into pyoxigraph (:func:`sco_kg.store.open_store`), and into rdflib
  (:func:`sco_kg.load.load` with inference, which adds ``scog:inferred`` from the artifact);
* ``recompute``: a whole rebuild of the materialised dataset into a fresh cache (parse with rdflib, reason,
  filter, serialise), with each reasoner.

It also reports whether both filtered closures are equal (and the differences if not), the inferred counts
with and without the external ``owl:sameAs`` links in the input, and owlrl's raw output by category.
Targets (issue 8): `reasonable` ≤ 1/20 of owlrl's time with the same filtered closure.

Usage::

    python -m bench.reasoners            # 5 runs of each (median, min–max)
    python -m bench.reasoners --smoke    # 1 run of each (CI smoke)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sco_kg
from bench._util import OUT, Stats, environment, markdown_table, write_report
from sco_kg.dataset import Source
from sco_kg.reasoning import engines
from sco_kg.reasoning import materialize as closure


def _time(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print a Markdown table and write ``bench/out/reasoners.json``; return 0."""
    ap = argparse.ArgumentParser(prog="python -m bench.reasoners", description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="measured runs of each (default 5)")
    ap.add_argument("--smoke", action="store_true", help="one run of each, no warm-up (CI smoke test)")
    ap.add_argument("--out", type=Path, default=OUT / "reasoners.json", help="where to write the JSON report")
    args = ap.parse_args(argv)
    runs, warmup = (1, 0) if args.smoke else (args.runs, 1)

    pass
    ds = sco_kg.load(Source(inferred=False))
    samples: dict[str, list[float]] = {"owlrl": [], "reasonable": []}
    results: dict[str, Any] = {}
    for i in range(warmup + runs):
        for name in samples:
            result = engines.compute_closure(ds, reasoner=name)
            if i >= warmup:
                samples[name].append(result.seconds)
            results[name] = result
    owl, fast = results["owlrl"], results["reasonable"]
    equal = owl.inferred == fast.inferred
    only_owlrl = sorted(owl.inferred - fast.inferred)
    only_fast = sorted(fast.inferred - owl.inferred)

    # With the external owl:sameAs links in the input (the smoke run skips owlrl here: one owlrl run less).
    link_reasoners = ["reasonable"] if args.smoke else list(samples)
    with_links = {
        name: engines.compute_closure(ds, reasoner=name, include_external_links=True) for name in link_reasoners
    }

    # Reading instead of reasoning: the shipped artifact (or a cache entry) checked by hash and loaded.
    status = closure.shipped_status()
    closure.materialized_path()  # when the shipped artifact is stale, this fills the cache first (untimed)
    load_ox, load_rdflib = [], []
    for _ in range(max(runs, 3)):
        load_ox.append(_time(lambda: sco_kg.open_store(Source(inferred=True)))[0])
    for _ in range(max(1, runs // 2)):
        load_rdflib.append(_time(lambda: sco_kg.load(Source(inferred=True)))[0])

    # Recompute the whole materialised dataset into a fresh cache, per reasoner.
    rebuild: dict[str, list[float]] = {"owlrl": [], "reasonable": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(max(1, runs // 2 if not args.smoke else 1)):
            for name in rebuild:
                target = Path(tmp) / f"{name}-{n}.nq"
                rebuild[name].append(
                    _time(
                        lambda name=name, target=target: closure.build((), name, target, target.with_suffix(".json"))
                    )[0]
                )

    stats = {name: Stats.of(v) for name, v in samples.items()}
    ratio = stats["owlrl"].median / stats["reasonable"].median
    report = {
        "environment": environment(),
        "runs": runs,
        "input_triples": owl.input_triples,
        "excluded_external_links": owl.excluded_links,
        "closure_seconds": stats,
        "speedup_reasonable_vs_owlrl": round(ratio, 1),
        "target_speedup": 20,
        "inferred": {"owlrl": len(owl.inferred), "reasonable": len(fast.inferred)},
        "agreement": {
            "equal": equal,
            "only_owlrl": [list(map(str, t)) for t in only_owlrl[:50]],
            "only_reasonable": [list(map(str, t)) for t in only_fast[:50]],
        },
        "raw_added": {"owlrl": owl.raw_added, "reasonable": fast.raw_added},
        "filtered": {"owlrl": owl.filtered, "reasonable": fast.filtered},
        "with_external_links": {
            name: {"inferred": len(r.inferred), "seconds": round(r.seconds, 3), "input_triples": r.input_triples}
            for name, r in with_links.items()
        },
        "clashes": [c.message for c in owl.clashes],
        "shipped_artifact": "fresh" if status is None else status,
        "cache_load_seconds": {
            "pyoxigraph open_store": Stats.of(load_ox),
            "rdflib load(inferred=True)": Stats.of(load_rdflib),
        },
        "recompute_seconds": {name: Stats.of(v) for name, v in rebuild.items()},
    }
    write_report(args.out, report)

    def s(st: Stats) -> str:
        return f"{st.median:.3f} ({st.min:.3f}–{st.max:.3f}) s"

    rows = [
        ["closure, owlrl (reference)", s(stats["owlrl"]), "1×"],
        ["closure, reasonable + completion rules", s(stats["reasonable"]), f"1/{ratio:.0f} of owlrl"],
        [
            "cache load into pyoxigraph (hash check + N-Quads)",
            s(Stats.of(load_ox)),
            f"1/{stats['owlrl'].median / statistics.median(load_ox):.0f} of owlrl",
        ],
        ["cache load into rdflib (asserted files + inferred graph)", s(Stats.of(load_rdflib)), ""],
        ["recompute artifact, owlrl (parse + reason + write)", s(Stats.of(rebuild["owlrl"])), ""],
        ["recompute artifact, reasonable", s(Stats.of(rebuild["reasonable"])), ""],
    ]
    print(markdown_table([f"what (median (min–max) of {runs})", "time", "ratio"], rows))
    print()
    print(f"input: {owl.input_triples} triples ({owl.excluded_links} external owl:sameAs links kept out)")
    print(
        f"inferred after the filter: owlrl {len(owl.inferred)}, reasonable {len(fast.inferred)}; "
        f"equal: {equal} (only owlrl {len(only_owlrl)}, only reasonable {len(only_fast)})"
    )
    print(
        "with the external links in the input: "
        + ", ".join(f"{n} {len(r.inferred)} inferred in {r.seconds:.2f} s" for n, r in with_links.items())
    )
    print(f"owlrl raw additions {owl.raw_added}, filtered: {owl.filtered}")
    print(f"report: {args.out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SCO_KG_CACHE", tempfile.mkdtemp(prefix="sco-kg-bench-"))
    sys.exit(main())
