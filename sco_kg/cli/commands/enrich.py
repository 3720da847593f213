"""``sco-kg enrich``: refresh Wikidata-shaped facts about the linked entities from a live SPARQL endpoint."""

from __future__ import annotations

import argparse
import sys

HELP = "fetch Wikidata-shaped facts (labels, capital, coordinates) about the linked entities"
DESCRIPTION = """\
Ask a Wikidata-like SPARQL endpoint for labels (en/zh/ru), capital, coordinates, ISO 3166-1 alpha-3 code
and SCO membership of the Wikidata items on the allow-list data/external-ids.csv, and write them as a
dated Turtle snapshot. Only facts about allow-listed items are kept. The answer is cached in
<cache>/enrich/ (<cache> is SCO_KG_CACHE, else ~/.cache/sco-kg); --refresh asks again. Join the snapshot
with the declaration through the owl:sameAs links:

  sco-kg enrich --endpoint https://query.wikidata.org/sparql -o wikidata.ttl
  sco-kg sparql --with wikidata.ttl 'SELECT ...'
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``enrich``."""
    from pathlib import Path

    p.add_argument("--endpoint", required=True, metavar="URL", help="SPARQL endpoint URL (http or https)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the Turtle here (default: stdout)")
    p.add_argument(
        "--timeout", type=float, default=60.0, metavar="SECONDS", help="seconds to wait for the endpoint (60)"
    )
    p.add_argument("--refresh", action="store_true", help="ignore the cached answer and ask the endpoint again")


def run(args: argparse.Namespace) -> int:
    """Fetch (or reuse) the facts, write the snapshot; return the exit code."""
    from sco_kg.atomic import atomic_write_text
    from sco_kg.errors import UsageError
    from sco_kg.linking import enrich

    if args.timeout <= 0:
        raise UsageError(f"--timeout {args.timeout:g}: must be a positive number of seconds")
    result = enrich(args.endpoint, timeout=args.timeout, refresh=args.refresh)
    origin = f"cache {result.cache_file}" if result.cached else args.endpoint
    if args.output:
        atomic_write_text(args.output, result.turtle)
        where = str(args.output)
    else:
        sys.stdout.write(result.turtle)
        where = "stdout"
    print(
        f"enrich: {result.facts} facts about {result.subjects} of {result.items} linked Wikidata items "
        f"from {origin} -> {where}",
        file=sys.stderr,
    )
    return 0
