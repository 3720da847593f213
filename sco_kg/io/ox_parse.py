"""Files into a pyoxigraph ``Store`` (the fast read path; no rdflib, no owlrl imported here)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sco_kg.errors import DataFileError
from sco_kg.io.inputs import (
    OX_FORMATS,
    QUAD_FORMATS,
    asserted_files,
    check_readable,
    clean_ox_message,
    guard_input,
    ox_format,
    user_graph_iri,
)
from sco_kg.rdf import iri

if TYPE_CHECKING:
    import pyoxigraph


def load_file(store: pyoxigraph.Store, path: Path, graph: str | None = None, fmt: str | None = None) -> None:
    """Load ``path`` into ``store``; triple formats go into ``graph`` (the default graph when ``None``)."""
    import pyoxigraph as ox

    check_readable(path)
    name = fmt or OX_FORMATS.get(path.suffix.lower())
    if name is None:
        raise DataFileError(
            f"{path}: unknown RDF format for extension {path.suffix!r} (use one of {', '.join(sorted(OX_FORMATS))})"
        )
    data = guard_input(path, name)  # size limit, no XML entities, no foreign JSON-LD context (SECURITY.md T4/T5/T9)
    rdf_format = getattr(ox.RdfFormat, name)
    to_graph = None
    if (name not in QUAD_FORMATS or name == "JSON_LD") and graph is not None:  # as rdflib: JSON-LD's default graph
        to_graph = ox.NamedNode(graph)
    try:
        if data is None:
            store.bulk_load(path=str(path), format=rdf_format, to_graph=to_graph)
        else:
            store.bulk_load(input=data, format=rdf_format, to_graph=to_graph)
    except SyntaxError as exc:
        raise DataFileError(f"{path}: malformed RDF: {clean_ox_message(str(exc))}") from None
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path}: cannot load: {clean_ox_message(str(exc))}") from None


def parse_quads(path: Path, graph: str | None = None, fmt: str | None = None) -> Iterator[pyoxigraph.Quad]:
    """Yield the quads of ``path`` as written (no store: a store rewrites e.g. ``xsd:nonNegativeInteger`` literals
    as ``xsd:integer``), triple formats (and JSON-LD's default graph) in ``graph``; same guards and errors as
    :func:`load_file`. Blank nodes get fresh ids per file; relative IRIs resolve against the file's URI."""
    import pyoxigraph as ox

    check_readable(path)
    name = fmt or OX_FORMATS.get(path.suffix.lower())
    if name is None:
        raise DataFileError(
            f"{path}: unknown RDF format for extension {path.suffix!r} (use one of {', '.join(sorted(OX_FORMATS))})"
        )
    data = guard_input(path, name)
    to_graph = ox.NamedNode(graph) if graph is not None and (name not in QUAD_FORMATS or name == "JSON_LD") else None
    source = {"path": str(path)} if data is None else {"input": data}
    base = path.resolve().as_uri()
    try:
        for q in ox.parse(**source, format=getattr(ox.RdfFormat, name), base_iri=base, rename_blank_nodes=True):
            if to_graph is not None and isinstance(q.graph_name, ox.DefaultGraph):
                q = ox.Quad(q.subject, q.predicate, q.object, to_graph)
            yield q
    except SyntaxError as exc:
        raise DataFileError(f"{path}: malformed RDF: {clean_ox_message(str(exc))}") from None
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path}: cannot read: {clean_ox_message(str(exc))}") from None


def open_disk_store(store_dir: Path) -> pyoxigraph.Store:
    """Return the on-disk Oxigraph store in ``store_dir``, read-only (made by ``sco-kg store build``)."""
    import pyoxigraph as ox

    store_dir = Path(store_dir)
    hint = f"build one with 'sco-kg store build {store_dir}'"
    if not store_dir.exists():
        raise DataFileError(f"{store_dir}: no such store ({hint})")
    if not store_dir.is_dir():
        raise DataFileError(f"{store_dir}: not a directory; an Oxigraph store is a directory ({hint})")
    if not (store_dir / "CURRENT").is_file():
        raise DataFileError(f"{store_dir}: not an Oxigraph store (no CURRENT file; {hint})")
    try:
        return ox.Store.read_only(str(store_dir))
    except OSError as exc:
        raise DataFileError(f"{store_dir}: cannot open the store: {' '.join(str(exc).split())}") from None


def drop_context(store: pyoxigraph.Store) -> None:
    """Remove every graph of outside facts from ``store`` (see :func:`sco_kg.rdf.iri.is_context_graph`)."""
    for g in list(store.named_graphs()):
        if iri.is_context_graph(g.value):
            store.remove_graph(g)


def read_store(
    with_files: Sequence[Path] = (), with_format: str | None = None, context: bool = True
) -> pyoxigraph.Store:
    """Return the asserted dataset (shipped files plus ``with_files``) in a new in-memory pyoxigraph store."""
    import pyoxigraph as ox

    user_fmt = ox_format(with_format) if with_format else None
    store = ox.Store()
    for path, graph in asserted_files():
        load_file(store, path, graph)
    for user in with_files:
        load_file(store, Path(user), user_graph_iri(Path(user)), fmt=user_fmt)
    if not context:
        drop_context(store)
    return store
