"""Blank nodes as project IRIs for a store (skolemisation, RDF 1.1 §3.5), and back again in answers.

A blank node sent to a store twice becomes two nodes there: pushing the same data again without ``--replace``
would add its triples a second time, and Virtuoso refuses blank nodes in ``INSERT DATA`` altogether. So
:func:`skolemise` replaces each blank node with ``https://w3id.org/sco-kg/.well-known/genid/LABEL``, where
LABEL is the node's canonical label from :func:`sco_kg.rdf.canon.canonical_labels` (derived from the node's
content, not from a parser's random name): the same data gives the same IRIs on every push, so a second push
changes nothing. :func:`deskolemise_term` turns such an IRI in a store's answer back into a blank node, so
remote results equal local ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from sco_kg.rdf import iri
from sco_kg.rdf.canon import canonical_labels, has_bnode
from sco_kg.rdf.term import Quad, Term

GENID = iri.BASE + ".well-known/genid/"


def skolemise(quads: Sequence[Quad]) -> list[Quad]:
    """Return ``quads`` with every blank node replaced by its stable genid IRI (other quads unchanged)."""
    with_b = [q for q in quads if has_bnode(q)]
    if not with_b:
        return list(quads)
    labels = canonical_labels(with_b)
    terms = {old: Term.uri(GENID + new) for old, new in labels.items()}

    def term(t: Term | None) -> Term | None:
        return terms[t.value] if t is not None and t.kind == "bnode" else t

    out: list[Quad] = []
    for q in quads:
        out.append((term(q[0]), q[1], term(q[2]), term(q[3])) if has_bnode(q) else q)  # type: ignore[arg-type]
    return out


def is_genid(value: str) -> bool:
    """Return whether an IRI is one of the project's skolem IRIs."""
    return value.startswith(GENID) and len(value) > len(GENID)


def deskolemise_term(term: Term) -> Term:
    """Return a blank node for a genid IRI (labelled as on the way out), any other term unchanged."""
    if term.kind == "uri" and is_genid(term.value):
        return Term("bnode", term.value[len(GENID) :])
    return term
