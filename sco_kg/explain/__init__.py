"""Explanations and citations (layer 7): why a triple holds, which sentence states it, whether a quote is verbatim.

* :func:`explain` (``explain(fact, source) -> Explanation``): an asserted triple with its citations; an inferred
  one with its OWL 2 RL rule instance and premises, recursively down to asserted triples (:mod:`.rules` derives
  them bottom-up); a triple that does not hold says so. :func:`coverage` counts the stored inferred triples that
  get a complete derivation.
* :func:`citations` (``citations(fact, source)``): the sentences, graphs and outside sources of an asserted triple.
* :func:`verify_quote`: whether a passage is in the source text verbatim (:mod:`.quotes`).
* :func:`describe`: a resource's labels, types and relations, each asserted / inferred / outside (:mod:`.describe`).

Everything returned is a plain dataclass (``as_dict()`` for JSON); strings come from the graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sco_kg.explain.core import Coverage, Explanation, Fact, citation_dict, coverage, explain, explain_triple
from sco_kg.explain.facts import Citation, Facts, SentenceRef, facts_of
from sco_kg.explain.parse import parse_iri, parse_triple
from sco_kg.explain.render import render_tree
from sco_kg.explain.rules import RULES, Derivation, apply_rule, apply_rule_all

if TYPE_CHECKING:
    from sco_kg.dataset import Source


def citations(fact: Fact, source: Source | None = None) -> tuple[Citation, ...]:
    """Return the citations of ``fact`` (empty when no asserted graph holds it)."""
    return facts_of(source).citations(fact.triple)


__all__ = [
    "RULES",
    "Citation",
    "Coverage",
    "Derivation",
    "Explanation",
    "Fact",
    "Facts",
    "SentenceRef",
    "apply_rule",
    "apply_rule_all",
    "citation_dict",
    "citations",
    "coverage",
    "explain",
    "explain_triple",
    "facts_of",
    "parse_iri",
    "parse_triple",
    "render_tree",
]
