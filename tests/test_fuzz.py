"""Property-based tests (hypothesis): arbitrary strings never crash the parameter binder, the catalogue header
parser, the content negotiation or the IRI mapper, and never change the structure of a query.

Budget: ``max_examples=200`` per property (7 properties, 1,400 examples), no deadline (CI machines vary);
about 20 s in all.
"""

from __future__ import annotations

import string
import urllib.parse
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sco_kg.errors import ScoKgError, UsageError
from sco_kg.rdf import iri
from sco_kg.sparql import catalog, gate, lexer
from sco_kg.sparql.header import HeaderError, parse_header
from sco_kg.sparql.params import bind_params, bind_values, parse_param

BUDGET = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text biased towards what breaks SPARQL, YAML and HTTP headers, plus any Unicode (surrogates included).
NASTY = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list("\"'{}()<>\\#;,.:=*?!$^|`\n\r\t\x00 uU0123456789abcdefAZ@/%&+-_~[]"))),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.sampled_from(['" } UNION { ?s ?p ?o } #', "> . ?s ?p ?o . <", "\\u0022", "\\\\u0022", "'''", '"""']),
)


def _string_query() -> catalog.Query:
    return next(q for q in catalog.all_queries() if any(p.type == "string" for p in q.params.values()))


STRING_QUERY = _string_query()
STRING_PARAM = next(n for n, p in STRING_QUERY.params.items() if p.type == "string")


# ------------------------------------------------------------------------------------------- binder


@pytest.mark.slow
@BUDGET
@given(value=NASTY)
def test_fuzz_binder_string_is_one_literal(value: str) -> None:
    """A string value is refused with UsageError or becomes exactly one VALUES cell holding that value."""
    import pyoxigraph as ox
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        bindings = bind_params(STRING_QUERY, {STRING_PARAM: value})
    except UsageError:
        return
    # The canned query: same form, no SERVICE/update, one more VALUES block; pyoxigraph parses and runs it.
    bound = bind_values(STRING_QUERY.text, bindings)
    info = gate.check(bound)
    assert info.form == STRING_QUERY.form and not info.services and not info.update_ops
    values_kw = [t for t in lexer.tokenize(bound) if t.is_kw("VALUES")]
    assert len(values_kw) == len([t for t in lexer.tokenize(STRING_QUERY.text) if t.is_kw("VALUES")]) + 1
    list(ox.Store().query(bound))  # type: ignore[arg-type]
    # A small query with the same binding: rdflib (which expands \u escapes first) and pyoxigraph both read
    # exactly one row holding exactly the value.
    probe = bind_values("SELECT * WHERE { }", {STRING_PARAM: bindings[STRING_PARAM]})
    tree = parseQuery(probe)
    cells = next(p for p in tree[1]["where"]["part"] if p.name == "InlineData")["value"]
    assert len(cells) == 1 and str(cells[0][0]["string"]) == value
    assert [r[STRING_PARAM].value for r in ox.Store().query(probe)] == [value]  # type: ignore[union-attr]


@BUDGET
@given(value=NASTY, type_=st.sampled_from(["iri", "integer", "lang"]))
def test_fuzz_binder_typed_values(value: str, type_: str) -> None:
    """A typed value is refused with UsageError or is a term whose N-Triples form is one well-formed token."""
    import pyoxigraph as ox

    try:
        term = parse_param("p", type_, value)
    except UsageError:
        return
    text = f"SELECT ?p WHERE {{ VALUES ?p {{ {term.n3()} }} }}"
    rows = list(ox.Store().query(text))  # type: ignore[arg-type]
    assert len(rows) == 1
    got = rows[0]["p"]
    assert got.value == term.value or type_ == "integer"  # integers are canonicalised ("+07" -> "7")
    if type_ == "iri":
        assert isinstance(got, ox.NamedNode)


# ------------------------------------------------------------------------------------------- header parser

KEYS = st.sampled_from([*catalog.HEADER_KEYS, "type", "default", "lang", "x-y", "bad key", "", "-"])
SCALAR = st.one_of(
    st.text(alphabet=st.sampled_from(list(string.ascii_letters + string.digits + " -_.:,'\"[]{}#&*!|>%@`?")),
            max_size=25),
    st.sampled_from(["yes", "no", "1.5", "2001-06-15", "~", "null", "0x1f", "07", "-3", "en", "[a, b]",
                     "{type: iri, default: state:china}", "{type: lang}", '"quoted: text"', "'it''s'"]),
)  # fmt: skip
LINE = st.one_of(
    st.builds(lambda k, v, ind: f"{' ' * ind}{k}: {v}", KEYS, SCALAR, st.sampled_from([0, 0, 2, 4])),
    st.builds(lambda k, ind: f"{' ' * ind}{k}:", KEYS, st.sampled_from([0, 2])),
    st.sampled_from(["", "# comment", "  - item", "\tsummary: tab", "summary:x"]),
    st.text(max_size=30),
)


@BUDGET
@given(lines=st.lists(LINE, max_size=8))
def test_fuzz_header_parser_agrees_with_pyyaml(lines: list[str]) -> None:
    """The header parser raises only its own error, and whatever it accepts PyYAML reads the same way."""
    numbered = list(enumerate(lines, start=1))
    try:
        parsed = parse_header(numbered)
    except HeaderError:
        return
    assert parsed == (yaml.safe_load("\n".join(lines)) or {})


@pytest.mark.slow
@BUDGET
@given(header=st.lists(LINE, max_size=6), body=NASTY)
def test_fuzz_catalogue_parse_never_crashes(header: list[str], body: str) -> None:
    """A whole query file (header + any text) gives a Query or a one-line project error, nothing else."""
    text = "".join(f"#+ {line}\n" for line in header) + body
    try:
        q = catalog.parse(text, Path("queries/fuzz.rq"))
    except ScoKgError as exc:
        assert "\n" not in str(exc).strip() or "Traceback" not in str(exc)
        return
    assert q.name == "fuzz"


# ------------------------------------------------------------------------------------------- conneg

MEDIA = st.sampled_from(["text/html", "text/turtle", "application/ld+json", "*/*", "text/*", "application/*",
                         "application/sparql-results+json", "text/csv", "image/png", "application/json"])  # fmt: skip
ACCEPT = st.one_of(
    NASTY,
    st.lists(st.builds(lambda m, q: f"{m};q={q}", MEDIA, st.one_of(st.floats(allow_nan=True), NASTY)), max_size=5).map(
        ", ".join
    ),
)


@BUDGET
@given(header=ACCEPT)
def test_fuzz_conneg(header: str) -> None:
    """Any Accept header gives an offered type or None (406); q-values stay within [0, 1]."""
    from sco_kg import server

    for _, q in server.parse_accept(header):
        assert 0.0 <= q <= 1.0
    for offered in (server.GRAPH_MEDIA, server.RESULT_MEDIA, (server.HTML, "text/plain")):
        chosen = server.negotiate(header, offered, server.GRAPH_ALIASES)
        assert chosen is None or chosen in offered
    assert server.preferred_language(header) in server.LANGS
    try:
        media = server.choose_media("select", header, ())
    except server.HttpError as exc:
        assert exc.status == 406
    else:
        assert media in server.RESULT_MEDIA


# ------------------------------------------------------------------------------------------- IRI mapper


@BUDGET
@given(rest=NASTY)
def test_fuzz_iri_mapper_round_trip(rest: str) -> None:
    """base IRI -> server path -> IRI is the identity, or refused; a path never maps outside the base."""
    from sco_kg import server

    value = iri.BASE + rest
    path = server.iri_to_path(value)
    assert path is not None and path.startswith("/")
    back = server.path_to_iri(urllib.parse.unquote(path, errors="surrogateescape"))
    if back is not None:
        assert back == value
        assert ".." not in back[len(iri.BASE) :].split("/")
    assert server.iri_to_path("http://example.org/" + rest) is None


@BUDGET
@given(path=NASTY)
def test_fuzz_path_to_iri_stays_under_the_base(path: str) -> None:
    from sco_kg import server

    got = server.path_to_iri(path)
    if got is not None:
        assert got.startswith(iri.BASE)
        segments = got[len(iri.BASE) :].split("/")
        assert ".." not in segments and "." not in segments
        assert not any(ord(c) < 0x21 for c in got)


@pytest.mark.parametrize("name", [q.name for q in catalog.all_queries() if q.params])
def test_fuzz_every_parameterised_query_binds_defaults(name: str) -> None:
    """Binding the defaults of every canned query adds exactly one VALUES block."""
    from rdflib.plugins.sparql.parser import parseQuery

    q = catalog.get(name)
    bound = bind_values(q.text, bind_params(q, {}))
    assert str(parseQuery(bound)).count("InlineData") == str(parseQuery(q.text)).count("InlineData") + 1
