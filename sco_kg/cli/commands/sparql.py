"""``sco-kg sparql``: run any SPARQL query (checked by the policy first) and print the result."""

from __future__ import annotations

import argparse

from sco_kg.cli.commands._common import source_of
from sco_kg.cli.commands._query_common import add_run_options, run_and_print, run_remote

HELP = "run an ad-hoc SPARQL query (text or -f FILE)"
DESCRIPTION = """Run a SPARQL 1.1 query on the dataset (default graph = union of all graphs).

SERVICE, LOAD and FROM <remote IRI> are refused; an update (INSERT, DELETE, ...) is refused unless
--allow-update is given, and then it changes only an in-memory copy: nothing is written to disk.

examples:
  sco-kg sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
  sco-kg sparql -f my-query.rq --format csv
  sco-kg sparql 'CONSTRUCT WHERE { <https://w3id.org/sco-kg/id/state/china> ?p ?o }' --format nt
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``sparql``."""
    p.add_argument("query", nargs="?", metavar="QUERY", help="the SPARQL text (or use -f FILE; '-' reads stdin)")
    p.add_argument("-f", "--file", metavar="FILE", help="read the query from FILE ('-' for stdin)")
    p.add_argument("--allow-update", action="store_true",
                   help="run an update on an in-memory copy (never written to disk)")  # fmt: skip
    add_run_options(p)


def read_query(args: argparse.Namespace) -> str:
    """Return the query text from the argument, ``-f FILE`` or stdin.

    Raises:
        UsageError: neither or both of QUERY and -f are given.
        DataFileError: the file cannot be read or is not UTF-8.
    """
    import sys
    from pathlib import Path

    from sco_kg.errors import DataFileError, UsageError

    if (args.query is None) == (args.file is None):
        raise UsageError("give the query either as an argument or with -f FILE (not both)")
    source = args.file if args.file is not None else args.query
    if args.file is None and source != "-":
        return str(source)
    if source == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        path = Path(source)
        if not path.is_file():
            raise DataFileError(f"{path}: query file not found" if not path.exists() else f"{path}: not a file")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DataFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
        name = str(path)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark is accepted, not part of the query
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{name}: not UTF-8 text (byte {exc.start})") from None


def run(args: argparse.Namespace) -> int:
    """Run the query and print its result; return the exit code."""
    from dataclasses import replace

    from sco_kg.engine import run as engine
    from sco_kg.engine.limits import Limits
    from sco_kg.engine.results import Result

    text = read_query(args)

    def execute(limits: Limits) -> Result:
        limits = replace(limits, allow_service=tuple(args.allow_service))
        if args.endpoint:
            return run_remote(args, text, None, limits)
        return engine.run(text, source_of(args), limits, engine=args.engine, allow_update=args.allow_update)

    return run_and_print(args, execute)
