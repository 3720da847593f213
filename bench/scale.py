"""Benchmark 4: how load, materialisation, every canned query and export grow with the corpus size.

For each N (documents of :mod:`bench.corpus`; N = 1, 10, 100, 1000, 4000 ≈ 1.3 M quads) it runs each step in a
fresh subprocess and records the step's own time (measured inside the child, so interpreter start-up and
imports are not in it), the whole-process time, and the child's peak RSS (``os.wait4`` rusage):

* ``generate``: write the corpus N-Quads (``bench.corpus``);
* ``load``: parse it into an in-memory pyoxigraph store (:func:`sco_kg.load_file`, the read path),
  ``--repeat`` times (median; the fit is also given on the minima, which a noisy host disturbs least);
* ``store-build``: ``sco-kg store build DIR --from corpus.nq`` (on-disk RocksDB store, bulk load);
* ``materialise``: the product path for a user's data, ``closure.materialized_path([corpus], "reasonable")``:
  pyoxigraph parses shipped data + corpus, `reasonable` + the SPARQL chain/completion rules on strings
  (:mod:`sco_kg.reasoning.ntriples`), filter, and the N-Quads artifact written to a fresh cache
  (``closure_seconds`` is the reasoning part alone; ``bench.reinfer`` compares it with its anchor);
* ``queries``: load the materialised N-Quads, then run every canned query (parameters at their defaults)
  on pyoxigraph with the union default graph, ``--repeat`` times each (median, min, max);
* ``export``: canonical quads from the store and their N-Quads and Turtle serialisations (:mod:`sco_kg.export`).

The growth exponent k is the least-squares slope of log(time) over log(corpus quads) from N=10 upwards
(targets: k ≤ 1.1 for load, materialise and the queries). ``--max-n 1`` is the CI smoke run.

Usage::

    python -m bench.scale                 # N up to 4000 (tens of minutes)
    python -m bench.scale --max-n 1000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench._util import (
    OUT,
    REPO,
    Stats,
    environment,
    fit_exponent,
    markdown_table,
    run_timed,
    sco_kg_command,
    write_report,
)
from sco_kg.atomic import atomic_write_text
from sco_kg.io.ox_parse import load_file
from sco_kg.reasoning import materialize as closure
from sco_kg.sparql import catalog
from sco_kg.sparql.params import bind_params, bind_values

SIZES = (1, 10, 100, 1000, 4000)
STEPS = ("generate", "load", "store-build", "materialise", "queries", "export")


def run_measured(argv: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``argv``; return its wall time, peak RSS (MiB) and the JSON it printed last on stdout (if any)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}, cwd=REPO
    )
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    # The child reports its own peak RSS (ru_maxrss) in its JSON; commands that print none use run_with_rss.
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {err.decode()[-800:]}")
    lines = [ln for ln in out.decode().splitlines() if ln.startswith("{")]
    report: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    report["wall_seconds"] = round(wall, 4)
    return report


def run_with_rss(argv: list[str]) -> dict[str, Any]:
    """Run a command that prints no JSON; return its wall time and peak RSS (MiB) from ``os.wait4``."""
    out = run_timed(argv)
    return {"wall_seconds": out["wall_seconds"], "peak_rss_mib": out["peak_rss_mib"]}


def _peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ----------------------------------------------------------------------------- steps (run in a child)


def step_load(corpus: Path, repeat: int = 1) -> dict[str, Any]:
    """Return the time to parse ``corpus`` into a fresh in-memory store (median, min, max of ``repeat``)."""
    import pyoxigraph as ox

    times = []
    quads = 0
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        store = ox.Store()
        load_file(store, corpus, fmt="N_QUADS")
        times.append(time.perf_counter() - start)
        quads = len(store)
        del store
    st = Stats.of(times)
    return {"seconds": st.median, "min": st.min, "max": st.max, "runs": st.runs, "quads": quads}


def step_materialise(corpus: Path) -> dict[str, Any]:
    """Return the time of the materialised dataset of shipped data + ``corpus`` with `reasonable` (fresh cache)."""

    from sco_kg.reasoning import engines

    start = time.perf_counter()
    inputs = closure.input_hashes([corpus])
    key = closure.cache_key(inputs, "reasonable", engines.reasoner_version("reasonable"))
    path, meta_path = closure.cache_files(key)
    built = closure.build([corpus], "reasonable", path, meta_path, inputs=inputs, key=key)
    seconds = time.perf_counter() - start
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return {
        "seconds": seconds,
        "closure_seconds": built.seconds,
        "input_triples": meta["input_triples"],
        "inferred": meta["inferred"],
        "quads": meta["quads"],
        "path": str(path),
    }


def step_queries(nq: Path, repeat: int) -> dict[str, Any]:
    """Return the load time of ``nq`` and, per canned query, the median/min/max time and the row count."""
    import pyoxigraph as ox

    pass
    from sco_kg.errors import ScoKgError
    from sco_kg.sparql import gate

    start = time.perf_counter()
    store = ox.Store()
    load_file(store, nq, fmt="N_QUADS")
    load_seconds = time.perf_counter() - start
    results: dict[str, Any] = {}
    for q in catalog.all_queries():
        try:
            gate.check(q.text)  # federated queries (SERVICE) would go to the network: not timed
            text = bind_values(q.text, bind_params(q, {}))
        except ScoKgError as exc:  # refused by the policy, or a required parameter without default
            results[q.name] = {"skipped": str(exc)}
            continue
        times = []
        rows = 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            res = store.query(text, use_default_graph_as_union=True)
            rows = int(bool(res)) if isinstance(res, ox.QueryBoolean) else sum(1 for _ in res)
            times.append(time.perf_counter() - t0)
        st = Stats.of(times)
        results[q.name] = {"median": st.median, "min": st.min, "max": st.max, "rows": rows}
    return {"load_seconds": load_seconds, "quads": len(store), "queries": results}


def step_export(nq: Path) -> dict[str, Any]:
    """Return the time to take the canonical quads out of the store and to serialise them as N-Quads and Turtle."""
    import pyoxigraph as ox

    from sco_kg import export
    from sco_kg.rdf.canon import canonical_rows

    store = ox.Store()
    load_file(store, nq, fmt="N_QUADS")
    t0 = time.perf_counter()
    rows = canonical_rows(export.rows_from_store(store))  # the exporter's path: N-Triples rows, no Term per quad
    t1 = time.perf_counter()
    nq_bytes = b"".join(export.serialize_rows(rows, "nq"))
    t2 = time.perf_counter()
    ttl_bytes = b"".join(export.serialize_rows(rows, "ttl"))
    t3 = time.perf_counter()
    return {
        "select_seconds": t1 - t0,
        "nq_seconds": t2 - t1,
        "ttl_seconds": t3 - t2,
        "seconds": t3 - t0,
        "nq_bytes": len(nq_bytes),
        "ttl_bytes": len(ttl_bytes),
    }


def child(args: argparse.Namespace) -> int:
    """Run one step in this process and print its JSON report (with this process's peak RSS)."""
    if args.step == "load":
        report = step_load(args.input, args.repeat)
    elif args.step == "materialise":
        report = step_materialise(args.input)
    elif args.step == "queries":
        report = step_queries(args.input, args.repeat)
    else:
        report = step_export(args.input)
    report["peak_rss_mib"] = _peak_rss_mib()
    text = json.dumps(report)
    # Also next to the input, so a long run's step survives an interrupted driver.
    atomic_write_text(args.input.parent / f"{args.input.stem}.{args.step}.json", text + "\n")
    print(text)
    return 0


# ----------------------------------------------------------------------------- driver


def _child_argv(step: str, path: Path, repeat: int) -> list[str]:
    return [sys.executable, "-m", "bench.scale", "--step", step, "--input", str(path), "--repeat", str(repeat)]


def measure_size(n: int, work: Path, repeat: int, log: bool = True) -> dict[str, Any]:
    """Return the report of every step for a corpus of ``n`` documents (files under ``work``)."""
    corpus = work / f"corpus-{n}.nq"
    cache = work / f"cache-{n}"
    db = work / f"store-{n}"
    shutil.rmtree(cache, ignore_errors=True)
    out: dict[str, Any] = {"n": n}

    def say(step: str, rep: dict[str, Any]) -> None:
        if log:
            secs = rep.get("seconds", rep.get("wall_seconds"))
            print(f"  N={n:<5} {step:<12} {secs:8.3f} s  peak RSS {rep.get('peak_rss_mib')} MiB", file=sys.stderr)

    out["generate"] = run_with_rss([sys.executable, "-m", "bench.corpus", str(n), "-o", str(corpus)])
    out["corpus_quads"] = sum(1 for _ in corpus.open("rb"))
    out["corpus_bytes"] = corpus.stat().st_size
    say("generate", out["generate"])
    out["load"] = run_measured(_child_argv("load", corpus, repeat))
    say("load", out["load"])
    out["store-build"] = run_with_rss(
        [*sco_kg_command(), "store", "build", str(db), "--from", str(corpus), "-q", "--force"]
    )
    say("store-build", out["store-build"])
    shutil.rmtree(db, ignore_errors=True)
    out["materialise"] = run_measured(_child_argv("materialise", corpus, repeat), env={"SCO_KG_CACHE": str(cache)})
    say("materialise", out["materialise"])
    nq = Path(out["materialise"]["path"])
    out["queries"] = run_measured(_child_argv("queries", nq, repeat))
    say("queries", {**out["queries"], "seconds": sum(q.get("median", 0) for q in out["queries"]["queries"].values())})
    out["export"] = run_measured(_child_argv("export", nq, repeat))
    say("export", out["export"])
    return out


def exponents(sizes: list[dict[str, Any]], from_n: int = 10) -> dict[str, float | None]:
    """Return the growth exponent k of every step and every query over the sizes with N ≥ ``from_n``."""
    pts = [s for s in sizes if s["n"] >= from_n]
    x = [s["corpus_quads"] for s in pts]
    series: dict[str, list[float]] = {
        "generate": [s["generate"]["wall_seconds"] for s in pts],
        "load": [s["load"]["seconds"] for s in pts],
        "load (min)": [s["load"].get("min", s["load"]["seconds"]) for s in pts],
        "store-build": [s["store-build"]["wall_seconds"] for s in pts],
        "materialise": [s["materialise"]["seconds"] for s in pts],
        "materialise (reasoning only)": [s["materialise"]["closure_seconds"] for s in pts],
        "export": [s["export"]["seconds"] for s in pts],
    }
    names = sorted({q for s in pts for q, r in s["queries"]["queries"].items() if "median" in r})
    for q in names:
        series[f"query {q}"] = [s["queries"]["queries"].get(q, {}).get("median", 0.0) for s in pts]
    return {name: (round(k, 3) if (k := fit_exponent(x, ys)) is not None else None) for name, ys in series.items()}


def render(report: dict[str, Any]) -> str:
    """Return the Markdown tables of a scale report (steps per N, exponents, queries per N)."""
    sizes = report["sizes"]
    k = report["exponents"]
    head = ["step"] + [f"N={s['n']} ({s['corpus_quads']:,} q)" for s in sizes] + ["k (N≥10)"]

    def cell(s: dict[str, Any], step: str, key: str) -> str:
        r = s[step]
        return f"{r[key]:.3f} s / {r['peak_rss_mib']:.0f} MiB"

    rows = [
        ["generate (whole process)"] + [cell(s, "generate", "wall_seconds") for s in sizes] + [str(k["generate"])],
        ["load, in-memory (in process)"]
        + [cell(s, "load", "seconds") for s in sizes]
        + [f"{k['load']} (on minima: {k.get('load (min)')})"],
        ["store build, on disk (whole process)"]
        + [cell(s, "store-build", "wall_seconds") for s in sizes]
        + [str(k["store-build"])],
        ["materialise, reasonable (in process)"]
        + [cell(s, "materialise", "seconds") for s in sizes]
        + [str(k["materialise"])],
        ["… of which reasoning"]
        + [f"{s['materialise']['closure_seconds']:.3f} s" for s in sizes]
        + [str(k["materialise (reasoning only)"])],
        ["inferred triples"] + [f"{s['materialise']['inferred']:,}" for s in sizes] + [""],
        ["export: select + nq + ttl (in process)"] + [cell(s, "export", "seconds") for s in sizes] + [str(k["export"])],
        ["queries: load materialised (in process)"] + [cell(s, "queries", "load_seconds") for s in sizes] + [""],
    ]
    out = [markdown_table(head, rows), ""]
    names = sorted({q for s in sizes for q in s["queries"]["queries"]})
    qrows = []
    for q in names:
        row = [q]
        for s in sizes:
            r = s["queries"]["queries"].get(q, {})
            row.append(f"{r['median'] * 1e3:.2f} ms ({r['rows']} rows)" if "median" in r else "skipped")
        row.append(str(k.get(f"query {q}")))
        qrows.append(row)
    out.append(markdown_table(["canned query (median)"] + [f"N={s['n']}" for s in sizes] + ["k (N≥10)"], qrows))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the scale benchmark (or, with ``--step``, one step in this process); return the exit code."""
    ap = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-n", type=int, default=max(SIZES), help="largest N to run (1 for a smoke run)")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated N values")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each query per size (median reported)")
    ap.add_argument("--work", type=Path, default=OUT / "scale", help="directory for corpora, stores, caches")
    ap.add_argument("--json", type=Path, default=OUT / "scale.json", help="report file (JSON)")
    ap.add_argument("--keep", action="store_true", help="keep the corpora and materialised files")
    ap.add_argument("--step", choices=("load", "materialise", "queries", "export"), help=argparse.SUPPRESS)
    ap.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step:
        return child(args)
    sizes = sorted(n for n in (int(v) for v in args.sizes.split(",")) if n <= args.max_n)
    if not sizes:
        ap.error("no size left under --max-n")
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for n in sizes:
        results.append(measure_size(n, args.work, args.repeat))
        report = {"benchmark": "scale", "environment": environment(), "sizes": results}
        report["exponents"] = exponents(results)
        write_report(args.json, report)  # after every size, so a long run leaves partial figures
    if not args.keep:
        for n in sizes:
            (args.work / f"corpus-{n}.nq").unlink(missing_ok=True)
            shutil.rmtree(args.work / f"cache-{n}", ignore_errors=True)
    print(render(report))
    print(f"\nreport: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
