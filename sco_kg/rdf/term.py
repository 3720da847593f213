"""ONE RDF term model for the whole package, independent of rdflib and pyoxigraph and convertible to both.

:class:`Term` is an IRI, a blank node or a literal (with datatype or language), written in N-Triples syntax by
:meth:`Term.n3` with the one string escaper of the package (:func:`escape`). Conversions to and from
pyoxigraph and rdflib live here and nowhere else. A :data:`Quad` is four terms, the graph ``None`` for the
default graph. Terms are immutable and cache their hash and N-Triples form: exports hash and write the same
(interned) terms hundreds of thousands of times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from sco_kg.errors import QueryError

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


# The escapes that N-Triples (ECHAR) and JSON share; the two differ only in how other controls are written.
_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_SPECIAL = re.compile('["\\\\\x00-\x1f]')
_SPECIAL_DEL = re.compile('["\\\\\x00-\x1f\x7f]')


def escape(value: str, control: str = "\\u{:04X}", escape_del: bool = True) -> str:
    """Return ``value`` escaped for a double-quoted N-Triples (default) or JSON string, without the quotes.

    ``"``, ``\\`` and the usual controls get their short escapes (``\\n`` ...); other controls (and DEL when
    ``escape_del``) are written with ``control`` (N-Triples as Oxigraph writes it: ``\\u`` and 4 upper-case hex
    digits; JSON: lower-case).
    """
    pattern = _SPECIAL_DEL if escape_del else _SPECIAL
    if pattern.search(value) is None:  # the common case: nothing to escape
        return value
    return pattern.sub(lambda m: _SHORT_ESCAPES.get(m.group()) or control.format(ord(m.group())), value)


@dataclass(frozen=True, order=True)
class Term:
    """An RDF term: an IRI (``uri``), a literal or a blank node (``bnode``), as in SPARQL results JSON.

    ``datatype`` is ``None`` for simple literals (``xsd:string``) and language-tagged ones; ``lang`` is
    lower-case.
    """

    kind: Literal["uri", "literal", "bnode"]
    value: str
    datatype: str | None = None
    lang: str | None = None

    @classmethod
    def uri(cls, value: str) -> Term:
        """Return the IRI ``value``."""
        return cls("uri", value)

    @classmethod
    def literal(cls, value: str, datatype: str | None = None, lang: str | None = None) -> Term:
        """Return a literal, normalising ``xsd:string`` and ``rdf:langString`` away."""
        if datatype in (XSD_STRING, RDF_LANGSTRING):
            datatype = None
        return cls("literal", value, datatype, lang.lower() if lang else None)

    def n3(self) -> str:
        """Return the N-Triples form (also valid SPARQL), e.g. ``<http://…>`` or ``"中国"@zh`` (computed once)."""
        return self._n3

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash((self.kind, self.value, self.datatype, self.lang))

    @cached_property
    def _n3(self) -> str:
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        text = f'"{escape(self.value)}"'
        if self.lang:
            return f"{text}@{self.lang}"
        if self.datatype and self.datatype != XSD_STRING:
            return f"{text}^^<{self.datatype}>"
        return text

    def __str__(self) -> str:
        return self.value

    @classmethod
    def from_ox(cls, term: Any) -> Term:
        """Return the term of a pyoxigraph ``NamedNode``, ``BlankNode`` or ``Literal``."""
        import pyoxigraph as ox

        if isinstance(term, ox.NamedNode):
            return cls("uri", term.value)
        if isinstance(term, ox.BlankNode):
            return cls("bnode", term.value)
        if isinstance(term, ox.Literal):
            return cls.literal(term.value, term.datatype.value, term.language)
        raise QueryError(f"unsupported RDF term in a result: {term!r}")

    def to_ox(self) -> Any:
        """Return the pyoxigraph term."""
        import pyoxigraph as ox

        if self.kind == "uri":
            return ox.NamedNode(self.value)
        if self.kind == "bnode":
            return ox.BlankNode(self.value)
        if self.lang:
            return ox.Literal(self.value, language=self.lang)
        return ox.Literal(self.value, datatype=ox.NamedNode(self.datatype or XSD_STRING))

    @classmethod
    def from_rdflib(cls, term: Any) -> Term:
        """Return the term of an rdflib ``URIRef``, ``BNode`` or ``Literal``."""
        from rdflib import BNode, URIRef
        from rdflib import Literal as RLiteral

        if isinstance(term, URIRef):
            return cls("uri", str(term))
        if isinstance(term, BNode):
            return cls("bnode", str(term))
        if isinstance(term, RLiteral):
            dt = str(term.datatype) if term.datatype is not None else None
            return cls.literal(str(term), dt, term.language)
        raise QueryError(f"unsupported RDF term in a result: {term!r}")

    @classmethod
    def from_rdflib_quad(cls, s: Any, p: Any, o: Any, g: Any = None) -> Quad | None:
        """Return the quad of rdflib terms (``g`` ``None`` or a graph identifier), ``None`` if it is not RDF.

        owlrl writes generalised triples (literal subjects, blank-node predicates: RDFLib/OWL-RL#63); they have
        no quad. A graph that is not an IRI (rdflib's default graph) gives the default graph (``None``).
        """
        from rdflib import BNode, URIRef
        from rdflib import Literal as RLiteral

        if not isinstance(s, (URIRef, BNode)) or not isinstance(p, URIRef):
            return None
        if not isinstance(o, (URIRef, BNode, RLiteral)):
            return None
        gid = getattr(g, "identifier", g)
        graph = cls("uri", str(gid)) if isinstance(gid, URIRef) and str(gid) != RDFLIB_DEFAULT_GRAPH else None
        return (cls.from_rdflib(s), cls.from_rdflib(p), cls.from_rdflib(o), graph)

    def to_rdflib(self) -> Any:
        """Return the rdflib term (``URIRef``, ``BNode`` or ``Literal``), keeping the lexical form."""
        from rdflib import BNode, URIRef
        from rdflib import Literal as RLiteral

        if self.kind == "uri":
            return URIRef(self.value)
        if self.kind == "bnode":
            return BNode(self.value)
        if self.lang:
            return RLiteral(self.value, lang=self.lang)
        if self.datatype:
            return RLiteral(self.value, datatype=URIRef(self.datatype), normalize=False)
        return RLiteral(self.value)


#: A quad: subject, predicate, object, graph (``None`` for the default graph).
Quad = tuple[Term, Term, Term, "Term | None"]
#: The identifier rdflib gives the default graph of a ``Dataset``.
RDFLIB_DEFAULT_GRAPH = "urn:x-rdflib:default"
