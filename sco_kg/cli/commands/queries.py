"""``sco-kg queries``: the catalogue of canned queries as a table (name, summary, parameters, tags)."""

from __future__ import annotations

import argparse

from sco_kg.cli.render import format_table

HELP = "list the canned queries (name, parameters, summary)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``queries``."""
    p.add_argument("--tag", action="append", default=[], metavar="TAG",
                   help="only queries with this tag (repeatable: any of them)")  # fmt: skip
    p.add_argument("--format", choices=("table", "md", "names"), default="table",
                   help="table (default), md (Markdown) or names (one per line)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Print the catalogue; return the exit code."""
    from sco_kg.errors import UsageError
    from sco_kg.sparql import catalog

    queries = catalog.all_queries()
    if args.tag:
        known = sorted({t for q in queries for t in q.tags})
        unknown = [t for t in args.tag if t not in known]
        if unknown:
            raise UsageError(f"unknown tag {unknown[0]!r} (tags: {', '.join(known)})")
        queries = [q for q in queries if set(q.tags) & set(args.tag)]
    if args.format == "names":
        print("\n".join(q.name for q in queries))
        return 0
    rows = [
        [q.name, ", ".join(f"{p.name}:{p.type}" for p in q.params.values()), ", ".join(q.tags), q.summary]
        for q in queries
    ]
    header = ["name", "parameters", "tags", "summary"]
    if args.format == "md":
        lines = ["| " + " | ".join(header) + " |", "|---|---|---|---|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        print("\n".join(lines))
    else:
        print(format_table(header, rows))
    return 0
