"""The ONE Turtle and TriG writer: sorted statements, only the prefixes used, blank nodes inlined where they can be.

Input: canonical quads (:func:`sco_kg.rdf.canon.canonicalize`), or their :data:`~sco_kg.rdf.canon.Row` strings
(:func:`turtle_rows`, :func:`trig_rows`: what the exporter writes, with no :class:`Term` per quad). Turtle gets
the union of the graphs (blank nodes relabelled from the union's own content); TriG keeps the named graphs.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from typing import TypeVar

from sco_kg.rdf.canon import Row, row_of, union_rows
from sco_kg.rdf.term import Quad, Term
from sco_kg.rdf.writers.prefixes import Prefixer, all_prefixes

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF + "type"
RDF_FIRST = RDF + "first"
RDF_REST = RDF + "rest"
RDF_NIL = RDF + "nil"
_LIST_PREDICATES = [f"<{RDF_FIRST}>", f"<{RDF_REST}>"]
_NIL = f"<{RDF_NIL}>"
_T = TypeVar("_T", Term, str)
_GRAPH, _SUBJECT = itemgetter(0), itemgetter(1)


def inline_candidates(triples: Sequence[Quad]) -> tuple[dict[Term, list[Quad]], set[Term]]:
    """Return triples by subject, and the blank nodes that may be written inline (``[...]`` or a list)."""
    by_subject: dict[Term, list[Quad]] = defaultdict(list)
    refs: dict[Term, int] = defaultdict(int)
    for t in triples:
        by_subject[t[0]].append(t)
        if t[2].kind == "bnode":
            refs[t[2]] += 1
    inline = {b for b, n in refs.items() if n == 1}
    _break_cycles(inline, {t[2]: t[0] for t in triples if t[2] in inline})
    return by_subject, inline


def _break_cycles(inline: set[_T], parent: dict[_T, _T]) -> None:
    """Keep one blank node of each cycle of blank nodes referenced once top-level (it would never be written)."""
    for b in sorted(inline):
        seen = {b}
        cur = parent.get(b)
        while cur is not None and cur in inline:
            if cur in seen:
                inline.discard(b)
                break
            seen.add(cur)
            cur = parent.get(cur)


def _row_candidates(rows: Sequence[Row]) -> tuple[dict[str, list[Row]], set[str]]:
    """Return :func:`inline_candidates` for the sorted Rows of one graph: blank-node subjects' rows, inlined nodes."""
    first_blank = bisect_left(rows, "_", key=_SUBJECT)  # blank-node subjects ("_:…") sort after IRIs ("<…")
    by_subject: dict[str, list[Row]] = {}
    for s, group in groupby(rows[first_blank:], _SUBJECT):
        by_subject[s] = list(group)
    blank_objects = [r for r in rows if r[3][0] == "_"]
    inline = {b for b, n in Counter(r[3] for r in blank_objects).items() if n == 1}
    _break_cycles(inline, {r[3]: r[1] for r in blank_objects if r[3] in inline})
    return by_subject, inline


class _TurtleWriter:
    """Write sorted Rows as Turtle statements, inlining blank nodes referenced once."""

    def __init__(self, prefixer: Prefixer) -> None:
        self.px = prefixer
        self.names: dict[str, str] = {}  # IRI in N-Triples -> its Turtle form
        self._heads: dict[str, dict[str, str]] = {}

    def iri(self, n3: str) -> str:
        try:
            return self.names[n3]
        except KeyError:
            name = self.names[n3] = self.px.name(n3[1:-1])
            return name

    def term(self, n3: str) -> str:
        first = n3[0]
        if first == "<":
            return self.iri(n3)
        if first == '"' and n3[-1] == ">":  # a typed literal: the datatype as a prefixed name
            end = n3.rindex('"')
            return n3[: end + 1] + "^^" + self.iri(n3[end + 3 :])
        return n3  # a blank node, a simple or language-tagged literal: as in N-Triples

    def _list_items(self, b: str, by_subject: dict[str, list[Row]], inline: set[str]) -> list[str] | None:
        """Return the members of the RDF list starting at ``b`` when it can be written as ``( ... )``."""
        items: list[str] = []
        cur = b
        seen: set[str] = set()
        while True:
            if cur == _NIL:
                return items
            if cur[0] != "_" or cur in seen or (cur != b and cur not in inline):
                return None
            seen.add(cur)
            rows = by_subject.get(cur, [])
            if sorted(r[2] for r in rows) != _LIST_PREDICATES:
                return None
            items.append(rows[0][3])  # sorted: rdf:first before rdf:rest
            cur = rows[1][3]

    def obj(self, t: str, by_subject: dict[str, list[Row]], inline: set[str], indent: str) -> str:
        if t[0] == "_" and t in inline:
            items = self._list_items(t, by_subject, inline)
            if items is not None:
                return "( " + " ".join(self.obj(i, by_subject, inline, indent) for i in items) + " )"
            body = self.predicates(by_subject.get(t, []), by_subject, inline, indent + "    ")
            return "[\n" + body + "\n" + indent + "]" if body else "[]"
        return self.term(t)

    def predicates(self, rows: Sequence[Row], by_subject: dict[str, list[Row]], inline: set[str], indent: str) -> str:
        parts = []
        current: str | None = None
        rendered: list[str] = []
        for _, _, p, o in rows:  # sorted: each predicate's objects are consecutive
            if p != current:
                current = p
                rendered = []
                parts.append((p, rendered))
            rendered.append(o if o[0] == '"' and o[-1] != ">" else self.obj(o, by_subject, inline, indent))
        return " ;\n".join(f"{indent}{self.iri(p) if p else 'a'} " + " , ".join(objs) for p, objs in parts)

    def statements(self, rows: Sequence[Row], indent: str = "", blank: bool = True) -> str:
        """Return the statements of one graph's sorted Rows: one per subject, blank lines between them.

        ``blank=False`` says the rows hold no blank node (nothing to inline: no need to look).
        """
        out: list[str] = []
        self.write_statements(rows, out, indent, blank)
        return "".join(out)

    def write_statements(self, rows: Sequence[Row], out: list[str], indent: str = "", blank: bool = True) -> None:
        """Append :meth:`statements` to ``out`` piece by piece (one join for a whole TriG document)."""
        by_subject, inline = _row_candidates(rows) if blank else ({}, set())
        inner = indent + "    "
        names, iri, term = self.names, self.iri, self.term
        heads = self._heads.get(inner)  # predicate -> what starts its objects after a ";" at this indentation
        if heads is None:
            heads = self._heads[inner] = {}
        current = None  # the subject being written
        skip = False
        last_p = None
        gap = ""  # a blank line between statements
        # One pass over the rows in their (sorted) order, as predicates() would group them; this is the loop a
        # million-triple Turtle export spends its time in.
        for _, s, p, o in rows:
            if s != current:
                if current is not None and not skip:
                    out.append(" .\n")
                current, skip = s, s in inline  # an inlined blank node is written where it is used
                if skip:
                    continue
                pname = (names.get(p) or iri(p)) if p else "a"
                out.append(f"{gap}{indent}{names.get(s) or term(s)}\n{inner}{pname} ")
                gap = "\n"
                last_p = p
            elif skip:
                continue
            elif p != last_p:
                head = heads.get(p)
                if head is None:
                    head = heads[p] = f" ;\n{inner}{(names.get(p) or iri(p)) if p else 'a'} "
                out.append(head)
                last_p = p
            else:
                out.append(" , ")
            first = o[0]
            if first == "<":
                out.append(names.get(o) or iri(o))
            elif first == '"':
                out.append(o if o[-1] != ">" else term(o))
            else:
                out.append(self.obj(o, by_subject, inline, inner))
        if current is not None and not skip:
            out.append(" .\n")


def turtle_rows(rows: Sequence[Row], prefixes: dict[str, str] | None = None) -> str:
    """Return the union of canonical ``rows`` as sorted Turtle with only the prefixes it uses."""
    px = Prefixer(prefixes or all_prefixes())
    body = _TurtleWriter(px).statements(union_rows(rows))
    head = px.header()
    return head + ("\n" if head and body else "") + body


def trig_rows(rows: Sequence[Row], prefixes: dict[str, str] | None = None) -> str:
    """Return canonical ``rows`` as sorted TriG: default-graph triples first, then one block per named graph."""
    px = Prefixer(prefixes or all_prefixes())
    writer = _TurtleWriter(px)
    # Most named graphs of a big dataset hold no blank node: they skip the search for nodes to inline.
    blank = {r[0] for r in rows if r[1][0] == "_" or r[3][0] == "_"}
    out: list[str] = []
    # Sorted: the default graph ("") first, then the named graphs in order, each graph's rows consecutive.
    for i, (g, group) in enumerate(groupby(rows, _GRAPH)):
        if i:
            out.append("\n")  # between graph blocks
        if not g:
            writer.write_statements(list(group), out)
            continue
        out.append(f"{writer.term(g)} {{\n")
        writer.write_statements(list(group), out, "    ", g in blank)
        out.append("}\n")
    body = "".join(out)
    head = px.header()
    return head + ("\n" if head and body else "") + body


def write_turtle(quads: Sequence[Quad], prefixes: dict[str, str] | None = None) -> str:
    """Return the union of ``quads`` as sorted Turtle with only the prefixes it uses."""
    return turtle_rows([row_of(q) for q in quads], prefixes)


def write_trig(quads: Sequence[Quad], prefixes: dict[str, str] | None = None) -> str:
    """Return canonical ``quads`` as sorted TriG: default-graph triples first, then one block per named graph."""
    return trig_rows([row_of(q) for q in quads], prefixes)
