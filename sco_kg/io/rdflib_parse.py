"""Files into an rdflib ``Dataset`` (the authoring path): strict pre-parse by pyoxigraph, then rdflib.

The dataset's default graph is the union of its named graphs. The ontology goes into ``scog:ontology``; TriG
files carry their own graph names; a user's triple file goes into ``scog:user/<file name>``. No inference here.
Parse errors become :class:`~sco_kg.errors.DataFileError` naming the file and line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sco_kg.errors import DataFileError
from sco_kg.io.inputs import (
    _XML_FORMATS,
    RDF_FORMATS,
    asserted_files,
    check_readable,
    clean_ox_message,
    format_extension,
    guard_input,
    parse_error_message,
    user_graph_iri,
)
from sco_kg.rdf import iri

if TYPE_CHECKING:
    from rdflib import Dataset


# rdflib parser name -> pyoxigraph format name, for the strict pre-parse of :func:`_strict_check`.
_OX_NAMES = {"turtle": "TURTLE", "nt": "N_TRIPLES", "nquads": "N_QUADS", "trig": "TRIG", "xml": "RDF_XML",
             "json-ld": "JSON_LD", "n3": "N3"}  # fmt: skip


def _strict_check(path: Path, fmt: str, data: bytes | None) -> None:
    """Parse ``path`` with pyoxigraph's strict streaming parser first and raise its error, if any.

    rdflib accepts invalid IRIs (``<a b>``), literal subjects in Turtle/TriG and some bad escapes (SECURITY.md
    §8); checking with pyoxigraph makes both engines refuse the same files, with a line and column.
    """
    import pyoxigraph as ox

    name = _OX_NAMES.get(fmt)
    if name is None:
        return
    source = {"path": str(path)} if data is None else {"input": data}
    try:
        for _ in ox.parse(**source, format=getattr(ox.RdfFormat, name), base_iri=path.resolve().as_uri()):
            pass
    except SyntaxError as exc:
        raise DataFileError(f"{path}: malformed RDF: {clean_ox_message(str(exc))}") from None
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path}: cannot read: {' '.join(str(exc).split())}") from None


def parse_into(ds: Dataset, path: Path, graph: str | None = None, fmt: str | None = None) -> None:
    """Parse ``path`` into ``ds``; triple formats go into ``graph`` (required for them)."""
    from rdflib import URIRef

    from sco_kg import sandbox

    check_readable(path)
    fmt = fmt or RDF_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataFileError(
            f"{path}: unknown RDF format for extension {path.suffix!r} (use one of {', '.join(sorted(RDF_FORMATS))})"
        )
    data = guard_input(path, fmt)
    _strict_check(path, fmt, data)
    sandbox.harden_parsers()
    if fmt in _XML_FORMATS:
        sandbox.defuse_xml()  # second line behind guard_input (SECURITY.md T5)
    source = {"source": path} if data is None else {"data": data, "publicID": path.resolve().as_uri()}
    try:
        if fmt in ("trig", "nquads"):
            ds.parse(**source, format=fmt)
        else:
            if graph is None:
                raise DataFileError(f"{path}: a triple format needs a target graph")
            ds.graph(URIRef(graph)).parse(**source, format=fmt)
    except DataFileError:
        raise
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except Exception as exc:  # rdflib raises many exception types for bad syntax
        raise DataFileError(parse_error_message(path, exc)) from None


def drop_context(ds: Dataset) -> None:
    """Remove every graph of outside facts from ``ds`` (see :func:`sco_kg.rdf.iri.is_context_graph`)."""
    for g in list(ds.graphs()):
        if iri.is_context_graph(str(g.identifier)):
            ds.remove_graph(g)


def read_dataset(with_files: Sequence[Path] = (), with_format: str | None = None, context: bool = True) -> Dataset:
    """Return the asserted dataset (shipped ontology and data, plus ``with_files``) as an rdflib ``Dataset``.

    ``with_format`` names the format of ``with_files`` whose extension does not tell; ``context=False`` drops
    the graphs of outside facts (:func:`sco_kg.rdf.iri.is_context_graph`). No inference.
    """
    from rdflib import Dataset

    user_fmt = RDF_FORMATS[format_extension(with_format)] if with_format else None
    ds = Dataset(default_union=True)
    for path, graph in asserted_files():
        parse_into(ds, path, graph)
    if not context:
        drop_context(ds)
    for user in with_files:
        p = Path(user)
        parse_into(ds, p, user_graph_iri(p), fmt=user_fmt)
    return ds
