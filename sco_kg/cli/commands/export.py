"""``sco-kg export``: write the dataset, or a selection of its graphs, in an RDF format (stdlib imports only)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator

from sco_kg.cli.commands._common import add_with_options
from sco_kg.cli.formats import RDF_FORMATS, DeprecatedFormatFlag, deprecated, format_type

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing at start-up
if TYPE_CHECKING:
    from types import FrameType

    from sco_kg.export.formats import Format

HELP = "export the graph as Turtle, TriG, N-Triples, N-Quads, RDF/XML or JSON-LD"

DESCRIPTION = """\
Export the knowledge graph, or a selection of its named graphs, deterministically: the same data gives
byte-identical output on every run (sorted statements, stable prefixes, content-derived blank-node labels).

Named graphs: TriG (trig), N-Quads (nq) and JSON-LD (jsonld) keep them. Turtle (turtle/ttl), N-Triples (nt)
and RDF/XML (rdfxml) cannot carry named graphs, so they get the UNION of the selected graphs.

JSON-LD is compacted with sco-kg's own context (embedded in the output; print it with --print-context), so no
reader has to fetch anything. With -o the file is written atomically: an interrupted or failed export never
leaves a truncated file and never replaces an existing one.

examples:
  sco-kg export                                   # Turtle of the asserted data and ontology, to stdout
  sco-kg export --format trig --graph all -o sco-kg.trig
  sco-kg export --format jsonld --frame entity -o entities.jsonld
  sco-kg export --profile wikidata --format ttl    # Wikidata-shaped statements (p:/ps:/pq:/pr:)
  sco-kg export --print-context > context.jsonld
"""

FORMAT_CHOICES = RDF_FORMATS  # turtle (ttl), nt, nq, trig, jsonld (json-ld), rdfxml — as in every command
# xml: RDF/XML before; deprecated (it names SPARQL XML results), so not listed in the error message
_FORMAT = format_type((*RDF_FORMATS, "xml"), RDF_FORMATS)
#: the CLI's format names -> the exporter's
_EXPORT_NAMES: dict[str, Format] = {
    "turtle": "ttl", "nt": "nt", "nq": "nq", "trig": "trig", "jsonld": "jsonld", "rdfxml": "xml",
}  # fmt: skip
GRAPH_CHOICES = ("asserted", "inferred", "all", "ontology", "provenance")
_EXTENSION_FORMATS = {
    ".ttl": "turtle",
    ".jsonld": "jsonld",
    ".json": "jsonld",
    ".nt": "nt",
    ".nq": "nq",
    ".trig": "trig",
    ".rdf": "rdfxml",
    ".xml": "rdfxml",
    ".owl": "rdfxml",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``export``."""
    from pathlib import Path  # here: the overview (``sco-kg --help``) imports this module, not pathlib

    p.add_argument(
        "--format",
        type=_FORMAT,
        metavar="FORMAT",
        default=None,
        help="turtle (ttl; the default), nt, nq, trig, jsonld (json-ld) or rdfxml; turtle/nt/rdfxml write the "
        "union of the graphs, trig/nq/jsonld keep the named graphs (default: from the -o extension, else turtle)",
    )
    p.add_argument("-f", dest="format", action=DeprecatedFormatFlag, convert=_FORMAT, help=argparse.SUPPRESS)
    p.add_argument(
        "-g",
        "--graph",
        choices=GRAPH_CHOICES,
        default="asserted",
        help="which graphs: asserted (ontology + data + provenance + text, the default), inferred (only the "
        "OWL 2 RL closure graphs scog:inferred*), all (asserted + inferred), ontology, provenance "
        "(scog:provenance + scog:text)",
    )
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.add_argument(
        "--frame",
        choices=("entity",),
        help="JSON-LD only: one object per entity (union of the graphs, blank nodes nested), for web developers",
    )
    p.add_argument(
        "--profile",
        choices=("wikidata",),
        help="wikidata: the facts that map onto Wikidata properties (P1891, P463, P1365/P1366, P276, P571, "
        "P585, P580) in Wikidata's statement model, with only verified identifiers and a reference each",
    )
    p.add_argument("--print-context", dest="print_context", action="store_true",
                   help="print sco-kg's JSON-LD context and exit")  # fmt: skip
    p.add_argument("--context", dest="old_context", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--no-context",
        dest="with_context",
        action="store_false",
        help="leave out the facts from outside the declaration (scog:context/*, scog:provenance-context, "
        "scog:inferred-context)",
    )
    add_with_options(p)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while exporting, so a killed export cleans up its temp file."""
    import signal

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not in the main thread (e.g. called from a server worker)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> int:
    """Export the selected graphs; return the exit code."""
    from sco_kg import export
    from sco_kg.errors import UsageError

    if args.old_context:
        deprecated("export --context", "export --print-context")
    if args.print_context or args.old_context:
        sys.stdout.write(export.context_text())
        return 0
    fmt = args.format
    if fmt == "xml":
        deprecated("export --format xml", "--format rdfxml (xml names SPARQL XML results)")
        fmt = "rdfxml"
    if fmt is None and args.frame:
        fmt = "jsonld"
    if fmt is None:
        fmt = _EXTENSION_FORMATS.get(args.output.suffix.lower(), "turtle") if args.output else "turtle"
    if args.frame and fmt != "jsonld":
        raise UsageError("--frame entity needs --format jsonld")
    with _sigterm_as_interrupt():
        # Chunks go out as they are encoded: a million-quad export never holds its whole output in memory.
        chunks = export.export_chunks(
            fmt=_EXPORT_NAMES[fmt],
            selection=args.graph,
            with_files=args.with_files,
            frame=args.frame,
            profile=args.profile,
            with_format=args.with_format,
            context=args.with_context,
        )
        if args.output is None:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
        else:
            size = export.write_file(args.output, chunks)
    if args.output is not None:
        print(f"wrote {args.output} ({size} bytes, {fmt})", file=sys.stderr)
    return 0
