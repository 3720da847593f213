"""The export formats and the one entry point that writes canonical quads in any of them: :func:`serialize`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal, get_args

from sco_kg.errors import UsageError
from sco_kg.rdf import writers
from sco_kg.rdf.canon import Row
from sco_kg.rdf.term import Quad
from sco_kg.rdf.writers.jsonld import Frame

Format = Literal["ttl", "trig", "nt", "nq", "xml", "jsonld"]
Profile = Literal["wikidata"]

FORMATS: tuple[str, ...] = get_args(Format)

#: Media type and file extension of each format.
MEDIA_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "trig": "application/trig",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "xml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}
EXTENSIONS: dict[str, str] = {
    "ttl": ".ttl",
    "trig": ".trig",
    "nt": ".nt",
    "nq": ".nq",
    "xml": ".rdf",
    "jsonld": ".jsonld",
}
#: Formats that keep named graphs; the others get the union of the selected graphs.
QUAD_FORMATS = frozenset({"trig", "nq", "jsonld"})


def serialize(
    quads: Sequence[Quad],
    fmt: Format = "ttl",
    frame: Frame | None = None,
    ctx: dict[str, Any] | None = None,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """Return canonical ``quads`` serialised in ``fmt`` as UTF-8 bytes.

    Args:
        quads: canonical quads (from :func:`select` or :func:`canonicalize`).
        fmt: ``ttl``, ``trig``, ``nt``, ``nq``, ``xml`` or ``jsonld``.
        frame: ``"entity"`` for the one-object-per-entity JSON-LD view (``jsonld`` only).
        ctx: the JSON-LD context (default: the shipped one).
        prefixes: the prefixes Turtle, TriG and RDF/XML may use (default: :func:`all_prefixes`).
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")
    return writers.write(quads, fmt, frame, ctx, prefixes).encode("utf-8")


def serialize_rows(rows: Sequence[Row], fmt: Format = "ttl", frame: Frame | None = None) -> Iterator[bytes]:
    """Return :data:`~sco_kg.rdf.canon.Row` strings serialised in ``fmt``, as UTF-8 chunks.

    The bytes of :func:`serialize` of their quads, without a :class:`~sco_kg.rdf.term.Term` per quad for Turtle,
    TriG, N-Triples and N-Quads (what a million-quad export needs), and with the N-Triples and N-Quads lines
    encoded as they are written out. ``rows`` must be canonical (:func:`~sco_kg.export.select_rows`), except for
    the formats that write the union of the graphs (``ttl``, ``nt``, ``xml``, ``jsonld`` framed by entity),
    which canonicalize the union themselves.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")
    return writers.write_rows_chunks(rows, fmt, frame)
