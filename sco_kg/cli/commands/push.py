"""``sco-kg push``: load the dataset into a remote SPARQL 1.1 store and verify it there (stdlib imports only)."""

from __future__ import annotations

import argparse
import sys

from sco_kg.cli.commands._common import add_with_options
from sco_kg.engine.limits import DEFAULT_TIMEOUT

HELP = "load the dataset into a SPARQL 1.1 store (Graph Store Protocol or Update) and verify it"

DESCRIPTION = """\
Load the dataset into any SPARQL 1.1 store (Oxigraph, Apache Jena Fuseki, GraphDB, Virtuoso, ...): one
named graph at a time through the Graph Store HTTP Protocol (PUT with --replace, else POST), falling back to
SPARQL 1.1 Update (INSERT DATA) when the store has no Graph Store endpoint; in batches, with a progress bar on
a terminal (or with --progress). Afterwards the triples of each graph are counted on the store and compared.
If a request fails, the error lists the graphs that were written completely, and the exit code is 1.

--endpoint is the query endpoint. The Graph Store and Update URLs are derived from it when it ends in /query
or /sparql (.../store and .../update, Oxigraph's layout); otherwise give --store and --update.
Secrets never go on the command line: --password-env and --token-env name environment variables.

examples:
  oxigraph serve --location ./db --bind 127.0.0.1:7878 --union-default-graph &
  sco-kg push --endpoint http://127.0.0.1:7878/query --replace
  sco-kg push --endpoint http://localhost:3030/sco/query --store http://localhost:3030/sco/data \\
      --update http://localhost:3030/sco/update --user admin --password-env FUSEKI_PASSWORD --replace
  sco-kg push --endpoint http://127.0.0.1:7878/query --graph https://example.org/sco-kg --select asserted
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``push``."""
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
    p.add_argument("--user", metavar="U", help="user name for HTTP Basic authentication")
    p.add_argument("--password-env", metavar="VAR", help="environment variable that holds the password")
    p.add_argument("--token-env", metavar="VAR", help="environment variable that holds a bearer token")
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
    auth = remote.auth_from_env(args.user, args.password_env, args.token_env)
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
    )
    print(
        f"pushed {report.triples} triples in {len(report.graphs_written)} graph(s) to {args.endpoint} "
        f"({report.method}, {report.requests} requests, {report.seconds:.2f} s)"
    )
    if args.verify:
        print(f"verified: {sum(report.remote.values())} triples on the store in those graphs")
        for g in sorted(report.expected):
            name = iri.compact(g) if g else "default graph"
            print(f"  {name}  {report.remote.get(g, 0)}")
    return 0
