"""The RDF/XML writer: the union of the graphs, one sorted ``rdf:Description`` per subject."""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from sco_kg.errors import ScoKgError
from sco_kg.rdf.canon import union
from sco_kg.rdf.term import XSD_STRING, Quad, Term
from sco_kg.rdf.writers.prefixes import NCNAME, Prefixer, all_prefixes


class ExportError(ScoKgError):
    """The selected data cannot be written in the requested format (e.g. an IRI RDF/XML cannot express)."""


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: str, where: str) -> str:
    bad = _XML_BAD.search(value)
    if bad:
        raise ExportError(f"{where}: character U+{ord(bad.group()):04X} cannot be written in RDF/XML (XML 1.0)")
    return xml_escape(value, {"\r": "&#13;"})


def _xml_attr(value: str, where: str) -> str:
    _xml_text(value, where)
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def write_rdfxml(quads: Sequence[Quad], prefixes: dict[str, str] | None = None) -> str:
    """Return the union of ``quads`` as RDF/XML, one sorted ``rdf:Description`` per subject.

    Raises:
        ExportError: a predicate IRI cannot be split into an XML namespace and a local name.
    """
    triples = union(quads)
    px = Prefixer(prefixes or all_prefixes(), NCNAME)
    px.used.add("rdf")
    extra: dict[str, str] = {}

    def qname(p: str) -> str:
        hit = px.split(p)
        if hit is not None:
            px.used.add(hit[0])
            return f"{hit[0]}:{hit[1]}"
        m = re.match(r"^(.*?)([A-Za-z_][A-Za-z0-9_.\-]*)$", p)
        if not m or not m.group(1):
            raise ExportError(f"<{p}>: RDF/XML cannot write this predicate (no XML local name); use ttl or nt")
        ns = m.group(1)
        if ns not in extra:
            extra[ns] = f"ns{len(extra) + 1}"
        return f"{extra[ns]}:{m.group(2)}"

    body: list[str] = []
    current: Term | None = None
    for s, p, o, _ in triples:
        if s != current:
            if current is not None:
                body.append("  </rdf:Description>\n")
            current = s
            attr = "rdf:about" if s.kind == "uri" else "rdf:nodeID"
            body.append(f"  <rdf:Description {attr}={_xml_attr(s.value, s.n3())}>\n")
        el = qname(p.value)
        where = f"{s.n3()} {p.n3()}"
        if o.kind == "uri":
            body.append(f"    <{el} rdf:resource={_xml_attr(o.value, where)}/>\n")
        elif o.kind == "bnode":
            body.append(f"    <{el} rdf:nodeID={_xml_attr(o.value, where)}/>\n")
        elif o.lang:
            body.append(f"    <{el} xml:lang={_xml_attr(o.lang, where)}>{_xml_text(o.value, where)}</{el}>\n")
        elif o.datatype and o.datatype != XSD_STRING:
            dt = _xml_attr(o.datatype, where)
            body.append(f"    <{el} rdf:datatype={dt}>{_xml_text(o.value, where)}</{el}>\n")
        else:
            body.append(f"    <{el}>{_xml_text(o.value, where)}</{el}>\n")
    if current is not None:
        body.append("  </rdf:Description>\n")
    decls = [(n, px.prefixes[n]) for n in sorted(px.used)] + sorted(
        ((v, k) for k, v in extra.items()), key=lambda kv: kv[0]
    )
    ns_attrs = "".join(f"\n    xmlns:{n}={_xml_attr(ns, 'namespace')}" for n, ns in decls)
    return f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{ns_attrs}>\n' + "".join(body) + "</rdf:RDF>\n"
