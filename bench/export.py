"""Benchmark 8: `sco-kg export` at scale against pyoxigraph's own parser and serializer, in the same run.

For each N (documents of :mod:`bench.corpus`; N = 1000 and 4000 ≈ 1.3 M quads by default) and each format
(N-Quads, Turtle, TriG) two whole processes run, interleaved run by run (their order alternating):

* ``sco-kg export --with corpus.nq --format F -o out``: the shipped asserted files plus the corpus,
  de-duplicated, blank nodes labelled from their content, sorted, prefixed, written atomically;
* the anchor, a bare pyoxigraph script: ``pyoxigraph.parse`` of the same files (the ontology files into
  ``scog:ontology``, the corpus's own graphs) streamed into ``pyoxigraph.serialize`` in the same format (Turtle
  gets the triples, as our Turtle gets the union of the graphs). No sorting, no canonical labels, no
  de-duplication: the floor of any exporter that parses and writes with pyoxigraph. Its file is fsynced, as
  ``sco-kg export -o`` fsyncs its temporary file before renaming it.

Each run's wall time, CPU time (user + system) and peak RSS (``os.wait4``) are recorded; the report gives the
median (min–max) of each and the ratio ours/anchor of the medians (also of the minima, and of the CPU times,
which suffer less from other processes on a shared host); the targets of issue 14 are N-Quads ≤ 2×, Turtle and
TriG ≤ 3×, peak RSS ≤ 2 GiB. It checks that every run of ours wrote the same bytes (sha256). With ``--check``
(default for N ≤ 1000) both outputs are loaded into a pyoxigraph store afterwards, untimed, and must hold the
same number of quads.

Usage::

    python -m bench.export                    # N = 1000 and 4000, 3 runs each
    python -m bench.export --sizes 1000 --repeat 5
    python -m bench.export --smoke           # N = 1, one run: what CI runs
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench._util import OUT, REPO, Stats, environment, markdown_table, run_timed, sco_kg_command, write_report

FORMATS = ("nq", "ttl", "trig")
TARGETS = {"nq": 2.0, "ttl": 3.0, "trig": 3.0}
RSS_TARGET_MIB = 2048
OX_NAMES = {"nq": "N_QUADS", "ttl": "TURTLE", "trig": "TRIG"}
CLI_NAMES = {"nq": "nq", "ttl": "turtle", "trig": "trig"}

# The anchor: the same inputs through pyoxigraph's streaming parser into its serializer (no Python per quad
# but the generator hand-off; Turtle takes the triples, the union as our Turtle writes it).
ANCHOR = """
import itertools, os, sys
import pyoxigraph as ox
from sco_kg.io.inputs import OX_FORMATS, asserted_files
fmt, corpus, out = sys.argv[1], sys.argv[2], sys.argv[3]
def read(path, graph):
    quads = ox.parse(path=str(path), format=getattr(ox.RdfFormat, OX_FORMATS[path.suffix.lower()]))
    if graph is None:
        return quads
    g = ox.NamedNode(graph)  # the ontology files' triples go into scog:ontology, as in the export
    return (ox.Quad(q.subject, q.predicate, q.object, g) for q in quads)
parts = [read(p, g) for p, g in asserted_files()]
parts.append(ox.parse(path=corpus, format=ox.RdfFormat.N_QUADS))
quads = itertools.chain.from_iterable(parts)
with open(out, "wb") as fh:
    ox.serialize((q.triple for q in quads) if fmt == "TURTLE" else quads, fh, format=getattr(ox.RdfFormat, fmt))
    fh.flush()
    os.fsync(fh.fileno())  # as durable as `sco-kg export -o`, which writes atomically (temp file, fsync, rename)
"""


def run_process(argv: list[str]) -> dict[str, Any]:
    """Run ``argv``; return its wall time (``seconds``), CPU seconds and peak RSS (MiB); fail with its stderr."""
    out = run_timed(argv)
    return {"seconds": out["wall_seconds"], "cpu_seconds": out["cpu_seconds"], "peak_rss_mib": out["peak_rss_mib"]}


def ours_argv(fmt: str, corpus: Path, out: Path) -> list[str]:
    """Return the `sco-kg export` command line for ``fmt``."""
    return [*sco_kg_command(), "export", "--with", str(corpus), "--format", CLI_NAMES[fmt], "-o", str(out)]


def anchor_argv(fmt: str, corpus: Path, out: Path) -> list[str]:
    """Return the bare pyoxigraph script's command line for ``fmt``."""
    return [sys.executable, "-c", ANCHOR, OX_NAMES[fmt], str(corpus), str(out)]


def count_quads(path: Path, fmt: str) -> int:
    """Return the number of distinct quads (triples for Turtle) pyoxigraph reads from ``path``.

    Counted in a child process: a store loaded here would make this process big, and Linux reports a child's
    peak RSS as at least its parent's size at the fork, which would inflate every later measurement.
    """
    script = (
        "import sys, pyoxigraph as ox; s = ox.Store(); "
        "s.bulk_load(path=sys.argv[1], format=getattr(ox.RdfFormat, sys.argv[2])); print(len(s))"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(path), OX_NAMES[fmt]], capture_output=True, check=True)
    return int(proc.stdout)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    t = Stats.of([r["seconds"] for r in runs])
    c = Stats.of([r["cpu_seconds"] for r in runs])
    m = Stats.of([r["peak_rss_mib"] for r in runs])
    return {
        "seconds": round(t.median, 3),
        "min": round(t.min, 3),
        "max": round(t.max, 3),
        "cpu_seconds": round(c.median, 3),
        "runs": t.runs,
        "peak_rss_mib": m.max,
        "bytes": runs[-1]["bytes"],
    }


def measure_size(n: int, work: Path, repeat: int, formats: tuple[str, ...], check: bool) -> dict[str, Any]:
    """Return the report for a corpus of ``n`` documents (generated under ``work`` unless present)."""
    corpus = work / f"corpus-{n}.nq"
    if not corpus.exists():
        subprocess.run([sys.executable, "-m", "bench.corpus", str(n), "-o", str(corpus)], check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    out: dict[str, Any] = {"n": n, "corpus_quads": sum(1 for _ in corpus.open("rb")), "formats": {}}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {f: {"ours": [], "anchor": []} for f in formats}
    digests: dict[str, set[str]] = {f: set() for f in formats}
    for r in range(repeat):
        for fmt in formats:
            order = ("anchor", "ours") if r % 2 == 0 else ("ours", "anchor")
            for who in order:
                target = work / f"{who}-{n}.{fmt}"
                argv = ours_argv(fmt, corpus, target) if who == "ours" else anchor_argv(fmt, corpus, target)
                rep = run_process(argv)
                rep["bytes"] = target.stat().st_size
                if who == "ours":
                    digests[fmt].add(_sha256(target))
                runs[fmt][who].append(rep)
                print(f"  N={n} {fmt} {who}: {rep['seconds']:.2f} s, {rep['peak_rss_mib']:.0f} MiB", flush=True)
    for fmt in formats:
        ours, anchor = _summary(runs[fmt]["ours"]), _summary(runs[fmt]["anchor"])
        rep = {
            "ours": ours,
            "anchor": anchor,
            "ratio": round(ours["seconds"] / anchor["seconds"], 2),
            "ratio_min": round(ours["min"] / anchor["min"], 2),
            "ratio_cpu": round(ours["cpu_seconds"] / anchor["cpu_seconds"], 2),
            "target": TARGETS[fmt],
            "deterministic": len(digests[fmt]) == 1,
            "sha256": sorted(digests[fmt])[0],
        }
        if check:
            rep["quads_ours"] = count_quads(work / f"ours-{n}.{fmt}", fmt)
            rep["quads_anchor"] = count_quads(work / f"anchor-{n}.{fmt}", fmt)
            if rep["quads_ours"] != rep["quads_anchor"]:
                raise SystemExit(
                    f"N={n} {fmt}: ours holds {rep['quads_ours']} quads, pyoxigraph's {rep['quads_anchor']}"
                )
        out["formats"][fmt] = rep
        for who in ("ours", "anchor"):
            (work / f"{who}-{n}.{fmt}").unlink(missing_ok=True)
    return out


def render(report: dict[str, Any]) -> str:
    """Return the Markdown table of a report."""
    rows = []
    for size in report["sizes"]:
        for fmt, rep in size["formats"].items():
            o, a = rep["ours"], rep["anchor"]
            met = rep["ratio"] <= rep["target"] and o["peak_rss_mib"] <= RSS_TARGET_MIB
            rows.append(
                [
                    f"{size['n']} ({size['corpus_quads']:,} q)",
                    fmt,
                    f"{o['seconds']:.2f} ({o['min']:.2f}–{o['max']:.2f}) s / {o['peak_rss_mib']:.0f} MiB",
                    f"{a['seconds']:.2f} ({a['min']:.2f}–{a['max']:.2f}) s / {a['peak_rss_mib']:.0f} MiB",
                    f"**{rep['ratio']:.2f}×** (min {rep['ratio_min']:.2f}×, CPU {rep['ratio_cpu']:.2f}×)",
                    f"≤ {rep['target']:.0f}×: {'met' if met else 'missed'}",
                    "yes" if rep["deterministic"] else "**NO**",
                ]
            )
    head = ["N", "format", "sco-kg export (whole process)", "pyoxigraph parse → serialize", "ratio", "target",
            "same bytes every run"]  # fmt: skip
    return markdown_table(head, rows)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the Markdown table and write the JSON report."""
    ap = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000], help="corpus sizes N (documents)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each process per size and format")
    ap.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    ap.add_argument("--smoke", action="store_true", help="N=1, one run (CI)")
    ap.add_argument("--check", action=argparse.BooleanOptionalAction, default=None,
                    help="compare quad counts with pyoxigraph's output (default: for N <= 1000)")  # fmt: skip
    ap.add_argument("--work", type=Path, help="where corpora and outputs go (default: a temporary directory)")
    ap.add_argument("--json", type=Path, default=OUT / "export.json", help="the JSON report")
    args = ap.parse_args(argv)
    sizes, repeat = ([1], 1) if args.smoke else (args.sizes, args.repeat)
    work = args.work or Path(tempfile.mkdtemp(prefix="sco-kg-bench-export-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"benchmark": "export", "environment": environment(), "repeat": repeat, "sizes": []}
    try:
        for n in sizes:
            check = args.check if args.check is not None else n <= 1000
            report["sizes"].append(measure_size(n, work, repeat, tuple(args.formats), check))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(render(report))
    write_report(args.json, report)
    print(f"\nreport: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
