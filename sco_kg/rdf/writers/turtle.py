"""The ONE Turtle and TriG writer: sorted statements, only the prefixes used, blank nodes inlined where they can be.

Input: canonical quads (:func:`sco_kg.rdf.canon.canonicalize`). Turtle gets the union of the graphs (blank
nodes relabelled from the union's own content); TriG keeps the named graphs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import cast

from sco_kg.rdf.canon import union
from sco_kg.rdf.term import XSD_STRING, Quad, Term, escape
from sco_kg.rdf.writers.prefixes import Prefixer, all_prefixes

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF + "type"
RDF_FIRST = RDF + "first"
RDF_REST = RDF + "rest"
RDF_NIL = RDF + "nil"


def inline_candidates(triples: Sequence[Quad]) -> tuple[dict[Term, list[Quad]], set[Term]]:
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

    def __init__(self, prefixer: Prefixer) -> None:
        self.px = prefixer

    def term(self, t: Term) -> str:
        if t.kind == "uri":
            return self.px.name(t.value)
        if t.kind == "bnode":
            return f"_:{t.value}"
        text = '"' + escape(t.value) + '"'
        if t.lang:
            return f"{text}@{t.lang}"
        if t.datatype and t.datatype != XSD_STRING:
            return f"{text}^^{self.px.name(t.datatype)}"
        return text

    def _list_items(self, b: Term, by_subject: dict[Term, list[Quad]], inline: set[Term]) -> list[Term] | None:
        """Return the members of the RDF list starting at ``b`` when it can be written as ``( ... )``."""
        items: list[Term] = []
        cur = b
        seen: set[Term] = set()
        while True:
            if cur.kind == "uri" and cur.value == RDF_NIL:
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
        by_subject, inline = inline_candidates(triples)
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
    px = Prefixer(prefixes or all_prefixes())
    body = _TurtleWriter(px).statements(union(quads))
    head = px.header()
    return head + ("\n" if head and body else "") + body


def write_trig(quads: Sequence[Quad], prefixes: dict[str, str] | None = None) -> str:
    """Return ``quads`` as sorted TriG: default-graph triples first, then one block per named graph."""
    px = Prefixer(prefixes or all_prefixes())
    writer = _TurtleWriter(px)
    by_graph: dict[Term | None, list[Quad]] = {}
    for q in quads:
        by_graph.setdefault(q[3], []).append(q)
    blocks = []
    if None in by_graph:
        blocks.append(writer.statements(by_graph.pop(None)))
    for g in sorted(by_graph, key=lambda t: t.n3() if t else ""):
        name = writer.term(cast(Term, g))
        blocks.append(f"{name} {{\n" + writer.statements(by_graph[g], "    ") + "}\n")
    body = "\n".join(blocks)
    head = px.header()
    return head + ("\n" if head and body else "") + body
