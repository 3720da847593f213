"""Parse the ontology and data files into an rdflib ``Dataset`` (the authoring layer). No inference here.

The dataset's default graph is the union of its named graphs. The ontology goes into ``scog:ontology``; TriG
files carry their own graph names; the OWL 2 RL closure, when asked for, comes from :mod:`sco_kg.reason` into
``scog:inferred``. Parse errors become :class:`~sco_kg.errors.DataFileError` naming the file and line.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sco_kg import iri, paths
from sco_kg.errors import DataFileError

if TYPE_CHECKING:
    from rdflib import Dataset

# File extension -> rdflib parser name (user files may come in any of these).
RDF_FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".n3": "n3",
}


def parse_error_message(path: Path, exc: BaseException) -> str:
    """Return a one-line message for a parse error of ``path``: file, line and what is wrong."""
    why = getattr(exc, "_why", None)
    lines = getattr(exc, "lines", None)
    if why is not None and lines is not None:  # rdflib's notation3/turtle/trig BadSyntax
        return f"{path}: line {int(lines) + 1}: malformed RDF: {why}"
    text = " ".join(str(exc).split())
    return f"{path}: malformed RDF: {text}"


def check_readable(path: Path) -> None:
    """Raise :class:`DataFileError` unless ``path`` is an existing, readable, regular file."""
    if not path.exists():
        raise DataFileError(f"{path}: file not found")
    if not path.is_file():
        raise DataFileError(f"{path}: not a regular file")
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read file: {exc.strerror or exc}") from None


def parse_into(ds: Dataset, path: Path, graph: str | None = None, fmt: str | None = None) -> None:
    """Parse ``path`` into ``ds``; triple formats go into ``graph`` (required for them)."""
    from rdflib import URIRef

    check_readable(path)
    fmt = fmt or RDF_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataFileError(
            f"{path}: unknown RDF format for extension {path.suffix!r} "
            f"(use one of {', '.join(sorted(RDF_FORMATS))})"
        )
    try:
        if fmt in ("trig", "nquads"):
            ds.parse(path, format=fmt)
        else:
            if graph is None:
                raise DataFileError(f"{path}: a triple format needs a target graph")
            ds.graph(URIRef(graph)).parse(path, format=fmt)
    except DataFileError:
        raise
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except Exception as exc:  # rdflib raises many exception types for bad syntax
        raise DataFileError(parse_error_message(path, exc)) from None


def asserted_files() -> list[tuple[Path, str | None]]:
    """Return (file, graph) for every shipped input: ontology files into ``scog:ontology``, then TriG data."""
    onto = paths.ontology_files()
    if not onto:
        raise DataFileError(f"{paths.ontology_dir()}: no ontology files found")
    data = paths.data_files()
    if not data:
        raise DataFileError(f"{paths.data_dir()}: no data files (*.trig) found")
    return [(p, iri.GRAPH_ONTOLOGY) for p in onto] + [(p, None) for p in data]


def user_graph_iri(path: Path) -> str:
    """Return the named graph IRI for a user's file (``scog:user/<file name>``)."""
    from urllib.parse import quote

    return iri.GRAPH_USER + quote(path.name, safe="")


def load(inferred: bool = True, with_files: Sequence[str | Path] = ()) -> Dataset:
    """Return the dataset: ontology, data, provenance graphs, and (``inferred=True``) the OWL 2 RL closure.

    Args:
        inferred: include the filtered OWL 2 RL closure in ``scog:inferred``.
        with_files: the user's own RDF files, each merged into ``scog:user/<file name>``.

    Returns:
        An rdflib ``Dataset`` whose default graph is the union of its named graphs.
    """
    from rdflib import Dataset

    ds = Dataset(default_union=True)
    for path, graph in asserted_files():
        parse_into(ds, path, graph)
    for user in with_files:
        p = Path(user)
        parse_into(ds, p, user_graph_iri(p))
    if inferred:
        from sco_kg import reason

        reason.add_closure(ds, with_files=[Path(p) for p in with_files])
    return ds


@dataclass(frozen=True)
class Summary:
    """Triples per named graph and instances per class of a dataset."""

    graphs: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Return the number of quads in all graphs."""
        return sum(self.graphs.values())


def summary(inferred: bool = True, with_files: Iterable[str | Path] = ()) -> Summary:
    """Return the summary of the dataset (computed on the fast pyoxigraph store).

    Assertion graphs are reported together as ``scog:assertion/*``; classes are counted over asserted plus
    (when ``inferred``) inferred types, in the union of all graphs.
    """
    from sco_kg import store

    return store.summary(store.open_store(inferred=inferred, with_files=[Path(p) for p in with_files]))


class _CallableModule(types.ModuleType):
    """The ``sco_kg.load`` module, callable as :func:`load`, so ``sco_kg.load()`` works whichever of the two
    (module or function) the package attribute is bound to: importing a submodule rebinds that attribute."""

    def __call__(self, inferred: bool = True, with_files: Sequence[str | Path] = ()) -> Dataset:
        return load(inferred=inferred, with_files=with_files)


sys.modules[__name__].__class__ = _CallableModule
