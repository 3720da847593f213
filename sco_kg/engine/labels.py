"""Display labels for IRIs, chosen as the canned queries choose theirs, and how a term shows in a table."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from sco_kg.dataset import Source
from sco_kg.engine.limits import Limits
from sco_kg.engine.results import RDFS_LABEL, SKOS_PREFLABEL, Result, label_query, pick_labels
from sco_kg.engine.run import Engine, run
from sco_kg.rdf import iri
from sco_kg.rdf.term import Term

__all__ = ["RDFS_LABEL", "SKOS_PREFLABEL", "display", "labels"]


_INLINE = Limits(timeout=None, max_rows=None, isolation="none")


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
    (a remote endpoint). The ranking is :func:`sco_kg.engine.results.pick_labels`, which
    ``Result.to_dataframe(labels=True)`` uses too.
    """
    iris = sorted({t.value for t in terms if t.kind == "uri"})
    rows: list[tuple[Term | None, ...]] = []
    for start in range(0, len(iris), 500):
        text = label_query(iris[start : start + 500])
        # Our own lookup of at most 500 IRIs by key: inline, with no fork (it cannot run away or reach anything).
        res = runner(text) if runner is not None else run(text, source, _INLINE, engine=engine, trusted=True)
        rows.extend(res.rows)
    return pick_labels(rows, lang)


def display(t: Term | None, names: Mapping[str, str]) -> str:
    """Return how a term shows in ``table``/``md``: its label, a compact IRI, or the literal's text."""
    if t is None:
        return ""
    if t.kind == "uri":
        return names.get(t.value) or iri.compact(t.value)
    if t.kind == "bnode":
        return f"_:{t.value}"
    return " ".join(t.value.split())
