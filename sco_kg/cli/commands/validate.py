"""``sco-kg validate``: OWL RL consistency, SHACL shapes and ontology QA checks, as a report."""

from __future__ import annotations

import argparse

from sco_kg.cli.commands._common import add_with_options

HELP = "check consistency (owlrl), SHACL shapes and ontology QA queries; exit 1 on any failure"
DESCRIPTION = """\
Validate the ontology and data with three kinds of check:

  consistency  owlrl's clash reports (disjoint classes sharing an individual, owl:Nothing members, ...)
  shacl        the shapes in shapes/*.ttl (pySHACL): labels of states in en/zh/ru, treaty dates and
               places, action modality and source sentence, text offsets, assertion-graph provenance,
               external links on the allow-list data/external-ids.csv
  qa           the queries queries/checks/*-violation.rq, which must return no rows

Prints what failed, on which resource and why; exits 0 if everything passes, 1 otherwise.

examples:
  sco-kg validate
  sco-kg validate --format json
  sco-kg validate --only shacl --only qa --with my-notes.ttl
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``validate``."""
    p.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    p.add_argument(
        "--only",
        choices=("consistency", "shacl", "qa"),
        action="append",
        default=[],
        help="run only this kind of check (repeatable; default: all three)",
    )
    add_with_options(
        p,
        help="validate your own RDF file together with the data (graph scog:user/FILE); repeatable",
        with_format=False,
    )


def run(args: argparse.Namespace) -> int:
    """Run the checks and print the report; return 0 if all pass, 1 otherwise."""
    from sco_kg.validate import KINDS, validate

    report = validate(with_files=args.with_files, kinds=args.only or KINDS)
    print(report.to_json() if args.format == "json" else report.to_text())
    return 0 if report.ok else 1
