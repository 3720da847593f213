"""``sco-kg reason``: recompute the OWL 2 RL closure, print triples per graph and the closure time."""

from __future__ import annotations

import argparse

from sco_kg.cli.commands._common import add_with_options
from sco_kg.cli.render import format_table

HELP = "recompute the OWL 2 RL closure (regenerates the shipped artifact on the shipped data)"
DESCRIPTION = """\
Recompute the filtered OWL 2 RL closure of the ontology and data and print how many triples each graph
has and how long the closure took.

Without --with, this regenerates the shipped artifact data/build/sco-kg-full.nq and its manifest
(when the closure is computed by `reasonable`, owlrl runs too, to record its consistency verdict and
whether both reasoners agree). With --with FILE, the closure of the data plus your files is written to
your cache directory (~/.cache/sco-kg, or $SCO_KG_CACHE) and the shipped artifact is left alone.

examples:
  sco-kg reason
  sco-kg reason --reasoner owlrl
  sco-kg reason --with my-notes.ttl
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``reason``."""
    p.add_argument(
        "--reasoner",
        choices=("owlrl", "reasonable"),
        default=None,
        help="owlrl (reference) or reasonable (fast; default when installed and equal to owlrl)",
    )
    add_with_options(p, help="add your own RDF file (graph <https://w3id.org/sco-kg/graph/user/FILE>); repeatable")


def run(args: argparse.Namespace) -> int:
    """Recompute the closure and print the summary; return the exit code."""
    from sco_kg.reasoning import engines as reason
    from sco_kg.reasoning import materialize as closure

    name = args.reasoner or reason.default_reasoner()
    if args.with_files:
        fmt = None
        if args.with_format:
            from sco_kg.io.inputs import format_extension

            fmt = format_extension(args.with_format).lstrip(".")  # the cache key materialized_path uses
        inputs = closure.input_hashes(args.with_files)
        version = reason.reasoner_version(name)
        key = closure.cache_key(inputs, name, version, with_format=fmt)
        nq, meta = closure.cache_files(key)
        result = closure.build(args.with_files, name, nq, meta, inputs=inputs, key=key, with_format=fmt)
    else:
        result = closure.regenerate_shipped(name)
    rows = [[_graph_name(g), str(n)] for g, n in result.graphs.items()]
    rows.append(["total", str(sum(result.graphs.values()))])
    print(format_table(["graph", "triples"], rows))
    print()
    print(f"reasoner:         {result.reasoner} {result.version}")
    print(f"closure time:     {result.seconds:.2f} s (total with parsing and writing {result.total_seconds:.2f} s)")
    print(f"input triples:    {result.input_triples} (external owl:sameAs links kept out: {result.excluded_links})")
    print(
        f"inferred triples: {result.inferred} kept; filtered: "
        + ", ".join(f"{k} {v}" for k, v in result.filtered.items())
    )
    if result.agreement:
        a = result.agreement
        verdict = "equal" if a["equal"] else f"DIFFERENT (only owlrl {a['only_reference']})"
        print(f"owlrl check:      {result.reference_seconds or 0:.2f} s, closure {verdict}")
    if result.clashes:
        print(f"clashes:          {len(result.clashes)} (run 'sco-kg validate' for details)")
    elif result.clashes is not None:
        print("clashes:          none")
    print(f"written:          {result.path}")
    return 0


def _graph_name(graph: str) -> str:
    """Return ``graph`` compacted for display (``ag:*`` for the assertion graphs taken together)."""
    from sco_kg.rdf import iri

    if graph.endswith("/*"):
        return iri.compact(graph[:-1] + "x")[:-1] + "*"
    return iri.compact(graph) if graph.startswith("http") else graph
