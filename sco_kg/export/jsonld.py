"""JSON-LD in and out of sco-kg with the shipped context only: nothing is ever fetched (SECURITY.md T4).

The writer is :mod:`sco_kg.rdf.writers.jsonld`; :func:`parse_jsonld` reads JSON-LD, resolving only the
context published at :data:`CONTEXT_IRI` (to the local file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sco_kg.errors import DataFileError
from sco_kg.rdf import iri
from sco_kg.rdf.writers.jsonld import CONTEXT_FILE, context

#: The IRI under which the context is published; :func:`parse_jsonld` maps it to the local file.
CONTEXT_IRI = iri.BASE + "context.jsonld"


def context_text() -> str:
    """Return the shipped context file's text (what ``sco-kg export --context`` prints)."""
    return CONTEXT_FILE.read_text(encoding="utf-8")


def parse_jsonld(data: str | bytes | Path, graph_iri: str | None = None) -> Any:
    """Return an rdflib ``Dataset`` read from JSON-LD, resolving only the local sco-kg context.

    A document whose ``@context`` is (or includes) :data:`CONTEXT_IRI` gets the shipped context in its place;
    any other string ``@context`` (a remote or ``file:`` IRI) is refused before parsing, so nothing is ever
    fetched (SECURITY.md T4).

    Raises:
        DataFileError: the JSON is malformed or names a context other than sco-kg's.
    """
    from rdflib import Dataset

    where = str(data) if isinstance(data, Path) else "JSON-LD input"
    try:
        text = data.read_text(encoding="utf-8") if isinstance(data, Path) else data
        doc = json.loads(text)
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{where}: cannot read JSON-LD: {exc}") from None
    doc = _localize_contexts(doc, where)
    ds = Dataset(default_union=True)
    try:
        ds.parse(data=json.dumps(doc), format="json-ld", publicID=graph_iri or iri.GRAPH_USER)
    except Exception as exc:  # rdflib raises many exception types for bad JSON-LD
        raise DataFileError(f"{where}: malformed JSON-LD: {' '.join(str(exc).split())}") from None
    return ds


def _localize_contexts(node: Any, where: str) -> Any:
    if isinstance(node, list):
        return [_localize_contexts(n, where) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = _local_context(value, where)
        else:
            out[key] = _localize_contexts(value, where)
    return out


def _local_context(value: Any, where: str) -> Any:
    if isinstance(value, list):
        return [_local_context(v, where) for v in value]
    if isinstance(value, str):
        if value == CONTEXT_IRI:
            return context()
        raise DataFileError(
            f"{where}: refusing remote JSON-LD context {value!r} (only {CONTEXT_IRI} is resolved, locally)"
        )
    if isinstance(value, dict) and "@import" in value:
        raise DataFileError(f"{where}: refusing JSON-LD @import of {value['@import']!r}")
    if isinstance(value, dict):  # scoped contexts inside term definitions are fetched too (SECURITY.md T4)
        return {k: _localize_contexts(v, where) for k, v in value.items()}
    return value
