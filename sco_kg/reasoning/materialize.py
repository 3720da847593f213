"""The materialised dataset (asserted + inferred, N-Quads) that the fast read path loads into pyoxigraph.

For the shipped data this is the release artifact ``data/build/sco-kg-full.nq`` with
``data/build/manifest.json`` (sha256 of every input file and of the artifact, reasoner name and
version); it is trusted only while every hash matches, so a fresh install answers without importing
rdflib or owlrl. For anything else (the user's ``--with`` files, or changed data) the closure is cached in
:func:`sco_kg.paths.cache_dir`, keyed by the hash of every input file and of the reasoner and its
version; a stale, truncated or corrupt cache entry fails its hash check and is rebuilt, never trusted.
Every file is written atomically (:mod:`sco_kg.atomic`).

Only the standard library is imported at module level; building a closure imports :mod:`sco_kg.reason`
(rdflib, a reasoner) and pyoxigraph inside the functions that need them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sco_kg import paths
from sco_kg.atomic import atomic_write_bytes
from sco_kg.errors import DataFileError
from sco_kg.rdf import iri

# Bump when the output layout or the trivial-triple filter changes: older artifacts and caches go stale.
# 2: the closure is split into scog:inferred / scog:inferred-context / scog:inferred-user (sco_kg.reasoning.tiers).
FORMAT_VERSION = 2
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class BuildResult:
    """What one build of a materialised dataset did.

    Attributes:
        path: the N-Quads file written.
        reasoner: reasoner that computed the closure; ``version`` its package version.
        seconds: time of the closure itself; ``total_seconds`` includes parsing and writing.
        graphs: quads per named graph (assertion graphs grouped as ``…/assertion/*``).
        clashes: owlrl's clash messages (``None`` when owlrl did not run).
        agreement: for the shipped data built with `reasonable`: whether owlrl's closure is the same.
        reference_seconds: owlrl's time for that check (not recorded in the manifest).
    """

    path: Path
    reasoner: str
    version: str
    seconds: float
    total_seconds: float
    graphs: dict[str, int]
    inferred: int
    input_triples: int
    excluded_links: int
    clashes: list[dict[str, Any]] | None
    agreement: dict[str, Any] | None = None
    filtered: dict[str, int] = field(default_factory=dict)
    reference_seconds: float | None = None


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of the file at ``path``."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _label(path: Path) -> str:
    root = paths.resource_root().resolve()
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.name


def input_hashes(with_files: Sequence[Path] = ()) -> dict[str, str]:
    """Return {label: sha256} of every input: ontology and data files (path relative to the resource
    root) and the user's files (``user/<file name>``, the name decides their graph)."""
    from sco_kg.io.inputs import asserted_files, check_readable

    hashes = {_label(p): sha256_file(p) for p, _ in asserted_files()}
    for user in with_files:
        p = Path(user)
        check_readable(p)
        hashes[f"user/{p.name}"] = sha256_file(p)
    return dict(sorted(hashes.items()))


def cache_key(
    inputs: dict[str, str],
    reasoner: str,
    version: str,
    with_format: str | None = None,
    context: bool = True,
) -> str:
    """Return the cache key: sha256 of the input hashes, reasoner, version, :data:`FORMAT_VERSION`, the
    format the user's files are read in and whether the outside facts are part of the input."""
    options: dict[str, Any] = {"format": FORMAT_VERSION, "inputs": inputs, "reasoner": reasoner, "version": version}
    if with_format is not None:
        options["with_format"] = with_format
    if not context:
        options["context"] = False
    blob = json.dumps(options, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def manifest_path() -> Path:
    """Return the path of the shipped artifact's manifest."""
    return paths.closure_file().parent / MANIFEST_NAME


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _artifact_ok(nq: Path, meta: dict[str, Any]) -> bool:
    """Return whether ``nq`` exists with the size and sha256 that ``meta`` records."""
    try:
        if nq.stat().st_size != meta.get("bytes"):
            return False
    except OSError:
        return False
    return sha256_file(nq) == meta.get("sha256")


def shipped_status(inputs: dict[str, str] | None = None) -> str | None:
    """Return ``None`` if the shipped artifact is fresh and intact, else why it cannot be trusted."""
    manifest = _read_json(manifest_path())
    if manifest is None:
        return f"{manifest_path()}: missing or unreadable manifest"
    if manifest.get("format") != FORMAT_VERSION:
        return f"{manifest_path()}: format {manifest.get('format')} (expected {FORMAT_VERSION})"
    current = inputs if inputs is not None else input_hashes()
    if manifest.get("inputs") != current:
        changed = sorted(
            set(current) ^ set(manifest.get("inputs", {}))
            | {k for k in current if manifest.get("inputs", {}).get(k) not in (None, current[k])}
        )
        return f"stale: input files changed since the artifact was built: {', '.join(changed)}"
    if not _artifact_ok(paths.closure_file(), manifest):
        return f"{paths.closure_file()}: missing, truncated or modified (hash mismatch)"
    return None


def cache_files(key: str) -> tuple[Path, Path]:
    """Return the (N-Quads, metadata) paths of the cache entry for ``key``."""
    base = paths.cache_dir()
    return base / f"closure-{key[:40]}.nq", base / f"closure-{key[:40]}.json"


def materialized_path(
    with_files: Sequence[Path] = (),
    reasoner: str | None = None,
    with_format: str | None = None,
    context: bool = True,
) -> Path:
    """Return an N-Quads file of asserted + inferred quads (+ user files in ``scog:user/<name>``).

    Args:
        with_files: the user's RDF files.
        reasoner: reasoner for a closure that must be computed (default: the fast one when it equals owlrl).
        with_format: the format of ``with_files`` when their extension does not tell (``ttl``, ``nq``, …).
        context: whether the outside facts are part of the input. ``False`` matters only with user files
            (their ``scog:inferred-user`` is then computed without outside facts); the file returned may
            still hold the context graphs, which the caller drops (:func:`sco_kg.rdf.iri.is_context_graph`):
            ``scog:inferred`` never rests on them.

    Returns:
        The shipped artifact when there are no user files and every hash matches its manifest; otherwise a
        cache entry in :func:`sco_kg.paths.cache_dir`, computed now if missing, stale or corrupt.
    """
    if with_format is not None:
        from sco_kg.io.inputs import format_extension

        with_format = format_extension(with_format).lstrip(".")  # one cache entry per format, however spelled
    context = context or not with_files
    inputs = input_hashes(with_files)
    if not with_files and reasoner is None and shipped_status(inputs) is None:
        return paths.closure_file()
    from sco_kg.reasoning import engines

    name = reasoner or engines.default_reasoner()
    version = engines.reasoner_version(name)
    key = cache_key(inputs, name, version, with_format=with_format if with_files else None, context=context)
    nq, meta_path = cache_files(key)
    meta = _read_json(meta_path)
    if meta is not None and meta.get("key") == key and _artifact_ok(nq, meta):
        return nq
    build(with_files, name, nq, meta_path, inputs=inputs, key=key, with_format=with_format, context=context)
    return nq


def read_lines(path: Path) -> list[str]:
    """Return the lines of an N-Quads file (each ending in a newline)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.readlines()
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read materialised dataset: {exc.strerror or exc}") from None


def _serialize(quads: list[tuple[Any, Any, Any, Any]]) -> bytes:
    """Return ``quads`` (rdflib terms, graph ``None`` = default graph) as sorted N-Quads bytes.

    rdflib names blank nodes at random on every parse; the canonical labels (:mod:`sco_kg.rdf.canon`) make the
    shipped artifact byte-identical across rebuilds of the same input, so its diff shows only real changes.
    """
    from sco_kg.rdf.canon import sorted_nquads
    from sco_kg.rdf.term import Term

    out = []
    for s, p, o, g in quads:
        quad = Term.from_rdflib_quad(s, p, o, g)
        if quad is None:
            raise DataFileError(f"cannot serialise generalised RDF triple ({s!r}, {p!r}, {o!r})")
        out.append(quad)
    return sorted_nquads(out)


def _write(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically; an OS error becomes a one-line :class:`DataFileError`."""
    try:
        atomic_write_bytes(target, data)
    except OSError as exc:
        raise DataFileError(f"{target}: cannot write: {exc.strerror or exc}") from None


def _graph_counts(quads: list[tuple[Any, Any, Any, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, _, _, g in quads:
        name = "(default graph)" if g is None else str(g)
        if name.startswith(iri.GRAPH_ASSERTION):
            name = iri.GRAPH_ASSERTION + "*"
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


_Done = tuple[bytes, dict[str, int], Any, Any, list[dict[str, Any]], "dict[str, Any] | None", "float | None"]


def _agreement(
    reasoner: str, ours: dict[str, frozenset[Any]], ref: Any, ref_graphs: dict[str, frozenset[Any]]
) -> dict[str, Any]:
    """Return the record of whether owlrl's tiered closure ``ref_graphs`` equals ``ours``."""
    ref_all = frozenset().union(*ref_graphs.values())
    ours_all = frozenset().union(*ours.values())
    return {
        "reference": "owlrl",
        "reference_version": ref.full.version,
        "equal": ref_graphs == ours,
        "only_reference": len(ref_all - ours_all),
        "only_" + reasoner: len(ours_all - ref_all),
    }


def _clash_list(closure: Any) -> list[dict[str, Any]]:
    return [{"message": c.message, "resources": list(c.resources)} for c in closure.clashes]


def _closure_strings(with_files: Sequence[Path], with_format: str | None, context: bool, check: bool) -> _Done:
    """The `reasonable` build without rdflib terms (:mod:`sco_kg.reasoning.ntriples`): pyoxigraph parses, the
    closure runs on strings, the N-Quads are joined from strings. owlrl (the check) still reads rdflib."""
    from sco_kg.reasoning import ntriples

    with ntriples.gc_paused():
        quads, terms = ntriples.read_quads(with_files, with_format=with_format, context=context)
        tiers = ntriples.compute_tiers(quads, terms)
    clashes: list[dict[str, Any]] = []
    agreement = ref_seconds = None
    if check:
        from sco_kg.io.rdflib_parse import read_dataset
        from sco_kg.reasoning.tiers import compute_tiers

        ref = compute_tiers(read_dataset(list(with_files), with_format=with_format, context=context), "owlrl")
        clashes, ref_seconds = _clash_list(ref.full), ref.seconds
        ref_graphs = {name: ntriples.from_rdflib(triples) for name, triples in ref.graphs.items()}
        agreement = _agreement("reasonable", dict(tiers.graphs), ref, ref_graphs)
    with ntriples.gc_paused():
        quads.extend((s, p, o, f"<{name}>") for name, triples in tiers.graphs.items() for s, p, o in triples)
        data = ntriples.sorted_nquads(quads, terms)
        counts = ntriples.graph_counts(quads)
    return data, counts, tiers.full, tiers, clashes, agreement, ref_seconds


def _closure_rdflib(
    with_files: Sequence[Path], reasoner: str, with_format: str | None, context: bool, check: bool
) -> _Done:
    """The build through rdflib terms (owlrl needs them)."""
    from rdflib import URIRef
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    from sco_kg.io.rdflib_parse import read_dataset
    from sco_kg.reasoning.tiers import compute_tiers

    ds = read_dataset(list(with_files), with_format=with_format, context=context)
    tiers = compute_tiers(ds, reasoner=reasoner)
    clashes = _clash_list(tiers.full)
    agreement = ref_seconds = None
    if check and reasoner != "owlrl":
        ref = compute_tiers(ds, reasoner="owlrl")
        clashes, ref_seconds = _clash_list(ref.full), ref.seconds
        agreement = _agreement(reasoner, tiers.graphs, ref, ref.graphs)
    quads: list[tuple[Any, Any, Any, Any]] = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        gid = getattr(g, "identifier", g)
        quads.append((s, p, o, None if gid == DATASET_DEFAULT_GRAPH_ID else gid))
    for name, triples in tiers.graphs.items():
        graph = URIRef(name)
        quads.extend((s, p, o, graph) for s, p, o in sorted(triples))
    return _serialize(quads), _graph_counts(quads), tiers.full, tiers, clashes, agreement, ref_seconds


def build(
    with_files: Sequence[Path],
    reasoner: str,
    target: Path,
    meta_path: Path,
    inputs: dict[str, str] | None = None,
    key: str | None = None,
    check_with_owlrl: bool = False,
    with_format: str | None = None,
    context: bool = True,
) -> BuildResult:
    """Compute the closure of the inputs with ``reasoner`` and write ``target`` and its metadata atomically.

    Args:
        with_files: the user's RDF files (each in ``scog:user/<name>``).
        reasoner: ``owlrl`` or ``reasonable``.
        target: the N-Quads file to write; ``meta_path`` its JSON metadata (manifest).
        inputs: the input hashes (computed when ``None``); ``key`` the cache key to record.
        check_with_owlrl: when ``reasoner`` is not owlrl, also run owlrl to record its clashes and whether
            both closures are equal (done for the shipped artifact).
        with_format: the format of ``with_files`` when their extension does not tell.
        context: include the outside facts in the input (and in the file written).
    """
    started = time.perf_counter()
    inputs = inputs if inputs is not None else input_hashes(with_files)
    if reasoner == "reasonable":
        done = _closure_strings(with_files, with_format, context, check_with_owlrl)
    else:
        done = _closure_rdflib(with_files, reasoner, with_format, context, check_with_owlrl)
    data, graphs, result, tiers, clashes, agreement, ref_seconds = done
    # Times go to the command's output (BuildResult), never into tracked files: a rebuild on unchanged inputs
    # leaves the manifest byte-identical.
    _write(target, data)
    meta = {
        "format": FORMAT_VERSION,
        "key": key,
        "artifact": target.name,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "quads": data.count(b"\n"),
        "inputs": inputs,
        "reasoner": reasoner,
        "reasoner_version": result.version,
        "input_triples": result.input_triples,
        "inferred": tiers.inferred,
        "inferred_graphs": {name: len(triples) for name, triples in tiers.graphs.items()},
        "context": context,
        "excluded_external_links": result.excluded_links,
        "filtered": result.filtered,
        "graphs": graphs,
        "owlrl_clashes": clashes if (reasoner == "owlrl" or agreement) else None,
        "agreement": agreement,
    }
    _write(meta_path, (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return BuildResult(
        path=target,
        reasoner=reasoner,
        version=result.version,
        seconds=tiers.seconds,
        total_seconds=time.perf_counter() - started,
        graphs=graphs,
        inferred=tiers.inferred,
        input_triples=result.input_triples,
        excluded_links=result.excluded_links,
        clashes=clashes if (reasoner == "owlrl" or agreement) else None,
        agreement=agreement,
        reference_seconds=ref_seconds,
        filtered=result.filtered,
    )


def regenerate_shipped(reasoner: str | None = None) -> BuildResult:
    """Recompute the shipped artifact and its manifest from the current ontology and data files.

    When the closure is computed by `reasonable`, owlrl runs too, so the manifest always records owlrl's
    clashes (used by ``sco-kg validate``) and whether both reasoners agree.
    """
    from sco_kg.reasoning import engines

    name = reasoner or engines.default_reasoner()
    return build((), name, paths.closure_file(), manifest_path(), check_with_owlrl=True)


def owlrl_clashes(with_files: Sequence[Path] = ()) -> list[dict[str, Any]]:
    """Return owlrl's clashes for the inputs, from a trusted manifest or cache entry when one exists.

    Order of lookup: the shipped manifest (no user files, all hashes match), an owlrl cache entry or a
    cached consistency record with the same key; otherwise owlrl runs now and the record is cached.
    """
    from sco_kg.reasoning import engines

    inputs = input_hashes(with_files)
    if not with_files and shipped_status(inputs) is None:
        manifest = _read_json(manifest_path()) or {}
        if isinstance(manifest.get("owlrl_clashes"), list):
            return list(manifest["owlrl_clashes"])
    version = engines.reasoner_version("owlrl")
    key = cache_key(inputs, "owlrl", version)
    nq, meta_path = cache_files(key)
    meta = _read_json(meta_path)
    if meta is not None and meta.get("key") == key and _artifact_ok(nq, meta):
        return list(meta.get("owlrl_clashes") or [])
    record_path = paths.cache_dir() / f"consistency-{key[:40]}.json"
    record = _read_json(record_path)
    if record is not None and record.get("key") == key and isinstance(record.get("clashes"), list):
        return list(record["clashes"])
    from sco_kg.io.rdflib_parse import read_dataset

    clashes = [
        {"message": c.message, "resources": list(c.resources)}
        for c in engines.owlrl_clashes(read_dataset(list(with_files)))
    ]
    _write(record_path, (json.dumps({"key": key, "clashes": clashes}, indent=2) + "\n").encode("utf-8"))
    return clashes
