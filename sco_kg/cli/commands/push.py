"""``sco-kg push``: load the dataset into a remote SPARQL 1.1 store and verify it there (stdlib imports only)."""

from __future__ import annotations

import argparse
import sys

from sco_kg.cli.commands._common import add_with_options
from sco_kg.cli.commands._remote_options import add_remote_options, auth_of

HELP = "load the dataset into a SPARQL 1.1 store (Graph Store Protocol or Update) and verify it"

DESCRIPTION = """\
Load the dataset into any SPARQL 1.1 store (Oxigraph, Apache Jena Fuseki, GraphDB, Virtuoso, ...): one
named graph at a time: staged in a temporary graph through the Graph Store HTTP Protocol (POST), falling back
to SPARQL 1.1 Update (INSERT DATA) when the store has no Graph Store endpoint, then switched in by ONE atomic
Update request per graph (MOVE with --replace, else ADD), so every graph is wholly old or wholly new. Blank
nodes become stable .well-known/genid IRIs, so pushing twice changes nothing. Afterwards the triples of each
graph are counted on the store and compared exactly, and one ASK checks that the store's default graph shows
the data (--strict: fail if not). If a request fails, the error says which graphs are new and which are old
(exit code 1).

--endpoint is the query endpoint. The Graph Store and Update URLs follow the store's layout (--store-type,
asked from the store by default); --store and --update override them.
Secrets never go on the command line: --password-env and --token-env name environment variables.

examples:
  oxigraph serve --location ./db --bind 127.0.0.1:7878 --union-default-graph &
  sco-kg push --endpoint http://127.0.0.1:7878/query --replace
  sco-kg push --endpoint http://localhost:3030/sco/query --store-type jena \\
      --user admin --password-env FUSEKI_PASSWORD --replace
  sco-kg push --endpoint http://127.0.0.1:8890/sparql --store-type virtuoso --user dba \\
      --password-env VIRTUOSO_PASSWORD --replace
  sco-kg push --endpoint http://127.0.0.1:7878/query --graph https://example.org/sco-kg --select asserted
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``push``."""
    from sco_kg.engine.limits import DEFAULT_TIMEOUT

    p.add_argument("--endpoint", required=True, metavar="URL", help="the store's SPARQL query endpoint")
    p.add_argument("--store", metavar="URL", help="its Graph Store HTTP Protocol endpoint (default: derived)")
    p.add_argument("--update", metavar="URL", help="its SPARQL 1.1 Update endpoint (default: derived)")
    p.add_argument(
        "--select",
        choices=("asserted", "inferred", "all", "ontology", "provenance"),
        default="all",
        help="which graphs to push (default: all = asserted + the OWL 2 RL closure, what local queries see)",
    )
    p.add_argument("--graph", metavar="IRI", help="put everything into this one graph instead of the named graphs")
    p.add_argument("--replace", action="store_true", help="replace each graph on the store instead of adding to it")
    p.add_argument(
        "--method",
        choices=("auto", "gsp", "update"),
        default="auto",
        help="auto (default: Graph Store Protocol, falling back to Update), gsp or update",
    )
    add_remote_options(p)
    p.add_argument("--strict", action="store_true",
                   help="fail when the store's default graph does not show the pushed data")  # fmt: skip
    p.add_argument("--keep-blank-nodes", dest="skolem", action="store_false",
                   help="send blank nodes as such (default: stable .well-known/genid IRIs, idempotent)")  # fmt: skip
    p.add_argument("--batch-size", type=int, default=5000, metavar="N", help="triples per request (default 5000)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"seconds per request (default {DEFAULT_TIMEOUT:g}, as everywhere)")  # fmt: skip
    p.add_argument("--retries", type=int, default=3, metavar="N", help="retries on 429/503 (default 3)")
    p.add_argument("--progress", action="store_true", help="draw the progress bar even when stderr is no terminal")
    p.add_argument("--no-verify", dest="verify", action="store_false", help="skip the remote triple counts")
    add_with_options(
        p, help="also push your own RDF file, in graph <https://w3id.org/sco-kg/graph/user/FILE> (repeatable)"
    )


def run(args: argparse.Namespace) -> int:
    """Push the selected graphs and report the counts; return the exit code."""
    from sco_kg import export, remote
    from sco_kg.errors import UsageError
    from sco_kg.rdf import iri

    if args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if args.retries < 0:
        raise UsageError("--retries must be 0 or more")
    if args.graph is not None and not args.graph.startswith(("http://", "https://", "urn:")):
        raise UsageError(f"--graph {args.graph!r}: expected an absolute IRI")
    auth = auth_of(args)
    remote.derive_urls(args.endpoint, args.store, args.update)  # bad URLs fail before loading anything
    quads = export.select(args.select, args.with_files, args.with_format)
    report = remote.push(
        quads,
        args.endpoint,
        store_url=args.store,
        update_url=args.update,
        target_graph=args.graph,
        replace=args.replace,
        auth=auth,
        batch_size=args.batch_size,
        progress=args.progress or sys.stderr.isatty(),
        timeout=args.timeout,
        retries=args.retries,
        method=args.method,
        verify=args.verify,
        store_type=args.store_type,
        skolem=args.skolem,
        strict=args.strict,
    )
    print(
        f"pushed {report.triples} triples in {len(report.graphs_written)} graph(s) to {args.endpoint} "
        f"({report.store_type} store, {report.method}, {report.requests} requests, {report.seconds:.2f} s)"
    )
    if report.stale_staging:
        print(f"dropped {report.stale_staging} staging graph(s) left on the store by an earlier failed push")
    if args.verify:
        print(f"verified: {sum(report.remote.values())} triples on the store in those graphs")
        for g in sorted(report.expected):
            name = iri.compact(g) if g else "default graph"
            print(f"  {name}  {report.remote.get(g, 0)}")
        if report.default_graph_ok is False:
            print(
                "warning: the store's default graph does not show the data, so 'sco-kg query --endpoint' will "
                f"find nothing: {report.default_graph_hint} (--strict makes this an error)",
                file=sys.stderr,
            )
    return 0
