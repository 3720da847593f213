"""Benchmark 6: re-inference at scale against its anchor, the engines alone, measured in the same run (issue 14).

For each N (documents of :mod:`bench.corpus` without its ontology copy, added to the shipped data as the
user's file), each step runs in its own subprocess, so its peak RSS (``os.wait4``) is its own:

* ``anchor``: what the engines cost alone: pyoxigraph bulk-loads the shipped files and the corpus into an
  on-disk store, then `reasonable` computes the closure of the union (one ``reason()``; literals and blank
  nodes as placeholder IRIs, as `reasonable` takes IRIs only; Python's cyclic GC paused, as in the build);
* ``store-build``: ``sco-kg store build DIR --with corpus.nq`` (fresh cache): parse, re-infer with
  `reasonable` + completion rules, filter, write the N-Quads, bulk-load them into an on-disk store;
* ``materialise``: :func:`sco_kg.reasoning.materialize.build` alone (as ``bench.scale``'s step).

Ratios: whole-process times of store build and anchor; in-process time of materialise over the anchor's
in-process time; peak RSS of each over the anchor's. The growth exponent k is fitted from N=100 upwards
(targets: time ratio ≤ 2, RSS ratio ≤ 1.5, k ≤ 1.1). ``--sizes 1`` is the smoke run.

Usage::

    python -m bench.reinfer                  # N = 100, 300, 1000
    python -m bench.reinfer --with-4000      # and N = 4000 (1.3 M quads; long)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench._util import OUT, REPO, environment, fit_exponent, markdown_table, sco_kg_command, write_report

SIZES = (100, 300, 1000)


def run_rss(argv: list[str], env: dict[str, str] | None = None) -> tuple[dict[str, Any], str]:
    """Run ``argv``; return the JSON it printed last (if any) with its wall time and its own peak RSS (MiB,
    ``os.wait4``), and its stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env={**os.environ, **(env or {})}
    )
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {err.decode()[-800:]}")
    text = out.decode()
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    report: dict[str, Any] = json.loads(lines[-1]) if lines else {}  # what the child measured itself, if anything
    report.update(wall_seconds=round(wall, 4), peak_rss_mib=round(usage.ru_maxrss / 1024, 1))
    return report, text


def step_anchor(corpus: Path, store_dir: Path) -> dict[str, Any]:
    """The engines alone: bulk load of shipped files + ``corpus`` (on disk), `reasonable` closure of the union."""
    import pyoxigraph as ox
    import reasonable

    from sco_kg.io.inputs import asserted_files
    from sco_kg.io.ox_parse import load_file
    from sco_kg.reasoning.core import Encoder

    gc.disable()  # as the build does (sco_kg.reasoning.ntriples.gc_paused): the collector is no engine's cost
    start = time.perf_counter()
    shutil.rmtree(store_dir, ignore_errors=True)
    store = ox.Store(str(store_dir))
    for path, graph in asserted_files():
        load_file(store, path, graph)
    load_file(store, corpus, fmt="N_QUADS")
    loaded = time.perf_counter()
    enc = Encoder()  # reasonable takes IRIs only: literals and blank nodes become placeholder IRIs (as ours)

    def code(t: Any) -> str:
        return t.value if isinstance(t, ox.NamedNode) else enc.placeholder(t)

    triples = list({(code(q.subject), q.predicate.value, code(q.object)) for q in store})
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(triples)
    closed = len(reasoner.reason())
    end = time.perf_counter()
    quads = len(store)
    del store
    shutil.rmtree(store_dir, ignore_errors=True)
    return {
        "seconds": end - start,
        "load_seconds": loaded - start,
        "reason_seconds": end - loaded,
        "quads": quads,
        "input_triples": len(triples),
        "closure_triples": closed,
    }


def _run_step(name: str, corpus: Path, db: Path, cache: Path) -> dict[str, Any]:
    """Run step ``name`` once in its own process; return its report (wall time, peak RSS, what it measured)."""
    if name == "anchor":
        rep, _ = run_rss([sys.executable, "-m", "bench.reinfer", "--step", "anchor", "--input", str(corpus)])
        return rep
    shutil.rmtree(cache, ignore_errors=True)
    env = {"SCO_KG_CACHE": str(cache)}  # a fresh cache: the closure is computed, never reused
    if name == "store-build":
        argv = [*sco_kg_command(), "store", "build", str(db), "--with", str(corpus), "-q", "--force"]
        rep, text = run_rss(argv, env)
        found = re.search(r": ([\d,]+) quads in ", text)
        rep["quads"] = int(found.group(1).replace(",", "")) if found else None
        shutil.rmtree(db, ignore_errors=True)
    else:
        argv = [sys.executable, "-m", "bench.scale", "--step", "materialise", "--input", str(corpus)]
        rep, _ = run_rss(argv, env)
    shutil.rmtree(cache, ignore_errors=True)
    return rep


def _median_run(reps: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the run with the median wall time, with every run's wall time and the minimum added."""
    ordered = sorted(reps, key=lambda r: r["wall_seconds"])
    out = dict(ordered[(len(ordered) - 1) // 2])
    out["runs_wall_seconds"] = [r["wall_seconds"] for r in reps]
    out["min_wall_seconds"] = ordered[0]["wall_seconds"]
    if "seconds" in out:
        out["min_seconds"] = min(r["seconds"] for r in reps)
    return out


def measure_size(n: int, work: Path, repeat: int = 1) -> dict[str, Any]:
    """Return the anchor, store build and materialise figures (median of ``repeat``) for ``n`` documents."""
    corpus = work / f"reinfer-{n}.nq"
    db = work / f"reinfer-store-{n}"
    if not corpus.exists():
        subprocess.run(
            [sys.executable, "-m", "bench.corpus", str(n), "--no-ontology", "-o", str(corpus)],
            check=True,
            cwd=REPO,
            capture_output=True,
        )
    out: dict[str, Any] = {
        "n": n,
        "corpus_quads": sum(1 for _ in corpus.open("rb")),
        "corpus_bytes": corpus.stat().st_size,
    }
    runs: dict[str, list[dict[str, Any]]] = {"anchor": [], "store-build": [], "materialise": []}
    for _ in range(max(repeat, 1)):  # interleaved, so that a burst of load on the host hits every step alike
        for name in runs:
            runs[name].append(_run_step(name, corpus, db, work / f"reinfer-cache-{n}-{name}"))
    for name, reps in runs.items():
        out[name] = _median_run(reps)
        rep = out[name]
        print(f"  N={n:<5} {name:<12} {rep['wall_seconds']:8.2f} s  peak {rep['peak_rss_mib']} MiB", file=sys.stderr)
    a, sb, mat = out["anchor"], out["store-build"], out["materialise"]
    out["ratios"] = {
        "store_build_time": round(sb["wall_seconds"] / a["wall_seconds"], 2),
        "store_build_rss": round(sb["peak_rss_mib"] / a["peak_rss_mib"], 2),
        "materialise_time": round(mat["seconds"] / a["seconds"], 2),
        "materialise_rss": round(mat["peak_rss_mib"] / a["peak_rss_mib"], 2),
        "store_build_time_min": round(sb["min_wall_seconds"] / a["min_wall_seconds"], 2),
        "materialise_time_min": round(mat["min_seconds"] / a["min_seconds"], 2),
    }
    return out


def exponents(sizes: list[dict[str, Any]], from_n: int = 100) -> dict[str, float | None]:
    """Return the growth exponent k of the anchor, the store build and materialise over N ≥ ``from_n``."""
    pts = [s for s in sizes if s["n"] >= from_n]
    x = [s["corpus_quads"] for s in pts]
    series = {
        "anchor": [s["anchor"]["wall_seconds"] for s in pts],
        "store-build": [s["store-build"]["wall_seconds"] for s in pts],
        "materialise": [s["materialise"]["seconds"] for s in pts],
    }
    return {k: (round(v, 3) if (v := fit_exponent(x, ys)) is not None else None) for k, ys in series.items()}


def render(report: dict[str, Any]) -> str:
    """Return the Markdown table of a report: per N, anchor, ours and the ratios."""
    rows = []
    for s in report["sizes"]:
        a, sb, mat, r = s["anchor"], s["store-build"], s["materialise"], s["ratios"]
        rows.append(
            [
                f"{s['n']} ({s['corpus_quads']:,} q)",
                f"{a['wall_seconds']:.2f} s ({a['seconds']:.2f} in process) / {a['peak_rss_mib']:.0f} MiB",
                f"{sb['wall_seconds']:.2f} s / {sb['peak_rss_mib']:.0f} MiB",
                f"{r['store_build_time']}× (min {r['store_build_time_min']}×) / {r['store_build_rss']}×",
                f"{mat['seconds']:.2f} s / {mat['peak_rss_mib']:.0f} MiB",
                f"{r['materialise_time']}× (min {r['materialise_time_min']}×) / {r['materialise_rss']}×",
            ]
        )
    head = ["N", "anchor: bulk load + reasonable", "store build --with", "ratio (time / RSS)", "materialise", "ratio"]
    k = report["exponents"]
    return markdown_table(head, rows) + f"\n\ngrowth exponent k (N ≥ 100): {k}"


def main(argv: list[str] | None = None) -> int:
    """Run the re-inference benchmark (or, with ``--step``, one step in this process); return the exit code."""
    ap = argparse.ArgumentParser(prog="python -m bench.reinfer", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated N values")
    ap.add_argument("--with-4000", action="store_true", help="also N=4000 (1.3 M quads)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each step per N, interleaved (median reported)")
    ap.add_argument("--work", type=Path, default=OUT / "reinfer", help="directory for corpora, stores, caches")
    ap.add_argument("--json", type=Path, default=OUT / "reinfer.json", help="report file (JSON)")
    ap.add_argument("--step", choices=("anchor",), help=argparse.SUPPRESS)
    ap.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step:
        print(json.dumps(step_anchor(args.input, args.input.with_suffix(f".anchor-{os.getpid()}"))))
        return 0
    sizes = sorted({int(v) for v in args.sizes.split(",")} | ({4000} if args.with_4000 else set()))
    args.work.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    report: dict[str, Any] = {}
    for n in sizes:
        results.append(measure_size(n, args.work, args.repeat if n < 4000 else 1))
        report = {"benchmark": "reinfer", "environment": environment(), "sizes": results}
        report["exponents"] = exponents(results)
        write_report(args.json, report)  # after every size: a long run leaves partial figures
    print(render(report))
    print(f"\nreport: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
