"""ONE RDF term model for the whole package, independent of rdflib and pyoxigraph and convertible to both.

:class:`Term` is an IRI, a blank node or a literal (with datatype or language), written in N-Triples syntax by
:meth:`Term.n3` with the one string escaper of the package (:func:`escape_string`). Conversions to and from
pyoxigraph and rdflib live here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sco_kg.errors import QueryError

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


# The escapes that N-Triples (ECHAR) and JSON share; the two differ only in how other controls are written.
_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def escape(value: str, control: str, escape_del: bool) -> str:
    out = []
    for ch in value:
        short = _SHORT_ESCAPES.get(ch)
        if short is not None:
            out.append(short)
        elif ord(ch) < 0x20 or (escape_del and ch == "\x7f"):
            out.append(control.format(ord(ch)))
        else:
            out.append(ch)
    return "".join(out)


def _escape_literal(value: str) -> str:
    # N-Triples escaping as Oxigraph writes it (ECHAR for the usual controls, \u with 4 upper-case hex digits
    # for the others, DEL included).
    return escape(value, "\\u{:04X}", escape_del=True)


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
        """Return the N-Triples form (also valid SPARQL), e.g. ``<http://…>`` or ``"中国"@zh``."""
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        text = f'"{_escape_literal(self.value)}"'
        if self.lang:
            return f"{text}@{self.lang}"
        if self.datatype:
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
