"""Run SPARQL on the dataset: canned queries by name with typed parameters, or any text; typed results.

What this module owns:

* a small RDF term model (:class:`Term`) independent of rdflib and pyoxigraph, convertible to both;
* parameter checking (:func:`parse_param`): each value is parsed by its declared type (``iri``, ``string``/
  ``literal``, ``integer``, ``lang``) into a :class:`Term` before anything runs;
* binding: parameters reach the query as RDF terms, never as pasted user text. On pyoxigraph (and for a remote
  endpoint) they are a one-row ``VALUES`` block built from the validated terms' N-Triples form and placed at
  the start of the outermost ``WHERE`` group (:func:`bind_values`); on rdflib they are ``initBindings``.
  pyoxigraph's ``substitutions=`` is not used: in 0.5.13 it refuses a SELECT whose projection does not list
  the variable, and silently ignores the binding in an ASK (see docs/readme/queries.md);
* two engines: ``"oxigraph"`` (default; pyoxigraph over :func:`sco_kg.store.open_store`, union default graph)
  and ``"rdflib"`` (over :func:`sco_kg.load.load`, ``Dataset(default_union=True)``);
* limits: every run is checked by :mod:`sco_kg.policy` first, gets a wall-clock timeout (a worker thread, or a
  forked worker process that is killed) and a row cap;
* the frozen :class:`Result` and its W3C serialisations (SPARQL 1.1 results JSON, XML, CSV, TSV, byte for byte
  what Oxigraph's endpoint writes), ``table`` and ``md`` (labels instead of IRIs), and Turtle/N-Triples/
  JSON-LD/TriG for CONSTRUCT and DESCRIBE.

rdflib is imported only by the rdflib engine and the rdflib conversions; this module never writes files.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sco_kg import iri, policy
from sco_kg.errors import QueryError, QueryTimeout, ScoKgError, UsageError

if TYPE_CHECKING:
    import pandas
    import pyoxigraph
    from rdflib import Dataset

    from sco_kg.catalog import Query

Engine = Literal["oxigraph", "rdflib"]
Isolation = Literal["thread", "process", "none"]
ENGINES: tuple[str, ...] = ("oxigraph", "rdflib")
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml", "md")
GRAPH_FORMATS = ("turtle", "nt", "jsonld", "trig")
PARAM_TYPES = ("iri", "string", "literal", "integer", "lang")
MAX_PARAM_LENGTH = 4096

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREFLABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"

# RFC 3987 forbids these in an IRI; SPARQL's IRIREF forbids them too (SECURITY.md T6).
_IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`\x7f]*$")
_LANG_RE = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_INT_RE = re.compile(r"^[+-]?[0-9]{1,18}$")
_PNAME_RE = re.compile(r"^([A-Za-z][\w\-.]*)?:([\w\-.]*)$")


# --------------------------------------------------------------------------------------------- terms


# The escapes that N-Triples (ECHAR) and JSON share; the two differ only in how other controls are written.
_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _escape(value: str, control: str, escape_del: bool) -> str:
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
    return _escape(value, "\\u{:04X}", escape_del=True)


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


# ----------------------------------------------------------------------------------------- parameters


def parse_param(name: str, type_: str, raw: str | Term) -> Term:
    """Return the RDF term for parameter ``name`` of type ``type_`` given the user's ``raw`` value.

    ``iri`` accepts an absolute IRI, ``<IRI>`` or a prefixed name with a project prefix (``state:china``);
    ``string``/``literal`` any text (a plain literal); ``integer`` a decimal integer; ``lang`` a BCP 47 tag.

    Raises:
        UsageError: the value does not have the declared type, is empty where that makes no sense, is longer
            than 4096 characters, contains NUL, or is not valid Unicode.
    """
    if isinstance(raw, Term):
        raw = raw.value if type_ != "iri" or raw.kind == "uri" else raw.n3()
    if type_ not in PARAM_TYPES:
        raise UsageError(f"parameter {name!r}: unknown type {type_!r} (one of {', '.join(PARAM_TYPES)})")
    if len(raw) > MAX_PARAM_LENGTH:
        raise UsageError(f"parameter {name!r}: value longer than {MAX_PARAM_LENGTH} characters")
    if "\x00" in raw:
        raise UsageError(f"parameter {name!r}: value contains a NUL character")
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"parameter {name!r}: value is not valid UTF-8 text") from None
    if type_ in ("string", "literal"):
        return Term.literal(raw)
    value = raw.strip()
    if type_ == "integer":
        if not _INT_RE.match(value):
            raise UsageError(f"parameter {name!r}: expected an integer, got {raw!r}")
        return Term.literal(str(int(value)), XSD_INTEGER)
    if type_ == "lang":
        if not _LANG_RE.match(value):
            raise UsageError(f"parameter {name!r}: expected a language tag such as en, zh or ru, got {raw!r}")
        return Term.literal(value.lower())
    # iri
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    m = _PNAME_RE.match(value)
    if m and (m.group(1) or "") in iri.PREFIXES:
        return Term.uri(iri.PREFIXES[m.group(1) or ""] + m.group(2))
    if not _IRI_RE.match(value):
        raise UsageError(
            f"parameter {name!r}: expected an absolute IRI or a prefixed name such as state:china, got {raw!r}"
        )
    return Term.uri(value)


def bind_params(query: Query, given: Mapping[str, str | Term]) -> dict[str, Term]:
    """Return the parameter bindings of a canned ``query``: ``given`` values checked by type, then defaults.

    Raises:
        UsageError: an unknown parameter, a missing one without a default, or a value of the wrong type.
    """
    unknown = sorted(set(given) - set(query.params))
    if unknown:
        known = ", ".join(query.params) or "none"
        raise UsageError(f"query {query.name!r}: unknown parameter {unknown[0]!r} (parameters: {known})")
    out: dict[str, Term] = {}
    for pname, spec in query.params.items():
        if pname in given:
            out[pname] = parse_param(pname, spec.type, given[pname])
        elif spec.default is not None:
            out[pname] = parse_param(pname, spec.type, str(spec.default))
        else:
            raise UsageError(f"query {query.name!r}: missing parameter {pname!r} (--param {pname}=VALUE)")
    return out


def bind_values(text: str, bindings: Mapping[str, Term]) -> str:
    """Return ``text`` with ``bindings`` as a one-row ``VALUES`` block opening the outermost WHERE group.

    The terms are written from the validated :class:`Term` (N-Triples syntax), never from user text; a filter
    inside an OPTIONAL then sees the binding, as with rdflib's ``initBindings``. This is also the form to send
    to a remote endpoint.
    """
    if not bindings:
        return text
    at = policy.where_brace(text) + 1
    names = " ".join(f"?{n}" for n in bindings)
    values = " ".join(_sparql_n3(t) for t in bindings.values())
    return f"{text[:at]} VALUES ({names}) {{ ({values}) }}{text[at:]}"


def _sparql_n3(term: Term) -> str:
    # SPARQL 1.1 §19.2 (rdflib, and spec-conformant endpoints) expands \uHHHH in the whole query text before
    # parsing, so a value holding a backslash followed by "u0022" would come back as a quote (or not parse):
    # write that "u"/"U" itself as \U00000075/\U00000055 (8 digits: rdflib reads \u plus 8 hex digits as one
    # escape), which every parser reads back as the letter.
    text = term.n3()
    if term.kind != "literal" or "\\" not in text:
        return text
    letter = {"u": "\\U00000075", "U": "\\U00000055"}
    return re.sub(r"(?<!\\)((?:\\\\)+)([uU])", lambda m: m.group(1) + letter[m.group(2)], text)


# -------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Result:
    """The result of one query: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE).

    ``rows`` holds one tuple per solution, aligned with ``vars`` (``None`` where unbound); ``bindings`` gives
    them as dicts. ``ordered`` says the query has ORDER BY (so row order is meaningful); ``truncated`` that the
    row cap cut the result.
    """

    form: policy.Form
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
    return '"' + _escape(s, "\\u{:04x}", escape_del=False) + '"'


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


def _csv_cell(t: Term | None) -> str:
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
    if r.form == "ASK":
        return b"true" if r.boolean else b"false"
    lines = [",".join(r.vars)]
    lines.extend(",".join(_csv_cell(t) for t in row) for row in r.rows)
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
    if r.form == "ASK":
        return b"true" if r.boolean else b"false"
    lines = ["\t".join(f"?{v}" for v in r.vars)]
    lines.extend("\t".join(_tsv_cell(t) for t in row) for row in r.rows)
    return ("\n".join(lines) + "\n").encode()


def serialize_triples(triples: Iterable[tuple[Term, Term, Term]], fmt: str = "turtle") -> bytes:
    """Return ``triples`` as Turtle (with the project prefixes that are used), N-Triples, JSON-LD or TriG.

    Raises:
        UsageError: an unknown graph format.
    """
    import pyoxigraph as ox

    names = {"turtle": "TURTLE", "ttl": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD", "trig": "TRIG"}
    if fmt not in names:
        raise UsageError(f"format {fmt!r} is not for CONSTRUCT/DESCRIBE results (use {', '.join(GRAPH_FORMATS)})")
    items = list(triples)
    ox_triples = [ox.Triple(s.to_ox(), p.to_ox(), o.to_ox()) for s, p, o in items]
    prefixes = None
    if names[fmt] in ("TURTLE", "TRIG"):
        used = {t.value for tr in items for t in tr if t.kind == "uri"}
        used |= {t.datatype for tr in items for t in tr if t.datatype}
        prefixes = {p: ns for p, ns in iri.PREFIXES.items() if any(u.startswith(ns) for u in used)}
    out = ox.serialize(ox_triples, format=getattr(ox.RdfFormat, names[fmt]), prefixes=prefixes)
    return out if out is not None else b""


# -------------------------------------------------------------------------------------- display formats


def labels(
    terms: Iterable[Term],
    lang: str = "en",
    engine: Engine = "oxigraph",
    inferred: bool = True,
    with_files: Sequence[Path] = (),
    store_dir: Path | None = None,
    runner: Callable[[str], Result] | None = None,
    with_format: str | None = None,
    context: bool = True,
) -> dict[str, str]:
    """Return a display label for each IRI among ``terms``, chosen as the canned queries choose theirs.

    The first of: ``rdfs:label`` in ``lang``, ``skos:prefLabel`` in ``lang``, ``rdfs:label`` in English,
    ``skos:prefLabel`` in English, an untagged ``rdfs:label`` (the smallest value where there are several).
    IRIs without a label are left out. ``runner`` runs the label query somewhere else (a remote endpoint).
    """
    iris = sorted({t.value for t in terms if t.kind == "uri"})
    if not iris:
        return {}
    ranks = {(RDFS_LABEL, lang): 0, (SKOS_PREFLABEL, lang): 1, (RDFS_LABEL, "en"): 2, (SKOS_PREFLABEL, "en"): 3,
             (RDFS_LABEL, ""): 4}  # fmt: skip
    best: dict[str, tuple[int, str]] = {}
    for chunk_start in range(0, len(iris), 500):
        chunk = iris[chunk_start : chunk_start + 500]
        text = (
            "SELECT ?s ?p ?l WHERE { VALUES ?s { "
            + " ".join(Term.uri(i).n3() for i in chunk)
            + f" }} VALUES ?p {{ <{RDFS_LABEL}> <{SKOS_PREFLABEL}> }} ?s ?p ?l }}"
        )
        if runner is not None:
            res = runner(text)
        else:
            info = policy.analyse(text)
            res = _run_raw(
                text, engine, inferred, with_files, bindings={}, info=info, store_dir=store_dir,
                with_format=with_format, context=context,
            )  # fmt: skip
        for s, p, lab in res.rows:
            if s is None or p is None or lab is None or lab.kind != "literal":
                continue
            rank = ranks.get((p.value, lab.lang or ""))
            if rank is not None and (s.value not in best or (rank, lab.value) < best[s.value]):
                best[s.value] = (rank, lab.value)
    return {subject: value for subject, (_, value) in best.items()}


def display(t: Term | None, names: Mapping[str, str]) -> str:
    """Return how a term shows in ``table``/``md``: its label, a compact IRI, or the literal's text."""
    if t is None:
        return ""
    if t.kind == "uri":
        return names.get(t.value) or iri.compact(t.value)
    if t.kind == "bnode":
        return f"_:{t.value}"
    return " ".join(t.value.split())


TABLE_WIDTH = 60


def render(result: Result, fmt: str, names: Mapping[str, str] | None = None) -> str:
    """Return ``result`` as text in format ``table`` or ``md`` (labels from ``names``) or a W3C format.

    ``table`` cuts cells at 60 terminal columns (with "…"); ``md`` keeps them whole.
    """
    names = names or {}
    if fmt not in ("table", "md"):
        return result.serialize(fmt).decode("utf-8")
    if result.form == "ASK":
        return "true" if result.boolean else "false"
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        header: Sequence[str] = ("subject", "predicate", "object")
        rows: list[list[str]] = [[display(t, names) for t in tr] for tr in result.triples]
    else:
        header = result.vars
        rows = [[display(t, names) for t in row] for row in result.rows]
    if fmt == "md":

        def cell(s: str) -> str:
            return s.replace("\\", "\\\\").replace("|", "\\|")

        lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
        return "\n".join(lines)
    from sco_kg.commands._common import display_width, format_table

    def clip(text: str) -> str:
        # Long labels (whole sentences) would make every row wider than a terminal: cut them at TABLE_WIDTH.
        if display_width(text) <= TABLE_WIDTH:
            return text
        while display_width(text) > TABLE_WIDTH - 1:
            text = text[:-1]
        return text + "…"

    return format_table(header, [[clip(c) for c in row] for row in rows])


# -------------------------------------------------------------------------------------------- engines

_T = TypeVar("_T")
_STORES: dict[tuple[Any, ...], Any] = {}
_LOCK = threading.Lock()


def _inputs_key(
    engine: str, inferred: bool, with_files: Sequence[Path], with_format: str | None = None, context: bool = True
) -> tuple[Any, ...]:
    from sco_kg import paths

    files = [*paths.ontology_files(), *paths.data_files(), *[Path(p) for p in with_files]]
    stamp = []
    for p in files:
        try:
            st = p.stat()
            stamp.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append((str(p), 0, 0))
    return (engine, inferred, with_format, context, str(paths.resource_root()), tuple(stamp))


def get_store(
    inferred: bool = True,
    with_files: Sequence[Path] = (),
    store_dir: Path | None = None,
    with_format: str | None = None,
    context: bool = True,
) -> pyoxigraph.Store:
    """Return the pyoxigraph store of the dataset (cached while the input files are unchanged).

    With ``store_dir``, the on-disk store built by ``sco-kg store build`` is opened read-only instead.
    ``with_format`` and ``context`` are as for :func:`sco_kg.store.open_store`.
    """
    from sco_kg import store

    key = (*_inputs_key("oxigraph", inferred, with_files, with_format, context), str(store_dir) if store_dir else None)
    with _LOCK:
        if key not in _STORES:
            _STORES[key] = store.open_store(
                inferred=inferred, with_files=[Path(p) for p in with_files], store_dir=store_dir,
                with_format=with_format, context=context,
            )  # fmt: skip
        return _STORES[key]


def get_dataset(
    inferred: bool = True, with_files: Sequence[Path] = (), with_format: str | None = None, context: bool = True
) -> Dataset:
    """Return the rdflib Dataset (default graph = union of the named graphs), cached like :func:`get_store`."""
    from sco_kg.load import load

    key = _inputs_key("rdflib", inferred, with_files, with_format, context)
    with _LOCK:
        if key not in _STORES:
            _STORES[key] = load(
                inferred=inferred, with_files=[Path(p) for p in with_files], with_format=with_format, context=context
            )
        return _STORES[key]


def clear_cache() -> None:
    """Forget the cached stores and datasets."""
    with _LOCK:
        _STORES.clear()


def _syntax_error(exc: BaseException) -> QueryError:
    msg = " ".join(str(exc).split())
    if "Prefix not found" in msg:  # pyoxigraph lists every character it would accept after an undeclared prefix
        msg = re.sub(r"expected one of Prefix not found.*", "undeclared prefix (add a PREFIX line)", msg)
    elif len(msg) > 240:
        msg = msg[:240] + "…"
    m = re.match(r"error at (\d+):(\d+): (.*)", msg)
    if m:
        return QueryError(f"SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {m.group(3)}")
    return QueryError(f"SPARQL syntax error: {msg}")


def _eval_oxigraph(store: Any, text: str, info: policy.QueryInfo, max_rows: int | None) -> tuple[Result, bool]:
    import pyoxigraph as ox

    if info.is_update:
        try:
            store.update(text)
        except SyntaxError as exc:
            raise _syntax_error(exc) from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"update failed: {' '.join(str(exc).split())}") from None
        return Result("UPDATE"), False
    try:
        res = store.query(text, use_default_graph_as_union=True)
        if isinstance(res, ox.QueryBoolean):
            return Result("ASK", boolean=bool(res)), False
        if isinstance(res, ox.QuerySolutions):
            vars_ = tuple(v.value for v in res.variables)
            rows: list[tuple[Term | None, ...]] = []
            for sol in res:
                if max_rows is not None and len(rows) >= max_rows:
                    return Result("SELECT", vars_, tuple(rows)), True
                rows.append(tuple(Term.from_ox(t) if t is not None else None for t in sol))
            return Result("SELECT", vars_, tuple(rows)), False
        triples: list[tuple[Term, Term, Term]] = []
        for tr in res:
            if max_rows is not None and len(triples) >= max_rows:
                return Result(info.form, triples=tuple(triples)), True
            triples.append((Term.from_ox(tr.subject), Term.from_ox(tr.predicate), Term.from_ox(tr.object)))
        return Result(info.form, triples=tuple(triples)), False
    except SyntaxError as exc:
        raise _syntax_error(exc) from None
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        raise QueryError(f"query failed: {' '.join(str(exc).split())}") from None


def _eval_rdflib(
    ds: Any, text: str, info: policy.QueryInfo, bindings: Mapping[str, Term], max_rows: int | None
) -> tuple[Result, bool]:
    from rdflib import Variable
    from rdflib.plugins import sparql

    sparql.SPARQL_LOAD_GRAPHS = False  # FROM <url> must never fetch (SECURITY.md T2)
    init = {Variable(k): v.to_rdflib() for k, v in bindings.items()}
    try:
        if info.is_update:
            ds.update(text, initBindings=init)
            return Result("UPDATE", engine="rdflib"), False
        res = ds.query(text, initBindings=init)
        if res.type == "ASK":
            return Result("ASK", boolean=bool(res.askAnswer), engine="rdflib"), False
        if res.type == "SELECT":
            vars_ = tuple(str(v) for v in res.vars or ())
            rows: list[tuple[Term | None, ...]] = []
            for sol in res:
                if max_rows is not None and len(rows) >= max_rows:
                    return Result("SELECT", vars_, tuple(rows), engine="rdflib"), True
                rows.append(tuple(Term.from_rdflib(t) if t is not None else None for t in sol))
            return Result("SELECT", vars_, tuple(rows), engine="rdflib"), False
        triples: list[tuple[Term, Term, Term]] = []
        for tr in res:
            if max_rows is not None and len(triples) >= max_rows:
                return Result(info.form, triples=tuple(triples), engine="rdflib"), True
            s, p, o = tr
            triples.append((Term.from_rdflib(s), Term.from_rdflib(p), Term.from_rdflib(o)))
        return Result(info.form, triples=tuple(triples), engine="rdflib"), False
    except ScoKgError:
        raise
    except Exception as exc:  # pyparsing's ParseException and rdflib's evaluation errors
        lineno, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
        if type(exc).__name__ == "ParseException" and lineno is not None:
            why = getattr(exc, "msg", str(exc))
            raise QueryError(f"SPARQL syntax error at line {lineno}, column {col}: {why}") from None
        raise QueryError(f"query failed: {type(exc).__name__}: {' '.join(str(exc).split())}") from None


def _with_timeout(fn: Callable[[], _T], timeout: float | None, isolation: Isolation) -> _T:
    """Return ``fn()`` or raise :class:`QueryTimeout` once ``timeout`` seconds have passed.

    ``thread``: ``fn`` runs in a daemon thread that is abandoned on timeout (pyoxigraph releases the GIL, so
    waiting works; the CLI exits right after). ``process``: ``fn`` runs in a forked child that is killed with
    SIGKILL on timeout, so a runaway query stops using CPU (for long-lived processes such as a server).
    """
    if timeout is None or isolation == "none":
        return fn()
    if timeout <= 0 or math.isnan(timeout):
        raise UsageError(f"timeout must be a positive number of seconds, got {timeout}")
    if isolation == "process" and hasattr(os, "fork"):
        return _in_child(fn, timeout)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=target, name="sco-kg-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise QueryTimeout(_timeout_message(timeout))
    if "error" in box:
        raise box["error"]
    return box["value"]


def _timeout_message(timeout: float) -> str:
    return f"query ran longer than {timeout:g} s and was stopped (raise --timeout, or add LIMIT / narrow it)"


def _in_child(fn: Callable[[], _T], timeout: float) -> _T:
    import pickle
    import select
    import signal
    import time

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: run, send the pickled outcome, leave without cleanup handlers
        os.close(r)
        try:
            try:
                payload = pickle.dumps(("ok", fn()))
            except ScoKgError as exc:
                payload = pickle.dumps(("err", type(exc), str(exc)))
            except BaseException as exc:
                payload = pickle.dumps(("err", QueryError, f"query failed: {type(exc).__name__}: {exc}"))
            view = memoryview(payload)
            while view:
                view = view[os.write(w, view) :]
        finally:
            os._exit(0)
    os.close(w)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise QueryTimeout(_timeout_message(timeout))
            ready, _, _ = select.select([r], [], [], left)
            if ready:
                chunk = os.read(r, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    if not chunks:
        raise QueryError("the query worker process died without an answer")
    outcome = pickle.loads(b"".join(chunks))
    if outcome[0] == "ok":
        return outcome[1]
    raise outcome[1](outcome[2])


def _run_raw(
    text: str,
    engine: str,
    inferred: bool,
    with_files: Sequence[Path],
    bindings: Mapping[str, Term],
    info: policy.QueryInfo,
    timeout: float | None = None,
    max_rows: int | None = None,
    truncate: bool = False,
    isolation: Isolation = "thread",
    store_dir: Path | None = None,
    with_format: str | None = None,
    context: bool = True,
) -> Result:
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    if max_rows is not None and max_rows < 0:
        raise UsageError(f"max_rows must be 0 or more, got {max_rows}")
    if engine == "oxigraph":
        target: Any = get_store(inferred, with_files, store_dir, with_format=with_format, context=context)
        if info.is_update:
            target = _copy_store(target)
        bound = bind_values(text, bindings) if bindings else text

        def work() -> tuple[Result, bool]:
            return _eval_oxigraph(target, bound, info, max_rows)

    else:
        if store_dir is not None:
            raise UsageError("--store works with the oxigraph engine only")
        ds = get_dataset(inferred, with_files, with_format=with_format, context=context)
        if info.is_update:
            ds = _copy_dataset(ds)

        def work() -> tuple[Result, bool]:
            return _eval_rdflib(ds, text, info, bindings, max_rows)

    result, overflow = _with_timeout(work, timeout, isolation)
    if overflow and not truncate:
        raise QueryError(f"the query returned more than {max_rows} rows (the row cap): add LIMIT, or raise --max-rows")
    ordered = info.form == "SELECT" and any(t.is_kw("ORDER") for t in policy.tokenize(text))
    from dataclasses import replace

    return replace(result, ordered=ordered, truncated=overflow)


def _copy_store(store: Any) -> Any:
    import pyoxigraph as ox

    copy = ox.Store()
    copy.extend(store)
    return copy


def _copy_dataset(ds: Any) -> Any:
    from rdflib import Dataset

    copy = Dataset(default_union=True)
    copy.addN((s, p, o, copy.graph(g.identifier)) for s, p, o, g in ds.quads((None, None, None, None)))
    return copy


def run_on(
    target: Any,
    text: str,
    bindings: Mapping[str, Term] | None = None,
    max_rows: int | None = None,
    allow_update: bool = False,
) -> Result:
    """Return the result of ``text`` on a given pyoxigraph ``Store`` or rdflib ``Dataset`` (no timeout).

    For callers that hold their own store (the server, tests comparing engines on the same quads). The text
    is checked by the policy first; ``bindings`` are bound as for :func:`run_sparql`.

    Raises:
        QueryRejected, QueryError: as for :func:`run_sparql`; the row cap raises too.
    """
    import pyoxigraph as ox

    info = policy.check(text, allow_update=allow_update)
    bindings = dict(bindings or {})
    if isinstance(target, ox.Store):
        result, overflow = _eval_oxigraph(target, bind_values(text, bindings), info, max_rows)
    else:
        result, overflow = _eval_rdflib(target, text, info, bindings, max_rows)
    if overflow:
        raise QueryError(f"the query returned more than {max_rows} rows (the row cap)")
    from dataclasses import replace

    return replace(result, ordered=info.form == "SELECT" and any(t.is_kw("ORDER") for t in policy.tokenize(text)))


@dataclass(frozen=True)
class Limits:
    """The budget of one query: wall-clock ``timeout`` in seconds and ``max_rows`` (``None``: no limit)."""

    timeout: float | None = policy.DEFAULT_TIMEOUT
    max_rows: int | None = policy.DEFAULT_MAX_ROWS
    truncate: bool = False  # cut at max_rows and flag the result instead of raising
    isolation: Isolation = "thread"
    allow_service: tuple[str, ...] = field(default_factory=tuple)


def run_sparql(
    text: str,
    engine: Engine = "oxigraph",
    inferred: bool = True,
    with_files: Sequence[Path | str] = (),
    limits: Limits | None = None,
    allow_update: bool = False,
    bindings: Mapping[str, Term] | None = None,
    store_dir: Path | None = None,
    with_format: str | None = None,
    context: bool = True,
) -> Result:
    """Return the result of any SPARQL text, after the policy check, within the limits.

    Args:
        text: a SPARQL 1.1 query (or update, when ``allow_update``).
        engine: ``"oxigraph"`` (pyoxigraph, default) or ``"rdflib"``.
        inferred: include the OWL 2 RL closure (``scog:inferred``).
        with_files: the user's RDF files, each in ``scog:user/<file name>``.
        limits: timeout, row cap and isolation (:class:`Limits` defaults when ``None``).
        allow_update: run an update on an in-memory copy of the dataset (nothing is ever written to disk).
        bindings: values for variables, as RDF terms (bound as VALUES / initBindings).
        store_dir: read the on-disk Oxigraph store built by ``sco-kg store build`` (oxigraph engine).
        with_format: the format of ``with_files`` when their extension does not tell (``ttl``, ``nq``, …).
        context: include the outside facts (``scog:context/*``, ``scog:provenance-context``,
            ``scog:inferred-context``); ``False`` queries the declaration (and the user's files) alone.

    Raises:
        QueryRejected: the policy refuses the text (SERVICE, LOAD, remote FROM, update).
        QueryTimeout: the query ran out of time.
        QueryError: a syntax error (with line and column), an evaluation error, or too many rows.
    """
    limits = limits or Limits()
    info = policy.check(text, allow_update=allow_update, allow_service=limits.allow_service)
    files = [Path(p) for p in with_files]
    return _run_raw(
        text, engine, inferred, files, dict(bindings or {}), info,
        timeout=limits.timeout, max_rows=limits.max_rows, truncate=limits.truncate, isolation=limits.isolation,
        store_dir=store_dir, with_format=with_format, context=context,
    )  # fmt: skip


def run(
    name: str,
    params: Mapping[str, str | Term] | None = None,
    engine: Engine = "oxigraph",
    inferred: bool = True,
    with_files: Sequence[Path | str] = (),
    limits: Limits | None = None,
    store_dir: Path | None = None,
    with_format: str | None = None,
    context: bool = True,
) -> Result:
    """Return the result of the canned query ``name`` with ``params`` (raw strings are type-checked).

    ``with_format`` and ``context`` are as for :func:`run_sparql`.

    Raises:
        UsageError: unknown query name (closest names suggested), unknown/missing/ill-typed parameter.
        QueryTimeout, QueryError: as for :func:`run_sparql`.
    """
    from sco_kg import catalog

    q = catalog.get(name)
    return run_sparql(
        q.text, engine=engine, inferred=inferred, with_files=with_files, limits=limits,
        bindings=bind_params(q, params or {}), store_dir=store_dir, with_format=with_format, context=context,
    )  # fmt: skip


def select(
    name: str,
    params: Mapping[str, str | Term] | None = None,
    engine: Engine = "oxigraph",
    inferred: bool = True,
    context: bool = True,
) -> list[dict[str, Any]]:
    """Return the solutions of canned query ``name`` as a list of dicts of rdflib terms."""
    return run(name, params, engine=engine, inferred=inferred, context=context).to_rdflib()
