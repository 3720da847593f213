"""Why a triple holds: its citations if asserted, its OWL 2 RL derivation down to asserted triples if inferred."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sco_kg.explain.facts import Citation, Facts, SentenceRef, facts_of
from sco_kg.explain.rules import RULES, Derivation, Triple
from sco_kg.rdf import iri
from sco_kg.rdf.term import Term

if TYPE_CHECKING:
    from sco_kg.dataset import Source

Status = Literal["asserted", "inferred", "entailed", "not-holding"]


@dataclass(frozen=True)
class Fact:
    """A triple of terms."""

    s: Term
    p: Term
    o: Term

    @property
    def triple(self) -> Triple:
        return (self.s, self.p, self.o)

    def n3(self) -> str:
        return f"{self.s.n3()} {self.p.n3()} {self.o.n3()} ."

    def compact(self) -> str:
        return " ".join(_short(t) for t in self.triple)


@dataclass(frozen=True)
class Explanation:
    """Why ``fact`` holds (a tree).

    Attributes:
        fact: the triple.
        status: ``asserted`` (in an asserted graph), ``inferred`` (in ``scog:inferred``, ``scog:inferred-context``
            or ``scog:inferred-user``), ``entailed`` (follows by the rules but is not stored: the closure filters
            it), ``not-holding`` (neither asserted nor derivable).
        graphs: the graphs that hold it.
        citations: for an asserted triple, one per asserted graph (:class:`~sco_kg.explain.facts.Citation`).
        rule: for a derived triple, the OWL 2 RL rule id of the first rule instance of its derivation.
        rule_text: the rule's premises and conclusion, as the specification writes them.
        premises: the explanations of that instance's premises (each closer to asserted triples).
        chain: for ``prp-spo2``, the property chain's members.
        alternatives: the other rule instances that conclude it as early, as (rule id, premises).
        depth: 0 for asserted triples, else one more than the deepest premise.
        complete: whether every branch ends at asserted triples.
    """

    fact: Fact
    status: Status
    graphs: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    rule: str | None = None
    rule_text: str | None = None
    premises: tuple[Explanation, ...] = ()
    chain: tuple[Term, ...] = ()
    alternatives: tuple[tuple[str, tuple[Fact, ...]], ...] = ()
    depth: int = 0
    complete: bool = True

    def derivation(self) -> Derivation | None:
        """Return the rule instance of this node (for :func:`sco_kg.explain.rules.apply_rule`)."""
        if self.rule is None:
            return None
        return Derivation(self.rule, tuple(p.fact.triple for p in self.premises), self.chain)

    def walk(self) -> list[Explanation]:
        """Return this node and every node below it, depth first."""
        out = [self]
        for p in self.premises:
            out += p.walk()
        return out

    def sentences(self) -> list[SentenceRef]:
        """Return every sentence cited anywhere in the tree, in text order, once each."""
        seen: dict[str, SentenceRef] = {}
        for node in self.walk():
            for c in node.citations:
                for s in c.sentences:
                    seen.setdefault(s.iri, s)
        return sorted(seen.values(), key=lambda s: s.begin)

    def as_dict(self) -> dict[str, Any]:
        """Return the tree as JSON-ready data."""
        out: dict[str, Any] = {
            "triple": {"s": _term(self.fact.s), "p": _term(self.fact.p), "o": _term(self.fact.o)},
            "n3": self.fact.n3(),
            "status": self.status,
            "graphs": list(self.graphs),
        }
        if self.citations:
            out["citations"] = [citation_dict(c) for c in self.citations]
        if self.rule:
            out["rule"] = self.rule
            out["rule_text"] = self.rule_text
            if self.chain:
                out["chain"] = [t.value for t in self.chain]
            out["premises"] = [p.as_dict() for p in self.premises]
            if self.alternatives:
                out["alternatives"] = [{"rule": r, "premises": [f.n3() for f in fs]} for r, fs in self.alternatives]
        out["depth"] = self.depth
        out["complete"] = self.complete
        return out


def _term(t: Term) -> dict[str, Any]:
    d: dict[str, Any] = {"type": t.kind, "value": t.value}
    if t.datatype:
        d["datatype"] = t.datatype
    if t.lang:
        d["xml:lang"] = t.lang
    if t.kind == "uri":
        d["compact"] = iri.compact(t.value)
    return d


def citation_dict(c: Citation) -> dict[str, Any]:
    """Return a citation as JSON-ready data (empty fields left out)."""
    out: dict[str, Any] = {"kind": c.kind, "graph": c.graph, "citation": c.text}
    if c.sentences:
        out["sentences"] = [
            {
                "sentence": s.iri,
                "label": s.label,
                "paragraph": s.paragraph,
                "paragraph_label": s.paragraph_label,
                "text": s.text,
                "begin": s.begin,
                "end": s.end,
                "context": s.context,
            }
            for s in c.sentences
        ]
    for key in ("attribution", "voice", "primary_source", "primary_source_label", "description", "label"):
        if getattr(c, key):
            out[key] = getattr(c, key)
    if c.sources:
        out["sources"] = list(c.sources)
    if c.bibliographic:
        out["bibliographic_citation"] = c.bibliographic
    if c.kind == "outside":
        out["retrieved"] = c.retrieved
    return out


def _short(t: Term) -> str:
    return iri.compact(t.value) if t.kind == "uri" else t.n3()


def explain_triple(fact: Fact | Triple, facts: Facts) -> Explanation:
    """Return the :class:`Explanation` of ``fact`` in ``facts`` (see :func:`explain`)."""
    t = fact.triple if isinstance(fact, Fact) else fact
    memo: dict[Triple, Explanation] = {}
    return _node(t, facts, memo)


def _node(t: Triple, facts: Facts, memo: dict[Triple, Explanation]) -> Explanation:
    if t in memo:
        return memo[t]
    graphs = tuple(sorted(facts.graphs(t)))
    f = Fact(*t)
    if facts.is_asserted(t):
        node = Explanation(f, "asserted", graphs, citations=facts.citations(t))
        memo[t] = node
        return node
    d = facts.deriver()
    how = d.how.get(t)
    stored = bool(graphs)
    if not how:
        node = Explanation(f, "inferred" if stored else "not-holding", graphs, complete=False)
        memo[t] = node
        return node
    first, others = how[0], how[1:]
    premises = tuple(_node(p, facts, memo) for p in first.premises)
    node = Explanation(
        f,
        "inferred" if stored else "entailed",
        graphs,
        rule=first.rule,
        rule_text=RULES[first.rule],
        premises=premises,
        chain=first.chain,
        alternatives=tuple((o.rule, tuple(Fact(*p) for p in o.premises)) for o in others),
        depth=d.depth[t],
        complete=all(p.complete for p in premises),
    )
    memo[t] = node
    return node


def explain(fact: Fact | Triple, source: Source | None = None) -> Explanation:
    """Return why the triple ``fact`` holds in ``source`` (default: the shipped data with closure and outside facts).

    An asserted triple carries its citations; an inferred one the OWL 2 RL rule instance that first concludes it,
    with its premises explained the same way, down to asserted triples; a triple that does not hold says so
    (``status == "not-holding"``).
    """
    return explain_triple(fact, facts_of(source))


@dataclass(frozen=True)
class Coverage:
    """How many stored inferred triples have a complete derivation, and which have none."""

    inferred: int
    explained: int
    unexplained: tuple[Fact, ...]
    by_rule: dict[str, int]
    max_depth: int


def coverage(source: Source | None = None) -> Coverage:
    """Return the :class:`Coverage` of the inferred graphs of ``source`` by :func:`explain`."""
    facts = facts_of(source)
    inferred = [t for t, gs in facts.quads.items() if not facts.is_asserted(t) and gs & set(iri.INFERRED_GRAPHS)]
    memo: dict[Triple, Explanation] = {}
    missing: list[Fact] = []
    by_rule: dict[str, int] = {}
    depth = 0
    for t in inferred:
        node = _node(t, facts, memo)
        if node.rule is None or not node.complete:
            missing.append(Fact(*t))
            continue
        by_rule[node.rule] = by_rule.get(node.rule, 0) + 1
        depth = max(depth, node.depth)
    return Coverage(
        inferred=len(inferred),
        explained=len(inferred) - len(missing),
        unexplained=tuple(sorted(missing, key=lambda f: f.n3())),
        by_rule=dict(sorted(by_rule.items())),
        max_depth=depth,
    )
