"""Options and output shared by ``sco-kg query`` and ``sco-kg sparql`` (stdlib only at import time)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping

from sco_kg.cli.commands._common import (
    add_lang_option,
    add_read_options,
    byte_count,
    graphs_used,
    non_negative_int,
    positive_float,
    source_of,
)
from sco_kg.cli.commands._remote_options import add_remote_options
from sco_kg.cli.formats import RDF_FORMATS, RESULT_FORMATS, DeprecatedFormatFlag, format_type

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing at start-up
if TYPE_CHECKING:
    from sco_kg.engine.limits import Limits
    from sco_kg.engine.results import Result
    from sco_kg.rdf.term import Term

# The graph formats a CONSTRUCT/DESCRIBE result is written in (``table`` gives Turtle).
GRAPH_FORMATS = RDF_FORMATS
_FORMAT = format_type(RESULT_FORMATS + RDF_FORMATS)


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Add ``--format``, the read options, ``--lang``, ``--engine``, the limits, ``--allow-service`` and the remote
    options (``--endpoint`` with its store and auth options): what ``query`` and ``sparql`` share."""
    from sco_kg.engine.limits import DEFAULT_MAX_ROWS, DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT

    p.add_argument("--format", metavar="FORMAT", default="table", type=_FORMAT,
                   help="table (default; labels instead of IRIs, fitted to the terminal), md, csv, tsv, "
                   "json (srj), xml (srx: SPARQL XML results); for CONSTRUCT/DESCRIBE: turtle (ttl, the "
                   "default), nt, nq, trig, jsonld (json-ld), rdfxml")  # fmt: skip
    p.add_argument("-o", dest="format", metavar="FORMAT", action=DeprecatedFormatFlag, convert=_FORMAT,
                   help=argparse.SUPPRESS)  # fmt: skip
    add_read_options(p)
    add_lang_option(p)
    p.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph",
                   help="SPARQL engine (default: oxigraph, fast; rdflib for comparison)")  # fmt: skip
    p.add_argument("--timeout", type=positive_float, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"stop the query after S seconds (default: {DEFAULT_TIMEOUT:g})")  # fmt: skip
    p.add_argument("--max-rows", type=non_negative_int, default=DEFAULT_MAX_ROWS, metavar="N",
                   help=f"fail when the result has more than N rows (default: {DEFAULT_MAX_ROWS})")  # fmt: skip
    p.add_argument("--memory-limit", type=byte_count, default=DEFAULT_MEMORY_LIMIT, metavar="SIZE",
                   help="stop a query whose worker process grows by more than SIZE (suffixes k, M, G; "
                   "0 = no limit; default 1G)")  # fmt: skip
    p.add_argument("--allow-service", action="append", default=[], metavar="HOST",
                   help="let SERVICE call this host (repeatable; off by default; for federated queries)")  # fmt: skip
    p.add_argument("--endpoint", metavar="URL", default=None,
                   help="run it on this remote SPARQL endpoint (SPARQLWrapper), not locally")  # fmt: skip
    add_remote_options(p)


def run_and_print(args: argparse.Namespace, execute: Callable[[Limits], Result]) -> int:
    """Run ``execute(limits)`` (returns a Result), print it in ``args.format``; return the exit code."""
    from sco_kg.cli.commands._remote_options import auth_of, check_remote_only
    from sco_kg.engine.labels import labels
    from sco_kg.engine.limits import Limits
    from sco_kg.errors import UsageError

    limits = Limits(timeout=args.timeout, max_rows=args.max_rows, memory_limit=args.memory_limit or None)
    endpoint = getattr(args, "endpoint", None)
    check_remote_only(args)
    auth = auth_of(args) if endpoint else None
    context = getattr(args, "context", True)
    if endpoint and (
        args.with_files or args.store_dir or not args.inferred or not context or args.engine != "oxigraph"
    ):
        raise UsageError(
            "--endpoint queries the remote dataset: it cannot be combined with --with, --store, "
            "--no-inference, --no-context or --engine"
        )
    result = execute(limits)
    fmt = args.format
    if result.form == "UPDATE":
        print("update applied to an in-memory copy of the dataset; nothing was written to disk", file=sys.stderr)
        return 0
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        if fmt == "table":
            fmt = "turtle"
        if fmt not in GRAPH_FORMATS:
            raise UsageError(
                f"--format {fmt} is for SELECT/ASK results; a {result.form} gives a graph "
                f"(use {', '.join(GRAPH_FORMATS)})"
            )
        sys.stdout.buffer.write(graph_bytes(result, fmt))
        sys.stdout.flush()
        return 0
    if fmt in GRAPH_FORMATS:
        raise UsageError(f"--format {fmt} is for CONSTRUCT/DESCRIBE results (use {', '.join(RESULT_FORMATS)})")
    if fmt in ("table", "md"):
        terms = [t for row in result.rows for t in row if t is not None]
        runner = None
        if endpoint:
            from sco_kg import remote

            def runner(text: str) -> Result:
                return remote.run_sparql(endpoint, text, timeout=args.timeout, auth=auth)

        from sco_kg.cli.render import render, terminal_width

        names = labels(terms, args.lang, source_of(args), engine=args.engine, runner=runner)
        print(render(result, fmt, names, width=terminal_width()))
        # The default views say which graphs they used (issue 7), on stderr (issue 17): stdout is the table.
        sys.stdout.flush()
        print(f"graphs: the remote dataset at {endpoint}" if endpoint else graphs_used(args), file=sys.stderr)
        return 0
    sys.stdout.buffer.write(result.serialize(fmt))
    sys.stdout.flush()
    return 0


def graph_bytes(result: Result, fmt: str) -> bytes:
    """Return the triples of a CONSTRUCT/DESCRIBE ``result`` in the RDF format ``fmt`` (a canonical name)."""
    if fmt in ("turtle", "nt", "jsonld", "trig"):
        return result.serialize(fmt)
    from sco_kg.rdf import writers
    from sco_kg.rdf.canon import canonicalize

    # nq and rdfxml: the same writers and canonical blank nodes as Result.serialize and the exporter.
    quads = canonicalize((s, p, o, None) for s, p, o in result.triples)
    return writers.write(quads, {"nq": "nq", "rdfxml": "xml"}[fmt]).encode("utf-8")


def run_remote(args: argparse.Namespace, text: str, bindings: Mapping[str, Term] | None, limits: Limits) -> Result:
    """Return the result of ``text`` on ``args.endpoint`` with the CLI's limits (timeout, row cap, --allow-service),
    credentials and store profile (asked from the store only when parameters must reach it)."""
    from sco_kg import remote
    from sco_kg.cli.commands._remote_options import auth_of
    from sco_kg.engine.limits import DEFAULT_TIMEOUT as TIMEOUT
    from sco_kg.remote import auth as remote_auth
    from sco_kg.remote import profiles

    timeout = limits.timeout or TIMEOUT
    auth = auth_of(args)
    store_type = getattr(args, "store_type", "auto")
    profile = profiles.get("generic" if store_type == "auto" and not bindings else
                           profiles.resolve(store_type, args.endpoint, min(timeout, 10.0), auth).name)  # fmt: skip
    return remote.run_sparql(
        args.endpoint,
        text,
        bindings=bindings,
        timeout=timeout,
        max_rows=limits.max_rows,
        truncate=limits.truncate,
        allow_service=tuple(getattr(args, "allow_service", ()) or ()),
        auth=remote_auth.for_profile(auth, profile.auth_scheme),
        inline=profile.inline_params,
    )
