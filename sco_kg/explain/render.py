"""The text tree of an :class:`~sco_kg.explain.core.Explanation` (what ``sco-kg explain`` prints)."""

from __future__ import annotations

from sco_kg.explain.core import Explanation, _short
from sco_kg.explain.facts import Citation
from sco_kg.rdf import iri
from sco_kg.rdf.term import Term


def _status(node: Explanation) -> str:
    graphs = ", ".join(iri.compact(g) for g in node.graphs)
    if node.status == "asserted":
        return f"[asserted in {graphs}]"
    if node.status == "inferred":
        return f"[inferred, {graphs}]" if node.rule else f"[inferred, {graphs}; no derivation found]"
    if node.status == "entailed":
        return "[entailed, not stored: the closure filters it]"
    return "[does not hold: neither asserted nor derivable]"


def _citation_lines(c: Citation) -> list[str]:
    head = {
        "stated": "stated by",
        "implied": "implied by",
        "outside": "outside source",
        "ontology": "ontology",
        "text": "text layer",
        "editorial": "editorial",
        "user": "your file",
        "other": "graph",
    }[c.kind]
    lines: list[str] = []
    if c.sentences:
        for i, s in enumerate(c.sentences):
            lead = head if i == 0 else " " * len(head)
            lines.append(f'{lead} {iri.compact(s.iri)} [{s.begin}–{s.end}]: "{s.text}"')
        if c.attribution:
            lines.append(f"attribution: {c.attribution}")
        elif c.voice:
            lines.append(f"voice: {iri.compact(c.voice)}")
    elif c.kind == "outside":
        lines.append(f"{head}: {c.text}")
    elif c.kind == "ontology":
        lines.append(c.text)
    else:
        lines.append(f"{head}: {iri.compact(c.graph)}")
    return lines


def render_tree(node: Explanation) -> str:
    """Return the explanation as an indented tree, one fact per line, citations under their fact."""
    out: list[str] = []

    def visit(n: Explanation, prefix: str, last: bool, top: bool, chain: tuple[Term, ...] = ()) -> None:
        branch = "" if top else ("└─ " if last else "├─ ")
        shown = n.fact.compact()
        if chain and n.fact.o.kind == "bnode":  # the chain axiom: its list, not the blank node's label
            shown = f"{_short(n.fact.s)} {_short(n.fact.p)} ({' '.join(_short(m) for m in chain)})"
        out.append(f"{prefix}{branch}{shown}  {_status(n)}")
        inner = prefix + ("" if top else ("   " if last else "│  "))
        if n.rule:
            composed = f" ({' ∘ '.join(_short(m) for m in n.chain)})" if n.chain else ""
            out.append(f"{inner}   by {n.rule}{composed}: {n.rule_text}")
            for rule, premises in n.alternatives:
                out.append(f"{inner}   also by {rule} from {'; '.join(f.compact() for f in premises)}")
        for c in n.citations:
            for line in _citation_lines(c):
                out.append(f"{inner}   {line}")
        for i, p in enumerate(n.premises):
            visit(p, inner, i == len(n.premises) - 1, False, n.chain if i == 0 else ())

    visit(node, "", True, True)
    return "\n".join(out)
