"""``sco-kg stats``: triples per graph and instances per class, as a table."""

from __future__ import annotations

import argparse

from sco_kg.commands._common import add_read_options, format_table

HELP = "print triples per graph and instances per class"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``stats``."""
    add_read_options(p)


def run(args: argparse.Namespace) -> int:
    """Print the summary of the dataset; return the exit code."""
    from sco_kg import iri
    from sco_kg.load import summary

    s = summary(inferred=args.inferred, with_files=args.with_files)
    rows = [[iri.compact(g), str(n)] for g, n in s.graphs.items()]
    rows.append(["total", str(s.total)])
    print(format_table(["graph", "triples"], rows))
    print()
    print(format_table(["class", "instances"], [[iri.compact(c), str(n)] for c, n in s.classes.items()]))
    return 0
