"""The closure's content, not only its hash (issue 12, "Tests that cannot pass silently").

Two goldens in tests/golden/closure/ (``python -m sco_kg.dev.golden --regenerate-golden``):

* ``inferred-by-predicate.csv``: the shipped closure's inferred triples per tier and predicate;
* ``axioms.csv``: the ontology's ``rdfs:subPropertyOf``, ``owl:inverseOf`` and ``owl:propertyChainAxiom``
  axioms with the number of their premise instances in the data.

And for every pinned axiom the closure holds its conclusions: ``s P o`` with ``P ⊑ Q`` gives ``s Q o``;
``P owl:inverseOf Q`` gives ``o Q s`` (and back); a chain ``P ≡ P1 ∘ … ∘ Pn`` gives ``s P o`` for every
path ``s P1 x1 … Pn o``. The axioms come from the golden, so deleting one from the ontology fails here even
after ``sco-kg reason`` has rebuilt a consistent (smaller) closure.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from sco_kg import paths
from sco_kg.dev import golden
from sco_kg.rdf import iri
from sco_kg.reasoning.filter import is_external_link, trivial_reason

GOLDEN = Path(__file__).resolve().parent / "golden" / "closure"
REGENERATE = "python -m sco_kg.dev.golden --regenerate-golden  (then review the diff of tests/golden/closure/)"
SUB, INV, CHAIN = golden.RDFS_SUBPROPERTY, golden.OWL_INVERSE, golden.OWL_CHAIN
RDF_FIRST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"
RDF_NIL = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def expand(name: str) -> str:
    """Return the full IRI of a compact name written by :func:`sco_kg.rdf.iri.compact`."""
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    prefix, local = name.split(":", 1)
    return iri.PREFIXES[prefix] + local


def same_file(got: bytes, name: str) -> None:
    expected = (GOLDEN / name).read_bytes()
    if got != expected:
        diff = "\n".join(
            difflib.unified_diff(
                expected.decode().splitlines(), got.decode().splitlines(), "golden", "now", lineterm=""
            )
        )
        pytest.fail(f"tests/golden/closure/{name} differs:\n{diff}\nIf the change is right: {REGENERATE}")


AXIOM_ROWS = rows((GOLDEN / "axioms.csv").read_bytes())
AXIOMS = [(kind, expand(p), tuple(expand(t) for t in target.split()), int(n)) for kind, p, target, n in AXIOM_ROWS[1:]]


# ------------------------------------------------------------------------------------------ the goldens


def test_shipped_closure_matches_the_per_predicate_golden() -> None:
    same_file(golden.inferred_by_predicate_csv(paths.closure_file()), "inferred-by-predicate.csv")


def test_per_predicate_golden_covers_both_tiers_and_the_partof_inferences() -> None:
    table = {(t, p): int(n) for t, p, n in rows((GOLDEN / "inferred-by-predicate.csv").read_bytes())[1:]}
    assert {t for t, _ in table} == {"scog:inferred", "scog:inferred-context"}
    # sco:partOf ⊑ dcterms:isPartOf (issue 12's example of an axiom whose loss only the hash noticed)
    assert table[("scog:inferred", "dcterms:isPartOf")] > 0
    manifest = json.loads((paths.closure_file().parent / "manifest.json").read_text(encoding="utf-8"))
    assert sum(table.values()) == manifest["inferred"]
    for tier, count in manifest["inferred_graphs"].items():
        assert sum(n for (t, _), n in table.items() if t == iri.compact(tier)) == count, tier


def test_axioms_and_their_premises_match_the_golden(asserted: Any, reasoned: Any) -> None:
    same_file(golden.axioms_csv(asserted, reasoned), "axioms.csv")


def ontology_axioms() -> set[tuple[str, str, tuple[str, ...]]]:
    """The property axioms of ontology/**/*.ttl, read by pyoxigraph (not by the code under test)."""
    store = ox.Store()
    for f in sorted(paths.ontology_dir().rglob("*.ttl")):
        store.load(path=f, format=ox.RdfFormat.TURTLE)
    found: set[tuple[str, str, tuple[str, ...]]] = set()
    for kind, pred in (("subPropertyOf", SUB), ("inverseOf", INV)):
        for q in store.quads_for_pattern(None, ox.NamedNode(pred), None):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                found.add((kind, q.subject.value, (q.object.value,)))
    for q in store.quads_for_pattern(None, ox.NamedNode(CHAIN), None):
        members, node = [], q.object
        while not (isinstance(node, ox.NamedNode) and node.value == RDF_NIL):
            members.append(next(store.quads_for_pattern(node, ox.NamedNode(RDF_FIRST), None)).object.value)
            node = next(store.quads_for_pattern(node, ox.NamedNode(RDF_REST), None)).object
        found.add(("propertyChainAxiom", q.subject.value, tuple(members)))
    return found


def test_axiom_golden_is_exactly_the_ontologys_axioms() -> None:
    declared = ontology_axioms()
    pinned = {(kind, p, target) for kind, p, target, _ in AXIOMS}
    assert pinned == declared, (sorted(declared - pinned), sorted(pinned - declared))
    kinds = [kind for kind, _, _ in declared]
    assert (kinds.count("subPropertyOf"), kinds.count("inverseOf"), kinds.count("propertyChainAxiom")) == (18, 36, 6)
    assert ("subPropertyOf", iri.ONTOLOGY + "partOf", ("http://purl.org/dc/terms/isPartOf",)) in declared


# ---------------------------------------------------------------------------- conclusions in the closure


@pytest.fixture(scope="module")
def closed(reasoned: Any) -> tuple[set[tuple[Any, Any, Any]], dict[str, set[tuple[Any, Any]]]]:
    """Asserted + inferred triples (every graph, minus the external links the reasoner leaves out), and the
    (subject, object) pairs of each predicate."""
    triples: set[tuple[Any, Any, Any]] = set()
    pairs: dict[str, set[tuple[Any, Any]]] = {}
    for s, p, o, _ in reasoned.quads((None, None, None, None)):
        if not is_external_link(s, p, o):
            triples.add((s, p, o))
            pairs.setdefault(str(p), set()).add((s, o))
    return triples, pairs


def missing(triples: set[tuple[Any, Any, Any]], expected: list[tuple[Any, Any, Any]]) -> list[str]:
    """Return the expected conclusions the closure lacks (the filter's trivial ones aside), as N3."""
    return [" ".join(t.n3() for t in x) for x in expected if x not in triples and trivial_reason(*x) is None]


def path_pairs(chain: tuple[str, ...], pairs: dict[str, set[tuple[Any, Any]]]) -> set[tuple[Any, Any]]:
    ends = set(pairs.get(chain[0], ()))
    for prop in chain[1:]:
        ends = {(a, c) for a, b in ends for b2, c in pairs.get(prop, ()) if b2 == b}
    return ends


@pytest.mark.parametrize(
    ("kind", "prop", "target", "premises"),
    AXIOMS,
    ids=[f"{k}:{iri.compact(p)}>{'/'.join(iri.compact(t) for t in tg)}" for k, p, tg, _ in AXIOMS],
)
def test_every_axiom_yields_its_conclusions(
    closed: tuple[set, dict], kind: str, prop: str, target: tuple[str, ...], premises: int
) -> None:
    triples, pairs = closed
    P = URIRef(prop)
    if kind == "subPropertyOf":
        seen = pairs.get(prop, set())
        expected = [(s, URIRef(target[0]), o) for s, o in seen]
        count = len(seen)
    elif kind == "inverseOf":
        forward, backward = pairs.get(prop, set()), pairs.get(target[0], set())
        expected = [(o, URIRef(target[0]), s) for s, o in forward] + [(o, P, s) for s, o in backward]
        count = len(forward) + len(backward)
    else:
        ends = path_pairs(target, pairs)
        expected = [(s, P, o) for s, o in ends]
        count = len(ends)
    assert count == premises > 0, f"premises in the data: {count}, pinned: {premises}"
    assert len(expected) == count
    lacking = missing(triples, expected)
    assert not lacking, f"{len(lacking)} conclusions of {kind} missing, e.g. {lacking[:3]}"
