"""`reasonable` completed with SPARQL rules, on plain IRI strings (no rdflib terms on the way in or out).

The one implementation of the fast closure: :mod:`sco_kg.reasoning.engines` (rdflib terms, through
:func:`reason_iris`) and :mod:`sco_kg.reasoning.ntriples` (N-Triples strings, the build path, tier by tier
through :class:`Closer`) both encode their terms as IRIs (:class:`Encoder`: literals and blank nodes become
opaque placeholder IRIs).

The completion rules run as SPARQL updates inside one pyoxigraph store that holds only the triples the rules
read or write (their predicates), so the store stays small whatever the size of the data; they run once on
the input before `reasonable` is called, so that `reasonable` usually runs once (a second time only if its
conclusions feed a rule).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

# A triple of plain IRI strings (no angle brackets).
IriTriple = tuple[str, str, str]

PLACEHOLDER = "urn:x-sco-kg:term:"

# Named graph that collects what one round of completion rules adds (internal to the reasoning store).
NEW_GRAPH = "urn:x-sco-kg:new"

_IRI_IN_RULE = re.compile(r"<([^>]*)>")


def rule_update(head: str, body: str) -> str:
    """Return the SPARQL update that adds the new conclusions of rule ``body => head`` to a marker graph."""
    return f"INSERT {{ GRAPH <{NEW_GRAPH}> {{ {head} }} }} WHERE {{ {body} FILTER NOT EXISTS {{ {head} }} }}"


def rule_predicates(rules: dict[str, tuple[str, str]]) -> frozenset[str]:
    """Return every IRI the rules name (their predicates): the only triples the rule store needs."""
    return frozenset(m for head, body in rules.values() for m in _IRI_IN_RULE.findall(head + " " + body))


class Encoder:
    """Gives every term that is not an IRI an opaque placeholder IRI, and maps the placeholders back.

    `reasonable` 0.4.4 rewrites literal datatypes on the way in and out (``xsd:nonNegativeInteger`` comes
    back as ``xsd:integer``, plain strings as ``xsd:string``). OWL 2 RL rules never look inside a literal
    except the datatype rules, whose conclusions are literal-subject triples that are filtered anyway, so
    reasoning over opaque placeholders gives the same filtered closure with the terms intact.
    """

    def __init__(self) -> None:
        self.forward: dict[object, str] = {}
        self.back: dict[str, object] = {}

    def placeholder(self, term: object) -> str:
        """Return the placeholder IRI of ``term`` (a new one the first time it is seen)."""
        found = self.forward.get(term)
        if found is None:
            found = self.forward[term] = sys.intern(f"{PLACEHOLDER}{len(self.forward)}")
            self.back[found] = term
        return found


class _RuleStore:
    """A pyoxigraph store of the triples with a rule predicate, and the rules run to a fixpoint inside it."""

    def __init__(self) -> None:
        import pyoxigraph as ox

        self.ox = ox
        self.store = ox.Store()
        self.predicates: frozenset[str] = frozenset()
        self.updates: list[str] = []
        self.copy_new = f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH <{NEW_GRAPH}> {{ ?s ?p ?o }} }}"
        self.marker = ox.NamedNode(NEW_GRAPH)

    def set_rules(self, rules: dict[str, tuple[str, str]], known: Iterable[IriTriple]) -> None:
        """Use ``rules`` from now on; the ``known`` triples with a predicate no earlier rule named are added."""
        predicates = rule_predicates(rules)
        fresh = predicates - self.predicates
        self.predicates = predicates
        self.updates = [rule_update(head, body) for head, body in rules.values()]
        if fresh:
            ox = self.ox
            self.store.extend(
                ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o)) for s, p, o in known if p in fresh
            )

    def add(self, triples: Iterable[IriTriple]) -> None:
        """Add the triples whose predicate a rule names (the others can never match a rule)."""
        ox, keep = self.ox, self.predicates
        self.store.extend(
            ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o)) for s, p, o in triples if p in keep
        )

    def run(self) -> set[IriTriple]:
        """Run the rules to a fixpoint (chains over chains); return what they added."""
        if not self.updates:
            return set()
        store = self.store
        while True:
            size = len(store)
            for update in self.updates:
                store.update(update)
            store.update(self.copy_new)
            if len(store) == size:
                break
        # Every term here is an IRI (see Encoder), so str() is "<iri>".
        new = {
            (str(q.subject)[1:-1], q.predicate.value, str(q.object)[1:-1])
            for q in store.quads_for_pattern(None, None, None, self.marker)
        }
        store.remove_graph(self.marker)
        return new


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_SUB = "http://www.w3.org/2000/01/rdf-schema#subPropertyOf"
_OWL = "http://www.w3.org/2002/07/owl#"


def shortcut_rules(triples: Iterable[IriTriple], rules: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Return rules that derive the triples of every property a rule reads from its sub-properties, equivalent
    properties, inverses and symmetry (OWL 2 RL prp-spo1, prp-eqp1/2, prp-inv1/2, prp-symp, composed).

    `reasonable` derives these too; running them before it completes the chains' members on the input, so
    that the completion rules rarely find anything after `reasonable` and it runs once instead of twice.
    """
    edges: dict[str, set[tuple[str, bool]]] = {}  # m -> {(q, inverted)}: q's triples (reversed) are m's
    equivalent, inverse, symmetric = _OWL + "equivalentProperty", _OWL + "inverseOf", _OWL + "SymmetricProperty"
    rdf_type = _RDF + "type"
    for s, p, o in triples:
        if p == _SUB:
            edges.setdefault(o, set()).add((s, False))
        elif p == equivalent:
            edges.setdefault(o, set()).add((s, False))
            edges.setdefault(s, set()).add((o, False))
        elif p == inverse:
            edges.setdefault(o, set()).add((s, True))
            edges.setdefault(s, set()).add((o, True))
        elif p == rdf_type and o == symmetric:
            edges.setdefault(s, set()).add((s, True))
    out: dict[str, tuple[str, str]] = {}
    for m in sorted(rule_predicates(rules)):
        seen = {(m, False)}
        stack = [(m, False)]
        while stack:
            x, parity = stack.pop()
            for q, inverted in edges.get(x, ()):
                state = (q, parity ^ inverted)
                if state not in seen:
                    seen.add(state)
                    stack.append(state)
        for q, inverted in sorted(seen - {(m, False)}):
            body = f"?y <{q}> ?x" if inverted else f"?x <{q}> ?y"
            out[f"shortcut {q} {'^-1 ' if inverted else ''}=> {m}"] = (f"?x <{m}> ?y", body)
    return out


def _plain(triples: Iterable[tuple[object, object, object]]) -> set[IriTriple]:
    """Return the reasoner's triples (rdflib ``URIRef``, a ``str`` subclass) as plain string tuples.

    Interned: one string object per distinct IRI, shared with the input's (which the callers intern too).
    """
    intern = sys.intern
    return {(intern(str(s)), intern(str(p)), intern(str(o))) for s, p, o in triples}


class Closer:
    """The closure under `reasonable` and the completion rules, grown input by input (the tiers).

    Each :meth:`add` hands `reasonable` only the new input (it reasons incrementally) and returns what the
    closure gained. The rules first run on the input; then `reasonable` and the rules alternate until the
    rules add nothing new. Any order reaches the same least fixpoint: both are monotone rule sets.
    """

    def __init__(self) -> None:
        import reasonable

        self.reasoner = reasonable.PyReasoner()
        self.rule_store = _RuleStore()
        self.given: set[IriTriple] = set()
        self.current: set[IriTriple] = set()  # the closure, input included

    def add(self, triples: Iterable[IriTriple], rules: dict[str, tuple[str, str]]) -> set[IriTriple]:
        """Add ``triples`` (all IRIs) and the rules that now hold; return the triples the closure gained."""
        new_given = set(triples) - self.given
        self.given |= new_given
        current, store = self.current, self.rule_store
        store.set_rules({**rules, **shortcut_rules(self.given, rules)}, known=current)
        store.add(new_given)
        pre = store.run() - current - new_given
        gained = new_given - current
        self.reasoner.from_graph([*new_given, *pre])
        closed = _plain(self.reasoner.reason())
        closed |= new_given | pre  # reasonable returns every triple; kept should it return only new ones
        delta = closed - current
        store.add(delta - new_given - pre)
        current |= delta
        gained |= delta
        while True:
            new = store.run() - current
            if not new:
                break
            current |= new
            gained |= new
            self.reasoner.from_graph(list(new))
            closed = _plain(self.reasoner.reason()) - current
            store.add(closed)
            current |= closed
            gained |= closed
        return gained


def reason_iris(triples: list[IriTriple], rules: dict[str, tuple[str, str]]) -> set[IriTriple]:
    """Return the closure of ``triples`` (all IRIs) under `reasonable` and ``rules``, minus ``triples``."""
    closer = Closer()
    return closer.add(triples, rules) - closer.given
