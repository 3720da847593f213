"""The fast read path: the dataset in a pyoxigraph ``Store`` (no rdflib, no owlrl imported here).

``open_store(inferred=True)`` loads the materialised dataset (asserted + inferred N-Quads) that
:mod:`sco_kg.closure` keeps fresh (the shipped artifact for the shipped data, a cached one otherwise);
``inferred=False`` loads the asserted files directly. Parse errors become :class:`DataFileError`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sco_kg import iri
from sco_kg.errors import DataFileError

if TYPE_CHECKING:
    import pyoxigraph

    from sco_kg.load import Summary

# File extension -> pyoxigraph format name (see pyoxigraph.RdfFormat).
OX_FORMATS: dict[str, str] = {
    ".ttl": "TURTLE",
    ".turtle": "TURTLE",
    ".nt": "N_TRIPLES",
    ".nq": "N_QUADS",
    ".trig": "TRIG",
    ".rdf": "RDF_XML",
    ".owl": "RDF_XML",
    ".xml": "RDF_XML",
    ".jsonld": "JSON_LD",
    ".json": "JSON_LD",
    ".n3": "N3",
}
QUAD_FORMATS = {"N_QUADS", "TRIG", "JSON_LD"}


def _clean_ox_message(msg: str) -> str:
    # pyoxigraph appends "(file, line N)"; the caller names the file already.
    return re.sub(r"\s*\([^()]*, line \d+\)\s*$", "", " ".join(msg.split()))


def load_file(store: pyoxigraph.Store, path: Path, graph: str | None = None, fmt: str | None = None) -> None:
    """Load ``path`` into ``store``; triple formats go into ``graph`` (the default graph when ``None``)."""
    import pyoxigraph as ox

    from sco_kg.load import check_readable, guard_input

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
        raise DataFileError(f"{path}: malformed RDF: {_clean_ox_message(str(exc))}") from None
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path}: cannot load: {_clean_ox_message(str(exc))}") from None


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


def ox_format(with_format: str) -> str:
    """Return the pyoxigraph format name of the ``--with-format`` value (see :func:`sco_kg.load.format_extension`)."""
    from sco_kg.load import format_extension

    return OX_FORMATS[format_extension(with_format)]


def drop_context(store: pyoxigraph.Store) -> None:
    """Remove every graph of outside facts from ``store`` (see :func:`sco_kg.iri.is_context_graph`)."""
    for g in list(store.named_graphs()):
        if iri.is_context_graph(g.value):
            store.remove_graph(g)


def open_store(
    inferred: bool = True,
    with_files: Sequence[Path] = (),
    store_dir: Path | None = None,
    with_format: str | None = None,
    context: bool = True,
) -> pyoxigraph.Store:
    """Return a pyoxigraph store of the dataset (in memory, or the on-disk store ``store_dir``).

    Args:
        inferred: load the materialised dataset (asserted + the inferred graphs); otherwise the asserted files.
        with_files: the user's RDF files, each in ``scog:user/<file name>``.
        store_dir: open this on-disk store read-only instead; it holds what it was built from, so
            ``with_files``, ``inferred=False`` and ``context=False`` are refused with it (build a store with
            them instead).
        with_format: the format of ``with_files`` when their extension does not tell (``ttl``, ``nq``, …).
        context: keep the outside facts and ``scog:inferred-context``; ``False`` drops every graph that
            :func:`sco_kg.iri.is_context_graph` names (the inferred graphs are then computed without them).
    """
    import pyoxigraph as ox

    if store_dir is not None:
        from sco_kg.errors import UsageError

        for refused, given in (
            ("--with FILE", bool(with_files)),
            ("--no-inference", not inferred),
            ("--no-context", not context),
        ):
            if given:
                raise UsageError(
                    f"{refused.split()[0]} cannot be combined with --store: a store holds what it was built "
                    f"from (build one with 'sco-kg store build {store_dir} {refused}')"
                )
        return open_disk_store(store_dir)

    from sco_kg.load import asserted_files, user_graph_iri

    user_fmt = ox_format(with_format) if with_format else None
    store = ox.Store()
    if inferred:
        from sco_kg import closure

        nq = closure.materialized_path(list(with_files), with_format=with_format, context=context)
        load_file(store, nq, fmt="N_QUADS")
    else:
        for path, graph in asserted_files():
            load_file(store, path, graph)
        for user in with_files:
            load_file(store, Path(user), user_graph_iri(Path(user)), fmt=user_fmt)
    if not context:
        drop_context(store)
    return store


def summary(store: pyoxigraph.Store) -> Summary:
    """Return triples per graph (assertion graphs grouped) and instances per class (ontology graph excluded)."""
    from sco_kg.load import Summary

    graphs: dict[str, int] = {}
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    for row in rows:  # type: ignore[union-attr]
        g = row["g"].value
        key = iri.GRAPH_ASSERTION + "*" if g.startswith(iri.GRAPH_ASSERTION) else g
        graphs[key] = graphs.get(key, 0) + int(row["n"].value)
    classes: dict[str, int] = {}
    rows = store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } "
        f"FILTER(?g != <{iri.GRAPH_ONTOLOGY}>) }} GROUP BY ?c"
    )
    for row in rows:  # type: ignore[union-attr]
        classes[row["c"].value] = int(row["n"].value)
    return Summary(graphs=dict(sorted(graphs.items())), classes=dict(sorted(classes.items())))
