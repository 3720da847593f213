"""``sco-kg query NAME``: run a canned query with typed parameters and print the result."""

from __future__ import annotations

import argparse

from sco_kg.cli.commands._common import source_of
from sco_kg.cli.commands._provenance import name_defaults, statement_note
from sco_kg.cli.commands._query_common import add_run_options, run_and_print, run_remote

HELP = "run a canned query by name (see 'sco-kg queries')"
DESCRIPTION = """Run a canned query from queries/NAME.rq.

examples:
  sco-kg query signatories
  sco-kg query signatories --lang zh
  sco-kg query about-resource --param resource=state:uzbekistan --format csv
  sco-kg query paragraph-assertions --param paragraph=13 --format json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``query``."""
    p.add_argument("name", metavar="NAME", help="the query name (file stem in queries/)")
    p.add_argument("--param", "-p", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter value (repeatable); see 'sco-kg queries' for each query's parameters")  # fmt: skip
    add_run_options(p)


def parse_params(items: list[str]) -> dict[str, str]:
    """Return ``KEY=VALUE`` items as a dict.

    Raises:
        UsageError: an item without ``=``, an empty key, or a key given twice.
    """
    from sco_kg.errors import UsageError

    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--param {item!r}: expected KEY=VALUE")
        if key in out:
            raise UsageError(f"--param {key!r} given twice")
        out[key] = value
    return out


def run(args: argparse.Namespace) -> int:
    """Run the canned query and print its result; return the exit code."""
    from dataclasses import replace

    from sco_kg.engine import run as engine
    from sco_kg.engine.limits import Limits
    from sco_kg.engine.results import Result
    from sco_kg.sparql import catalog
    from sco_kg.sparql.params import bind_params

    q = catalog.get(args.name)
    params = parse_params(args.param)
    if "lang" in q.params and "lang" not in params:
        params["lang"] = args.lang  # --lang also selects the language of a label-showing query
    bindings = bind_params(q, params)
    name_defaults(q, params)
    results: list[Result] = []

    def execute(limits: Limits) -> Result:
        limits = replace(limits, allow_service=tuple(args.allow_service))
        if args.endpoint:
            return run_remote(args, q.text, bindings, limits)
        results.append(engine.run(q.text, source_of(args), limits, engine=args.engine, bindings=bindings, trusted=True))
        return results[-1]

    code = run_and_print(args, execute)
    if code == 0 and results:
        code = statement_note(q, bindings, results[-1], source_of(args), args.engine)
    return code
