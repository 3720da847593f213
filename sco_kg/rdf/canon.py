"""ONE blank-node canonicaliser and the sorted N-Quads writer, for the exports and the shipped closure.

Parsers name blank nodes at random on every parse; :func:`canonical_labels` names them from their content
instead, so the same data gives the same bytes whichever parser read it and whatever it called the nodes.
:func:`canonicalize` gives the quads the exports write (de-duplicated, relabelled, sorted the way people read:
by graph, subject, ``rdf:type`` first); :func:`sorted_nquads` the bytes of the shipped closure
(``data/build/sco-kg-full.nq``: one line per quad, lines sorted).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sco_kg.rdf.term import Quad, Term

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: Refinement rounds always made (the shipped closure's labels were defined with three).
MIN_ROUNDS = 3


def canonical_labels(quads: Sequence[Quad], ordinal: bool = False) -> dict[str, str]:
    """Return a content-derived label for each blank node of ``quads`` (keyed by its current label).

    Each node is hashed from its surroundings (the quads it is the subject, object or graph of, its blank
    neighbours shown by their previous hash), at least :data:`MIN_ROUNDS` times and then until a round no
    longer tells more nodes apart. Nodes that no round can tell apart are symmetric in the data, so either
    labelling gives the same output.

    Args:
        quads: the quads (duplicates allowed).
        ordinal: label ``b0``, ``b1``… in the order of the hashes (the shipped closure); otherwise ``b`` and 16
            hex digits of the node's own hash (a node's label then depends only on its connected part of the data).
    """
    by_node: dict[str, list[Quad]] = {}
    for q in quads:
        for t in q:
            if t is not None and t.kind == "bnode":
                by_node.setdefault(t.value, []).append(q)
    if not by_node:
        return {}

    def sig(node: str, labels: dict[str, str]) -> str:
        def show(t: Term | None) -> str:
            if t is None:
                return ""
            return labels.get(t.value, "_") if t.kind == "bnode" else t.n3()

        parts = []
        for s, p, o, g in by_node[node]:
            if s.kind == "bnode" and s.value == node:
                parts.append(f"o {show(p)} {show(o)} {show(g)}")
            if o.kind == "bnode" and o.value == node:
                parts.append(f"i {show(s)} {show(p)} {show(g)}")
            if g is not None and g.kind == "bnode" and g.value == node:
                parts.append(f"g {show(s)} {show(p)} {show(o)}")
        return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()

    labels: dict[str, str] = {}
    classes = 0
    for rounds in range(1, len(by_node) + MIN_ROUNDS + 1):
        new = {n: sig(n, labels) for n in by_node}
        n_classes = len(set(new.values()))
        if rounds > MIN_ROUNDS and n_classes <= classes:
            break  # stable: keep the previous round's hashes
        labels, classes = new, n_classes
    ordered = sorted(by_node, key=lambda n: (labels[n], n))
    if ordinal:
        return {n: f"b{i}" for i, n in enumerate(ordered)}
    out: dict[str, str] = {}
    seen: dict[str, int] = defaultdict(int)
    for n in ordered:
        h = labels[n][:16]
        out[n] = f"b{h}" if seen[h] == 0 else f"b{h}x{seen[h]}"
        seen[h] += 1
    return out


def relabel(quads: Iterable[Quad], labels: dict[str, str]) -> list[Quad]:
    """Return ``quads`` with their blank nodes renamed by ``labels`` (one :class:`Term` per new label)."""
    terms: dict[str, Term] = {}

    def term(t: Term | None) -> Term | None:
        if t is None or t.kind != "bnode":
            return t
        found = terms.get(t.value)
        if found is None:
            found = terms[t.value] = Term("bnode", labels[t.value])
        return found

    return [(term(s), p, term(o), term(g)) for s, p, o, g in quads]  # type: ignore[misc]


def sort_key(q: Quad) -> tuple[str, str, str, str]:
    """Return the reading order of a quad: graph, subject, ``rdf:type`` first then predicate, object."""
    s, p, o, g = q
    return ("" if g is None else g.n3(), s.n3(), "" if p.value == RDF_TYPE else p.n3(), o.n3())


def has_bnode(q: Quad) -> bool:
    """Return whether a blank node is the subject, object or graph of ``q``."""
    return q[0].kind == "bnode" or q[2].kind == "bnode" or (q[3] is not None and q[3].kind == "bnode")


def canonicalize(quads: Iterable[Quad]) -> list[Quad]:
    """Return the quads de-duplicated, blank nodes relabelled from their content, sorted by :func:`sort_key`."""
    unique = set(quads)
    with_b = [q for q in unique if has_bnode(q)]
    if not with_b:
        return sorted(unique, key=sort_key)
    # Relabelling is one-to-one, so the relabelled quads stay distinct; quads without blank nodes are unchanged.
    out = list(unique.difference(with_b)) + relabel(with_b, canonical_labels(with_b))
    return sorted(out, key=sort_key)


def nquads(quads: Iterable[Quad]) -> str:
    """Return ``quads`` as N-Quads, one line per quad in the order given."""
    return "".join(
        f"{s.n3()} {p.n3()} {o.n3()} {g.n3()} .\n" if g is not None else f"{s.n3()} {p.n3()} {o.n3()} .\n"
        for s, p, o, g in quads
    )


def sorted_nquads(quads: Sequence[Quad]) -> bytes:
    """Return ``quads`` as N-Quads bytes with ordinal canonical blank-node labels, lines de-duplicated and sorted."""
    labelled = relabel(quads, canonical_labels(quads, ordinal=True))
    return "".join(sorted(set(nquads(labelled).splitlines(keepends=True)))).encode("utf-8")


def union(quads: Iterable[Quad]) -> list[Quad]:
    """Return the triples of ``quads`` in the default graph (the union of all graphs), canonicalized.

    Blank nodes are relabelled from the union's own content, so the same triples give the same output
    whichever named graphs they came from.
    """
    return canonicalize((s, p, o, None) for s, p, o, _ in quads)
