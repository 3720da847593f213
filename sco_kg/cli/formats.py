"""One vocabulary of format names and short flags for every command (stdlib only: ``--help`` stays cheap).

Every command accepts the same name and aliases for the same format; RDF/XML (``rdfxml``) and SPARQL XML
results (``xml``/``srx``) are named apart. Spellings that meant something else before keep working for one
release with a deprecation message on stderr (:func:`deprecated`). The table of docs/reference/options.md is
written from :data:`FORMATS` and :data:`DEPRECATED` (``python docs/gen_reference.py``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

#: canonical name -> (aliases, what it is). Result formats first, then RDF formats.
FORMATS: dict[str, tuple[tuple[str, ...], str]] = {
    "table": ((), "a table for the terminal: labels instead of IRIs, cells fitted to the width"),
    "md": (("markdown",), "a Markdown table (labels instead of IRIs)"),
    "csv": ((), "SPARQL 1.1 Query Results CSV"),
    "tsv": ((), "SPARQL 1.1 Query Results TSV"),
    "json": (("srj",), "SPARQL 1.1 Query Results JSON"),
    "xml": (("srx",), "SPARQL Query Results XML (not RDF/XML: that is rdfxml)"),
    "turtle": (("ttl",), "Turtle"),
    "nt": (("ntriples", "n-triples"), "N-Triples"),
    "nq": (("nquads", "n-quads"), "N-Quads (keeps named graphs)"),
    "trig": ((), "TriG (keeps named graphs)"),
    "jsonld": (("json-ld",), "JSON-LD, compacted with sco-kg's own context"),
    "rdfxml": (("rdf/xml", "rdf"), "RDF/XML"),
}
RESULT_FORMATS = ("table", "md", "csv", "tsv", "json", "xml")
RDF_FORMATS = ("turtle", "nt", "nq", "trig", "jsonld", "rdfxml")

_ALIASES = {alias: name for name, (aliases, _) in FORMATS.items() for alias in (name, *aliases)}

#: (command, old spelling, new spelling, why) — kept for one release (0.x → removed in the next minor).
DEPRECATED: tuple[tuple[str, str, str, str], ...] = (
    ("query, sparql", "-o FORMAT", "--format FORMAT", "-o is the output file everywhere"),
    ("export", "-f FORMAT", "--format FORMAT", "-f is the query file (sparql) everywhere"),
    ("export", "--format xml", "--format rdfxml", "xml names SPARQL XML results"),
    ("export", "--context", "--print-context", "--no-context drops the outside facts; apart from that"),
)


def deprecated(old: str, new: str) -> None:
    """Print the one-line deprecation message of ``old`` (replaced by ``new``) on stderr."""
    print(f"sco-kg: warning: {old} is deprecated and will be removed in the next release; use {new}", file=sys.stderr)


def canonical(name: str) -> str | None:
    """Return the canonical name of the format ``name`` (any alias, any case), or ``None``."""
    return _ALIASES.get(name.strip().lower())


def format_type(allowed: Sequence[str], shown: Sequence[str] | None = None) -> Any:
    """Return an argparse ``type`` that maps any alias of a format in ``allowed`` to its canonical name.

    ``shown``: the formats the error message lists (default: ``allowed``; a deprecated one can be left out).
    """

    def convert(text: str) -> str:
        name = canonical(text)
        if name is None or name not in allowed:
            names = ", ".join(f"{n} ({' or '.join(FORMATS[n][0])})" if FORMATS[n][0] else n for n in shown or allowed)
            raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {names})")  # argparse's words
        return name

    convert.__name__ = "format"
    return convert


def with_format_type(text: str) -> str:
    """The argparse ``type`` of ``--with-format``: an input RDF format by any of its names (or an extension)."""
    name = canonical(text)
    if name in ("xml", "rdfxml"):
        return "rdf"  # an input file cannot be SPARQL results: xml here is RDF/XML, as before
    if name == "turtle":
        return "ttl"
    return name if name in RDF_FORMATS else text


class DeprecatedFormatFlag(argparse.Action):
    """A short flag that used to name the format: store into ``format`` and print the deprecation message."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        self.convert = kwargs.pop("convert")
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:  # fmt: skip
        try:
            value = self.convert(values)
        except argparse.ArgumentTypeError as exc:
            parser.error(f"argument {option_string}: {exc}")  # one line: no deprecation note before it
        deprecated(f"{option_string} FORMAT", "--format FORMAT")
        setattr(namespace, self.dest, value)
