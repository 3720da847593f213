"""The N-Triples and N-Quads writers: one line per quad, in the canonical order."""

from __future__ import annotations

from collections.abc import Sequence

from sco_kg.rdf.canon import Row, nquad_lines, nquads, union, union_rows
from sco_kg.rdf.term import Quad


def write_nquads(quads: Sequence[Quad]) -> str:
    """Return canonical ``quads`` as N-Quads, one line per quad (default-graph quads as triples)."""
    return nquads(quads)


def write_ntriples(quads: Sequence[Quad]) -> str:
    """Return the union of ``quads`` as N-Triples, one sorted line per triple."""
    return nquads(union(quads))


def nquads_rows(rows: Sequence[Row]) -> str:
    """Return canonical ``rows`` as N-Quads, one line per row (default-graph rows as triples)."""
    return nquad_lines(rows)


def ntriples_rows(rows: Sequence[Row]) -> str:
    """Return the union of canonical ``rows`` as N-Triples, one sorted line per triple."""
    return nquad_lines(union_rows(rows))
