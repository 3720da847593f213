"""What every parser of input files shares: format names, the readability check, the input guards, the size limit.

Guards (SECURITY.md T4, T5, T9) run before any parser sees a file: a size limit, no XML entity declarations or
external DTDs, no JSON-LD context but sco-kg's own (resolved locally). Both parsers (:mod:`sco_kg.io.rdflib_parse`,
:mod:`sco_kg.io.ox_parse`) call :func:`guard_input`.
"""

from __future__ import annotations

import re
from pathlib import Path

from sco_kg import paths
from sco_kg.errors import DataFileError
from sco_kg.rdf import iri

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


UTF8_BOM = b"\xef\xbb\xbf"
#: Default size limit of one input file (``--max-bytes``); ``None`` or 0 means no limit.
DEFAULT_MAX_INPUT_BYTES = 512 * 1024 * 1024


_max_input_bytes: int | None = DEFAULT_MAX_INPUT_BYTES


# JSON-LD: the only context a document may name; it resolves to the local file, never to the network.
OWN_CONTEXT_IRI = iri.BASE + "context.jsonld"


OWN_CONTEXT_FILE = Path(__file__).resolve().parent.parent / "context.jsonld"


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
    if fmt not in _XML_FORMATS and fmt not in _JSONLD_FORMATS:
        with open(path, "rb") as fh:
            bom = fh.read(3) == UTF8_BOM
        # A UTF-8 byte-order mark (Windows editors write one) is not part of Turtle, N-Triples, N-Quads or TriG:
        # accept the file without it rather than fail on an invisible character.
        return path.read_bytes()[3:] if bom else None
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
        raw = path.read_bytes()
        bom = raw.startswith(UTF8_BOM)
        try:
            doc = json.loads(raw[3:] if bom else raw)
        except RecursionError:
            raise DataFileError(f"{path}: JSON nested too deeply") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise DataFileError(f"{path}: malformed JSON: {' '.join(str(exc).split())}") from None
        if not _json_contexts(doc, path):
            return raw[3:] if bom else None
        ctx = json.loads(OWN_CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
        return json.dumps(_replace_own_context(doc, ctx)).encode("utf-8")
    return None


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


def clean_ox_message(msg: str) -> str:
    # pyoxigraph appends "(file, line N)"; the caller names the file already.
    return re.sub(r"\s*\([^()]*, line \d+\)\s*$", "", " ".join(msg.split()))


def ox_format(with_format: str) -> str:
    """Return the pyoxigraph format name of the ``--with-format`` value (see :func:`format_extension`)."""
    return OX_FORMATS[format_extension(with_format)]


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
