"""The result of a query and its ONE set of W3C serialisations.

SPARQL 1.1 results JSON, XML, CSV and TSV (byte for byte what Oxigraph's endpoint writes), and Turtle,
N-Triples, JSON-LD and TriG for CONSTRUCT and DESCRIBE. The CLI, the Python API and the server all write
results through :meth:`Result.serialize`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sco_kg.errors import ScoKgError, UsageError
from sco_kg.rdf.term import XSD, Term, escape

Form = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "UPDATE"]
RESULT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "nt", "jsonld", "trig")

if TYPE_CHECKING:
    import pandas


@dataclass(frozen=True)
class Result:
    """The result of one query: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE).

    ``rows`` holds one tuple per solution, aligned with ``vars`` (``None`` where unbound); ``bindings`` gives
    them as dicts. ``ordered`` says the query has ORDER BY (so row order is meaningful); ``truncated`` that the
    row cap cut the result.
    """

    form: Form
    vars: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[tuple[Term, Term, Term], ...] = ()
    ordered: bool = False
    truncated: bool = False
    engine: str = "oxigraph"

    @property
    def bindings(self) -> list[dict[str, Term]]:
        """Return the solutions as dicts from variable name to term (unbound variables left out)."""
        return [{v: t for v, t in zip(self.vars, row, strict=True) if t is not None} for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows) if self.form == "SELECT" else len(self.triples)

    def to_rdflib(self) -> list[dict[str, Any]]:
        """Return the solutions as dicts from variable name to rdflib term."""
        return [{v: t.to_rdflib() for v, t in row.items()} for row in self.bindings]

    def to_dataframe(self) -> pandas.DataFrame:
        """Return the solutions as a pandas DataFrame of rdflib terms (one column per variable).

        Raises:
            ScoKgError: pandas is not installed (it is optional: ``pip install pandas``).
        """
        try:
            import pandas as pd
        except ImportError:
            raise ScoKgError("to_dataframe() needs pandas: pip install pandas") from None
        data = [[t.to_rdflib() if t is not None else None for t in row] for row in self.rows]
        return pd.DataFrame(data, columns=list(self.vars))

    def serialize(self, fmt: str = "json") -> bytes:
        """Return the result in a machine format: json/xml/csv/tsv (SELECT, ASK) or turtle/nt/jsonld/trig.

        Raises:
            UsageError: the format does not fit the query form.
        """
        if self.form in ("SELECT", "ASK"):
            writers = {"json": _to_json, "xml": _to_xml, "csv": _to_csv, "tsv": _to_tsv}
            if fmt not in writers:
                raise UsageError(f"format {fmt!r} is not for {self.form} results (use json, xml, csv or tsv)")
            return writers[fmt](self)
        if self.form in ("CONSTRUCT", "DESCRIBE"):
            return serialize_triples(self.triples, fmt)
        raise UsageError("an update has no result to serialise")


def _json_str(s: str) -> str:
    # JSON string escaping as Oxigraph writes it (lower-case hex digits; DEL is left as it is).
    return '"' + escape(s, "\\u{:04x}", escape_del=False) + '"'


def _json_term(t: Term) -> str:
    if t.kind == "literal":
        extra = ""
        if t.lang:
            extra = f',"xml:lang":{_json_str(t.lang)}'
        elif t.datatype:
            extra = f',"datatype":{_json_str(t.datatype)}'
        return f'{{"type":"literal","value":{_json_str(t.value)}{extra}}}'
    return f'{{"type":"{t.kind}","value":{_json_str(t.value)}}}'


def _to_json(r: Result) -> bytes:
    # SPARQL 1.1 Query Results JSON Format, written the way Oxigraph writes it (compact, key order).
    if r.form == "ASK":
        return f'{{"head":{{}},"boolean":{"true" if r.boolean else "false"}}}'.encode()
    head = ",".join(_json_str(v) for v in r.vars)
    rows = []
    for row in r.rows:
        cells = ",".join(f"{_json_str(v)}:{_json_term(t)}" for v, t in zip(r.vars, row, strict=True) if t is not None)
        rows.append(f"{{{cells}}}")
    return f'{{"head":{{"vars":[{head}]}},"results":{{"bindings":[{",".join(rows)}]}}}}'.encode()


_XML_SPACE = {" ": "&#32;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


def _xml_escape(s: str) -> str:
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;").replace("'", "&apos;")


def _xml_text(s: str) -> str:
    # Oxigraph writes leading and trailing whitespace as character references, so that no XML processor can
    # trim it; whitespace inside the text stays as it is.
    body = s.strip(" \t\n\r")
    if not body:
        return "".join(_XML_SPACE[c] for c in s)
    start = len(s) - len(s.lstrip(" \t\n\r"))
    lead, trail = s[:start], s[start + len(body) :]
    return "".join(_XML_SPACE[c] for c in lead) + _xml_escape(body) + "".join(_XML_SPACE[c] for c in trail)


def _to_xml(r: Result) -> bytes:
    # SPARQL Query Results XML Format (2nd edition), as Oxigraph writes it: no indentation.
    parts = ['<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if r.form == "ASK":
        parts.append(f"<head></head><boolean>{'true' if r.boolean else 'false'}</boolean></sparql>")
        return "".join(parts).encode()
    parts.append("<head>")
    parts.extend(f'<variable name="{_xml_escape(v)}"/>' for v in r.vars)
    parts.append("</head><results>")
    for row in r.rows:
        parts.append("<result>")
        for v, t in zip(r.vars, row, strict=True):
            if t is None:
                continue
            parts.append(f'<binding name="{_xml_escape(v)}">')
            if t.kind == "uri":
                parts.append(f"<uri>{_xml_escape(t.value)}</uri>")
            elif t.kind == "bnode":
                parts.append(f"<bnode>{_xml_escape(t.value)}</bnode>")
            elif t.lang:
                parts.append(f'<literal xml:lang="{_xml_escape(t.lang)}">{_xml_text(t.value)}</literal>')
            elif t.datatype:
                parts.append(f'<literal datatype="{_xml_escape(t.datatype)}">{_xml_text(t.value)}</literal>')
            else:
                parts.append(f"<literal>{_xml_text(t.value)}</literal>")
            parts.append("</binding>")
        parts.append("</result>")
    parts.append("</results></sparql>")
    return "".join(parts).encode()


def csv_cell(t: Term | None) -> str:
    if t is None:
        return ""
    if t.kind == "bnode":
        return f"_:{t.value}"
    if t.kind == "uri":
        return t.value
    v = t.value
    if any(c in v for c in '",\n\r'):
        return '"' + v.replace('"', '""') + '"'
    return v


def _to_csv(r: Result) -> bytes:
    # SPARQL 1.1 Query Results CSV: RFC 4180, CRLF line ends, lexical forms only.
    if r.form == "ASK":  # Oxigraph writes no line end here; a text format ends with one (issue 13)
        return b"true\r\n" if r.boolean else b"false\r\n"
    lines = [",".join(r.vars)]
    lines.extend(",".join(csv_cell(t) for t in row) for row in r.rows)
    return ("\r\n".join(lines) + "\r\n").encode()


_TSV_NUMERIC = {
    XSD + "integer": re.compile(r"^[+-]?[0-9]+$"),
    XSD + "decimal": re.compile(r"^[+-]?[0-9]*\.[0-9]+$"),
    XSD + "double": re.compile(r"^[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+$"),
}


def _tsv_cell(t: Term | None) -> str:
    if t is None:
        return ""
    if t.kind == "literal" and t.datatype:
        if t.datatype == XSD + "boolean" and t.value in ("true", "false"):
            return t.value
        pattern = _TSV_NUMERIC.get(t.datatype)
        if pattern is not None and pattern.match(t.value):
            return t.value
    if t.kind == "literal":
        # Oxigraph's TSV writer escapes only these (other control characters stay as they are).
        text = t.value.replace("\\", "\\\\").replace('"', '\\"')
        text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
        suffix = f"@{t.lang}" if t.lang else f"^^<{t.datatype}>" if t.datatype else ""
        return f'"{text}"{suffix}'
    return t.n3()


def _to_tsv(r: Result) -> bytes:
    # SPARQL 1.1 Query Results TSV: terms in Turtle/N-Triples syntax, short forms for numbers and booleans.
    if r.form == "ASK":  # as for CSV, with TSV's line end
        return b"true\n" if r.boolean else b"false\n"
    lines = ["\t".join(f"?{v}" for v in r.vars)]
    lines.extend("\t".join(_tsv_cell(t) for t in row) for row in r.rows)
    return ("\n".join(lines) + "\n").encode()


def serialize_triples(triples: Iterable[tuple[Term, Term, Term]], fmt: str = "turtle") -> bytes:
    """Return ``triples`` as Turtle (with the project prefixes that are used), N-Triples, JSON-LD or TriG.

    Written by the package's one set of RDF writers (:mod:`sco_kg.rdf.writers`, the exporter's too): sorted,
    with content-derived blank-node labels; JSON-LD is compacted with the shipped context.

    Raises:
        UsageError: an unknown graph format.
    """
    from sco_kg.rdf import writers
    from sco_kg.rdf.canon import canonicalize

    names = {"turtle": "ttl", "ttl": "ttl", "nt": "nt", "jsonld": "jsonld", "trig": "trig"}
    if fmt not in names:
        raise UsageError(f"format {fmt!r} is not for CONSTRUCT/DESCRIBE results (use {', '.join(GRAPH_FORMATS)})")
    quads = canonicalize((s, p, o, None) for s, p, o in triples)
    return writers.write(quads, names[fmt]).encode("utf-8")
