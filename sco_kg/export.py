"""Serialise the dataset or a selection of its graphs: Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD.

This module owns the exports. The writers are its own (not rdflib's), so that the output is
byte-identical on every run: triples are sorted, blank nodes get content-derived labels, and the prefixes are
the stable ones of :data:`sco_kg.rdf.iri.PREFIXES` (only those the output uses are declared). The quads come from
the fast pyoxigraph store (:mod:`sco_kg.store`), so every term is valid RDF by construction: there is no way
for a literal subject or a malformed IRI to reach a file. Formats that carry named graphs (TriG, N-Quads,
JSON-LD) keep them; the triple formats (Turtle, N-Triples, RDF/XML) get the union of the selected graphs.

JSON-LD is compacted with the hand-written context shipped as ``sco_kg/context.jsonld`` and embeds it, so a
reader never fetches a remote context; :func:`parse_jsonld` reads JSON-LD with that local context only.
Files are written atomically (:mod:`sco_kg.atomic`). This module must not import owlrl, and imports rdflib
only where a caller hands it an rdflib dataset.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, get_args
from xml.sax.saxutils import escape, quoteattr

from sco_kg.atomic import atomic_writer
from sco_kg.errors import DataFileError, ScoKgError, UsageError
from sco_kg.rdf import iri

if TYPE_CHECKING:
    import pyoxigraph

Format = Literal["ttl", "trig", "nt", "nq", "xml", "jsonld"]
Selection = Literal["asserted", "inferred", "all", "ontology", "provenance"]
Frame = Literal["entity"]
Profile = Literal["wikidata"]

FORMATS: tuple[str, ...] = get_args(Format)
SELECTIONS: tuple[str, ...] = get_args(Selection)

#: Media type and file extension of each format.
MEDIA_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "trig": "application/trig",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "xml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}
EXTENSIONS: dict[str, str] = {
    "ttl": ".ttl",
    "trig": ".trig",
    "nt": ".nt",
    "nq": ".nq",
    "xml": ".rdf",
    "jsonld": ".jsonld",
}
#: Formats that keep named graphs; the others get the union of the selected graphs.
QUAD_FORMATS = frozenset({"trig", "nq", "jsonld"})

#: What each selection holds (shown in ``sco-kg export --help``).
SELECTION_HELP: dict[str, str] = {
    "asserted": "ontology + data + provenance + text (+ --with files), no inferred triples",
    "inferred": "only the OWL 2 RL closure: scog:inferred, scog:inferred-context (+ scog:inferred-user)",
    "all": "asserted + inferred",
    "ontology": "only scog:ontology",
    "provenance": "scog:provenance (assertion graph -> sentence) and scog:text (the sentences)",
}

#: Namespaces that are not in :data:`sco_kg.rdf.iri.PREFIXES` but appear in exports (reused vocabularies and
#: Wikidata's statement model). Appended after the project prefixes, never replacing one.
EXTRA_PREFIXES: dict[str, str] = {
    "statement": iri.ID + "statement/",
    "reference": iri.ID + "reference/",
    "undo": "https://w3id.org/un/ontology/undo/",
    "p": "http://www.wikidata.org/prop/",
    "ps": "http://www.wikidata.org/prop/statement/",
    "pq": "http://www.wikidata.org/prop/qualifier/",
    "pr": "http://www.wikidata.org/prop/reference/",
    "wikibase": "http://wikiba.se/ontology#",
}

CONTEXT_FILE = Path(__file__).resolve().parent / "context.jsonld"
#: The IRI under which the context is published; :func:`parse_jsonld` maps it to the local file.
CONTEXT_IRI = iri.BASE + "context.jsonld"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = RDF + "type"
RDF_FIRST = RDF + "first"
RDF_REST = RDF + "rest"
RDF_NIL = RDF + "nil"
XSD_STRING = XSD + "string"


class ExportError(ScoKgError):
    """The selected data cannot be written in the requested format (e.g. an IRI RDF/XML cannot express)."""


# --------------------------------------------------------------------------------------------- terms


@dataclass(frozen=True, order=True)
class Term:
    """An RDF term in a sortable, writer-neutral form.

    ``kind`` is ``"iri"``, ``"bnode"`` or ``"literal"``; ``value`` the IRI, label or lexical form;
    ``datatype`` and ``language`` are set for literals only.
    """

    kind: str
    value: str
    datatype: str = ""
    language: str = ""

    def nt(self) -> str:
        """Return the term in N-Triples syntax (computed once per term)."""
        return self._nt

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash((self.kind, self.value, self.datatype, self.language))

    @cached_property
    def _nt(self) -> str:
        if self.kind == "iri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        text = _nt_string(self.value)
        if self.language:
            return f"{text}@{self.language}"
        if self.datatype and self.datatype != XSD_STRING:
            return f"{text}^^<{self.datatype}>"
        return text


#: A quad: subject, predicate, object, graph (``None`` for the default graph).
Quad = tuple[Term, Term, Term, "Term | None"]

_NT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _nt_string(value: str) -> str:
    if not _NT_SPECIAL.search(value):
        return '"' + value + '"'
    return '"' + _NT_SPECIAL.sub(_nt_escape, value) + '"'


_NT_SPECIAL = re.compile('["\\\\\x00-\x1f\x7f]')


def _nt_escape(m: re.Match[str]) -> str:
    ch = m.group()
    return _NT_ESCAPES.get(ch) or f"\\u{ord(ch):04X}"


def _from_ox(term: Any) -> Term:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return Term("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, ox.Literal):
        return Term("literal", term.value, term.datatype.value, term.language or "")
    raise ExportError(f"cannot export RDF term {term!r}: only IRIs, blank nodes and literals are supported")


def quads_from_store(store: pyoxigraph.Store, graphs: Iterable[str] | None = None) -> list[Quad]:
    """Return the quads of ``store`` (only those in ``graphs`` when given) as :class:`Term` quads."""
    import pyoxigraph as ox

    wanted = None if graphs is None else set(graphs)
    out: list[Quad] = []
    for q in store:
        g = q.graph_name
        if isinstance(g, ox.DefaultGraph):
            if wanted is not None:
                continue
            out.append((_from_ox(q.subject), _from_ox(q.predicate), _from_ox(q.object), None))
            continue
        if wanted is not None and g.value not in wanted:
            continue
        out.append((_from_ox(q.subject), _from_ox(q.predicate), _from_ox(q.object), _from_ox(g)))
    return out


def quads_from_rdflib(dataset: Any) -> list[Quad]:
    """Return the quads of an rdflib ``Dataset`` or ``Graph``, dropping what is not valid RDF.

    owlrl writes generalised triples (literal subjects, blank-node predicates: RDFLib/OWL-RL#63); they are
    left out here, so no export can contain them.
    """
    from rdflib import BNode, Literal, URIRef

    def conv(t: Any) -> Term:
        if isinstance(t, URIRef):
            return Term("iri", str(t))
        if isinstance(t, BNode):
            return Term("bnode", str(t))
        lit = cast(Literal, t)
        dt = str(lit.datatype) if lit.datatype else ("" if lit.language else XSD_STRING)
        if lit.language:
            dt = RDF + "langString"
        return Term("literal", str(lit), dt, (lit.language or "").lower())

    out: list[Quad] = []
    if hasattr(dataset, "quads"):
        source: Iterable[Any] = dataset.quads((None, None, None, None))
    else:
        source = ((s, p, o, None) for s, p, o in dataset)
    for s, p, o, g in source:
        if not isinstance(s, (URIRef, BNode)) or not isinstance(p, URIRef):
            continue
        if not isinstance(o, (URIRef, BNode, Literal)):
            continue
        gid = getattr(g, "identifier", g)
        graph: Term | None = None
        if gid is not None and isinstance(gid, URIRef) and str(gid) != "urn:x-rdflib:default":
            graph = Term("iri", str(gid))
        out.append((conv(s), conv(p), conv(o), graph))
    return out


# ------------------------------------------------------------------------------ canonical blank nodes


def canonicalize(quads: Iterable[Quad]) -> list[Quad]:
    """Return the quads, de-duplicated and sorted, with blank nodes relabelled from their content.

    Each blank node gets a label derived from a hash of its neighbourhood, refined until stable (colour
    refinement), so the same data gives the same labels whatever the parser called them. Nodes that no
    refinement can tell apart are symmetric in the data, so either labelling gives the same output.
    """
    unique = set(quads)
    with_b = [
        q for q in unique if q[0].kind == "bnode" or q[2].kind == "bnode" or (q[3] is not None and q[3].kind == "bnode")
    ]
    if not with_b:
        return sorted(unique, key=_sort_key)
    bnodes = sorted({t.value for q in with_b for t in (q[0], q[2], q[3]) if t is not None and t.kind == "bnode"})
    colour = dict.fromkeys(bnodes, "")
    classes = 1
    for _ in range(len(bnodes) + 1):
        sigs: dict[str, list[str]] = defaultdict(list)
        for q in with_b:
            for pos, t in enumerate(q):
                if t is not None and t.kind == "bnode":
                    parts = []
                    for i, u in enumerate(q):
                        if u is None:
                            parts.append("")
                        elif u.kind == "bnode":
                            parts.append(("@" if i == pos else "_:") + colour[u.value])
                        else:
                            parts.append(u.nt())
                    sigs[t.value].append(f"{pos}|" + " ".join(parts))
        new = {b: hashlib.sha256((colour[b] + "\n" + "\n".join(sorted(sigs[b]))).encode()).hexdigest() for b in bnodes}
        n = len(set(new.values()))
        colour = new
        if n == classes:
            break
        classes = n
    labels: dict[str, str] = {}
    seen: dict[str, int] = defaultdict(int)
    for b in sorted(bnodes, key=lambda b: colour[b]):
        h = colour[b][:16]
        labels[b] = f"b{h}" if seen[h] == 0 else f"b{h}x{seen[h]}"
        seen[h] += 1

    def relabel(t: Term | None) -> Term | None:
        return Term("bnode", labels[t.value]) if t is not None and t.kind == "bnode" else t

    # Relabelling is one-to-one, so the relabelled quads stay distinct; quads without blank nodes are unchanged.
    out = list(unique.difference(with_b))
    out += [(cast(Term, relabel(s)), p, cast(Term, relabel(o)), relabel(g)) for s, p, o, g in with_b]
    return sorted(out, key=_sort_key)


def _sort_key(q: Quad) -> tuple[str, str, str, str]:
    s, p, o, g = q
    # rdf:type first among a subject's predicates (the way people read a description).
    return ("" if g is None else g._nt, s._nt, "" if p.value == RDF_TYPE else p._nt, o._nt)


def union(quads: Iterable[Quad]) -> list[Quad]:
    """Return the triples of ``quads`` in the default graph (the union of all graphs), canonicalized.

    Blank nodes are relabelled from the union's own content, so the same triples give the same output
    whichever named graphs they came from.
    """
    return canonicalize((s, p, o, None) for s, p, o, _ in quads)


# ---------------------------------------------------------------------------------------- selection


def parse_file(path: Path, graph: str | None = None, fmt: str | None = None) -> list[Quad]:
    """Return the quads of an RDF file, exactly as written (lexical forms and datatypes kept).

    The pyoxigraph ``Store`` normalises literals (``"01"^^xsd:nonNegativeInteger`` is stored as
    ``"1"^^xsd:integer``), so exports read files with the streaming parser, which does not.

    Args:
        path: the file.
        graph: the graph of a triple format's triples (``None``: the default graph).
        fmt: a pyoxigraph format name (``TURTLE``, ``N_QUADS``...) when the extension does not tell.
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
    to_graph = Term("iri", graph) if graph else None
    out: list[Quad] = []
    try:
        source = {"path": str(path)} if data is None else {"input": data}
        seen: dict[Any, Term] = {}  # one Term per distinct term: most terms repeat (predicates, subjects)

        def term(t: Any) -> Term:
            found = seen.get(t)
            if found is None:
                found = seen[t] = _from_ox(t)
            return found

        for q in ox.parse(**source, format=getattr(ox.RdfFormat, name)):
            g = q.graph_name
            gterm = to_graph if isinstance(g, ox.DefaultGraph) else term(g)
            out.append((term(q.subject), term(q.predicate), term(q.object), gterm))
    except SyntaxError as exc:
        raise DataFileError(f"{path}: malformed RDF: {clean_ox_message(str(exc))}") from None
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path}: cannot read: {clean_ox_message(str(exc))}") from None
    return out


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
    """Return the canonical quads of a selection of the dataset's graphs.

    Args:
        selection: ``asserted`` (ontology, data, provenance, text and the ``--with`` files), ``inferred``
            (only ``scog:inferred``), ``all`` (both), ``ontology`` or ``provenance`` (``scog:provenance`` and
            ``scog:text``).
        with_files: the user's RDF files, each merged into ``scog:user/<file name>``.
        with_format: the format of the ``with_files`` when their extension does not tell.
        context: keep the outside facts; ``False`` drops every graph :func:`sco_kg.rdf.iri.is_context_graph` names.

    Returns:
        Sorted quads with content-derived blank-node labels.
    """
    from sco_kg.io.inputs import asserted_files, user_graph_iri

    if selection not in SELECTIONS:
        raise UsageError(f"unknown graph selection {selection!r} (use one of {', '.join(SELECTIONS)})")
    files = [Path(p) for p in with_files]
    quads: list[Quad] = []
    if selection != "inferred":
        for path, graph in asserted_files():
            quads += parse_file(path, graph)
        for user in files:
            quads += parse_file(user, user_graph_iri(user), with_format)
    if selection in ("inferred", "all"):
        try:
            from sco_kg.reasoning import materialize
        except ImportError:
            raise DataFileError(
                f"--graph {selection} needs the OWL 2 RL closure (sco_kg/reasoning/materialize.py), which this build "
                "does not have; export --graph asserted instead"
            ) from None
        inferred = {Term("iri", g) for g in iri.INFERRED_GRAPHS}
        nq = materialize.materialized_path(files, with_format=with_format, context=context)
        quads += [q for q in parse_file(nq, fmt="N_QUADS") if q[3] in inferred]
    if not context:
        quads = [q for q in quads if q[3] is None or not iri.is_context_graph(q[3].value)]
    keep: set[str] | None = None
    if selection == "ontology":
        keep = {iri.GRAPH_ONTOLOGY}
    elif selection == "provenance":
        keep = {iri.GRAPH_PROVENANCE, iri.GRAPH_TEXT}
    if keep is not None:
        quads = [q for q in quads if q[3] is not None and q[3].value in keep]
    return canonicalize(quads)


# -------------------------------------------------------------------------------------- prefixes


def all_prefixes() -> dict[str, str]:
    """Return the prefixes exports may use: :data:`iri.PREFIXES` then :data:`EXTRA_PREFIXES`."""
    out = dict(iri.PREFIXES)
    for k, v in EXTRA_PREFIXES.items():
        out.setdefault(k, v)
    return out


# PN_LOCAL restricted to ASCII and without escapes: a name every Turtle parser accepts.
_PN_LOCAL = re.compile(r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)?$")
# An XML NCName restricted to ASCII (for RDF/XML property elements).
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


class _Prefixer:
    """Choose the prefixed name of an IRI (longest matching namespace) and remember the prefixes used."""

    def __init__(self, prefixes: dict[str, str], pattern: re.Pattern[str] = _PN_LOCAL) -> None:
        self.prefixes = prefixes
        self.by_length = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        self.pattern = pattern
        self.used: set[str] = set()
        self._memo: dict[str, tuple[str, str] | None] = {}

    def split(self, value: str) -> tuple[str, str] | None:
        """Return ``(prefix, local)`` for ``value``, or ``None`` when no prefix gives a valid local name."""
        try:
            return self._memo[value]
        except KeyError:
            hit = self._memo[value] = self._split(value)
            return hit

    def _split(self, value: str) -> tuple[str, str] | None:
        for name, ns in self.by_length:
            if value.startswith(ns) and self.pattern.match(value[len(ns) :]):
                return name, value[len(ns) :]
        return None

    def name(self, value: str) -> str:
        """Return ``prefix:local`` or ``<value>``."""
        hit = self.split(value)
        if hit is None:
            return f"<{value}>"
        self.used.add(hit[0])
        return f"{hit[0]}:{hit[1]}"

    def header(self, style: str = "turtle") -> str:
        """Return the prefix declarations of the prefixes used, sorted by name."""
        names = sorted(self.used)
        if style == "turtle":
            return "".join(f"@prefix {n}: <{self.prefixes[n]}> .\n" for n in names)
        return "".join(f"PREFIX {n}: <{self.prefixes[n]}>\n" for n in names)


# --------------------------------------------------------------------------------- N-Triples / N-Quads


def write_nquads(quads: Sequence[Quad]) -> str:
    """Return ``quads`` as N-Quads, one sorted line per quad."""
    lines = []
    for s, p, o, g in quads:
        lines.append(f"{s.nt()} {p.nt()} {o.nt()} {g.nt()} .\n" if g else f"{s.nt()} {p.nt()} {o.nt()} .\n")
    return "".join(lines)


def write_ntriples(quads: Sequence[Quad]) -> str:
    """Return the union of ``quads`` as N-Triples, one sorted line per triple."""
    return write_nquads(union(quads))


# ----------------------------------------------------------------------------------- Turtle / TriG


def _inline_candidates(triples: Sequence[Quad]) -> tuple[dict[Term, list[Quad]], set[Term]]:
    """Return triples by subject, and the blank nodes that may be written inline (``[...]`` or a list)."""
    by_subject: dict[Term, list[Quad]] = defaultdict(list)
    refs: dict[Term, int] = defaultdict(int)
    for t in triples:
        by_subject[t[0]].append(t)
        if t[2].kind == "bnode":
            refs[t[2]] += 1
    inline = {b for b, n in refs.items() if n == 1}
    # A cycle of blank nodes each referenced once would never be written: keep one of each cycle top-level.
    parent = {t[2]: t[0] for t in triples if t[2] in inline}
    for b in sorted(inline):
        seen = {b}
        cur = parent.get(b)
        while cur is not None and cur in inline:
            if cur in seen:
                inline.discard(b)
                break
            seen.add(cur)
            cur = parent.get(cur)
    return by_subject, inline


class _TurtleWriter:
    """Write sorted triples as Turtle statements, inlining blank nodes referenced once."""

    def __init__(self, prefixer: _Prefixer) -> None:
        self.px = prefixer

    def term(self, t: Term) -> str:
        if t.kind == "iri":
            return self.px.name(t.value)
        if t.kind == "bnode":
            return f"_:{t.value}"
        text = _nt_string(t.value)
        if t.language:
            return f"{text}@{t.language}"
        if t.datatype and t.datatype != XSD_STRING:
            return f"{text}^^{self.px.name(t.datatype)}"
        return text

    def _list_items(self, b: Term, by_subject: dict[Term, list[Quad]], inline: set[Term]) -> list[Term] | None:
        """Return the members of the RDF list starting at ``b`` when it can be written as ``( ... )``."""
        items: list[Term] = []
        cur = b
        seen: set[Term] = set()
        while True:
            if cur.kind == "iri" and cur.value == RDF_NIL:
                return items
            if cur.kind != "bnode" or cur in seen or (cur != b and cur not in inline):
                return None
            seen.add(cur)
            triples = by_subject.get(cur, [])
            preds = sorted(t[1].value for t in triples)
            if preds != [RDF_FIRST, RDF_REST]:
                return None
            first = next(t[2] for t in triples if t[1].value == RDF_FIRST)
            rest = next(t[2] for t in triples if t[1].value == RDF_REST)
            items.append(first)
            cur = rest

    def obj(self, t: Term, by_subject: dict[Term, list[Quad]], inline: set[Term], indent: str) -> str:
        if t.kind == "bnode" and t in inline:
            items = self._list_items(t, by_subject, inline)
            if items is not None:
                return "( " + " ".join(self.obj(i, by_subject, inline, indent) for i in items) + " )"
            body = self.predicates(by_subject.get(t, []), by_subject, inline, indent + "    ")
            return "[\n" + body + "\n" + indent + "]" if body else "[]"
        return self.term(t)

    def predicates(
        self, triples: Sequence[Quad], by_subject: dict[Term, list[Quad]], inline: set[Term], indent: str
    ) -> str:
        groups: dict[Term, list[Term]] = {}
        for t in triples:
            groups.setdefault(t[1], []).append(t[2])
        parts = []
        for p, objs in groups.items():
            pname = "a" if p.value == RDF_TYPE else self.term(p)
            rendered = [self.obj(o, by_subject, inline, indent) for o in objs]
            parts.append(f"{indent}{pname} " + " , ".join(rendered))
        return " ;\n".join(parts)

    def statements(self, triples: Sequence[Quad], indent: str = "") -> str:
        by_subject, inline = _inline_candidates(triples)
        out = []
        for subject, ts in by_subject.items():
            if subject in inline:
                continue  # written where it is used
            head = self.term(subject)
            body = self.predicates(ts, by_subject, inline, indent + "    ")
            out.append(f"{indent}{head}\n{body} .\n")
        return "\n".join(out)


def write_turtle(quads: Sequence[Quad], prefixes: dict[str, str] | None = None) -> str:
    """Return the union of ``quads`` as sorted Turtle with only the prefixes it uses."""
    px = _Prefixer(prefixes or all_prefixes())
    body = _TurtleWriter(px).statements(union(quads))
    head = px.header()
    return head + ("\n" if head and body else "") + body


def write_trig(quads: Sequence[Quad], prefixes: dict[str, str] | None = None) -> str:
    """Return ``quads`` as sorted TriG: default-graph triples first, then one block per named graph."""
    px = _Prefixer(prefixes or all_prefixes())
    writer = _TurtleWriter(px)
    by_graph: dict[Term | None, list[Quad]] = {}
    for q in quads:
        by_graph.setdefault(q[3], []).append(q)
    blocks = []
    if None in by_graph:
        blocks.append(writer.statements(by_graph.pop(None)))
    for g in sorted(by_graph, key=lambda t: t.nt() if t else ""):
        name = writer.term(cast(Term, g))
        blocks.append(f"{name} {{\n" + writer.statements(by_graph[g], "    ") + "}\n")
    body = "\n".join(blocks)
    head = px.header()
    return head + ("\n" if head and body else "") + body


# ------------------------------------------------------------------------------------------ RDF/XML


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: str, where: str) -> str:
    bad = _XML_BAD.search(value)
    if bad:
        raise ExportError(f"{where}: character U+{ord(bad.group()):04X} cannot be written in RDF/XML (XML 1.0)")
    return escape(value, {"\r": "&#13;"})


def _xml_attr(value: str, where: str) -> str:
    _xml_text(value, where)
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def write_rdfxml(quads: Sequence[Quad], prefixes: dict[str, str] | None = None) -> str:
    """Return the union of ``quads`` as RDF/XML, one sorted ``rdf:Description`` per subject.

    Raises:
        ExportError: a predicate IRI cannot be split into an XML namespace and a local name.
    """
    triples = union(quads)
    px = _Prefixer(prefixes or all_prefixes(), _NCNAME)
    px.used.add("rdf")
    extra: dict[str, str] = {}

    def qname(p: str) -> str:
        hit = px.split(p)
        if hit is not None:
            px.used.add(hit[0])
            return f"{hit[0]}:{hit[1]}"
        m = re.match(r"^(.*?)([A-Za-z_][A-Za-z0-9_.\-]*)$", p)
        if not m or not m.group(1):
            raise ExportError(f"<{p}>: RDF/XML cannot write this predicate (no XML local name); use ttl or nt")
        ns = m.group(1)
        if ns not in extra:
            extra[ns] = f"ns{len(extra) + 1}"
        return f"{extra[ns]}:{m.group(2)}"

    body: list[str] = []
    current: Term | None = None
    for s, p, o, _ in triples:
        if s != current:
            if current is not None:
                body.append("  </rdf:Description>\n")
            current = s
            attr = "rdf:about" if s.kind == "iri" else "rdf:nodeID"
            body.append(f"  <rdf:Description {attr}={_xml_attr(s.value, s.nt())}>\n")
        el = qname(p.value)
        where = f"{s.nt()} {p.nt()}"
        if o.kind == "iri":
            body.append(f"    <{el} rdf:resource={_xml_attr(o.value, where)}/>\n")
        elif o.kind == "bnode":
            body.append(f"    <{el} rdf:nodeID={_xml_attr(o.value, where)}/>\n")
        elif o.language:
            body.append(f"    <{el} xml:lang={_xml_attr(o.language, where)}>{_xml_text(o.value, where)}</{el}>\n")
        elif o.datatype and o.datatype != XSD_STRING:
            dt = _xml_attr(o.datatype, where)
            body.append(f"    <{el} rdf:datatype={dt}>{_xml_text(o.value, where)}</{el}>\n")
        else:
            body.append(f"    <{el}>{_xml_text(o.value, where)}</{el}>\n")
    if current is not None:
        body.append("  </rdf:Description>\n")
    decls = [(n, px.prefixes[n]) for n in sorted(px.used)] + sorted(
        ((v, k) for k, v in extra.items()), key=lambda kv: kv[0]
    )
    ns_attrs = "".join(f"\n    xmlns:{n}={_xml_attr(ns, 'namespace')}" for n, ns in decls)
    return f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{ns_attrs}>\n' + "".join(body) + "</rdf:RDF>\n"


# ------------------------------------------------------------------------------------------- JSON-LD


@lru_cache(maxsize=1)
def context() -> dict[str, Any]:
    """Return the JSON-LD context shipped with sco-kg (the value of its ``@context`` key)."""
    try:
        doc = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{CONTEXT_FILE}: cannot read the JSON-LD context: {exc}") from None
    return cast(dict[str, Any], doc["@context"])


def context_text() -> str:
    """Return the shipped context file's text (what ``sco-kg export --context`` prints)."""
    return CONTEXT_FILE.read_text(encoding="utf-8")


@dataclass(frozen=True)
class _TermDef:
    name: str
    iri: str
    type: str  # "" | "@id" | a datatype IRI
    container: str  # "" | "@language"


class _Compactor:
    """Compact terms against a context made of prefixes and simple term definitions."""

    def __init__(self, ctx: dict[str, Any]) -> None:
        self.prefixes: dict[str, str] = {}
        raw: dict[str, Any] = {}
        for name, value in ctx.items():
            if name.startswith("@"):
                continue
            if isinstance(value, str) and value.endswith(("/", "#")) and ":" not in name:
                self.prefixes[name] = value
            raw[name] = value
        self.px = _Prefixer(self.prefixes, re.compile(r"^(?!//)[^\s]*$"))
        self.defs: dict[str, list[_TermDef]] = defaultdict(list)
        self.class_terms: dict[str, str] = {}
        for name, value in sorted(raw.items()):
            if name in self.prefixes:
                continue
            if isinstance(value, str):
                full, typ, cont = self.expand(value), "", ""
            else:
                full = self.expand(value["@id"])
                typ = value.get("@type", "")
                typ = typ if typ in ("", "@id") else self.expand(typ)
                cont = value.get("@container", "")
            self.defs[full].append(_TermDef(name, full, typ, cont))
            if isinstance(value, str):
                self.class_terms.setdefault(full, name)

    def expand(self, value: str) -> str:
        if ":" in value:
            pre, local = value.split(":", 1)
            if pre in self.prefixes:
                return self.prefixes[pre] + local
        return value

    def iri(self, value: str) -> str:
        """Return a compact IRI (or the absolute IRI) for an ``@id`` position."""
        hit = self.px.split(value)
        return f"{hit[0]}:{hit[1]}" if hit else value

    def vocab(self, value: str) -> str:
        """Return a term or compact IRI for a ``@type`` value."""
        return self.class_terms.get(value) or self.iri(value)

    def ref(self, t: Term) -> str:
        return f"_:{t.value}" if t.kind == "bnode" else self.iri(t.value)

    def value_object(self, t: Term) -> Any:
        if t.kind != "literal":
            return {"@id": self.ref(t)}
        if t.language:
            return {"@language": t.language, "@value": t.value}
        if not t.datatype or t.datatype == XSD_STRING:
            return t.value
        return {"@type": self.iri(t.datatype), "@value": t.value}

    def properties(self, p: str, objs: Sequence[Term]) -> dict[str, Any]:
        """Return the keys and values under which the objects of ``p`` are written."""
        defs = self.defs.get(p, [])
        by_id = next((d for d in defs if d.type == "@id"), None)
        by_lang = next((d for d in defs if d.container == "@language"), None)
        by_dt = {d.type: d for d in defs if d.type not in ("", "@id") and not d.container}
        plain = next((d for d in defs if not d.type and not d.container), None)
        fallback = plain.name if plain else self.iri(p)
        out: dict[str, Any] = {}
        for o in objs:
            if o.kind != "literal" and by_id:
                out.setdefault(by_id.name, []).append(self.ref(o))
            elif o.kind == "literal" and o.language and by_lang:
                out.setdefault(by_lang.name, {}).setdefault(o.language, []).append(o.value)
            elif o.kind == "literal" and o.datatype in by_dt and not o.language:
                out.setdefault(by_dt[o.datatype].name, []).append(o.value)
            else:
                out.setdefault(fallback, []).append(self.value_object(o))
        for key, val in out.items():
            if isinstance(val, dict):
                out[key] = {lang: vs[0] if len(vs) == 1 else vs for lang, vs in sorted(val.items())}
            elif len(val) == 1:
                out[key] = val[0]
        return out


def _node_objects(triples: Sequence[Quad], comp: _Compactor, embed: bool) -> list[dict[str, Any]]:
    """Return one JSON-LD node object per subject; with ``embed``, blank nodes referenced once are nested."""
    by_subject, inline = _inline_candidates(triples) if embed else ({}, set())
    if not embed:
        by_subject = defaultdict(list)
        for t in triples:
            by_subject[t[0]].append(t)

    def node(subject: Term) -> dict[str, Any]:
        obj: dict[str, Any] = {"@id": comp.ref(subject)}
        types = [t[2] for t in by_subject.get(subject, []) if t[1].value == RDF_TYPE and t[2].kind != "literal"]
        if types:
            vals = [comp.vocab(t.value) if t.kind == "iri" else comp.ref(t) for t in types]
            obj["@type"] = vals[0] if len(vals) == 1 else vals
        groups: dict[str, list[Term]] = {}
        for t in by_subject.get(subject, []):
            if t[1].value == RDF_TYPE and t[2].kind != "literal":
                continue
            groups.setdefault(t[1].value, []).append(t[2])
        props: dict[str, Any] = {}
        for p, objs in groups.items():
            for key, val in comp.properties(p, objs).items():
                props[key] = val
        for key in sorted(props):
            val = props[key]
            if embed:
                val = _embed(val, key)
            obj[key] = val
        return obj

    def _embed(val: Any, key: str) -> Any:
        if isinstance(val, list):
            return [_embed(v, key) for v in val]
        target: Term | None = None
        if isinstance(val, str) and val.startswith("_:"):
            target = Term("bnode", val[2:])
        elif isinstance(val, dict) and isinstance(val.get("@id"), str) and val["@id"].startswith("_:"):
            target = Term("bnode", val["@id"][2:])
        if target is not None and target in inline:
            nested = node(target)
            del nested["@id"]
            return nested
        return val

    return [node(s) for s in by_subject if s not in inline]


def write_jsonld(
    quads: Sequence[Quad],
    ctx: dict[str, Any] | None = None,
    frame: Frame | None = None,
) -> str:
    """Return ``quads`` as compacted JSON-LD with the context embedded (no remote context is referenced).

    Args:
        quads: canonical quads (see :func:`canonicalize`).
        ctx: the context (default: the shipped ``sco_kg/context.jsonld``).
        frame: ``"entity"`` gives the union of the graphs as one object per entity, blank nodes nested in
            the entity that uses them; ``None`` keeps the named graphs.
    """
    ctx = context() if ctx is None else ctx
    comp = _Compactor(ctx)
    items: list[dict[str, Any]] = []
    if frame == "entity":
        items = _node_objects(union(quads), comp, embed=True)
    else:
        by_graph: dict[Term | None, list[Quad]] = {}
        for q in quads:
            by_graph.setdefault(q[3], []).append(q)
        default_nodes = {n["@id"]: n for n in _node_objects(by_graph.pop(None, []), comp, embed=False)}
        for g in sorted(by_graph, key=lambda t: t.nt() if t else ""):
            gid = comp.ref(cast(Term, g))
            obj = default_nodes.pop(gid, {"@id": gid})
            obj["@graph"] = _node_objects(by_graph[g], comp, embed=False)
            items.append(obj)
        items = list(default_nodes.values()) + items
    doc = {"@context": ctx, "@graph": items}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


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


# ------------------------------------------------------------------------------- Wikidata profile

WD = "http://www.wikidata.org/entity/"
WD_PROP = "http://www.wikidata.org/prop/"
WIKIBASE = "http://wikiba.se/ontology#"
PROV = "http://www.w3.org/ns/prov#"
EXTERNAL_IDS = "external-ids.csv"
#: Where statement and reference nodes live (stable IRIs derived from what they state, never blank nodes).
STATEMENT_NS = iri.ID + "statement/"
REFERENCE_NS = iri.ID + "reference/"

# Each query returns ?s ?value ?g (the graph that asserts the fact) and optionally ?when ?wg (a date and the
# graph that asserts it). The property IDs are the VERIFIED ones of LINKING.md §2.
_WIKIDATA_FACTS: list[tuple[str, str | None, str]] = [
    # P1891 signatory (+ P585 point in time): heads of state, or groups of them, that signed a document.
    (
        "P1891",
        "P585",
        """SELECT DISTINCT ?s ?value ?g ?when ?wg WHERE {
  GRAPH ?g { ?agent sco:signed ?s }
  { ?agent sco:isHeadOfStateOf ?value }
  UNION { ?agent sco:ofState ?value . ?value a sco:State }
  UNION { ?agent sco:ofState ?group . ?group sco:hasMemberState ?value }
  OPTIONAL { ?s sco:signingEvent ?ev . GRAPH ?wg { ?ev sco:date ?when } }
}""",
    ),
    # P463 member of (+ P580 start time: the date of the event that set the organisation up).
    (
        "P463",
        "P580",
        """SELECT DISTINCT ?s ?value ?g ?when ?wg WHERE {
  GRAPH ?g { ?m a sco:Membership ; org:member ?s ; org:organization ?value }
  OPTIONAL { ?ev a sco:EstablishmentEvent ; org:resultingOrganization ?value . GRAPH ?wg { ?ev sco:date ?when } }
}""",
    ),
    # P1365 replaces / P1366 replaced by: an org:ChangeEvent from one organisation to another.
    (
        "P1365",
        None,
        """SELECT DISTINCT ?s ?value ?g WHERE {
  { GRAPH ?g { ?ev org:resultingOrganization ?s } ?ev org:originalOrganization ?value }
  UNION { GRAPH ?g { ?ev org:originalOrganization ?value } ?ev org:resultingOrganization ?s }
  UNION { GRAPH ?g { ?s sco:replaces ?value } }
}""",
    ),
    (
        "P1366",
        None,
        """SELECT DISTINCT ?s ?value ?g WHERE {
  { GRAPH ?g { ?ev org:originalOrganization ?s } ?ev org:resultingOrganization ?value }
  UNION { GRAPH ?g { ?ev org:resultingOrganization ?value } ?ev org:originalOrganization ?s }
  UNION { GRAPH ?g { ?s sco:replacedBy ?value } }
}""",
    ),
    # P276 location of an event.
    ("P276", None, "SELECT DISTINCT ?s ?value ?g WHERE { GRAPH ?g { ?s sco:atPlace ?value } }"),
    # P571 inception of an organisation: the date of the event that established it.
    (
        "P571",
        None,
        """SELECT DISTINCT ?s ?value ?g WHERE {
  ?ev a sco:EstablishmentEvent ; org:resultingOrganization ?s .
  GRAPH ?g { ?ev sco:date ?value }
}""",
    ),
    # P585 point in time of a dated event.
    (
        "P585",
        None,
        """SELECT DISTINCT ?s ?value ?g WHERE {
  ?s a ?c . ?c rdfs:subClassOf* sco:Event .
  GRAPH ?g { ?s sco:date ?value }
}""",
    ),
]


def verified_wikidata_ids(path: Path | None = None) -> dict[str, str]:
    """Return entity IRI -> Wikidata entity IRI from the allow-list ``data/external-ids.csv``.

    Only ``owl:sameAs`` rows whose target is a Wikidata item are used: the identifiers the linking work
    verified (LINKING.md). An entity that is not on the list keeps its own IRI; no QID is ever made up.
    """
    import csv

    from sco_kg import paths

    path = path or paths.data_dir() / EXTERNAL_IDS
    if not path.exists():
        raise DataFileError(f"{path}: allow-list of verified external identifiers not found")
    out: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"entity_iri", "external_iri", "relation"} - set(reader.fieldnames or [])
            if missing:
                raise DataFileError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for row in reader:
                ext = (row.get("external_iri") or "").strip()
                if row.get("relation", "").strip() == "owl:sameAs" and re.fullmatch(re.escape(WD) + r"Q\d+", ext):
                    out[row["entity_iri"].strip()] = ext
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot read: {exc}") from None
    return out


def _wd_time(lexical: str) -> str | None:
    """Return Wikidata's simple time value (``xsd:dateTime``, UTC) for an ``xsd:date`` or ``xsd:gYear``."""
    if re.fullmatch(r"-?\d{4}-\d{2}-\d{2}", lexical):
        return f"{lexical}T00:00:00Z"
    if re.fullmatch(r"-?\d{4}", lexical):
        return f"{lexical}-01-01T00:00:00Z"  # year precision, as Wikidata writes it
    return None


def _key(value: str) -> str:
    if value.startswith(WD):
        return value[len(WD) :]
    if value.startswith(iri.ID):
        return value[len(iri.ID) :].replace("/", "-")
    host = re.sub(r"[^A-Za-z0-9]+", "-", value.split("://", 1)[-1].split("/", 1)[0]).strip("-")
    return f"{host or 'x'}-{hashlib.sha256(value.encode()).hexdigest()[:10]}"


def wikidata_statements(with_files: Sequence[str | Path] = (), ids_file: Path | None = None) -> list[Quad]:
    """Return the Wikidata-shaped view: the facts that map onto Wikidata properties, in its statement model.

    For each fact ``s P v`` (P1891 signatory with P585, P463 member of with P580, P1365/P1366, P276, P571,
    P585): the truthy triple ``s wdt:P v``, a statement node ``s p:P st`` with ``st ps:P v``, its qualifier
    ``pq:``, rank, and ``prov:wasDerivedFrom`` reference nodes whose ``pr:P854`` (reference URL) is the
    sentence of the release (or the outside source) that states the fact. Entities with a verified QID
    (``data/external-ids.csv``) appear as ``wd:Q…``; the others keep their sco-kg IRI. Statement and
    reference nodes have stable IRIs under ``scoid:statement/`` and ``scoid:reference/``.
    """
    from sco_kg.dataset import open_store

    qids = verified_wikidata_ids(ids_file)
    st = open_store(inferred=False, with_files=tuple(Path(p) for p in with_files))
    sources: dict[str, list[str]] = defaultdict(list)
    query = iri.sparql_prefixes() + "SELECT ?g ?src WHERE { ?g prov:wasDerivedFrom|sco:impliedBy ?src }"
    for row in cast(Iterable[Any], st.query(query, use_default_graph_as_union=True)):
        sources[row["g"].value].append(row["src"].value)

    def ent(value: str) -> Term:
        return Term("iri", qids.get(value, value))

    out: list[Quad] = []
    ref_terms: dict[str, Term] = {}

    def reference(graph: str) -> list[Term]:
        refs = []
        for src in sorted(sources.get(graph, [])):
            if src not in ref_terms:
                ref = Term("iri", REFERENCE_NS + _key(src))
                ref_terms[src] = ref
                out.append((ref, Term("iri", RDF_TYPE), Term("iri", WIKIBASE + "Reference"), None))
                out.append((ref, Term("iri", WD_PROP + "reference/P854"), Term("iri", src), None))
            refs.append(ref_terms[src])
        return refs

    for prop, qualifier, query in _WIKIDATA_FACTS:
        facts: dict[tuple[str, Term], dict[str, Any]] = {}
        for row in cast(Iterable[Any], st.query(iri.sparql_prefixes() + query, use_default_graph_as_union=True)):
            s = row["s"].value
            raw = row["value"]
            if hasattr(raw, "datatype"):
                when = _wd_time(raw.value)
                if when is None:
                    continue
                value = Term("literal", when, XSD + "dateTime")
            else:
                value = ent(raw.value)
            fact = facts.setdefault((s, value), {"graphs": set(), "when": set()})
            fact["graphs"].add(row["g"].value)
            if qualifier and row["when"] is not None:
                when = _wd_time(row["when"].value)
                if when:
                    fact["when"].add(when)
                    fact["graphs"].add(row["wg"].value)
        for (s, value), fact in sorted(facts.items(), key=lambda kv: (kv[0][0], kv[0][1].nt())):
            subject = ent(s)
            vkey = _key(value.value) if value.kind == "iri" else value.value[:10]
            stmt = Term("iri", f"{STATEMENT_NS}{_key(subject.value)}-{prop}-{vkey}")
            out.append((subject, Term("iri", f"{WD_PROP}direct/{prop}"), value, None))
            out.append((subject, Term("iri", WD_PROP + prop), stmt, None))
            out.append((stmt, Term("iri", RDF_TYPE), Term("iri", WIKIBASE + "Statement"), None))
            out.append((stmt, Term("iri", WIKIBASE + "rank"), Term("iri", WIKIBASE + "NormalRank"), None))
            out.append((stmt, Term("iri", f"{WD_PROP}statement/{prop}"), value, None))
            for when in sorted(fact["when"]):
                out.append(
                    (
                        stmt,
                        Term("iri", f"{WD_PROP}qualifier/{qualifier}"),
                        Term("literal", when, XSD + "dateTime"),
                        None,
                    )
                )
            for g in sorted(fact["graphs"]):
                for ref in reference(g):
                    out.append((stmt, Term("iri", PROV + "wasDerivedFrom"), ref, None))
    return canonicalize(out)


def prefix_context(quads: Sequence[Quad]) -> dict[str, Any]:
    """Return a JSON-LD context of just the prefixes that ``quads`` use (for views other than the graph)."""
    px = _Prefixer(all_prefixes())
    for q in quads:
        for t in q:
            if t is not None and t.kind == "iri":
                px.name(t.value)
            elif t is not None and t.kind == "literal" and t.datatype:
                px.name(t.datatype)
    return {n: px.prefixes[n] for n in sorted(px.used)}


# --------------------------------------------------------------------------------------------- API


def serialize(
    quads: Sequence[Quad],
    fmt: Format = "ttl",
    frame: Frame | None = None,
    ctx: dict[str, Any] | None = None,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """Return canonical ``quads`` serialised in ``fmt`` as UTF-8 bytes.

    Args:
        quads: canonical quads (from :func:`select` or :func:`canonicalize`).
        fmt: ``ttl``, ``trig``, ``nt``, ``nq``, ``xml`` or ``jsonld``.
        frame: ``"entity"`` for the one-object-per-entity JSON-LD view (``jsonld`` only).
        ctx: the JSON-LD context (default: the shipped one).
        prefixes: the prefixes Turtle, TriG and RDF/XML may use (default: :func:`all_prefixes`).
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")
    if frame is not None and fmt != "jsonld":
        raise UsageError(f"--frame {frame} needs --format jsonld")
    if fmt == "ttl":
        text = write_turtle(quads, prefixes)
    elif fmt == "trig":
        text = write_trig(quads, prefixes)
    elif fmt == "nt":
        text = write_ntriples(quads)
    elif fmt == "nq":
        text = write_nquads(quads)
    elif fmt == "xml":
        text = write_rdfxml(quads, prefixes)
    else:
        text = write_jsonld(quads, ctx, frame)
    return text.encode("utf-8")


def export(
    fmt: Format = "ttl",
    selection: Selection = "asserted",
    output: str | Path | None = None,
    with_files: Sequence[str | Path] = (),
    frame: Frame | None = None,
    profile: Profile | None = None,
    with_format: str | None = None,
    context: bool = True,
) -> bytes:
    """Return the export of a selection of the dataset, and write it atomically to ``output`` when given.

    Args:
        fmt: the format (see :data:`FORMATS`).
        selection: which graphs (see :data:`SELECTION_HELP`).
        output: the target file; it is replaced only once the whole export has been produced and written.
        with_files: the user's RDF files, each merged into its own graph.
        frame: ``"entity"`` for the framed JSON-LD view.
        profile: ``"wikidata"`` for the Wikidata-shaped statements instead of the graphs themselves.
        with_format: the format of ``with_files`` when their extension does not tell.
        context: keep the outside facts (``scog:context/*``, ``scog:provenance-context``,
            ``scog:inferred-context``).

    Returns:
        The serialised bytes.
    """
    if profile is not None:
        if profile != "wikidata":
            raise UsageError(f"unknown export profile {profile!r} (use wikidata)")
        quads = wikidata_statements(with_files)
        data = serialize(quads, fmt, frame, ctx=prefix_context(quads) if fmt == "jsonld" else None)
    else:
        quads = select(selection, with_files, with_format, context=context)
        data = serialize(quads, fmt, frame)
    if output is not None:
        write_file(output, data)
    return data


def write_file(output: str | Path, data: bytes) -> None:
    """Write ``data`` to ``output`` atomically; an error leaves any existing file untouched."""
    target = Path(output)
    if target.is_dir():
        raise UsageError(f"{target}: is a directory (give a file name for -o)")
    try:
        with atomic_writer(target, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise DataFileError(f"{target}: cannot write: {exc.strerror or exc}") from None
