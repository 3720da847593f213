"""Display labels for IRIs, chosen as the canned queries choose theirs, and how a term shows in a table."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from sco_kg.dataset import Source
from sco_kg.engine.limits import Limits
from sco_kg.engine.results import Result
from sco_kg.engine.run import Engine, run
from sco_kg.rdf import iri
from sco_kg.rdf.term import Term

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREFLABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def labels(
    terms: Iterable[Term],
    lang: str = "en",
    source: Source | None = None,
    *,
    engine: Engine = "oxigraph",
    runner: Callable[[str], Result] | None = None,
) -> dict[str, str]:
    """Return a display label for each IRI among ``terms``, chosen as the canned queries choose theirs.

    The first of: ``rdfs:label`` in ``lang``, ``skos:prefLabel`` in ``lang``, ``rdfs:label`` in English,
    ``skos:prefLabel`` in English, an untagged ``rdfs:label`` (the smallest value where there are several).
    IRIs without a label are left out. The label query runs on the dataset of ``source``, or through ``runner``
    (a remote endpoint).
    """
    iris = sorted({t.value for t in terms if t.kind == "uri"})
    if not iris:
        return {}
    ranks = {(RDFS_LABEL, lang): 0, (SKOS_PREFLABEL, lang): 1, (RDFS_LABEL, "en"): 2, (SKOS_PREFLABEL, "en"): 3,
             (RDFS_LABEL, ""): 4}  # fmt: skip
    best: dict[str, tuple[int, str]] = {}
    for chunk_start in range(0, len(iris), 500):
        chunk = iris[chunk_start : chunk_start + 500]
        text = (
            "SELECT ?s ?p ?l WHERE { VALUES ?s { "
            + " ".join(Term.uri(i).n3() for i in chunk)
            + f" }} VALUES ?p {{ <{RDFS_LABEL}> <{SKOS_PREFLABEL}> }} ?s ?p ?l }}"
        )
        res = (
            runner(text) if runner is not None else run(text, source, Limits(timeout=None), engine=engine, trusted=True)
        )
        for s, p, lab in res.rows:
            if s is None or p is None or lab is None or lab.kind != "literal":
                continue
            rank = ranks.get((p.value, lab.lang or ""))
            if rank is not None and (s.value not in best or (rank, lab.value) < best[s.value]):
                best[s.value] = (rank, lab.value)
    return {subject: value for subject, (_, value) in best.items()}


def display(t: Term | None, names: Mapping[str, str]) -> str:
    """Return how a term shows in ``table``/``md``: its label, a compact IRI, or the literal's text."""
    if t is None:
        return ""
    if t.kind == "uri":
        return names.get(t.value) or iri.compact(t.value)
    if t.kind == "bnode":
        return f"_:{t.value}"
    return " ".join(t.value.split())
