"""Which quads an export holds: the selection of the dataset's graphs, read exactly as written.

:func:`select` reads the shipped files (and the user's) with pyoxigraph's streaming parser, which keeps
lexical forms; :func:`quads_from_store` and :func:`quads_from_rdflib` take the quads of a store or an rdflib
dataset. All of them give :class:`sco_kg.rdf.term.Term` quads, one ``Term`` object per distinct term.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from sco_kg.errors import DataFileError, UsageError
from sco_kg.rdf import iri
from sco_kg.rdf.canon import TYPE_N3, Row, canonical_rows, quads_of
from sco_kg.rdf.term import Quad, Term
from sco_kg.rdf.writers.rdfxml import ExportError

if TYPE_CHECKING:
    import pyoxigraph

Selection = Literal["asserted", "inferred", "all", "ontology", "provenance"]
SELECTIONS: tuple[str, ...] = get_args(Selection)

#: What each selection holds (shown in ``sco-kg export --help``).
SELECTION_HELP: dict[str, str] = {
    "asserted": "ontology + data + provenance + text (+ --with files), no inferred triples",
    "inferred": "only the OWL 2 RL closure: scog:inferred, scog:inferred-context (+ scog:inferred-user)",
    "all": "asserted + inferred",
    "ontology": "only scog:ontology",
    "provenance": "scog:provenance (assertion graph -> sentence) and scog:text (the sentences)",
}


def _unsupported(term: Any) -> ExportError:
    return ExportError(f"cannot export RDF term {term!r}: only IRIs, blank nodes and literals are supported")


def _ox_rows(
    quads: Iterable[Any], default_graph: str | None = "", wanted: set[str] | None = None, union: bool = False
) -> list[Row]:
    """Return the :data:`Row` of each pyoxigraph quad: its terms in N-Triples, as pyoxigraph writes them.

    Each quad is written by pyoxigraph in one call (``str(quad)``: ``s p o [g]`` in N-Quads) and split here:
    the subject and predicate hold no space; the graph, when there is one, is the last space-separated part,
    which starts with ``<`` or ``_`` and holds no ``"`` (the last part of a literal object always holds its
    closing quote). A million quads are read this way in about half the time of four ``str()`` of four terms.

    Args:
        quads: pyoxigraph quads (a parser or a store).
        default_graph: the graph of default-graph quads (``""``: the default graph; else an IRI in N-Triples);
            ``None`` drops them.
        wanted: keep only the named graphs with these IRIs.
        union: drop every graph (all rows in the default graph), for the formats that write the union.

    Raises:
        ExportError: an RDF 1.2 triple term (only IRIs, blank nodes and literals are exported).
    """
    rows: list[Row] = []
    append = rows.append
    # One string per distinct graph and predicate: they repeat, and a million-quad export holds them all.
    shared: dict[str, str] = {}
    share = shared.setdefault
    typ = TYPE_N3
    if union:
        for q in quads:
            s, p, o = str(q.triple).split(" ", 2)
            if o[0] != '"' and " " in o:
                raise _unsupported(q.object)
            append(("", s, "" if p == typ else share(p, p), o))
        return rows
    for q in quads:
        s, p, rest = str(q).split(" ", 2)
        o, space, g = rest.rpartition(" ")
        if not space or g[0] not in "<_" or '"' in g:  # no graph: the whole rest is the object
            if default_graph is None:
                continue
            g, o = default_graph, rest
        elif wanted is not None and g[1:-1] not in wanted:
            continue
        if o[0] != '"' and " " in o:
            raise _unsupported(q.object)
        append((share(g, g), s, "" if p == typ else share(p, p), o))
    return rows


def rows_from_store(store: pyoxigraph.Store, graphs: Iterable[str] | None = None) -> list[Row]:
    """Return the :data:`Row` strings of the named graphs of ``store`` (see :func:`quads_from_store`)."""
    return _ox_rows(store, None, None if graphs is None else set(graphs))


def quads_from_store(store: pyoxigraph.Store, graphs: Iterable[str] | None = None) -> list[Quad]:
    """Return the quads of the named graphs of ``store`` (only those in ``graphs`` when given).

    The default graph is left out: a query store's default graph is the union of its named graphs
    (:func:`sco_kg.dataset.fill_default_graph`), so taking it too would write every triple twice.
    """
    return quads_of(rows_from_store(store, graphs))


def quads_from_rdflib(dataset: Any) -> list[Quad]:
    """Return the quads of an rdflib ``Dataset`` or ``Graph``, dropping what is not valid RDF.

    owlrl writes generalised triples (literal subjects, blank-node predicates: RDFLib/OWL-RL#63); they are
    left out here, so no export can contain them.
    """
    if hasattr(dataset, "quads"):
        source: Iterable[Any] = dataset.quads((None, None, None, None))
    else:
        source = ((s, p, o, None) for s, p, o in dataset)
    out: list[Quad] = []
    for s, p, o, g in source:
        quad = Term.from_rdflib_quad(s, p, o, g)
        if quad is not None:
            out.append(quad)
    return out


def parse_file(path: Path, graph: str | None = None, fmt: str | None = None) -> list[Quad]:
    """Return the quads of an RDF file, exactly as written (lexical forms and datatypes kept).

    The pyoxigraph ``Store`` normalises literals (``"01"^^xsd:nonNegativeInteger`` is stored as
    ``"1"^^xsd:integer``), so exports read files with the streaming parser, which does not.

    Args:
        path: the file.
        graph: the graph of a triple format's triples (``None``: the default graph).
        fmt: a pyoxigraph format name (``TURTLE``, ``N_QUADS``...) when the extension does not tell.
    """
    return quads_of(parse_rows(path, graph, fmt))


def parse_rows(path: Path, graph: str | None = None, fmt: str | None = None, union: bool = False) -> list[Row]:
    """Return the :data:`Row` strings of an RDF file, exactly as written (see :func:`parse_file`).

    With ``union``, every row is in the default graph (the graphs are not even read).
    """
    import pyoxigraph as ox

    from sco_kg.io.inputs import OX_FORMATS, check_readable, clean_ox_message, guard_input

    check_readable(path)
    name = (fmt or OX_FORMATS.get(path.suffix.lower()) or "").upper()
    name = _FORMAT_ALIASES.get(name.lower(), name)
    if not hasattr(ox.RdfFormat, name or "-"):
        raise DataFileError(
            f"{path}: unknown RDF format for extension {path.suffix!r} (use one of {', '.join(sorted(OX_FORMATS))})"
        )
    data = guard_input(path, name)  # size limit, no XML entities (billion laughs), no foreign JSON-LD context
    try:
        source = {"path": str(path)} if data is None else {"input": data}
        quads = ox.parse(**source, format=getattr(ox.RdfFormat, name))
        return _ox_rows(quads, f"<{graph}>" if graph else "", union=union)
    except SyntaxError as exc:
        raise DataFileError(f"{path}: malformed RDF: {clean_ox_message(str(exc))}") from None
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path}: cannot read: {clean_ox_message(str(exc))}") from None


_FORMAT_ALIASES = {
    "ttl": "TURTLE",
    "turtle": "TURTLE",
    "nt": "N_TRIPLES",
    "ntriples": "N_TRIPLES",
    "nq": "N_QUADS",
    "nquads": "N_QUADS",
    "trig": "TRIG",
    "rdf": "RDF_XML",
    "xml": "RDF_XML",
    "owl": "RDF_XML",
    "jsonld": "JSON_LD",
    "json-ld": "JSON_LD",
    "n3": "N3",
}


def select(
    selection: Selection = "asserted",
    with_files: Sequence[str | Path] = (),
    with_format: str | None = None,
    context: bool = True,
) -> list[Quad]:
    """Return the canonical quads of a selection of the dataset's graphs (see :func:`select_rows`)."""
    return quads_of(select_rows(selection, with_files, with_format, context))


def select_rows(
    selection: Selection = "asserted",
    with_files: Sequence[str | Path] = (),
    with_format: str | None = None,
    context: bool = True,
    canonical: bool = True,
    union: bool = False,
) -> list[Row]:
    """Return the canonical :data:`Row` strings of a selection of the dataset's graphs.

    Args:
        selection: ``asserted`` (ontology, data, provenance, text and the ``--with`` files), ``inferred``
            (only ``scog:inferred``), ``all`` (both), ``ontology`` or ``provenance`` (``scog:provenance`` and
            ``scog:text``).
        with_files: the user's RDF files, each merged into ``scog:user/<file name>``.
        with_format: the format of the ``with_files`` when their extension does not tell.
        context: keep the outside facts; ``False`` drops every graph :func:`sco_kg.rdf.iri.is_context_graph` names.
        canonical: ``False`` returns the rows as read (not de-duplicated, relabelled or sorted), for a writer
            that canonicalizes the union of the graphs itself (Turtle, N-Triples, RDF/XML): once is enough.
        union: the graphs may be dropped (rows in the default graph), for a writer of the union of the graphs.

    Returns:
        Sorted rows with content-derived blank-node labels.
    """
    from sco_kg.io.inputs import asserted_files, user_graph_iri

    if selection not in SELECTIONS:
        raise UsageError(f"unknown graph selection {selection!r} (use one of {', '.join(SELECTIONS)})")
    files = [Path(p) for p in with_files]
    rows: list[Row] = []
    # Reading no graph at all is enough when no graph is filtered out below.
    graphless = union and selection == "asserted" and context
    if selection != "inferred":
        for path, graph in asserted_files():
            rows += parse_rows(path, graph, union=graphless)
        for user in files:
            rows += parse_rows(user, user_graph_iri(user), with_format, union=graphless)
    if selection in ("inferred", "all"):
        try:
            from sco_kg.reasoning import materialize
        except ImportError:
            raise DataFileError(
                f"--graph {selection} needs the OWL 2 RL closure (sco_kg/reasoning/materialize.py), which this build "
                "does not have; export --graph asserted instead"
            ) from None
        inferred = {f"<{g}>" for g in iri.INFERRED_GRAPHS}
        nq = materialize.materialized_path(files, with_format=with_format, context=context)
        rows += [r for r in parse_rows(nq, fmt="N_QUADS") if r[0] in inferred]
    if not context:
        dropped = {g for g in {r[0] for r in rows} if g[:1] == "<" and iri.is_context_graph(g[1:-1])}
        if dropped:
            rows = [r for r in rows if r[0] not in dropped]
    keep: set[str] | None = None
    if selection == "ontology":
        keep = {f"<{iri.GRAPH_ONTOLOGY}>"}
    elif selection == "provenance":
        keep = {f"<{iri.GRAPH_PROVENANCE}>", f"<{iri.GRAPH_TEXT}>"}
    if keep is not None:
        rows = [r for r in rows if r[0] in keep]
    return canonical_rows(rows) if canonical else rows
