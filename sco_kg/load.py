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


# pyoxigraph format names (lower case) -> rdflib parser names.
_FORMAT_NAMES = {"n_triples": "nt", "ntriples": "nt", "n_quads": "nquads", "json_ld": "json-ld", "rdf_xml": "xml"}


def format_extension(fmt: str) -> str:
    """Return the file extension (a key of :data:`RDF_FORMATS`) that the ``--with-format`` value ``fmt`` names.

    Returns the first extension of that parser in :data:`RDF_FORMATS`. Accepted: an extension with or
    without the dot (``ttl``, ``.nq``, ``jsonld``), an rdflib parser name or a pyoxigraph format name
    (``turtle``, ``nquads``, ``json-ld``, ``xml``, ``RDF_XML``), in any case.

    Raises:
        UsageError: ``fmt`` names no known RDF format.
    """
    from sco_kg.errors import UsageError

    key = fmt.strip().lower()
    parser = RDF_FORMATS.get("." + key.lstrip(".")) or _FORMAT_NAMES.get(key, key)
    for ext, name in RDF_FORMATS.items():
        # The first extension of the parser, so that "ttl", "turtle" and "TURTLE" name the same format.
        if name == parser:
            return ext
    known = sorted({e.lstrip(".") for e in RDF_FORMATS})
    raise UsageError(f"--with-format {fmt!r}: unknown RDF format (use one of {', '.join(known)})")


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


#: Default size limit of one input file (``--max-bytes``); ``None`` or 0 means no limit.
DEFAULT_MAX_INPUT_BYTES = 512 * 1024 * 1024
_max_input_bytes: int | None = DEFAULT_MAX_INPUT_BYTES
# JSON-LD: the only context a document may name; it resolves to the local file, never to the network.
OWN_CONTEXT_IRI = iri.BASE + "context.jsonld"
OWN_CONTEXT_FILE = Path(__file__).resolve().parent / "context.jsonld"
MAX_JSON_DEPTH = 200
_XML_FORMATS = {"xml", "trix", "RDF_XML"}
_JSONLD_FORMATS = {"json-ld", "JSON_LD"}


def set_max_input_bytes(limit: int | None) -> None:
    """Set the size limit of input files (``None``: keep the default, 0: no limit)."""
    global _max_input_bytes
    if limit is not None:
        _max_input_bytes = limit or None


def max_input_bytes() -> int | None:
    """Return the size limit of input files in bytes (``None``: no limit)."""
    return _max_input_bytes


def _xml_text(data: bytes) -> str:
    # Search the declarations whatever the encoding expat would accept (UTF-16 with or without a BOM).
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:64]:
        for enc in ("utf-16", "utf-16-le", "utf-16-be"):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                continue
    return data.decode("latin-1")


def _json_contexts(doc: object, path: Path) -> bool:
    """Check every ``@context`` and ``@import`` of a JSON-LD document; return whether the own context is named."""
    own = False
    stack: list[tuple[object, int, bool]] = [(doc, 0, False)]
    while stack:
        node, depth, in_context = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise DataFileError(f"{path}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(node, str) and in_context:
            if node != OWN_CONTEXT_IRI:
                raise DataFileError(
                    f"{path}: refusing JSON-LD context {node[:200]!r}: only sco-kg's own context "
                    f"{OWN_CONTEXT_IRI} is allowed (it is resolved locally; nothing is fetched)"
                )
            own = True
        elif isinstance(node, list):
            stack.extend((v, depth + 1, in_context) for v in node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@import":
                    shown = str(value)[:200]
                    raise DataFileError(f"{path}: refusing JSON-LD @import of {shown!r} (nothing is fetched)")
                stack.append((value, depth + 1, key == "@context"))
    return own


def _replace_own_context(node: object, ctx: object) -> object:
    if isinstance(node, list):
        return [_replace_own_context(v, ctx) for v in node]
    if isinstance(node, dict):
        return {
            k: (ctx if k == "@context" and v == OWN_CONTEXT_IRI else _replace_own_context(v, ctx))
            for k, v in node.items()
        }
    return ctx if node == OWN_CONTEXT_IRI else node


def _is_project_file(path: Path) -> bool:
    """Return whether ``path`` is one of the project's own files (ontology, data, closure cache): not limited."""
    real = path.resolve()
    for root in (paths.ontology_dir(), paths.data_dir(), paths.cache_dir()):
        if real.is_relative_to(root.resolve()):
            return True
    return False


def guard_input(path: Path, fmt: str) -> bytes | None:
    """Check a file before any parser sees it; return replacement bytes to parse instead, or ``None``.

    Refuses (SECURITY.md T4, T5, T9): a user's file over the size limit (``--max-bytes``); RDF/XML that declares
    entities or names an external DTD (billion laughs, XXE: pyoxigraph expands internal entities, rdflib hangs
    on them); JSON-LD whose ``@context`` (anywhere, scoped contexts included) is anything but sco-kg's own
    context, any ``@import``, or JSON nested deeper than 200 levels. A JSON-LD document naming the own context
    gets the local copy in its place, so no parser fetches it.

    Args:
        path: the file (checked readable already).
        fmt: its format, as an rdflib parser name (``xml``, ``json-ld``...) or a pyoxigraph one (``RDF_XML``...).

    Raises:
        DataFileError: one line naming the file and what to do.
    """
    import json
    import re

    limit = _max_input_bytes
    size = path.stat().st_size
    if limit and size > limit and not _is_project_file(path):
        raise DataFileError(
            f"{path}: {size} bytes is over the input size limit of {limit} bytes (raise it with --max-bytes N)"
        )
    if fmt in _XML_FORMATS:
        raw = path.read_bytes()
        text = _xml_text(raw)
        if "<!ENTITY" in text or re.search(r"<!DOCTYPE[^>\[]*\b(?:SYSTEM|PUBLIC)\b", text):
            raise DataFileError(
                f"{path}: RDF/XML with <!ENTITY> or external DTD declarations is refused (entity expansion is "
                "disabled: billion laughs, XXE); replace the entities by their text or convert the file to Turtle"
            )
        from xml.parsers import expat

        # Well-formedness (pyoxigraph accepts a truncated document); safe: no entity can be declared here.
        parser = expat.ParserCreate()
        try:
            parser.Parse(raw, True)
        except expat.ExpatError as exc:
            raise DataFileError(f"{path}: malformed RDF/XML: {exc}") from None
        return None
    if fmt in _JSONLD_FORMATS:
        try:
            doc = json.loads(path.read_bytes())
        except RecursionError:
            raise DataFileError(f"{path}: JSON nested too deeply") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise DataFileError(f"{path}: malformed JSON: {' '.join(str(exc).split())}") from None
        if not _json_contexts(doc, path):
            return None
        ctx = json.loads(OWN_CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
        return json.dumps(_replace_own_context(doc, ctx)).encode("utf-8")
    return None


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
        from sco_kg.store import _clean_ox_message

        raise DataFileError(f"{path}: malformed RDF: {_clean_ox_message(str(exc))}") from None
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


def drop_context(ds: Dataset) -> None:
    """Remove every graph of outside facts from ``ds`` (see :func:`sco_kg.iri.is_context_graph`)."""
    for g in list(ds.graphs()):
        if iri.is_context_graph(str(g.identifier)):
            ds.remove_graph(g)


def load(
    inferred: bool = True,
    with_files: Sequence[str | Path] = (),
    with_format: str | None = None,
    context: bool = True,
) -> Dataset:
    """Return the dataset: ontology, data, provenance graphs, and (``inferred=True``) the OWL 2 RL closure.

    Args:
        inferred: include the filtered OWL 2 RL closure (``scog:inferred``, ``scog:inferred-context`` and,
            with ``with_files``, ``scog:inferred-user``).
        with_files: the user's own RDF files, each merged into ``scog:user/<file name>``.
        with_format: the format of ``with_files`` when their extension does not tell (``ttl``, ``nq``, …).
        context: keep the outside facts (``scog:context…``, ``scog:provenance-context``) and what they add
            to the closure (``scog:inferred-context``); ``False`` drops them all.

    Returns:
        An rdflib ``Dataset`` whose default graph is the union of its named graphs.
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
    if inferred:
        from sco_kg import reason

        reason.add_closure(ds, with_files=[Path(p) for p in with_files], with_format=with_format, context=context)
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


def summary(
    inferred: bool = True,
    with_files: Iterable[str | Path] = (),
    with_format: str | None = None,
    context: bool = True,
) -> Summary:
    """Return the summary of the dataset (computed on the fast pyoxigraph store).

    Assertion graphs are reported together as ``scog:assertion/*``; classes are counted over asserted plus
    (when ``inferred``) inferred types, in the union of all graphs.
    """
    from sco_kg import store

    st = store.open_store(
        inferred=inferred, with_files=[Path(p) for p in with_files], with_format=with_format, context=context
    )
    return store.summary(st)


class _CallableModule(types.ModuleType):
    """The ``sco_kg.load`` module, callable as :func:`load`, so ``sco_kg.load()`` works whichever of the two
    (module or function) the package attribute is bound to: importing a submodule rebinds that attribute."""

    def __call__(
        self,
        inferred: bool = True,
        with_files: Sequence[str | Path] = (),
        with_format: str | None = None,
        context: bool = True,
    ) -> Dataset:
        return load(inferred=inferred, with_files=with_files, with_format=with_format, context=context)


sys.modules[__name__].__class__ = _CallableModule
