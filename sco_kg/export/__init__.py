"""Serialise the dataset or a selection of its graphs: Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD.

This package owns the exports: which graphs (:mod:`~sco_kg.export.selection`), the Wikidata profile
(:mod:`~sco_kg.export.wikidata`), JSON-LD with the local context only (:mod:`~sco_kg.export.jsonld`), the
formats and :func:`serialize` (:mod:`~sco_kg.export.formats`), and files. The writers themselves are the
package's one set (:mod:`sco_kg.rdf.writers`, shared with the query engine's CONSTRUCT/DESCRIBE results), so
the output is byte-identical on every run: triples are sorted, blank nodes get content-derived labels
(:mod:`sco_kg.rdf.canon`), and the prefixes are the stable ones of :data:`sco_kg.rdf.iri.PREFIXES` (only
those the output uses are declared). The quads come from pyoxigraph, so every term is valid RDF by
construction. Formats that carry named graphs (TriG, N-Quads, JSON-LD) keep them; the triple formats
(Turtle, N-Triples, RDF/XML) get the union of the selected graphs. Files are written atomically
(:mod:`sco_kg.atomic`). This package must not import owlrl, and imports rdflib only where a caller hands it
an rdflib dataset.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from sco_kg.atomic import atomic_writer
from sco_kg.errors import DataFileError, UsageError
from sco_kg.export.formats import (
    EXTENSIONS,
    FORMATS,
    MEDIA_TYPES,
    QUAD_FORMATS,
    Format,
    Profile,
    serialize,
    serialize_rows,
)
from sco_kg.export.jsonld import CONTEXT_IRI, context_text, parse_jsonld
from sco_kg.export.selection import (
    SELECTION_HELP,
    SELECTIONS,
    Selection,
    parse_file,
    quads_from_rdflib,
    quads_from_store,
    rows_from_store,
    select,
    select_rows,
)
from sco_kg.export.wikidata import (
    REFERENCE_NS,
    STATEMENT_NS,
    prefix_context,
    verified_wikidata_ids,
    wikidata_statements,
)
from sco_kg.rdf.canon import canonicalize, union
from sco_kg.rdf.term import XSD, XSD_STRING, Quad, Term
from sco_kg.rdf.writers.jsonld import CONTEXT_FILE, Compactor, Frame, context, write_jsonld
from sco_kg.rdf.writers.ntriples import write_nquads, write_ntriples
from sco_kg.rdf.writers.prefixes import EXTRA_PREFIXES, all_prefixes
from sco_kg.rdf.writers.rdfxml import ExportError, write_rdfxml
from sco_kg.rdf.writers.turtle import write_trig, write_turtle

__all__ = [
    "CONTEXT_FILE",
    "CONTEXT_IRI",
    "EXTENSIONS",
    "EXTRA_PREFIXES",
    "FORMATS",
    "MEDIA_TYPES",
    "QUAD_FORMATS",
    "REFERENCE_NS",
    "SELECTIONS",
    "SELECTION_HELP",
    "STATEMENT_NS",
    "XSD",
    "XSD_STRING",
    "Compactor",
    "ExportError",
    "Format",
    "Frame",
    "Profile",
    "Quad",
    "Selection",
    "Term",
    "all_prefixes",
    "canonicalize",
    "context",
    "context_text",
    "export",
    "export_chunks",
    "parse_file",
    "parse_jsonld",
    "prefix_context",
    "quads_from_rdflib",
    "quads_from_store",
    "rows_from_store",
    "select",
    "select_rows",
    "serialize",
    "serialize_rows",
    "union",
    "verified_wikidata_ids",
    "wikidata_statements",
    "write_file",
    "write_jsonld",
    "write_nquads",
    "write_ntriples",
    "write_rdfxml",
    "write_trig",
    "write_turtle",
]


def export(
    fmt: Format = "ttl",
    selection: Selection = "asserted",
    output: str | Path | None = None,
    with_files: Sequence[str | Path] = (),
    frame: Frame | None = None,
    profile: Profile | None = None,
    with_format: str | None = None,
    context: bool = True,
) -> bytes:
    """Return the export of a selection of the dataset, and write it atomically to ``output`` when given.

    Args:
        fmt: the format (see :data:`FORMATS`).
        selection: which graphs (see :data:`SELECTION_HELP`).
        output: the target file; it is replaced only once the whole export has been produced and written.
        with_files: the user's RDF files, each merged into its own graph.
        frame: ``"entity"`` for the framed JSON-LD view.
        profile: ``"wikidata"`` for the Wikidata-shaped statements instead of the graphs themselves.
        with_format: the format of ``with_files`` when their extension does not tell.
        context: keep the outside facts (``scog:context/*``, ``scog:provenance-context``,
            ``scog:inferred-context``).

    Returns:
        The serialised bytes.
    """
    data = b"".join(export_chunks(fmt, selection, with_files, frame, profile, with_format, context))
    if output is not None:
        write_file(output, data)
    return data


def export_chunks(
    fmt: Format = "ttl",
    selection: Selection = "asserted",
    with_files: Sequence[str | Path] = (),
    frame: Frame | None = None,
    profile: Profile | None = None,
    with_format: str | None = None,
    context: bool = True,
) -> Iterator[bytes]:
    """Return the bytes of :func:`export` as chunks, to be written out one by one (see :func:`write_file`).

    The graphs are read and everything that can fail is done before this returns; what is left is encoding
    N-Triples and N-Quads lines, so a million-quad export never holds its whole output in memory.
    """
    if profile is not None:
        if profile != "wikidata":
            raise UsageError(f"unknown export profile {profile!r} (use wikidata)")
        quads = wikidata_statements(with_files)
        return iter([serialize(quads, fmt, frame, ctx=prefix_context(quads) if fmt == "jsonld" else None)])
    # The union formats canonicalize the union of the graphs themselves: the rows need not be sorted first.
    union_only = fmt in ("ttl", "nt", "xml") or (fmt == "jsonld" and frame == "entity")
    rows = select_rows(selection, with_files, with_format, context, canonical=not union_only, union=union_only)
    return serialize_rows(rows, fmt, frame)


def write_file(output: str | Path, data: bytes | Iterable[bytes]) -> int:
    """Write ``data`` (bytes, or chunks of them) to ``output`` atomically; return the number of bytes written.

    An error, in the writing or in producing the chunks, leaves any existing file untouched.
    """
    target = Path(output)
    if target.is_dir():
        raise UsageError(f"{target}: is a directory (give a file name for -o)")
    written = 0
    try:
        with atomic_writer(target, "wb") as fh:
            for chunk in [data] if isinstance(data, bytes) else data:
                written += fh.write(chunk)
    except OSError as exc:
        raise DataFileError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return written
