"""ONE blank-node canonicaliser and the sorted N-Quads writer, for the exports and the shipped closure.

Parsers name blank nodes at random on every parse; :func:`canonical_labels` names them from their content
instead, so the same data gives the same bytes whichever parser read it and whatever it called the nodes.
:func:`canonicalize` gives the quads the exports write (de-duplicated, relabelled, sorted the way people read:
by graph, subject, ``rdf:type`` first); :func:`sorted_nquads` the bytes of the shipped closure
(``data/build/sco-kg-full.nq``: one line per quad, lines sorted).

The work happens on :data:`Row` tuples of N-Triples strings, not on :class:`Term` objects: a million-quad export
hashes, sorts and writes plain strings (whose hashes Python caches), and a Row's natural tuple order *is* the
reading order. :func:`canonicalize` and the writers' :class:`Term` API convert at the edges.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from sco_kg.rdf.term import Quad, Term

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: ``rdf:type`` in N-Triples; a :data:`Row` stores it as ``""`` so that it sorts first among a subject's predicates.
TYPE_N3 = f"<{RDF_TYPE}>"

#: Refinement rounds always made (the shipped closure's labels were defined with three).
MIN_ROUNDS = 3

#: A quad as N-Triples strings in reading order: graph (``""`` for the default graph), subject, predicate
#: (``""`` for ``rdf:type``), object. Sorting Rows as tuples gives :func:`sort_key`'s order.
Row = tuple[str, str, str, str]


def row_of(q: Quad) -> Row:
    """Return the :data:`Row` of a :class:`Term` quad."""
    s, p, o, g = q
    return ("" if g is None else g.n3(), s.n3(), "" if p.value == RDF_TYPE else p.n3(), o.n3())


def rows_of(quads: Iterable[Quad]) -> tuple[list[Row], dict[str, Term]]:
    """Return the Rows of ``quads`` and the :class:`Term` of each N-Triples string seen (for :func:`quads_of`)."""
    terms: dict[str, Term] = {}
    rows: list[Row] = []
    for s, p, o, g in quads:
        gs = "" if g is None else g.n3()
        ss, ps, os_ = s.n3(), p.n3(), o.n3()
        terms[gs] = g  # type: ignore[assignment]  # "" -> None: the default graph
        terms[ss] = s
        terms[ps] = p
        terms[os_] = o
        rows.append((gs, ss, "" if p.value == RDF_TYPE else ps, os_))
    return rows, terms


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_UNESCAPE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)) if m[3] is None else _UNESCAPE[m[3]], text)


def term_of(n3: str) -> Term:
    """Return the :class:`Term` written ``n3`` in N-Triples (as :meth:`Term.n3` or pyoxigraph write it)."""
    if n3[0] == "<":
        return Term("uri", n3[1:-1])
    if n3[0] == "_":
        return Term("bnode", n3[2:])
    end = n3.rindex('"')
    value, rest = _unescape(n3[1:end]), n3[end + 1 :]
    if rest.startswith("@"):
        return Term.literal(value, None, rest[1:])
    return Term.literal(value, rest[3:-1] if rest else None)


def quads_of(rows: Iterable[Row], terms: dict[str, Term] | None = None) -> list[Quad]:
    """Return the :class:`Term` quads of ``rows`` (one Term per distinct string; ``terms`` seeds the cache)."""
    cache: dict[str, Term | None] = {"": None, **(terms or {})}
    typ = cache.get(TYPE_N3) or term_of(TYPE_N3)

    def term(n3: str) -> Term | None:
        try:
            return cache[n3]
        except KeyError:
            found = cache[n3] = term_of(n3)
            return found

    return [(term(s), term(p) if p else typ, term(o), term(g)) for g, s, p, o in rows]  # type: ignore[misc]


def row_labels(rows: Sequence[Row], ordinal: bool = False) -> dict[str, str]:
    """Return a content-derived label for each blank node of ``rows`` (keyed by its current label).

    Each node is hashed from its surroundings (the quads it is the subject, object or graph of, its blank
    neighbours shown by their previous hash), at least :data:`MIN_ROUNDS` times and then until a round no
    longer tells more nodes apart. Nodes that no round can tell apart are symmetric in the data, so either
    labelling gives the same output.

    Args:
        rows: the quads (duplicates allowed).
        ordinal: label ``b0``, ``b1``… in the order of the hashes (the shipped closure); otherwise ``b`` and 16
            hex digits of the node's own hash (a node's label then depends only on its connected part of the data).
    """
    by_node: dict[str, list[Row]] = {}
    for r in rows:
        for t in r:
            if t[:1] == "_":
                by_node.setdefault(t[2:], []).append(r)
    if not by_node:
        return {}

    def sig(node: str, labels: dict[str, str]) -> str:
        def show(t: str) -> str:
            return labels.get(t[2:], "_") if t[:1] == "_" else t

        me = "_:" + node
        parts = []
        for g, s, p, o in by_node[node]:
            p = p or TYPE_N3
            if s == me:
                parts.append(f"o {show(p)} {show(o)} {show(g)}")
            if o == me:
                parts.append(f"i {show(s)} {show(p)} {show(g)}")
            if g == me:
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


def canonical_labels(quads: Sequence[Quad], ordinal: bool = False) -> dict[str, str]:
    """Return :func:`row_labels` for :class:`Term` quads (keyed by each blank node's current label)."""
    return row_labels([row_of(q) for q in quads], ordinal)


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
    return row_of(q)


def has_bnode(q: Quad) -> bool:
    """Return whether a blank node is the subject, object or graph of ``q``."""
    return q[0].kind == "bnode" or q[2].kind == "bnode" or (q[3] is not None and q[3].kind == "bnode")


def canonical_rows(rows: Iterable[Row]) -> list[Row]:
    """Return ``rows`` de-duplicated, blank nodes relabelled from their content, sorted (the reading order)."""
    unique = dict.fromkeys(rows)  # keeps the input order, which is often nearly sorted: a cheap sort below
    with_b = [r for r in unique if r[1][0] == "_" or r[3][0] == "_" or r[0][:1] == "_"]
    if not with_b:
        out = list(unique)
    else:
        for r in with_b:
            del unique[r]
        labels = {f"_:{old}": f"_:{new}" for old, new in row_labels(with_b).items()}
        # Relabelling is one-to-one, so the relabelled rows stay distinct; rows without blank nodes are unchanged.
        out = list(unique)
        out += [(labels.get(g, g), labels.get(s, s), p, labels.get(o, o)) for g, s, p, o in with_b]
    out.sort()
    return out


def union_rows(rows: Iterable[Row]) -> list[Row]:
    """Return the triples of ``rows`` in the default graph (the union of all graphs), canonicalized.

    Blank nodes are relabelled from the union's own content, so the same triples give the same output
    whichever named graphs they came from.
    """
    return canonical_rows([("", s, p, o) for _, s, p, o in rows])


def canonicalize(quads: Iterable[Quad]) -> list[Quad]:
    """Return the quads de-duplicated, blank nodes relabelled from their content, sorted by :func:`sort_key`."""
    rows, terms = rows_of(quads)
    return quads_of(canonical_rows(rows), terms)


def nquad_lines(rows: Iterable[Row]) -> str:
    """Return ``rows`` as N-Quads, one line per row in the order given (default-graph rows as triples)."""
    t = TYPE_N3
    return "".join([f"{s} {p or t} {o} {g} .\n" if g else f"{s} {p or t} {o} .\n" for g, s, p, o in rows])


def nquad_chunks(rows: Sequence[Row], chunk: int = 1 << 16) -> Iterator[bytes]:
    """Yield :func:`nquad_lines` of ``rows`` as UTF-8, ``chunk`` rows at a time.

    Smaller strings than one for the whole output, and most of them ASCII (encoded by copying): a text that
    holds one Chinese label is otherwise stored four bytes per character and encoded character by character.
    """
    for i in range(0, len(rows), chunk):
        yield nquad_lines(rows[i : i + chunk]).encode("utf-8")


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
    rows, terms = rows_of(quads)
    return quads_of(union_rows(rows), terms)
