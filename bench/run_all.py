"""Run every benchmark, one after the other, each in its own process (figures in bench/out/*.json).

Usage::

    python -m bench.run_all            # the full runs (the scale curve up to N=4000 takes tens of minutes)
    python -m bench.run_all --smoke    # each at its smallest size (what CI's smoke tests run)
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time

from bench._util import REPO

# (module, full-run arguments, smoke arguments); a benchmark whose module is absent is reported and skipped.
BENCHMARKS: list[tuple[str, list[str], list[str]]] = [
    ("bench.cli_query", [], ["--runs", "1"]),
    ("bench.reasoners", [], ["--smoke"]),
    ("bench.endpoint", [], ["--smoke"]),
    ("bench.scale", [], ["--max-n", "1", "--repeat", "1"]),
    ("bench.reinfer", [], ["--sizes", "1"]),
    ("bench.queries", [], ["--smoke"]),
    ("bench.export", [], ["--smoke"]),
]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; return 1 if any of them failed."""
    ap = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="run each benchmark at its smallest size")
    ap.add_argument("--only", action="append", default=[], help="run only this benchmark (e.g. scale); repeatable")
    args = ap.parse_args(argv)
    failed = []
    for module, full, smoke in BENCHMARKS:
        short = module.split(".")[1]
        if args.only and short not in args.only:
            continue
        if importlib.util.find_spec(module) is None:
            print(f"== {module}: not present, skipped", flush=True)
            continue
        argv_ = [sys.executable, "-m", module, *(smoke if args.smoke else full)]
        print(f"== {' '.join(argv_[1:])}", flush=True)
        start = time.perf_counter()
        code = subprocess.run(argv_, cwd=REPO).returncode
        print(f"== {module}: exit {code} after {time.perf_counter() - start:.1f} s\n", flush=True)
        if code != 0:
            failed.append(module)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
