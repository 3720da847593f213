"""``sco-kg queries [NAME]``: the catalogue of canned queries, or one query's parameters, columns and example."""

from __future__ import annotations

import argparse
import sys
import textwrap

from sco_kg.cli.render import format_table, terminal_width

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing at start-up
if TYPE_CHECKING:
    from sco_kg.sparql.catalog import Query

HELP = "list the canned queries, or show one (parameters, defaults, columns, example)"
DESCRIPTION = """List the canned queries (name, summary, parameters, tags), or show one query in full.

The table fits the terminal ($COLUMNS, else the terminal's width, else 80 columns); the summary wraps.

examples:
  sco-kg queries
  sco-kg queries --tag provenance
  sco-kg queries supporting-sentences
"""
#: The width of the listing when stdout is no terminal and COLUMNS is unset.
DEFAULT_WIDTH = 80


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``queries``."""
    p.add_argument("name", nargs="?", metavar="NAME", help="show this query: parameters, defaults, columns, example")
    p.add_argument("--tag", action="append", default=[], metavar="TAG",
                   help="only queries with this tag (repeatable: any of them)")  # fmt: skip
    p.add_argument("--format", choices=("table", "md", "names"), default="table",
                   help="table (default), md (Markdown) or names (one per line)")  # fmt: skip


def example(q: Query) -> str:
    """Return a command line that runs ``q`` with every parameter given (its default, or a placeholder)."""
    parts = ["sco-kg", "query", q.name]
    for p in q.params.values():
        if p.name == "lang":
            continue  # --lang sets it
        value = str(p.default) if p.default is not None else f"<{p.type}>"
        parts += ["--param", f"{p.name}={value}"]
    return " ".join(parts)


def describe(q: Query, width: int) -> str:
    """Return the full description of ``q``: summary, description, parameters, columns, tags and an example."""

    def para(text: str, indent: str = "") -> list[str]:
        return textwrap.wrap(text, width=max(width, 40), initial_indent=indent, subsequent_indent=indent) or [""]

    lines = [f"{q.name}: {q.summary}", ""]
    if q.description:
        lines += [*para(q.description), ""]
    lines.append(f"form: {q.form}")
    if q.params:
        lines.append("parameters:")
        for p in q.params.values():
            default = "required, no default" if p.default is None else f"default: {p.default}"
            lines += para(f"{p.name} ({p.type}; {default}){': ' + p.description if p.description else ''}", "  ")
    else:
        lines.append("parameters: none")
    if q.columns:
        lines += para("columns: " + ", ".join(q.columns))
    if q.tags:
        lines.append("tags: " + ", ".join(q.tags))
    lines += ["example:", "  " + example(q)]
    if q.federated:
        lines.append("  (federated: add --allow-service HOST for the remote endpoint it calls)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the catalogue (or one query); return the exit code."""
    from sco_kg.errors import UsageError
    from sco_kg.sparql import catalog

    width = terminal_width() or DEFAULT_WIDTH
    if args.name:
        print(describe(catalog.get(args.name), width))
        return 0
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
    rows = [[q.name, q.summary, ", ".join(q.params), ", ".join(q.tags)] for q in queries]
    header = ["name", "summary", "parameters", "tags"]
    if args.format == "md":
        rows = [[q.name, q.summary, ", ".join(f"{p.name}:{p.type}" for p in q.params.values()), ", ".join(q.tags)]
                for q in queries]  # fmt: skip
        lines = ["| " + " | ".join(header) + " |", "|---|---|---|---|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        print("\n".join(lines))
    else:
        print(format_table(header, rows, width))
        print("'sco-kg queries NAME' shows a query's parameters, defaults, columns and an example", file=sys.stderr)
    return 0
