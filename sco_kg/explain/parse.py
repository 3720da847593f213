"""Read a triple or a term typed by a person: ``<IRI>``, a bare ``http(s)://`` IRI, a prefixed name of
:data:`sco_kg.rdf.iri.PREFIXES`, or (as object) an N-Triples literal.

Prefixed names are expanded here; the result is then parsed by pyoxigraph's N-Triples parser (the real grammar),
so a malformed IRI or literal is refused with the parser's own message, on one line.
"""

from __future__ import annotations

import re

from sco_kg.errors import UsageError
from sco_kg.rdf import iri
from sco_kg.rdf.term import Term

#: Longest term accepted (characters): an IRI or literal longer than this is refused before parsing.
MAX_TERM_CHARS = 4096

_PNAME = re.compile(r"^([A-Za-z][A-Za-z0-9_.-]*)?:([^\s<>\"{}|^`\\]*)$")


def _to_ntriples(text: str, position: str) -> str:
    value = text.strip()
    if not value:
        raise UsageError(f"the {position} is empty")
    if len(value) > MAX_TERM_CHARS:
        raise UsageError(f"the {position} is longer than {MAX_TERM_CHARS} characters")
    if value.startswith("<") or (value.startswith('"') and position == "object"):
        return value
    if value.startswith(("http://", "https://", "urn:")):
        return f"<{value}>"
    m = _PNAME.match(value)
    if m:
        prefix = m.group(1) or ""
        if prefix not in iri.PREFIXES:
            raise UsageError(
                f"unknown prefix {prefix + ':'!r} in the {position} {value!r} "
                f"(known: {', '.join(sorted(iri.PREFIXES))})"
            )
        return f"<{iri.PREFIXES[prefix]}{m.group(2)}>"
    what = "an IRI, a prefixed name or a literal" if position == "object" else "an IRI or a prefixed name"
    raise UsageError(f"the {position} {value!r} is not {what}")


def parse_triple(s: str, p: str, o: str) -> tuple[Term, Term, Term]:
    """Return the triple ``s p o`` as terms; raise :class:`UsageError` (one line) if it cannot be read."""
    import pyoxigraph as ox

    line = f"{_to_ntriples(s, 'subject')} {_to_ntriples(p, 'predicate')} {_to_ntriples(o, 'object')} .\n"
    try:
        triples = list(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        msg = " ".join(str(exc).split())
        raise UsageError(f"cannot read the triple: {msg}") from None
    if len(triples) != 1:
        raise UsageError("cannot read the triple: expected exactly one subject, predicate and object")
    t = triples[0]
    return Term.from_ox(t.subject), Term.from_ox(t.predicate), Term.from_ox(t.object)


def parse_iri(text: str, what: str = "resource") -> Term:
    """Return the IRI ``text`` (``<…>``, bare or prefixed) as a term; raise :class:`UsageError` otherwise."""
    import pyoxigraph as ox

    line = f"{_to_ntriples(text, what)} <urn:x-sco-kg:p> <urn:x-sco-kg:o> .\n"
    try:
        triples = list(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        raise UsageError(f"cannot read the {what}: {' '.join(str(exc).split())}") from None
    if len(triples) != 1:
        raise UsageError(f"cannot read the {what}: expected one IRI")
    return Term.from_ox(triples[0].subject)
