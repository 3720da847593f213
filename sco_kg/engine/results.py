"""The result of a query and its ONE set of W3C serialisations.

SPARQL 1.1 results JSON, XML, CSV and TSV (byte for byte what Oxigraph's endpoint writes), and Turtle,
N-Triples, JSON-LD and TriG for CONSTRUCT and DESCRIBE. The CLI, the Python API and the server all write
results through :meth:`Result.serialize`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sco_kg.errors import ScoKgError, UsageError
from sco_kg.rdf.term import XSD, Term, escape
from sco_kg.sparql.info import Form

RESULT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "nt", "jsonld", "trig")

if TYPE_CHECKING:
    import pandas

    from sco_kg.dataset import Source


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

    def to_dataframe(
        self, labels: bool | Mapping[str, str] = False, *, lang: str = "en", source: Source | None = None
    ) -> pandas.DataFrame:
        """Return the solutions as a pandas DataFrame with one typed column per variable.

        A column whose bound values are all literals of one kind gets a pandas type: ``xsd:date`` and
        ``xsd:dateTime`` → ``datetime64`` (``pd.Timestamp`` cells), ``xsd:gYear`` and the integer types →
        ``Int64`` (nullable), ``xsd:decimal``/``double``/``float`` → ``float64``, ``xsd:boolean`` →
        ``boolean``. IRIs become their full IRI string, blank nodes ``_:id``, other literals their text; a column
        that mixes kinds holds the lexical values as strings. Unbound cells are ``<NA>``/``NaT``/``NaN``/``None``.
        A value a type cannot read (``"2001-13-45"^^xsd:date``) is missing in a typed column, never an error;
        the lexical form stays in :attr:`rows`.

        Args:
            labels: ``True`` adds a ``<col>_label`` column right after each column that holds IRIs (chosen as
                the CLI chooses them: ``rdfs:label`` then ``skos:prefLabel`` in ``lang``, then English), looked
                up in the dataset of ``source`` (default: the shipped dataset); a mapping from IRI to label uses
                those labels instead.
            lang: the language of the labels.
            source: the dataset to look the labels up in.

        Raises:
            ScoKgError: pandas is not installed (it is optional: ``pip install pandas``).
        """
        try:
            import pandas as pd
        except ImportError:
            raise ScoKgError("to_dataframe() needs pandas: pip install pandas") from None
        names: Mapping[str, str] = {}
        if labels is True:
            names = iri_labels((t for row in self.rows for t in row if t is not None), lang, source)
        elif labels:
            names = labels
        frame = pd.DataFrame(index=range(len(self.rows)))
        for i, var in enumerate(self.vars):
            column = [row[i] for row in self.rows]
            frame[var] = _typed_column(column, pd)
            if labels is not False and any(t is not None and t.kind == "uri" for t in column):
                frame[f"{var}_label"] = pd.Series(
                    [names.get(t.value) if t is not None and t.kind == "uri" else None for t in column],
                    dtype=object,
                )
        return frame

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


_INTEGERS = {XSD + n for n in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
             "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
             "gYear")}  # fmt: skip
_FLOATS = {XSD + "decimal", XSD + "double", XSD + "float"}
_DATES = {XSD + "date", XSD + "dateTime", XSD + "dateTimeStamp"}


def _typed_column(column: list[Term | None], pd: Any) -> Any:
    """Return the terms of one result column as a typed pandas Series (see :meth:`Result.to_dataframe`)."""
    bound = [t for t in column if t is not None]
    kinds = {(t.kind, t.datatype if t.kind == "literal" and not t.lang else None) for t in bound}
    datatypes = {d for _, d in kinds}
    if bound and {k for k, _ in kinds} == {"literal"}:
        lexical = pd.Series([t.value.strip() if t is not None else None for t in column], dtype=object)
        if datatypes <= _INTEGERS:
            # gYear "2001" (or "-0044", "2001Z", "2001+08:00"): the year number.
            years = lexical.str.extract(r"^([+-]?\d+)", expand=False) if datatypes & {XSD + "gYear"} else lexical
            return pd.to_numeric(years, errors="coerce").astype("Int64")
        if datatypes <= _FLOATS:
            return pd.to_numeric(lexical.replace({"INF": "inf", "-INF": "-inf"}), errors="coerce").astype("float64")
        if datatypes <= _DATES:
            try:
                return pd.to_datetime(lexical, errors="coerce", format="ISO8601")
            except (ValueError, TypeError):  # mixed time zones: keep the text
                return lexical
        if datatypes == {XSD + "boolean"}:
            return lexical.map({"true": True, "1": True, "false": False, "0": False}).astype("boolean")
    return pd.Series([_plain(t) for t in column], dtype=object)


def _plain(t: Term | None) -> str | None:
    if t is None:
        return None
    return f"_:{t.value}" if t.kind == "bnode" else t.value


def iri_labels(terms: Iterable[Term], lang: str = "en", source: Source | None = None) -> dict[str, str]:
    """Return the display label of each IRI among ``terms`` in the dataset of ``source`` (rules: :data:`LABEL_RANKS`).

    The one choice of labels: :func:`sco_kg.engine.labels.labels` (the CLI's tables) ranks the same way.
    """
    from sco_kg.dataset import cached_store

    iris = sorted({t.value for t in terms if t.kind == "uri"})
    store = cached_store(source)
    rows: list[tuple[Term | None, ...]] = []
    for start in range(0, len(iris), 500):
        for solution in store.query(label_query(iris[start : start + 500])):  # type: ignore[union-attr]
            rows.append(tuple(Term.from_ox(solution[v]) for v in ("s", "p", "l")))
    return pick_labels(rows, lang)


RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREFLABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def label_query(iris: Sequence[str]) -> str:
    """Return the SPARQL query for the ``rdfs:label``/``skos:prefLabel`` values (``?s ?p ?l``) of ``iris``."""
    values = " ".join(Term.uri(i).n3() for i in iris)
    predicates = f"<{RDFS_LABEL}> <{SKOS_PREFLABEL}>"
    return f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {predicates} }} ?s ?p ?l }}"


def pick_labels(rows: Iterable[Sequence[Term | None]], lang: str) -> dict[str, str]:
    """Return, from ``(?s ?p ?l)`` rows of :func:`label_query`, the best label of each subject.

    The first of: ``rdfs:label`` in ``lang``, ``skos:prefLabel`` in ``lang``, ``rdfs:label`` in English,
    ``skos:prefLabel`` in English, an untagged ``rdfs:label`` (the smallest value where there are several).
    """
    ranks = {(RDFS_LABEL, lang): 0, (SKOS_PREFLABEL, lang): 1, (RDFS_LABEL, "en"): 2, (SKOS_PREFLABEL, "en"): 3,
             (RDFS_LABEL, ""): 4}  # fmt: skip
    best: dict[str, tuple[int, str]] = {}
    for s, p, lab in rows:
        if s is None or p is None or lab is None or lab.kind != "literal":
            continue
        rank = ranks.get((p.value, lab.lang or ""))
        if rank is not None and (s.value not in best or (rank, lab.value) < best[s.value]):
            best[s.value] = (rank, lab.value)
    return {subject: value for subject, (_, value) in best.items()}


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
