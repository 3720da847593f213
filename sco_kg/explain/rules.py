"""OWL 2 RL rules as functions over triples of :class:`~sco_kg.rdf.term.Term`: derive bottom-up, re-apply one.

:class:`Deriver` closes a set of asserted triples under the rules of the OWL 2 RL/RDF profile that the ontology
uses (W3C OWL 2 Profiles, section 4.3, tables 4 to 9; rule ids as there and as owlrl's comments name them),
round by round. A triple first concluded in round *n* is recorded with every rule instance of that round that
concludes it; all premises of such an instance hold at a round below *n*, so following the first instance
down always ends at asserted triples (no cycles). :func:`apply_rule` re-applies one rule instance to its
premises, independently of the deriver, and returns its conclusion (the mechanical check of an explanation).

Rules left out: those whose conclusions the closure filters and that no kept conclusion needs (eq-ref,
scm-cls, scm-op, scm-dp, cls-thing, the datatype rules), the clash rules (they conclude nothing), and the class
expression rules (cls-int, cls-uni, cls-svf, cls-hv, …), which the ontology does not use. A stored inferred
triple that the deriver never reaches is reported as unexplained, never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sco_kg.rdf.term import Term

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"

TYPE = Term.uri(RDF + "type")
FIRST = Term.uri(RDF + "first")
REST = Term.uri(RDF + "rest")
NIL = Term.uri(RDF + "nil")
SUB_CLASS = Term.uri(RDFS + "subClassOf")
SUB_PROP = Term.uri(RDFS + "subPropertyOf")
DOMAIN = Term.uri(RDFS + "domain")
RANGE = Term.uri(RDFS + "range")
SAME_AS = Term.uri(OWL + "sameAs")
INVERSE = Term.uri(OWL + "inverseOf")
EQ_CLASS = Term.uri(OWL + "equivalentClass")
EQ_PROP = Term.uri(OWL + "equivalentProperty")
CHAIN = Term.uri(OWL + "propertyChainAxiom")
TRANSITIVE = Term.uri(OWL + "TransitiveProperty")
SYMMETRIC = Term.uri(OWL + "SymmetricProperty")
FUNCTIONAL = Term.uri(OWL + "FunctionalProperty")
INV_FUNCTIONAL = Term.uri(OWL + "InverseFunctionalProperty")

Triple = tuple[Term, Term, Term]

#: The rules this module applies, by their OWL 2 RL specification ids, with their premises and conclusion.
RULES: dict[str, str] = {
    "eq-sym": "x owl:sameAs y ⇒ y owl:sameAs x",
    "eq-trans": "x owl:sameAs y, y owl:sameAs z ⇒ x owl:sameAs z",
    "eq-rep-s": "s owl:sameAs s2, s p o ⇒ s2 p o",
    "eq-rep-p": "p owl:sameAs p2, s p o ⇒ s p2 o",
    "eq-rep-o": "o owl:sameAs o2, s p o ⇒ s p o2",
    "prp-dom": "p rdfs:domain c, x p y ⇒ x rdf:type c",
    "prp-rng": "p rdfs:range c, x p y ⇒ y rdf:type c",
    "prp-fp": "p rdf:type owl:FunctionalProperty, x p y1, x p y2 ⇒ y1 owl:sameAs y2",
    "prp-ifp": "p rdf:type owl:InverseFunctionalProperty, x1 p y, x2 p y ⇒ x1 owl:sameAs x2",
    "prp-symp": "p rdf:type owl:SymmetricProperty, x p y ⇒ y p x",
    "prp-trp": "p rdf:type owl:TransitiveProperty, x p y, y p z ⇒ x p z",
    "prp-spo1": "p1 rdfs:subPropertyOf p2, x p1 y ⇒ x p2 y",
    "prp-spo2": "p owl:propertyChainAxiom (p1 … pn), x0 p1 x1, …, xn-1 pn xn ⇒ x0 p xn",
    "prp-eqp1": "p1 owl:equivalentProperty p2, x p1 y ⇒ x p2 y",
    "prp-eqp2": "p1 owl:equivalentProperty p2, x p2 y ⇒ x p1 y",
    "prp-inv1": "p1 owl:inverseOf p2, x p1 y ⇒ y p2 x",
    "prp-inv2": "p1 owl:inverseOf p2, x p2 y ⇒ y p1 x",
    "cax-sco": "c1 rdfs:subClassOf c2, x rdf:type c1 ⇒ x rdf:type c2",
    "cax-eqc1": "c1 owl:equivalentClass c2, x rdf:type c1 ⇒ x rdf:type c2",
    "cax-eqc2": "c1 owl:equivalentClass c2, x rdf:type c2 ⇒ x rdf:type c1",
    "scm-sco": "c1 rdfs:subClassOf c2, c2 rdfs:subClassOf c3 ⇒ c1 rdfs:subClassOf c3",
    "scm-eqc1": "c1 owl:equivalentClass c2 ⇒ c1 rdfs:subClassOf c2, c2 rdfs:subClassOf c1",
    "scm-eqc2": "c1 rdfs:subClassOf c2, c2 rdfs:subClassOf c1 ⇒ c1 owl:equivalentClass c2",
    "scm-spo": "p1 rdfs:subPropertyOf p2, p2 rdfs:subPropertyOf p3 ⇒ p1 rdfs:subPropertyOf p3",
    "scm-eqp1": "p1 owl:equivalentProperty p2 ⇒ p1 rdfs:subPropertyOf p2, p2 rdfs:subPropertyOf p1",
    "scm-eqp2": "p1 rdfs:subPropertyOf p2, p2 rdfs:subPropertyOf p1 ⇒ p1 owl:equivalentProperty p2",
    "scm-dom1": "p rdfs:domain c1, c1 rdfs:subClassOf c2 ⇒ p rdfs:domain c2",
    "scm-dom2": "p2 rdfs:domain c, p1 rdfs:subPropertyOf p2 ⇒ p1 rdfs:domain c",
    "scm-rng1": "p rdfs:range c1, c1 rdfs:subClassOf c2 ⇒ p rdfs:range c2",
    "scm-rng2": "p2 rdfs:range c, p1 rdfs:subPropertyOf p2 ⇒ p1 rdfs:range c",
}


@dataclass(frozen=True)
class Derivation:
    """One rule instance: the rule's id, its premises (in the order of :data:`RULES`) and, for prp-spo2, the
    members of the property chain (the list that the axiom's blank node heads)."""

    rule: str
    premises: tuple[Triple, ...]
    chain: tuple[Term, ...] = ()


def _is_resource(t: Term) -> bool:
    return t.kind != "literal"


class _Index:
    """The triples seen so far, indexed for the joins of the rules."""

    def __init__(self) -> None:
        self.all: set[Triple] = set()
        self.by_p: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
        self.by_ps: dict[tuple[Term, Term], list[Term]] = defaultdict(list)
        self.by_po: dict[tuple[Term, Term], list[Term]] = defaultdict(list)
        self.by_s: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
        self.by_o: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)

    def add(self, t: Triple) -> None:
        if t in self.all:
            return
        s, p, o = t
        self.all.add(t)
        self.by_p[p].append((s, o))
        self.by_ps[(p, s)].append(o)
        self.by_po[(p, o)].append(s)
        self.by_s[s].append((p, o))
        self.by_o[o].append((s, p))

    def pairs(self, p: Term) -> list[tuple[Term, Term]]:
        return self.by_p.get(p, [])


def read_list(triples: _Index, head: Term) -> tuple[Term, ...] | None:
    """Return the members of the RDF list at ``head``, or ``None`` if it is not a well-formed list."""
    out: list[Term] = []
    seen: set[Term] = set()
    node = head
    while node != NIL:
        if node in seen:
            return None
        seen.add(node)
        firsts = triples.by_ps.get((FIRST, node), [])
        rests = triples.by_ps.get((REST, node), [])
        if len(firsts) != 1 or len(rests) != 1:
            return None
        out.append(firsts[0])
        node = rests[0]
    return tuple(out)


def _instances(ix: _Index, chains: list[tuple[Term, Term, tuple[Term, ...]]]) -> Iterator[tuple[Triple, Derivation]]:
    """Yield (conclusion, rule instance) for every instance of :data:`RULES` whose premises are all in ``ix``."""
    for x, y in list(ix.pairs(SAME_AS)):
        yield (y, SAME_AS, x), Derivation("eq-sym", ((x, SAME_AS, y),))
        for z in ix.by_ps.get((SAME_AS, y), []):
            yield (x, SAME_AS, z), Derivation("eq-trans", ((x, SAME_AS, y), (y, SAME_AS, z)))
        if x == y:
            continue
        for p, o in ix.by_s.get(x, []):
            yield (y, p, o), Derivation("eq-rep-s", ((x, SAME_AS, y), (x, p, o)))
        for s, o in ix.pairs(x):
            yield (s, y, o), Derivation("eq-rep-p", ((x, SAME_AS, y), (s, x, o)))
        for s, p in ix.by_o.get(x, []):
            yield (s, p, y), Derivation("eq-rep-o", ((x, SAME_AS, y), (s, p, x)))
    for p, c in ix.pairs(DOMAIN):
        for x, y in ix.pairs(p):
            yield (x, TYPE, c), Derivation("prp-dom", ((p, DOMAIN, c), (x, p, y)))
    for p, c in ix.pairs(RANGE):
        for x, y in ix.pairs(p):
            if _is_resource(y):
                yield (y, TYPE, c), Derivation("prp-rng", ((p, RANGE, c), (x, p, y)))
    for p in ix.by_po.get((TYPE, FUNCTIONAL), []):
        for x, y1 in ix.pairs(p):
            for y2 in ix.by_ps.get((p, x), []):
                if y1 != y2 and _is_resource(y1):
                    yield (y1, SAME_AS, y2), Derivation("prp-fp", ((p, TYPE, FUNCTIONAL), (x, p, y1), (x, p, y2)))
    for p in ix.by_po.get((TYPE, INV_FUNCTIONAL), []):
        for x1, y in ix.pairs(p):
            for x2 in ix.by_po.get((p, y), []):
                if x1 != x2:
                    prem = ((p, TYPE, INV_FUNCTIONAL), (x1, p, y), (x2, p, y))
                    yield (x1, SAME_AS, x2), Derivation("prp-ifp", prem)
    for p in ix.by_po.get((TYPE, SYMMETRIC), []):
        for x, y in ix.pairs(p):
            if _is_resource(y):
                yield (y, p, x), Derivation("prp-symp", ((p, TYPE, SYMMETRIC), (x, p, y)))
    for p in ix.by_po.get((TYPE, TRANSITIVE), []):
        for x, y in ix.pairs(p):
            for z in ix.by_ps.get((p, y), []):
                yield (x, p, z), Derivation("prp-trp", ((p, TYPE, TRANSITIVE), (x, p, y), (y, p, z)))
    for p1, p2 in ix.pairs(SUB_PROP):
        for x, y in ix.pairs(p1):
            yield (x, p2, y), Derivation("prp-spo1", ((p1, SUB_PROP, p2), (x, p1, y)))
    for prop, head, members in chains:
        for path in _chain_paths(ix, members):
            start, end = path[0][0], path[-1][2]
            yield (start, prop, end), Derivation("prp-spo2", ((prop, CHAIN, head), *path), members)
    for p1, p2 in ix.pairs(EQ_PROP):
        for x, y in ix.pairs(p1):
            yield (x, p2, y), Derivation("prp-eqp1", ((p1, EQ_PROP, p2), (x, p1, y)))
        for x, y in ix.pairs(p2):
            yield (x, p1, y), Derivation("prp-eqp2", ((p1, EQ_PROP, p2), (x, p2, y)))
        yield (p1, SUB_PROP, p2), Derivation("scm-eqp1", ((p1, EQ_PROP, p2),))
        yield (p2, SUB_PROP, p1), Derivation("scm-eqp1", ((p1, EQ_PROP, p2),))
    for p1, p2 in ix.pairs(INVERSE):
        for x, y in ix.pairs(p1):
            if _is_resource(y):
                yield (y, p2, x), Derivation("prp-inv1", ((p1, INVERSE, p2), (x, p1, y)))
        for x, y in ix.pairs(p2):
            if _is_resource(y):
                yield (y, p1, x), Derivation("prp-inv2", ((p1, INVERSE, p2), (x, p2, y)))
    for c1, c2 in ix.pairs(SUB_CLASS):
        for x in ix.by_po.get((TYPE, c1), []):
            yield (x, TYPE, c2), Derivation("cax-sco", ((c1, SUB_CLASS, c2), (x, TYPE, c1)))
        for c3 in ix.by_ps.get((SUB_CLASS, c2), []):
            yield (c1, SUB_CLASS, c3), Derivation("scm-sco", ((c1, SUB_CLASS, c2), (c2, SUB_CLASS, c3)))
            if c3 == c1 and c1 != c2:
                yield (c1, EQ_CLASS, c2), Derivation("scm-eqc2", ((c1, SUB_CLASS, c2), (c2, SUB_CLASS, c1)))
    for c1, c2 in ix.pairs(EQ_CLASS):
        for x in ix.by_po.get((TYPE, c1), []):
            yield (x, TYPE, c2), Derivation("cax-eqc1", ((c1, EQ_CLASS, c2), (x, TYPE, c1)))
        for x in ix.by_po.get((TYPE, c2), []):
            yield (x, TYPE, c1), Derivation("cax-eqc2", ((c1, EQ_CLASS, c2), (x, TYPE, c2)))
        yield (c1, SUB_CLASS, c2), Derivation("scm-eqc1", ((c1, EQ_CLASS, c2),))
        yield (c2, SUB_CLASS, c1), Derivation("scm-eqc1", ((c1, EQ_CLASS, c2),))
    for p1, p2 in ix.pairs(SUB_PROP):
        for p3 in ix.by_ps.get((SUB_PROP, p2), []):
            yield (p1, SUB_PROP, p3), Derivation("scm-spo", ((p1, SUB_PROP, p2), (p2, SUB_PROP, p3)))
            if p3 == p1 and p1 != p2:
                yield (p1, EQ_PROP, p2), Derivation("scm-eqp2", ((p1, SUB_PROP, p2), (p2, SUB_PROP, p1)))
        for c in ix.by_ps.get((DOMAIN, p2), []):
            yield (p1, DOMAIN, c), Derivation("scm-dom2", ((p2, DOMAIN, c), (p1, SUB_PROP, p2)))
        for c in ix.by_ps.get((RANGE, p2), []):
            yield (p1, RANGE, c), Derivation("scm-rng2", ((p2, RANGE, c), (p1, SUB_PROP, p2)))
    for p, c1 in ix.pairs(DOMAIN):
        for c2 in ix.by_ps.get((SUB_CLASS, c1), []):
            yield (p, DOMAIN, c2), Derivation("scm-dom1", ((p, DOMAIN, c1), (c1, SUB_CLASS, c2)))
    for p, c1 in ix.pairs(RANGE):
        for c2 in ix.by_ps.get((SUB_CLASS, c1), []):
            yield (p, RANGE, c2), Derivation("scm-rng1", ((p, RANGE, c1), (c1, SUB_CLASS, c2)))


def _chain_paths(ix: _Index, members: tuple[Term, ...]) -> Iterator[tuple[Triple, ...]]:
    """Yield every path x0 p1 x1 … pn xn in ``ix`` along the chain ``members``."""
    partial: list[tuple[Triple, ...]] = [((x, members[0], y),) for x, y in ix.pairs(members[0])]
    for prop in members[1:]:
        partial = [(*path, (path[-1][2], prop, z)) for path in partial for z in ix.by_ps.get((prop, path[-1][2]), [])]
    yield from partial


class Deriver:
    """The closure of some asserted triples under :data:`RULES`, with how each derived triple was first derived.

    Attributes:
        depth: every triple reached, with the round in which it was first concluded (0: asserted).
        how: every derived triple with the rule instances of its first round (sorted by rule id), so that each
            premise of each instance has a smaller depth.
    """

    def __init__(self, asserted: Iterable[Triple], max_rounds: int = 64) -> None:
        ix = _Index()
        for t in asserted:
            ix.add(t)
        self.depth: dict[Triple, int] = dict.fromkeys(ix.all, 0)
        self.how: dict[Triple, list[Derivation]] = {}
        chains: list[tuple[Term, Term, tuple[Term, ...]]] = []
        for prop, head in ix.pairs(CHAIN):
            members = read_list(ix, head)
            if members and len(members) >= 2:
                chains.append((prop, head, members))
        for n in range(1, max_rounds + 1):
            found: dict[Triple, list[Derivation]] = {}
            for conclusion, derivation in _instances(ix, chains):
                if conclusion in self.depth or conclusion[0].kind == "literal":
                    continue
                found.setdefault(conclusion, []).append(derivation)
            if not found:
                break
            for conclusion, derivations in found.items():
                self.depth[conclusion] = n
                self.how[conclusion] = sorted(set(derivations), key=lambda d: (d.rule, d.premises))
                ix.add(conclusion)
        self.rounds = n


def apply_rule(derivation: Derivation) -> Triple | None:
    """Return the conclusion of ``derivation``'s rule applied to its premises, or ``None`` if they do not fit.

    This re-checks a derivation from the premises alone, without :class:`Deriver`: the premises must have the
    shapes the rule asks for, and the shared variables must agree.
    """
    rule, prem = derivation.rule, derivation.premises

    def shape(i: int, p: Term | None = None) -> Triple | None:
        if i >= len(prem) or (p is not None and prem[i][1] != p):
            return None
        return prem[i]

    if rule in ("eq-sym", "scm-eqc1", "scm-eqp1"):
        want = {"eq-sym": SAME_AS, "scm-eqc1": EQ_CLASS, "scm-eqp1": EQ_PROP}[rule]
        a = shape(0, want)
        if a is None or len(prem) != 1:
            return None
        if rule == "eq-sym":
            return (a[2], SAME_AS, a[0])
        return None  # two conclusions: checked by apply_rule_all
    if len(prem) < 2:
        return None
    a, b = prem[0], prem[1]
    s, p, o = b
    simple: dict[str, tuple[Term, Triple | None]] = {
        "prp-dom": (DOMAIN, (s, TYPE, a[2]) if p == a[0] else None),
        "prp-rng": (RANGE, (o, TYPE, a[2]) if p == a[0] else None),
        "prp-spo1": (SUB_PROP, (s, a[2], o) if p == a[0] else None),
        "prp-eqp1": (EQ_PROP, (s, a[2], o) if p == a[0] else None),
        "prp-eqp2": (EQ_PROP, (s, a[0], o) if p == a[2] else None),
        "prp-inv1": (INVERSE, (o, a[2], s) if p == a[0] else None),
        "prp-inv2": (INVERSE, (o, a[0], s) if p == a[2] else None),
        "prp-symp": (TYPE, (o, p, s) if p == a[0] and a[2] == SYMMETRIC else None),
        "cax-sco": (SUB_CLASS, (s, TYPE, a[2]) if p == TYPE and o == a[0] else None),
        "cax-eqc1": (EQ_CLASS, (s, TYPE, a[2]) if p == TYPE and o == a[0] else None),
        "cax-eqc2": (EQ_CLASS, (s, TYPE, a[0]) if p == TYPE and o == a[2] else None),
        "scm-sco": (SUB_CLASS, (a[0], SUB_CLASS, o) if p == SUB_CLASS and s == a[2] else None),
        "scm-spo": (SUB_PROP, (a[0], SUB_PROP, o) if p == SUB_PROP and s == a[2] else None),
        "scm-eqc2": (SUB_CLASS, (a[0], EQ_CLASS, a[2]) if b == (a[2], SUB_CLASS, a[0]) else None),
        "scm-eqp2": (SUB_PROP, (a[0], EQ_PROP, a[2]) if b == (a[2], SUB_PROP, a[0]) else None),
        "scm-dom1": (DOMAIN, (a[0], DOMAIN, o) if p == SUB_CLASS and s == a[2] else None),
        "scm-dom2": (DOMAIN, (s, DOMAIN, a[2]) if p == SUB_PROP and o == a[0] else None),
        "scm-rng1": (RANGE, (a[0], RANGE, o) if p == SUB_CLASS and s == a[2] else None),
        "scm-rng2": (RANGE, (s, RANGE, a[2]) if p == SUB_PROP and o == a[0] else None),
        "eq-trans": (SAME_AS, (a[0], SAME_AS, o) if p == SAME_AS and s == a[2] else None),
        "eq-rep-s": (SAME_AS, (a[2], p, o) if s == a[0] else None),
        "eq-rep-p": (SAME_AS, (s, a[2], o) if p == a[0] else None),
        "eq-rep-o": (SAME_AS, (s, p, a[2]) if o == a[0] else None),
    }
    if rule in simple:
        pred, conclusion = simple[rule]
        return conclusion if a[1] == pred and len(prem) == 2 else None
    if rule == "prp-trp" and len(prem) == 3:
        c = prem[2]
        if a[1] == TYPE and a[2] == TRANSITIVE and p == a[0] == c[1] and o == c[0]:
            return (s, p, c[2])
        return None
    if rule in ("prp-fp", "prp-ifp") and len(prem) == 3:
        c = prem[2]
        if a[1] != TYPE or p != a[0] or c[1] != p:
            return None
        if rule == "prp-fp" and a[2] == FUNCTIONAL and s == c[0]:
            return (o, SAME_AS, c[2])
        if rule == "prp-ifp" and a[2] == INV_FUNCTIONAL and o == c[2]:
            return (s, SAME_AS, c[0])
        return None
    if rule == "prp-spo2":
        path = prem[1:]
        if a[1] != CHAIN or len(path) != len(derivation.chain) or len(path) < 2:
            return None
        for i, (step, member) in enumerate(zip(path, derivation.chain, strict=True)):
            if step[1] != member or (i and step[0] != path[i - 1][2]):
                return None
        return (path[0][0], a[0], path[-1][2])
    return None


def apply_rule_all(derivation: Derivation) -> set[Triple]:
    """Return every conclusion of ``derivation``'s rule on its premises (scm-eqc1 and scm-eqp1 have two)."""
    if derivation.rule in ("scm-eqc1", "scm-eqp1") and len(derivation.premises) == 1:
        want = EQ_CLASS if derivation.rule == "scm-eqc1" else EQ_PROP
        sub = SUB_CLASS if derivation.rule == "scm-eqc1" else SUB_PROP
        a = derivation.premises[0]
        return {(a[0], sub, a[2]), (a[2], sub, a[0])} if a[1] == want else set()
    one = apply_rule(derivation)
    return {one} if one is not None else set()
