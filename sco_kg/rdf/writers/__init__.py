"""The ONE set of RDF graph writers (Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD) behind :func:`write`.

They live at the RDF layer, below both the query engine (CONSTRUCT/DESCRIBE results) and the exporter (graph
selections and files), so that both write through the same code. Each takes canonical quads
(:func:`sco_kg.rdf.canon.canonicalize`) and returns deterministic text: sorted statements, content-derived
blank-node labels, only the prefixes used. The triple formats (Turtle, N-Triples, RDF/XML) get the union of
the graphs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sco_kg.errors import UsageError
from sco_kg.rdf.canon import Row, nquad_chunks, quads_of, row_of, union_rows
from sco_kg.rdf.term import Quad
from sco_kg.rdf.writers.jsonld import Frame, write_jsonld
from sco_kg.rdf.writers.ntriples import nquads_rows, ntriples_rows
from sco_kg.rdf.writers.rdfxml import write_rdfxml
from sco_kg.rdf.writers.turtle import trig_rows, turtle_rows

#: The format names, and the other names they are known by.
FORMATS: tuple[str, ...] = ("ttl", "trig", "nt", "nq", "xml", "jsonld")
ALIASES = {"turtle": "ttl", "ntriples": "nt", "nquads": "nq", "rdfxml": "xml", "json-ld": "jsonld"}


def write(
    quads: Sequence[Quad],
    fmt: str = "ttl",
    frame: Frame | None = None,
    ctx: dict[str, Any] | None = None,
    prefixes: dict[str, str] | None = None,
) -> str:
    """Return canonical ``quads`` written in ``fmt`` (a name of :data:`FORMATS` or :data:`ALIASES`).

    Args:
        quads: canonical quads.
        fmt: ``ttl``, ``trig``, ``nt``, ``nq``, ``xml`` or ``jsonld``.
        frame: ``"entity"`` for the one-object-per-entity JSON-LD view (``jsonld`` only).
        ctx: the JSON-LD context (default: the shipped one).
        prefixes: the prefixes Turtle, TriG and RDF/XML may use (default: all the project's).

    Raises:
        UsageError: an unknown format, or a frame for a format other than JSON-LD.
    """
    fmt = _check(fmt, frame)
    if fmt in ("xml", "jsonld"):
        return _write_terms(quads, fmt, frame, ctx, prefixes)
    return write_rows([row_of(q) for q in quads], fmt, frame, ctx, prefixes)


def write_rows(
    rows: Sequence[Row],
    fmt: str = "ttl",
    frame: Frame | None = None,
    ctx: dict[str, Any] | None = None,
    prefixes: dict[str, str] | None = None,
) -> str:
    """Return canonical :data:`~sco_kg.rdf.canon.Row` strings written in ``fmt``, as :func:`write` does.

    Turtle, TriG, N-Triples and N-Quads are written from the strings themselves; RDF/XML and JSON-LD from
    :class:`Term` quads made of them.
    """
    fmt = _check(fmt, frame)
    if fmt == "ttl":
        return turtle_rows(rows, prefixes)
    if fmt == "trig":
        return trig_rows(rows, prefixes)
    if fmt == "nt":
        return ntriples_rows(rows)
    if fmt == "nq":
        return nquads_rows(rows)
    return _write_terms(quads_of(rows), fmt, frame, ctx, prefixes)


def write_rows_chunks(
    rows: Sequence[Row],
    fmt: str = "ttl",
    frame: Frame | None = None,
    ctx: dict[str, Any] | None = None,
    prefixes: dict[str, str] | None = None,
) -> Iterator[bytes]:
    """Return :func:`write_rows` as UTF-8 chunks (N-Triples and N-Quads encoded 65,536 lines at a time).

    Everything but the encoding of the N-Triples and N-Quads lines happens before this returns, so an error
    (an unknown format, a predicate RDF/XML cannot write) is raised before any chunk is written anywhere.
    """
    fmt = _check(fmt, frame)
    if fmt == "nq":
        return nquad_chunks(rows)
    if fmt == "nt":
        return nquad_chunks(union_rows(rows))
    return iter([write_rows(rows, fmt, frame, ctx, prefixes).encode("utf-8")])


def _check(fmt: str, frame: Frame | None) -> str:
    fmt = ALIASES.get(fmt, fmt)
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")
    if frame is not None and fmt != "jsonld":
        raise UsageError(f"--frame {frame} needs --format jsonld")
    return fmt


def _write_terms(
    quads: Sequence[Quad], fmt: str, frame: Frame | None, ctx: dict[str, Any] | None, prefixes: dict[str, str] | None
) -> str:
    if fmt == "xml":
        return write_rdfxml(quads, prefixes)
    return write_jsonld(quads, ctx, frame)
