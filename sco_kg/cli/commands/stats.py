"""``sco-kg stats``: triples per graph and instances per class, as a table."""

from __future__ import annotations

import argparse

from sco_kg.cli.commands._common import add_read_options, read_store
from sco_kg.cli.render import format_table

HELP = "print triples per graph and instances per class"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``stats``."""
    add_read_options(p)


def _graph_name(graph: str) -> str:
    from sco_kg.rdf import iri

    if graph == iri.GRAPH_ASSERTION + "*":  # the assertion graphs, grouped by store_summary
        return "ag:*"
    return iri.compact(graph)


def run(args: argparse.Namespace) -> int:
    """Print the summary of the dataset; return the exit code."""
    from sco_kg.dataset import store_summary
    from sco_kg.rdf import iri

    s = store_summary(read_store(args))
    rows = [[_graph_name(g), str(n)] for g, n in s.graphs.items()]
    rows.append(["total", str(s.total)])
    print(format_table(["graph", "triples"], rows))
    print()
    print(format_table(["class", "instances"], [[iri.compact(c), str(n)] for c, n in s.classes.items()]))
    return 0
