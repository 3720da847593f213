"""``python -m sco_kg.dev.golden``: the catalogue's maintainer commands (queries/README.md, tests/golden/*.csv).

``--readme`` writes ``queries/README.md`` from the headers; ``--check`` parses every query;
``--regenerate-golden`` rewrites ``tests/golden/*.csv`` (one per canned query) and the closure's goldens
``tests/golden/closure/*.csv`` (review the diff).

The closure's goldens pin what the shipped closure holds, not only its hash: ``inferred-by-predicate.csv``
counts the inferred triples per tier (``scog:inferred``, ``scog:inferred-context``) and predicate, and
``axioms.csv`` lists every ``rdfs:subPropertyOf``, ``owl:inverseOf`` and ``owl:propertyChainAxiom`` axiom of
the ontology with the number of its premise instances in the data. Deleting an axiom and re-running
``sco-kg reason`` therefore changes both files.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sco_kg import paths
from sco_kg.errors import ScoKgError
from sco_kg.sparql.catalog import Query, all_queries, readme

if TYPE_CHECKING:
    from rdflib import Dataset

GOLDEN_DIR = Path(__file__).resolve().parent.parent.parent / "tests" / "golden"
CLOSURE_GOLDEN = "closure"
RDFS_SUBPROPERTY = "http://www.w3.org/2000/01/rdf-schema#subPropertyOf"
OWL_INVERSE = "http://www.w3.org/2002/07/owl#inverseOf"
OWL_CHAIN = "http://www.w3.org/2002/07/owl#propertyChainAxiom"


def golden_csv(q: Query) -> bytes:
    """Return the expected-result file content of ``q``: W3C CSV of its result with default parameters."""
    from sco_kg.engine.limits import Limits
    from sco_kg.engine.results import csv_cell
    from sco_kg.engine.run import run_canned

    res = run_canned(q.name, {}, limits=Limits(timeout=120, max_rows=None))
    if res.form == "ASK":
        return ("result\r\n" + ("true" if res.boolean else "false") + "\r\n").encode()
    if res.form in ("CONSTRUCT", "DESCRIBE"):
        rows = sorted(res.triples)
        lines = ["subject,predicate,object"] + [
            ",".join(csv_cell(t) if t.kind != "uri" else t.value for t in tr) for tr in rows
        ]
        return ("\r\n".join(lines) + "\r\n").encode()
    return res.serialize("csv")


def regenerate_golden(directory: Path = GOLDEN_DIR) -> list[str]:
    """Rewrite ``tests/golden/<name>.csv`` for every canned query and delete golden files without a query.

    Returns:
        The names of the files that changed (written or removed).
    """
    from sco_kg.atomic import atomic_write_bytes

    changed: list[str] = []
    # A federated query needs its remote endpoint; its expected result is kept by its own tests.
    queries = [q for q in all_queries() if not q.federated]
    for q in queries:
        target = directory / f"{q.name}.csv"
        data = golden_csv(q)
        if not target.exists() or target.read_bytes() != data:
            atomic_write_bytes(target, data)
            changed.append(target.name)
    keep = {f"{q.name}.csv" for q in queries}
    for stale in sorted(directory.glob("*.csv")):
        if stale.name not in keep:
            stale.unlink()
            changed.append(stale.name + " (removed)")
    return changed


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def inferred_by_predicate_csv(nq: Path | None = None) -> bytes:
    """Return ``tier,predicate,triples``: the inferred triples of the closure file ``nq`` per graph and predicate.

    ``nq`` defaults to the shipped artifact (:func:`sco_kg.paths.closure_file`); IRIs are compacted
    (:func:`sco_kg.rdf.iri.compact`); rows are sorted by tier, then predicate.
    """
    import pyoxigraph as ox

    from sco_kg.rdf import iri

    inferred = set(iri.INFERRED_GRAPHS)
    counts: Counter[tuple[str, str]] = Counter()
    for quad in ox.parse(path=nq or paths.closure_file(), format=ox.RdfFormat.N_QUADS):
        graph = quad.graph_name
        if isinstance(graph, ox.NamedNode) and graph.value in inferred:
            counts[(iri.compact(graph.value), iri.compact(quad.predicate.value))] += 1
    return _csv(["tier", "predicate", "triples"], [[t, p, n] for (t, p), n in sorted(counts.items())])


@dataclass(frozen=True)
class Axiom:
    """One property axiom of the ontology: ``prop kind target`` (``target`` is the chain for a chain axiom)."""

    kind: str  # "subPropertyOf", "inverseOf" or "propertyChainAxiom"
    prop: str
    target: tuple[str, ...]


def property_axioms(ds: Dataset) -> list[Axiom]:
    """Return the sub-property, inverse and chain axioms asserted in ``ds`` (IRIs only), sorted."""
    from rdflib import URIRef
    from rdflib.collection import Collection

    found: set[Axiom] = set()
    for kind, pred in (("subPropertyOf", RDFS_SUBPROPERTY), ("inverseOf", OWL_INVERSE)):
        for s, _, o in ds.triples((None, URIRef(pred), None)):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                found.add(Axiom(kind, str(s), (str(o),)))
    for s, _, head in ds.triples((None, URIRef(OWL_CHAIN), None)):
        members = tuple(str(m) for m in Collection(ds, head))
        if isinstance(s, URIRef) and members:
            found.add(Axiom("propertyChainAxiom", str(s), members))
    return sorted(found, key=lambda a: (a.kind, a.prop, a.target))


def premise_count(axiom: Axiom, pairs: dict[str, set[tuple[Any, Any]]]) -> int:
    """Return how many premise instances of ``axiom`` the data holds (``pairs``: predicate → (subject, object)).

    Sub-property: the ``prop`` statements; inverse: the statements of either property; chain: the distinct
    (start, end) pairs the chain links.
    """
    if axiom.kind == "subPropertyOf":
        return len(pairs.get(axiom.prop, ()))
    if axiom.kind == "inverseOf":
        return len(pairs.get(axiom.prop, ())) + len(pairs.get(axiom.target[0], ()))
    return len(chain_pairs(axiom.target, pairs))


def chain_pairs(chain: tuple[str, ...], pairs: dict[str, set[tuple[Any, Any]]]) -> set[tuple[Any, Any]]:
    """Return the (start, end) pairs linked by following the properties of ``chain`` in order."""
    reached = set(pairs.get(chain[0], ()))
    for prop in chain[1:]:
        step: dict[Any, set[Any]] = {}
        for s, o in pairs.get(prop, ()):
            step.setdefault(s, set()).add(o)
        reached = {(a, c) for a, b in reached for c in step.get(b, ())}
    return reached


def statement_pairs(ds: Dataset) -> dict[str, set[tuple[Any, Any]]]:
    """Return predicate → (subject, object) pairs over every graph of ``ds``, minus the external
    ``owl:sameAs`` links the reasoner leaves out (:func:`sco_kg.reasoning.filter.is_external_link`)."""
    from sco_kg.reasoning.filter import is_external_link

    pairs: dict[str, set[tuple[Any, Any]]] = {}
    for s, p, o, _ in ds.quads((None, None, None, None)):
        if not is_external_link(s, p, o):
            pairs.setdefault(str(p), set()).add((s, o))
    return pairs


def axioms_csv(asserted: Dataset | None = None, closed: Dataset | None = None) -> bytes:
    """Return ``kind,property,target,premises``: the ontology's property axioms and their premises in the data.

    Args:
        asserted: the asserted dataset the axioms are read from (default: ``load(inferred=False)``).
        closed: the dataset with the closure, where premises are counted (default: ``load()``).
    """
    from sco_kg.dataset import Source, load
    from sco_kg.rdf import iri

    asserted = asserted if asserted is not None else load(Source(inferred=False))
    closed = closed if closed is not None else load(Source(inferred=True))
    pairs = statement_pairs(closed)
    rows = [
        [a.kind, iri.compact(a.prop), " ".join(iri.compact(t) for t in a.target), premise_count(a, pairs)]
        for a in property_axioms(asserted)
    ]
    return _csv(["kind", "property", "target", "premises"], rows)


def regenerate_closure_golden(directory: Path = GOLDEN_DIR / CLOSURE_GOLDEN) -> list[str]:
    """Rewrite ``tests/golden/closure/{inferred-by-predicate,axioms}.csv`` from the shipped closure.

    Returns:
        The names of the files that changed.
    """
    from sco_kg.atomic import atomic_write_bytes

    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, data in (("inferred-by-predicate.csv", inferred_by_predicate_csv()), ("axioms.csv", axioms_csv())):
        target = directory / name
        if not target.exists() or target.read_bytes() != data:
            atomic_write_bytes(target, data)
            changed.append(f"{CLOSURE_GOLDEN}/{name}")
    return changed


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m sco_kg.dev.golden [--readme | --check | --regenerate-golden]``; return the exit code."""
    import argparse

    from sco_kg.atomic import atomic_write_text

    parser = argparse.ArgumentParser(prog="python -m sco_kg.dev.golden", description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--readme", action="store_true", help="write queries/README.md from the headers")
    group.add_argument("--check", action="store_true", help="parse every query and report problems")
    group.add_argument(
        "--regenerate-golden", action="store_true", help="rewrite tests/golden/*.csv and tests/golden/closure/*.csv"
    )
    args = parser.parse_args(argv)
    try:
        if args.readme:
            target = paths.queries_dir() / "README.md"
            atomic_write_text(target, readme())
            print(f"wrote {target}")
        elif args.check:
            qs = all_queries()
            print(f"{len(qs)} canned queries, all headers valid")
        else:
            changed = regenerate_golden() + regenerate_closure_golden()
            print("\n".join(f"updated {c}" for c in changed) or "golden files unchanged")
    except ScoKgError as exc:
        print(f"sco-kg: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
