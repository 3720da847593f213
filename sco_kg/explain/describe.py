"""A resource as the graph has it: labels, types and relations, each asserted, inferred or from an outside source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sco_kg.errors import UsageError
from sco_kg.explain.facts import Facts, facts_of
from sco_kg.explain.parse import parse_iri
from sco_kg.explain.rules import Triple
from sco_kg.rdf import iri
from sco_kg.rdf.term import Term

if TYPE_CHECKING:
    from sco_kg.dataset import Source

P = iri.PREFIXES
LABELS = (P["rdfs"] + "label", P["skos"] + "prefLabel", P["skos"] + "altLabel")
MAX_RELATIONS = 300
Origin = Literal["asserted", "outside", "inferred"]


@dataclass(frozen=True)
class Relation:
    """One triple about the resource: the other end, the property, where it comes from and its graphs."""

    direction: Literal["out", "in"]
    predicate: Term
    value: Term
    origin: Origin
    graphs: tuple[str, ...]


@dataclass(frozen=True)
class Description:
    """What the graph says about ``resource`` (relations sorted; at most :data:`MAX_RELATIONS`)."""

    resource: str
    labels: dict[str, list[str]]
    types: tuple[Relation, ...]
    relations: tuple[Relation, ...]
    truncated: bool
    candidates: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        def rel(r: Relation) -> dict[str, Any]:
            v = r.value
            shown = iri.compact(v.value) if v.kind == "uri" else v.n3()
            return {
                "direction": r.direction,
                "property": iri.compact(r.predicate.value),
                "value": shown,
                "origin": r.origin,
                "graphs": [iri.compact(g) for g in r.graphs],
            }

        return {
            "resource": self.resource,
            "compact": iri.compact(self.resource),
            "labels": self.labels,
            "types": [rel(t) for t in self.types],
            "relations": [rel(r) for r in self.relations],
            "truncated": self.truncated,
            "other_matches": list(self.candidates),
        }


def origin(graphs: frozenset[str]) -> Origin:
    """Return ``asserted`` (a declaration, ontology or user graph holds it), ``outside`` (only outside-source
    graphs) or ``inferred`` (only the closure)."""
    asserted = [g for g in graphs if g not in iri.INFERRED_GRAPHS]
    if not asserted:
        return "inferred"
    return "outside" if all(iri.is_context_graph(g) for g in asserted) else "asserted"


def find_by_name(facts: Facts, name: str, lang: str | None) -> list[str]:
    """Return the IRIs whose label (rdfs:label, skos:prefLabel, skos:altLabel; in ``lang`` when given) is ``name``
    (case-insensitively), or failing that contains it; best first."""
    want = " ".join(name.split()).casefold()
    exact: set[str] = set()
    partial: set[str] = set()
    for (s, p, o), _ in facts.quads.items():
        if p.value not in LABELS or o.kind != "literal" or s.kind != "uri":
            continue
        if lang and o.lang and not o.lang.startswith(lang):
            continue
        label = " ".join(o.value.split()).casefold()
        if label == want:
            exact.add(s.value)
        elif want in label:
            partial.add(s.value)
    return sorted(exact) or sorted(partial, key=lambda v: (len(v), v))


def describe(resource: str, lang: str | None = None, source: Source | None = None) -> Description:
    """Return the :class:`Description` of ``resource``: an IRI (``<…>``, bare or prefixed) or a name in ``lang``.

    Raises:
        UsageError: no resource has that IRI or name.
    """
    facts = facts_of(source)
    text = resource.strip()
    candidates: list[str]
    if text.startswith(("<", "http://", "https://", "urn:")) or (":" in text and " " not in text):
        term = parse_iri(text)
        if term not in facts.by_s and term not in facts.by_o:
            raise UsageError(f"unknown resource {iri.compact(term.value)}: no triple of the dataset mentions it")
        candidates = [term.value]
    else:
        candidates = find_by_name(facts, text, lang)
        if not candidates:
            where = f" in language {lang!r}" if lang else ""
            raise UsageError(f"no resource is named {text!r}{where}")
    subject = Term.uri(candidates[0])
    labels: dict[str, list[str]] = {}
    for t in sorted(facts.by_s.get(subject, [])):
        if t[1].value in LABELS and t[2].kind == "literal" and (not lang or not t[2].lang or t[2].lang == lang):
            values = labels.setdefault(t[2].lang or "", [])
            if t[2].value not in values:
                values.append(t[2].value)
    rels: list[Relation] = []
    types: list[Relation] = []
    triples: list[tuple[Literal["out", "in"], Triple]] = [("out", t) for t in facts.by_s.get(subject, [])]
    triples += [("in", t) for t in facts.by_o.get(subject, [])]
    for direction, t in sorted(triples, key=lambda x: (x[0] != "out", x[1][1], x[1][2] if x[0] == "out" else x[1][0])):
        gs = facts.graphs(t)
        other = t[2] if direction == "out" else t[0]
        r = Relation(direction, t[1], other, origin(gs), tuple(sorted(gs)))
        if direction == "out" and t[1].value == P["rdf"] + "type":
            types.append(r)
        elif t[1].value not in LABELS:
            rels.append(r)
    return Description(
        resource=subject.value,
        labels=labels,
        types=tuple(types),
        relations=tuple(rels[:MAX_RELATIONS]),
        truncated=len(rels) > MAX_RELATIONS,
        candidates=tuple(candidates[1:10]),
    )
