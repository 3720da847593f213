"""``python -m sco_kg.dev.golden``: the catalogue's maintainer commands (queries/README.md, tests/golden/*.csv).

``--readme`` writes ``queries/README.md`` from the headers; ``--check`` parses every query;
``--regenerate-golden`` rewrites ``tests/golden/*.csv`` (review the diff).
"""

from __future__ import annotations

import sys
from pathlib import Path

from sco_kg import paths
from sco_kg.errors import ScoKgError
from sco_kg.sparql.catalog import Query, all_queries, readme

GOLDEN_DIR = Path(__file__).resolve().parent.parent.parent / "tests" / "golden"


def golden_csv(q: Query) -> bytes:
    """Return the expected-result file content of ``q``: W3C CSV of its result with default parameters."""
    from sco_kg.engine.limits import Limits
    from sco_kg.engine.results import csv_cell
    from sco_kg.engine.run import run_canned

    res = run_canned(q.name, {}, limits=Limits(timeout=120, max_rows=None))
    if res.form == "ASK":
        return ("result\r\n" + ("true" if res.boolean else "false") + "\r\n").encode()
    if res.form in ("CONSTRUCT", "DESCRIBE"):
        rows = sorted(res.triples)
        lines = ["subject,predicate,object"] + [
            ",".join(csv_cell(t) if t.kind != "uri" else t.value for t in tr) for tr in rows
        ]
        return ("\r\n".join(lines) + "\r\n").encode()
    return res.serialize("csv")


def regenerate_golden(directory: Path = GOLDEN_DIR) -> list[str]:
    """Rewrite ``tests/golden/<name>.csv`` for every canned query and delete golden files without a query.

    Returns:
        The names of the files that changed (written or removed).
    """
    from sco_kg.atomic import atomic_write_bytes

    changed: list[str] = []
    # A federated query needs its remote endpoint; its expected result is kept by its own tests.
    queries = [q for q in all_queries() if not q.federated]
    for q in queries:
        target = directory / f"{q.name}.csv"
        data = golden_csv(q)
        if not target.exists() or target.read_bytes() != data:
            atomic_write_bytes(target, data)
            changed.append(target.name)
    keep = {f"{q.name}.csv" for q in queries}
    for stale in sorted(directory.glob("*.csv")):
        if stale.name not in keep:
            stale.unlink()
            changed.append(stale.name + " (removed)")
    return changed


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m sco_kg.dev.golden [--readme | --check | --regenerate-golden]``; return the exit code."""
    import argparse

    from sco_kg.atomic import atomic_write_text

    parser = argparse.ArgumentParser(prog="python -m sco_kg.dev.golden", description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--readme", action="store_true", help="write queries/README.md from the headers")
    group.add_argument("--check", action="store_true", help="parse every query and report problems")
    group.add_argument("--regenerate-golden", action="store_true", help="rewrite tests/golden/*.csv")
    args = parser.parse_args(argv)
    try:
        if args.readme:
            target = paths.queries_dir() / "README.md"
            atomic_write_text(target, readme())
            print(f"wrote {target}")
        elif args.check:
            qs = all_queries()
            print(f"{len(qs)} canned queries, all headers valid")
        else:
            changed = regenerate_golden()
            print("\n".join(f"updated {c}" for c in changed) or "golden files unchanged")
    except ScoKgError as exc:
        print(f"sco-kg: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
