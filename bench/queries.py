"""Benchmark 7: every canned query on the materialised corpus at several sizes; growth exponent k (issue 14).

For each N (documents of :mod:`bench.corpus`) the corpus is generated and materialised as :mod:`bench.scale`
does it (``closure.build`` with `reasonable`, in a child process, into ``--work``), then one child process
loads the materialised N-Quads into an in-memory pyoxigraph store and runs every offline canned query
(parameters at their defaults, bound as ``VALUES`` as the product does; union default graph) ``--repeat``
times, the queries interleaved round by round, each timed run right after an untimed one of the same text.
The time is pyoxigraph's: the query and the iteration over its solutions, as in :mod:`bench.scale` (not the
conversion of every cell into Python strings, done afterwards).
Per query and N: median, min and max time, the row count and a digest of the rows (in order for queries
with ``ORDER BY``, as a sorted bag otherwise).

Three anchors run in the same child: an index scan of the sentences (counted; listed) and the same with one
look-up per row. They hold nothing of ours, so their k is the engine's own growth on this machine.

``--baseline REF`` also runs the ``.rq`` texts of the git revision ``REF`` (e.g. ``main``) in the same
child, interleaved with the current texts, and checks that both give the same rows: before/after figures
of the same run, and a check that a rewrite kept the answers on the corpus.

The growth exponent k is the least-squares slope of log(median) over log(quads of the materialised
dataset), from N=10 and from N=100 upwards (target k ≤ 1.1, and ≤ 1 s at N=4000). The dataset has a fixed
part (ontology, gazetteer, the declaration and their closure: about 6.7 k of the 12.4 k quads at N=10), so
work that grows with the number of documents shows k ≈ 1.15 from N=10 to 4000 even when it is linear in
them; from N=100 that bias is about 0.03. The verdict uses k from N=100 when there are two such sizes.
``--smoke`` is the CI run (N=1, one repeat).

Usage::

    python -m bench.queries                          # N = 10, 100, 1000, 4000 (a few minutes)
    python -m bench.queries --sizes 10,100 --baseline main
    python -m bench.queries --smoke
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench._util import OUT, REPO, Stats, environment, fit_exponent, markdown_table, write_report

SIZES = (10, 100, 1000, 4000)
# The engine's own floor, timed in the same child: work linear in the number of documents with nothing of ours
# in it. Their k is what pyoxigraph's in-memory store gives for an index scan (and a look-up per row) as the
# dataset grows; a canned query cannot scale better than the patterns it has to scan.
NIF = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
ANCHORS = {
    "anchor: count the sentences (index scan)": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{NIF}Sentence> }}",
    "anchor: every sentence (scan, rows out)": f"SELECT ?s WHERE {{ ?s a <{NIF}Sentence> }}",
    "anchor: every sentence with its text (scan + look-up)": (
        f"SELECT ?s ?t WHERE {{ ?s a <{NIF}Sentence> ; <{NIF}anchorOf> ?t }}"
    ),
}
TARGET_SECONDS = 1.0
TARGET_K = 1.1


def baseline_texts(ref: str) -> dict[str, str]:
    """Return the text of every ``queries/*.rq`` at git revision ``ref`` (name → text)."""
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{ref}:queries/"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    out = {}
    for name in listing:
        if name.endswith(".rq"):
            out[name[:-3]] = subprocess.run(
                ["git", "show", f"{ref}:queries/{name}"], cwd=REPO, capture_output=True, text=True, check=True
            ).stdout
    return out


def _digest(rows: list[tuple[str | None, ...]], ordered: bool) -> str:
    body = rows if ordered else sorted(rows, key=repr)
    return hashlib.sha1(repr(body).encode()).hexdigest()[:12]


def step_run(nq: Path, repeat: int, baseline: str | None) -> dict[str, Any]:
    """Load ``nq`` and time every offline canned query (and its baseline text); return the per-query figures."""
    import pyoxigraph as ox

    from sco_kg.io.ox_parse import load_file
    from sco_kg.sparql import catalog
    from sco_kg.sparql.params import bind_params, bind_values

    start = time.perf_counter()
    store = ox.Store()
    load_file(store, nq, fmt="N_QUADS")
    load_seconds = time.perf_counter() - start
    old = baseline_texts(baseline) if baseline else {}
    jobs: list[tuple[str, str, str, bool]] = []  # (query name, variant, bound text, ordered)
    for q in catalog.all_queries():
        if q.federated:  # SERVICE to Wikidata: the policy refuses it offline
            continue
        bindings = bind_params(q, {})
        jobs.append((q.name, "current", bind_values(q.text, bindings), q.ordered))
        if q.name in old:
            jobs.append((q.name, "baseline", bind_values(old[q.name], bindings), q.ordered))
    jobs += [(name, "current", text, False) for name, text in ANCHORS.items()]
    times: dict[tuple[str, str], list[float]] = {(n, v): [] for n, v, _, _ in jobs}
    answers: dict[tuple[str, str], tuple[int, str]] = {}
    for _ in range(max(repeat, 1)):  # round by round, so that a noisy minute hits every query alike
        for name, variant, text, ordered in jobs:
            # An untimed run first: the timed one does not pay for the caches the previous query evicted (the
            # first of two runs of the same text was up to 30x slower for the sub-millisecond queries).
            for _sol in store.query(text, use_default_graph_as_union=True):  # type: ignore[union-attr]
                pass
            t0 = time.perf_counter()
            solutions = list(store.query(text, use_default_graph_as_union=True))  # type: ignore[arg-type]
            times[(name, variant)].append(time.perf_counter() - t0)
            # Outside the timing: turning every cell into a Python string costs more than many queries.
            rows = [tuple(str(t) if t is not None else None for t in sol) for sol in solutions]
            answers[(name, variant)] = (len(rows), _digest(rows, ordered))
            del solutions, rows  # freed here, not inside the next query's timing
    queries: dict[str, Any] = {}
    for (name, variant), ts in times.items():
        st = Stats.of(ts)
        count, digest = answers[(name, variant)]
        entry = {"median": st.median, "min": st.min, "max": st.max, "runs": st.runs, "rows": count, "digest": digest}
        queries.setdefault(name, {})[variant] = entry
    for entry in queries.values():
        if "baseline" in entry:
            entry["same_rows"] = entry["baseline"]["digest"] == entry["current"]["digest"]
    return {"load_seconds": load_seconds, "quads": len(store), "queries": queries}


def materialised(n: int, work: Path) -> tuple[Path, int]:
    """Return the materialised N-Quads of the corpus of ``n`` documents (built once under ``work``) and its size."""
    done = work / f"materialised-{n}.json"
    if done.exists():
        info = json.loads(done.read_text(encoding="utf-8"))
        if Path(info["path"]).exists():
            return Path(info["path"]), int(info["quads"])
    corpus = work / f"corpus-{n}.nq"
    subprocess.run([sys.executable, "-m", "bench.corpus", str(n), "-o", str(corpus)], cwd=REPO, check=True)
    env = {**os.environ, "SCO_KG_CACHE": str(work / f"cache-{n}")}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--step", "materialise", "--input", str(corpus), "--repeat", "1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"materialising N={n} failed: {proc.stderr[-800:]}")
    info = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1])
    done.write_text(json.dumps({"path": info["path"], "quads": info["quads"]}) + "\n", encoding="utf-8")
    corpus.unlink(missing_ok=True)
    return Path(info["path"]), int(info["quads"])


def run_child(nq: Path, repeat: int, baseline: str | None) -> dict[str, Any]:
    """Run :func:`step_run` in a fresh interpreter; return its report."""
    argv = [sys.executable, "-m", "bench.queries", "--step", str(nq), "--repeat", str(repeat)]
    if baseline:
        argv += ["--baseline", baseline]
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"query run on {nq} failed: {proc.stderr[-800:]}")
    report: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    return report


def exponents(sizes: list[dict[str, Any]], variant: str, from_n: int = 10) -> dict[str, float | None]:
    """Return k per query for ``variant`` (current/baseline) over the sizes with N ≥ ``from_n``."""
    pts = [s for s in sizes if s["n"] >= from_n]
    x = [s["quads"] for s in pts]
    names = sorted({q for s in pts for q, e in s["queries"].items() if variant in e})
    out: dict[str, float | None] = {}
    for q in names:
        ys = [s["queries"].get(q, {}).get(variant, {}).get("median", 0.0) for s in pts]
        k = fit_exponent(x, ys) if len(ys) == len(x) else None
        out[q] = round(k, 3) if k is not None else None
    return out


def render(report: dict[str, Any]) -> str:
    """Return the Markdown table of a report: per query, time per N, rows at the largest N, k, verdict."""
    sizes = report["sizes"]
    has_base = any("baseline" in e for s in sizes for e in s["queries"].values())
    k = report["exponents"]
    head = ["query"] + [f"N={s['n']} ({s['quads']:,} q)" for s in sizes]
    head += ["rows (largest N)", "k (N≥10)", "k (N≥100)"]
    if has_base:
        head += ["baseline at largest N", "baseline k (N≥10 / N≥100)", "same rows"]
    head.append("verdict")
    rows = []
    last = sizes[-1]
    for name in sorted(last["queries"], key=lambda n: (n.startswith("anchor:"), n)):
        entry = last["queries"][name]
        k10, k100 = k["current"]["from 10"].get(name), k["current"]["from 100"].get(name)
        row = [name]
        for s in sizes:
            e = s["queries"].get(name, {}).get("current")
            row.append(f"{e['median'] * 1e3:.1f} ms" if e else "–")
        row += [f"{entry['current']['rows']:,}", str(k10), str(k100)]
        if has_base:
            b = entry.get("baseline")
            same = all(s["queries"].get(name, {}).get("same_rows", True) for s in sizes)
            kb = k.get("baseline", {})
            kb_text = f"{kb.get('from 10', {}).get(name)} / {kb.get('from 100', {}).get(name)}"
            row += [f"{b['median'] * 1e3:.1f} ms" if b else "–", kb_text, "yes" if same else "**NO**"]
        if name.startswith("anchor:"):
            row.append("engine floor")
            rows.append(row)
            continue
        slow = entry["current"]["median"] > TARGET_SECONDS
        steep = ((k100 if k100 is not None else k10) or 0.0) > TARGET_K
        row.append(" ".join(w for w, bad in (("> 1 s", slow), (f"k > {TARGET_K}", steep)) if bad) or "ok")
        rows.append(row)
    return markdown_table(head, rows)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with ``--step``, one timing child); return the exit code."""
    ap = argparse.ArgumentParser(prog="python -m bench.queries", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated N values")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each query per size (median reported)")
    ap.add_argument("--baseline", metavar="REF", help="also run the queries of git revision REF (same run)")
    ap.add_argument("--work", type=Path, default=OUT / "queries", help="directory for corpora and materialisations")
    ap.add_argument("--json", type=Path, default=OUT / "queries.json", help="report file (JSON)")
    ap.add_argument("--smoke", action="store_true", help="N=1, one repeat (the CI smoke run)")
    ap.add_argument("--step", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step:
        print(json.dumps(step_run(args.step, args.repeat, args.baseline)))
        return 0
    sizes = [1] if args.smoke else sorted(int(v) for v in args.sizes.split(","))
    repeat = 1 if args.smoke else args.repeat
    args.work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"benchmark": "queries", "environment": environment(), "sizes": []}
    for n in sizes:
        nq, quads = materialised(n, args.work)
        rep = run_child(nq, repeat, args.baseline)
        rep["n"] = n
        report["sizes"].append(rep)
        print(f"  N={n:<5} {quads:,} quads: queries done", file=sys.stderr)
        variants = ["current", "baseline"] if args.baseline else ["current"]
        report["exponents"] = {
            v: {f"from {n0}": exponents(report["sizes"], v, n0) for n0 in (10, 100)} for v in variants
        }
        write_report(args.json, report)  # after every size, so a long run leaves partial figures
    print(render(report))
    differ = [q for s in report["sizes"] for q, e in s["queries"].items() if e.get("same_rows") is False]
    if differ:
        print(f"rows differ from {args.baseline}: {', '.join(sorted(set(differ)))}", file=sys.stderr)
        return 1
    print(f"\nreport: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
