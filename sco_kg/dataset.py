"""The dataset as users ask for it (layer 5).

A :class:`Source` names what goes in: the shipped ontology and data, with or without the OWL 2 RL closure
(``inferred``) and the outside facts (``context``), plus the user's own files (``with_files``, their format
``with_format``), or an on-disk Oxigraph store built by ``sco-kg store build`` (``store_dir``).

* :func:`load` returns it as an rdflib ``Dataset`` (the authoring path);
* :func:`open_store` as a new pyoxigraph ``Store`` (the fast path), :func:`cached_store` as a shared one (kept
  on disk too, as the query store cache: trusted by the stats of the input files, so a run hashes nothing);
* :func:`summary` as triples per graph and instances per class.

The closure is never recomputed here when nothing changed: it comes from the materialised N-Quads that
:mod:`sco_kg.reasoning.materialize` keeps fresh (the shipped artifact, or a checked cache entry).
"""

from __future__ import annotations

import _thread
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sco_kg import paths
from sco_kg.errors import UsageError
from sco_kg.rdf import iri

if TYPE_CHECKING:
    import pyoxigraph
    from rdflib import Dataset


@dataclass(frozen=True)
class Source:
    """What a dataset is made of; every function that reads the dataset takes one.

    Attributes:
        inferred: include the filtered OWL 2 RL closure (``scog:inferred``, ``scog:inferred-context`` and, with
            ``with_files``, ``scog:inferred-user``).
        context: keep the outside facts (``scog:context…``, ``scog:provenance-context``) and what they add to
            the closure; ``False`` leaves the declaration (and the user's files) alone.
        with_files: the user's RDF files, each merged into ``scog:user/<file name>``.
        with_format: the format of ``with_files`` whose extension does not tell (``ttl``, ``nq``, …).
        store_dir: an on-disk Oxigraph store built by ``sco-kg store build`` (it holds what it was built from,
            so it cannot be combined with ``with_files``, ``inferred=False`` or ``context=False``).
    """

    inferred: bool = True
    context: bool = True
    with_files: tuple[Path, ...] = field(default_factory=tuple)
    with_format: str | None = None
    store_dir: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "with_files", tuple(Path(p) for p in self.with_files))
        if self.store_dir is not None:
            object.__setattr__(self, "store_dir", Path(self.store_dir))

    @classmethod
    def of(cls, source: Source | None = None, **fields: Any) -> Source:
        """Return ``source`` (or the default source) with ``fields`` replaced: ``Source.of(inferred=False)``."""
        from dataclasses import replace

        base = source if source is not None else cls()
        return replace(base, **fields) if fields else base

    def check_store_dir(self) -> None:
        """Raise :class:`UsageError` when ``store_dir`` is combined with what a store cannot change."""
        if self.store_dir is None:
            return
        for refused, given in (
            ("--with FILE", bool(self.with_files)),
            ("--no-inference", not self.inferred),
            ("--no-context", not self.context),
        ):
            if given:
                raise UsageError(
                    f"{refused.split()[0]} cannot be combined with --store: a store holds what it was built "
                    f"from (build one with 'sco-kg store build {self.store_dir} {refused}')"
                )


def add_closure(ds: Dataset, source: Source) -> None:
    """Add the inferred graphs of ``source`` (from the materialised closure) to the rdflib dataset ``ds``.

    With ``context=False`` ``scog:inferred-context`` is left out (and ``scog:inferred-user`` is computed
    without outside facts).
    """
    from sco_kg.reasoning import materialize

    path = _closure_path(source)
    wanted = [g for g in iri.INFERRED_GRAPHS if source.context or not iri.is_context_graph(g)]
    markers = tuple(f"<{g}> .\n" for g in wanted)
    # Inferred triples never contain blank nodes (see reasoning.filter.trivial_reason), so the lines stand alone.
    lines = [ln for ln in materialize.read_lines(path) if ln.endswith(markers)]
    if lines:
        ds.parse(data="".join(lines), format="nquads")


# ------------------------------------------------------------------------- progress and warnings (hooks)

#: Called with one line of text when opening a dataset with user files takes a while (the closure of the user's
#: files is computed on the first run, 7-10 s) and for each ``sco:`` term those files use that the ontology does
#: not define. ``None`` (the default, for the Python API): silent. The CLI prints the lines on stderr.
notify: Callable[[str], None] | None = None
#: Seconds before the "computing the closure" line is shown (a cached closure answers well within this).
SLOW_AFTER = 0.5
_CHECKED: set[tuple[str, int, int]] = set()


def _closure_path(src: Source) -> Path:
    """Return :func:`~sco_kg.reasoning.materialize.materialized_path` of ``src``, saying so when it is slow."""
    import threading

    from sco_kg.reasoning import materialize

    def compute() -> Path:
        return materialize.materialized_path(list(src.with_files), with_format=src.with_format, context=src.context)

    tell = notify
    if tell is None or not src.with_files:
        return compute()
    started = time.monotonic()
    shown = threading.Event()

    def announce() -> None:
        shown.set()
        tell(f"computing the OWL 2 RL closure with {len(src.with_files)} file(s) of yours (the first run takes "
             "about 10 s; later runs use the cache)...")  # fmt: skip

    timer = threading.Timer(SLOW_AFTER, announce)
    timer.daemon = True
    timer.start()
    try:
        path = compute()
    finally:
        timer.cancel()
    if shown.is_set():
        tell(f"closure computed in {time.monotonic() - started:.1f} s (cached in {path.parent})")
    return path


def undefined_terms(iris: Iterable[str], defined: set[str]) -> list[tuple[str, str | None]]:
    """Return ``(term, closest defined term or None)`` for each ``sco:`` IRI of ``iris`` not in ``defined``."""
    import difflib

    names = sorted(d.removeprefix(iri.ONTOLOGY) for d in defined)
    out = []
    for value in sorted(set(iris)):
        if not value.startswith(iri.ONTOLOGY) or value in defined or value.startswith(iri.ONTOLOGY_VERSION):
            continue
        local = value.removeprefix(iri.ONTOLOGY)
        close = difflib.get_close_matches(local, names, n=1, cutoff=0.6)
        out.append((local, close[0] if close else None))
    return out


def _check_user_terms(src: Source) -> None:
    """Tell :data:`notify` about each ``sco:`` term in the user's files the ontology does not define (once a file)."""
    tell = notify
    if tell is None or not src.with_files:
        return
    import pyoxigraph as ox

    from sco_kg.io import ox_parse
    from sco_kg.io.inputs import ox_format

    ontology = ox.Store()
    for path in paths.ontology_files():
        ox_parse.load_file(ontology, path)
    subjects = (q.subject for q in ontology.quads_for_pattern(None, None, None))
    defined = {t.value for t in subjects if isinstance(t, ox.NamedNode) and t.value.startswith(iri.ONTOLOGY)}
    for path in src.with_files:
        try:
            st = path.stat()
        except OSError:
            continue  # the real load says what is wrong
        key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
        if key in _CHECKED:
            continue
        store = ox.Store()
        # A bad file fails here, with the same one-line message (file, line) as the load, before any progress line.
        ox_parse.load_file(store, path, fmt=ox_format(src.with_format) if src.with_format else None)
        _CHECKED.add(key)
        used = (t.value for q in store for t in (q.subject, q.predicate, q.object) if isinstance(t, ox.NamedNode))
        for local, close in undefined_terms(used, defined):
            hint = f"; did you mean sco:{close}?" if close else ""
            tell(f"warning: {path}: sco:{local} is not defined by the ontology{hint}")


def load(source: Source | None = None, **fields: Any) -> Dataset:
    """Return the dataset as a new rdflib ``Dataset`` whose default graph is the union of its named graphs.

    ``source`` (or the keyword fields of :class:`Source`, e.g. ``load(inferred=False)``) says what goes in.
    Inference is ON by default: the graphs ``scog:inferred*`` of the OWL 2 RL closure are added, read from the
    materialised closure (the shipped file; with ``with_files``, a cache entry computed on the first call, which
    takes seconds). Every file is parsed with rdflib (about a second for the declaration): for queries,
    :func:`open_store` or :func:`cached_store` are faster.

    Raises:
        UsageError: ``store_dir`` is set (an on-disk store is read with pyoxigraph only).
        DataFileError: a file is missing, unreadable, too large or not valid RDF (the message names file and line).
    """
    from sco_kg.io.rdflib_parse import read_dataset

    src = Source.of(source, **fields)
    if src.store_dir is not None:
        raise UsageError("--store works with the oxigraph engine only")
    _check_user_terms(src)
    ds = read_dataset(src.with_files, with_format=src.with_format, context=src.context)
    if src.inferred:
        add_closure(ds, src)
    return ds


def open_store(source: Source | None = None, **fields: Any) -> pyoxigraph.Store:
    """Return a new pyoxigraph ``Store`` of the dataset (in memory, or the on-disk store ``store_dir`` read-only).

    With inference on, the materialised dataset (asserted + inferred quads) is loaded in one bulk load;
    otherwise the asserted files are parsed. ``context=False`` drops every graph of outside facts.
    """
    import pyoxigraph as ox

    from sco_kg.io import ox_parse

    src = Source.of(source, **fields)
    if src.store_dir is not None:
        src.check_store_dir()
        return ox_parse.open_disk_store(src.store_dir)
    _check_user_terms(src)
    if not src.inferred:
        return ox_parse.read_store(src.with_files, with_format=src.with_format, context=src.context)
    store = ox.Store()
    nq = _closure_path(src)
    ox_parse.load_file(store, nq, fmt="N_QUADS")
    if not src.context:
        ox_parse.drop_context(store)
    return store


# ---------------------------------------------------------------------------------------- shared copies

_CACHE: dict[tuple[Any, ...], Any] = {}
_LOCK = _thread.allocate_lock()
#: Bump when the content or layout of a cached query store (:func:`cached_store`) changes.
QUERY_STORE_FORMAT = 1


def _stamp_of(files: Iterable[Path]) -> list[str]:
    out = []
    for p in files:
        try:
            st = p.stat()
            out.append(f"{p}\t{st.st_size}\t{st.st_mtime_ns}\t{st.st_ino}")
        except OSError:
            out.append(f"{p}\t-")
    return out


def _inputs_key(kind: str, src: Source) -> tuple[Any, ...]:
    files = [*paths.ontology_files(), *paths.data_files(), *src.with_files]
    if src.inferred and not src.with_files:
        files += [paths.closure_file(), paths.closure_manifest()]
    return (kind, src, str(paths.resource_root()), tuple(_stamp_of(files)))


def copy_store(store: pyoxigraph.Store) -> pyoxigraph.Store:
    """Return a new in-memory store holding every quad of ``store`` (one bulk load)."""
    import pyoxigraph as ox

    copy = ox.Store()
    copy.bulk_extend(store)
    return copy


def fill_default_graph(store: pyoxigraph.Store) -> None:
    """Make the default graph of the in-memory ``store`` the SET union of its named graphs (an RDF merge).

    SPARQL 1.1 matches a basic graph pattern once per distinct solution; pyoxigraph's
    ``use_default_graph_as_union`` is a bag (a triple in two named graphs matches twice) and overrides a query's
    own FROM / FROM NAMED. With a real default graph neither flag is needed. Cost, measured: +10 ms / +3 MB for
    the declaration (5,072 quads); +0.9 s / +106 MB for ``bench.corpus 1000`` (320 k quads, loaded in
    0.7 s / 111 MB). The on-disk store (``--store``) is read-only: it keeps the union flag (a bag).
    """
    import pyoxigraph as ox

    store.bulk_extend(
        ox.Quad(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, None)
    )


def _query_store_file(src: Source, named_graphs: bool) -> Path:
    import binascii  # built in; a short, stable name for the resource root (two checkouts must not share one)

    root = binascii.crc32(str(paths.resource_root()).encode())
    variant = ("inferred" if src.inferred else "asserted") + ("" if src.context else "-no-context")
    return paths.cache_dir() / f"query-store-{root:08x}-{variant}{'' if named_graphs else '-default'}.nq"


def _query_store_head(key: tuple[Any, ...], ox_version: str) -> bytes:
    from sco_kg.version import __version__

    stamp = "|".join(key[3]).replace("\r", "\\r").replace("\n", "\\n")  # one comment line
    return f"# sco-kg query store {QUERY_STORE_FORMAT} {__version__} pyoxigraph {ox_version} {stamp}\n".encode()


def _load_query_store(path: Path, head: bytes) -> pyoxigraph.Store | None:
    """Return the cached query store in ``path`` when its first line is ``head``, else ``None``."""
    import pyoxigraph as ox

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if not data.startswith(head):
        return None
    store = ox.Store()
    # The head is an N-Quads comment. The rest is our own dump of data that was parsed and checked when the entry
    # was written (atomically): no need to check its IRIs and language tags again.
    store.load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
    return store


def _save_query_stores(src: Source, head: bytes, store: pyoxigraph.Store) -> None:
    """Write the cache entries of ``store`` (all graphs; the default graph alone), each atomically; best effort."""
    import pyoxigraph as ox

    from sco_kg.atomic import atomic_write_bytes

    default_only = ox.Store()
    default_only.bulk_extend(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    for named_graphs, data in ((True, store), (False, default_only)):
        try:
            atomic_write_bytes(
                _query_store_file(src, named_graphs), head + (data.dump(format=ox.RdfFormat.N_QUADS) or b"")
            )
        except OSError:
            return  # a read-only cache directory: the next run builds the store again


def _build_query_store(src: Source, key: tuple[Any, ...], named_graphs: bool) -> pyoxigraph.Store:
    """Return the query store of ``src`` (the default graph alone unless ``named_graphs``), from the on-disk
    cache entry when its stamp matches ``key``, else built from the dataset and written to the cache."""
    import pyoxigraph as ox

    head = _query_store_head(key, ox.__version__)
    store = _load_query_store(_query_store_file(src, named_graphs), head)
    if store is not None:
        return store
    full = open_store(src)
    fill_default_graph(full)
    _save_query_stores(src, head, full)
    if named_graphs:
        return full
    default_only = ox.Store()
    default_only.bulk_extend(full.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return default_only


def cached_store(source: Source | None = None, *, named_graphs: bool = True) -> pyoxigraph.Store:
    """Return a shared pyoxigraph store of ``source`` for queries, kept while its input files are unchanged.

    Its default graph holds the set union of the named graphs (:func:`fill_default_graph`), except for an
    on-disk store, which is opened read-only as built. ``named_graphs=False`` may return a store that holds the
    default graph alone: enough for a query that names no graph (no ``GRAPH``, ``FROM`` or ``FROM NAMED``), and
    loaded in half the time.

    Without files of the user, the store is also kept on disk, in :func:`sco_kg.paths.cache_dir`, as N-Quads
    whose first line records the size, modification time and inode of every input file (ontology, data, the
    shipped closure and its manifest): a later process whose inputs have the same stamp loads that file (about
    6 ms for the declaration, instead of 25 ms to check the closure's hashes, load it and fill the default graph).
    Any change of an input file (its size, time or inode) or of the versions of sco-kg or pyoxigraph makes a new
    entry, built through :func:`open_store` (which checks the closure by its hashes, and recomputes it if needed).
    """
    src = source or Source()
    persistent = src.store_dir is None and not src.with_files
    named_graphs = named_graphs or not persistent
    key = _inputs_key("oxigraph" if named_graphs else "oxigraph-default", src)
    with _LOCK:
        if key not in _CACHE:
            if src.store_dir is not None:
                _CACHE[key] = open_store(src)
            elif persistent:
                _CACHE[key] = _build_query_store(src, key, named_graphs)
            else:
                opened = open_store(src)
                fill_default_graph(opened)
                _CACHE[key] = opened
        return _CACHE[key]


def cached_dataset(source: Source | None = None) -> Dataset:
    """Return a shared rdflib ``Dataset`` of ``source``, kept like :func:`cached_store`."""
    src = source or Source()
    key = _inputs_key("rdflib", src)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = load(src)
        return _CACHE[key]


def clear_cache() -> None:
    """Forget the shared stores and datasets."""
    with _LOCK:
        _CACHE.clear()


# ---------------------------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class Summary:
    """Triples per named graph and instances per class of a dataset."""

    graphs: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Return the number of quads in all graphs."""
        return sum(self.graphs.values())


def store_summary(store: pyoxigraph.Store) -> Summary:
    """Return triples per graph (assertion graphs grouped) and instances per class (ontology graph excluded)."""
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


def summary(source: Source | None = None, **fields: Any) -> Summary:
    """Return the summary of the dataset (computed on a pyoxigraph store).

    Assertion graphs are reported together as ``scog:assertion/*``; classes are counted over asserted plus
    (with inference) inferred types, in the union of all graphs.
    """
    return store_summary(open_store(Source.of(source, **fields)))
