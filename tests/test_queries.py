"""Canned queries against their golden results, parameter checking and binding, limits, the policy and the
W3C result formats (byte for byte against Oxigraph's own writers and a real ``oxigraph serve``)."""

from __future__ import annotations

import csv
import difflib
import http.server
import io
import json
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sco_kg
from sco_kg.cli.render import render
from sco_kg.dataset import Source
from sco_kg.dev import golden
from sco_kg.engine.labels import labels
from sco_kg.engine.limits import Limits
from sco_kg.errors import QueryError, QueryRejected, QueryTimeout, UsageError
from sco_kg.rdf import iri
from sco_kg.rdf.term import XSD, XSD_INTEGER, Term
from sco_kg.reasoning import materialize as closure
from sco_kg.sparql import catalog, gate, lexer
from sco_kg.sparql.params import MAX_PARAM_LENGTH, bind_params, bind_values, parse_param
from tests.conftest import free_port

GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = "python -m sco_kg.dev.golden --regenerate-golden  (then review the diff of tests/golden/)"
LOCAL = [q for q in catalog.all_queries() if not q.federated]
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def csv_rows(data: bytes) -> list[list[str]]:
    """Return the rows of a W3C SPARQL CSV result (header first)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def completeness_problems(query_names: list[str], golden_names: list[str]) -> list[str]:
    """Return what is wrong between the catalogue and the golden files (empty list: nothing)."""
    if not query_names:
        return ["the catalogue is empty"]
    problems = [f"{n}: no golden file" for n in sorted(set(query_names) - set(golden_names))]
    problems += [f"{n}.csv: no query" for n in sorted(set(golden_names) - set(query_names))]
    return problems


# ------------------------------------------------------------------------------------------- goldens


@pytest.mark.parametrize("q", LOCAL, ids=lambda q: q.name)
def test_golden(q):
    expected_file = GOLDEN / f"{q.name}.csv"
    assert expected_file.exists(), f"no golden file for {q.name}: {REGENERATE}"
    got = csv_rows(golden.golden_csv(q))
    expected = csv_rows(expected_file.read_bytes())
    assert got[0] == expected[0], f"columns differ: {got[0]} vs {expected[0]}"
    body_got, body_expected = got[1:], expected[1:]
    if not q.ordered:  # bag comparison (STYLE.md: rdflib's result comparison)
        body_got, body_expected = sorted(body_got), sorted(body_expected)
    if body_got != body_expected:
        diff = "\n".join(
            difflib.unified_diff(
                [",".join(r) for r in body_expected],
                [",".join(r) for r in body_got],
                "golden",
                "now",
                lineterm="",
            )
        )
        pytest.fail(f"{q.name} differs from tests/golden/{q.name}.csv:\n{diff}\nIf the change is right: {REGENERATE}")


def test_every_query_has_a_golden_file_and_every_golden_file_a_query():
    problems = completeness_problems([q.name for q in LOCAL], [p.stem for p in GOLDEN.glob("*.csv")])
    assert not problems, problems


def test_completeness_check_fails_on_an_empty_catalogue_and_on_strays():
    assert completeness_problems([], []) == ["the catalogue is empty"]
    assert completeness_problems(["a"], ["a", "b"]) == ["b.csv: no query"]
    assert completeness_problems(["a", "c"], ["a"]) == ["c: no golden file"]


@pytest.mark.slow
def test_regeneration_writes_only_where_asked(tmp_path):
    changed = golden.regenerate_golden(tmp_path)
    assert sorted(changed) == sorted(f"{q.name}.csv" for q in LOCAL)
    assert golden.regenerate_golden(tmp_path) == []
    (tmp_path / "stray.csv").write_text("x\r\n")
    assert golden.regenerate_golden(tmp_path) == ["stray.csv (removed)"]


# ------------------------------------------------------------- results checked by hand against the text


def values(name: str, column: str, **params: str) -> list[str]:
    """Return one column of canned query ``name`` (oxigraph, inferred) as strings."""
    res = sco_kg.query(name, params)
    i = res.vars.index(column)
    return [row[i].value if row[i] is not None else "" for row in res.rows]


STATES = {"kazakhstan", "china", "kyrgyzstan", "russia", "tajikistan", "uzbekistan"}


def test_signatories_are_the_six_states_of_p1():
    assert {v.rsplit("/", 1)[1] for v in values("signatories", "state")} == STATES


def test_shanghai_five_and_the_difference():
    assert {v.rsplit("/", 1)[1] for v in values("shanghai-five-members", "state")} == STATES - {"uzbekistan"}
    assert values("sco-not-shanghai-five", "label") == ["Uzbekistan"]
    assert {v.rsplit("/", 1)[1] for v in values("sco-members", "state")} == STATES


def test_shanghai_spirit_has_the_six_components_of_p8():
    assert sorted(values("shanghai-spirit", "id")) == sorted(["PR1", "PR11", "PR12", "PR13", "PR14", "PR15"])


def test_fields_of_p6_are_eight_plus_other_fields():
    labels = set(values("fields-of-cooperation", "label"))
    assert labels == {
        "politics",
        "economy",
        "science and technology",
        "culture",
        "education",
        "energy",
        "transportation",
        "environmental protection",
        "other fields",
    }


def test_threats_of_p13():
    res = sco_kg.query("threats")
    ids = {r["id"].value for r in res.bindings if r["paragraph"].value == "13"}
    assert ids == {"TH2", "TH3", "TH4", "TH5", "TH6", "TH7", "TH8"}


def test_principles_to_abide_are_those_of_p9():
    assert values("principles-to-abide", "id") == [f"PR{n}" for n in range(16, 25)]


def test_aims_charter_and_timeline():
    assert values("sco-aims", "id") == ["A1", "A2", "A3", "A4"]
    assert values("charter-contents", "id") == ["A7", "M12", "M15", "M16"]
    years = values("timeline", "year")
    assert years == sorted(years) and years[0] == "1996" and years[-1] == "2002"
    only_2001 = sco_kg.query("timeline", {"from": "2001", "to": "2001"}).bindings
    assert {r["year"].value for r in only_2001} == {"2001"}
    assert iri.ID + "event/signing-declaration-2001" in {r["event"].value for r in only_2001}


def test_summits_by_year_and_city():
    res = sco_kg.query("summits")
    pairs = {(r["year"].value, r.get("cityLabel", Term.literal("")).value) for r in res.bindings}
    assert {("1998", "Almaty"), ("1999", "Bishkek"), ("2000", "Dushanbe")} <= pairs
    assert "2002" in {y for y, _ in pairs}


def test_supporting_sentence_of_bishkek_in_kyrgyzstan(source_text):
    row = sco_kg.query("supporting-sentences").bindings
    assert len(row) == 1
    begin, end = int(row[0]["begin"].value), int(row[0]["end"].value)
    assert (begin, end) == (5177, 5405)
    assert source_text[begin:end] == row[0]["text"].value


def test_search_text_and_paragraph_assertions():
    assert values("search-text", "sentence", phrase="Shanghai Spirit") == [iri.sentence(8, 1)]
    assert values("search-text", "sentence", phrase="SHANGHAI spirit") == [iri.sentence(8, 1)]
    sentences = set(values("paragraph-assertions", "sentence", paragraph="13"))
    assert sentences == {iri.sentence(13, n) for n in (1, 2, 3)}
    assert set(values("paragraph-assertions", "sentence", paragraph="13", sentenceNumber="2")) == {iri.sentence(13, 2)}


def test_about_resource_by_label_and_by_iri_agree():
    by_label = sco_kg.query("about-resource", {"resource": "uzbekistan"}).rows
    by_iri = sco_kg.query("about-resource", {"resource": iri.ID + "state/uzbekistan"}).rows
    assert by_label and by_label == by_iri
    assert sco_kg.query("about-resource", {"resource": "no such thing"}).rows == ()


def test_inferred_facts_are_in_the_closure_only():
    res = sco_kg.query("inferred-facts")
    props = {r["property"].value for r in res.bindings}
    assert iri.ONTOLOGY + "isSignatoryOf" in props or iri.ONTOLOGY + "memberOf" in props
    assert sco_kg.query("inferred-facts", None, Source(inferred=False)).rows == ()


# -------------------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        ("iri", "state:china", Term.uri(iri.ID + "state/china")),
        ("iri", "<https://example.org/x>", Term.uri("https://example.org/x")),
        ("iri", "https://example.org/x?y=1#z", Term.uri("https://example.org/x?y=1#z")),
        ("string", 'x" } ; DROP ALL ; #', Term.literal('x" } ; DROP ALL ; #')),
        ("literal", "", Term.literal("")),
        ("integer", " 17 ", Term.literal("17", XSD_INTEGER)),
        ("integer", "-007", Term.literal("-7", XSD_INTEGER)),
        ("lang", "ZH", Term.literal("zh")),
        ("lang", "zh-Hans", Term.literal("zh-hans")),
    ],
)
def test_parse_param_accepts(type_, raw, expected):
    assert parse_param("p", type_, raw) == expected


@pytest.mark.parametrize(
    ("type_", "raw", "message"),
    [
        ("iri", "not an iri", "expected an absolute IRI"),
        ("iri", "http://a/b> . ?s ?p ?o . <x", "expected an absolute IRI"),
        ("iri", "1abc:x", "expected an absolute IRI"),
        ("iri", "http://a b", "expected an absolute IRI"),
        ("iri", "http://a/{b}", "expected an absolute IRI"),
        ("iri", "", "expected an absolute IRI"),
        ("integer", "1.5", "expected an integer"),
        ("integer", "1e3", "expected an integer"),
        ("integer", "", "expected an integer"),
        ("integer", "9" * 30, "expected an integer"),
        ("lang", "en us", "expected a language tag"),
        ("lang", 'e"n', "expected a language tag"),
        ("lang", "", "expected a language tag"),
        ("string", "x\x00y", "NUL"),
        ("string", "x" * 5000, "longer than 4096"),
        ("string", "bad \udce9 utf-8", "not valid UTF-8"),
        ("float", "1", "unknown type"),
    ],
)
def test_parse_param_refuses(type_, raw, message):
    with pytest.raises(UsageError, match=message):
        parse_param("p", type_, raw)


def test_bind_params_unknown_missing_and_defaults():
    q = catalog.get("search-text")
    assert bind_params(q, {}) == {"phrase": Term.literal("treaty")}
    with pytest.raises(UsageError, match="unknown parameter 'phras'"):
        bind_params(q, {"phras": "x"})
    q2 = catalog.parse(
        "#+ summary: s\n#+ params:\n#+   x: {type: integer}\n#+ columns: [x]\nSELECT ?x WHERE { }\n", Path("t.rq")
    )
    with pytest.raises(UsageError, match="missing parameter 'x'"):
        bind_params(q2, {})


INJECTIONS = [
    'x" } ; DROP ALL ; #',
    '" } UNION { ?s ?p ?o } #',
    'x") || true) } #',
    "> . ?s ?p ?o . <",
    "\\u0022 } UNION { ?s ?p ?o } #",
    '"""\n} SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } #',
    "line\nbreak\r\tand {braces} and 'quotes'",
    "中文 Русский \U0001f600",
]


@pytest.mark.parametrize("payload", INJECTIONS)
@pytest.mark.parametrize(
    "q", [q for q in LOCAL if any(p.type in ("string", "literal") for p in q.params.values())], ids=lambda q: q.name
)
def test_string_parameters_are_data_never_query_text(q, payload):
    """A hostile value returns zero rows (it matches no text) and the bound query has exactly one VALUES row."""
    params = {p.name: payload for p in q.params.values() if p.type in ("string", "literal")}
    bindings = bind_params(q, params)
    bound = bind_values(q.text, bindings)
    tokens = lexer.tokenize(bound)
    assert sum(t.is_kw("VALUES") for t in tokens) == sum(t.is_kw("VALUES") for t in lexer.tokenize(q.text)) + 1
    assert gate.check(bound).form == "SELECT"
    assert sco_kg.query(q.name, params).rows == ()
    if payload in INJECTIONS[:3]:  # rdflib is slow (about-resource: seconds); tests/security covers the rest
        assert sco_kg.query(q.name, params, Source(inferred=False), engine="rdflib").rows == ()


@pytest.mark.parametrize(
    "q",
    [q for q in LOCAL if any(p.type in ("iri", "integer", "lang") for p in q.params.values())],
    ids=lambda q: q.name,
)
def test_typed_parameters_refuse_hostile_values(q):
    for p in q.params.values():
        if p.type in ("iri", "integer", "lang"):
            for payload in INJECTIONS:
                with pytest.raises(UsageError, match=f"parameter '{p.name}'"):
                    sco_kg.query(q.name, {p.name: payload})


def test_labels_follow_lang_with_english_fallback():
    assert "中华人民共和国" in values("signatories", "label", lang="zh")
    assert "Российская Федерация" in values("signatories", "label", lang="ru")
    assert values("signatories", "label", lang="fr") == values("signatories", "label")
    assert "mutual trust" in values("shanghai-spirit", "label", lang="zh")  # no Chinese label: English


# ---------------------------------------------------------------------------------- limits and policy


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_cartesian_product_times_out(isolation):
    limits = Limits(timeout=0.5, isolation=isolation)
    with pytest.raises(QueryTimeout, match=r"longer than 0\.5 s"):
        sco_kg.run(CARTESIAN, None, limits)


def test_process_isolation_returns_results_and_errors():
    limits = Limits(timeout=30, isolation="process")
    res = sco_kg.run("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }", None, limits)
    assert int(res.rows[0][0].value) > 100
    with pytest.raises(QueryError, match="more than 3 rows"):
        sco_kg.run("SELECT ?s WHERE { ?s ?p ?o }", None, Limits(max_rows=3, isolation="process"))


def test_row_cap_errors_or_truncates():
    with pytest.raises(QueryError, match="more than 5 rows"):
        sco_kg.run("SELECT ?s WHERE { ?s ?p ?o }", None, Limits(max_rows=5))
    res = sco_kg.run("SELECT ?s WHERE { ?s ?p ?o }", None, Limits(max_rows=5, truncate=True))
    assert res.truncated and len(res.rows) == 5
    assert not sco_kg.run("SELECT ?s WHERE { ?s ?p ?o } LIMIT 5", None, Limits(max_rows=5)).truncated


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/x> { ?s ?p ?o } }",
        "SELECT * WHERE { ?x ?y ?z . SERVICE ?x { ?s ?p ?o } }",
        "select * where { service <http://127.0.0.1:9/x> { ?s ?p ?o } }",
        "PREFIX r: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE r:x { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
        'SELECT * WHERE { ?s ?p "\\u0022 } SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } #" }',
        "SELECT * FROM <http://127.0.0.1:9/a.nt> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT * FROM <relative> WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/a.nt>",
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "DROP GRAPH <https://w3id.org/sco-kg/graph/text>",
        "WITH <http://a> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_policy_refuses_before_evaluation(text):
    # A \u0022 in a string ends it for rdflib (SPARQL 1.1 §19.2) but not for Oxigraph: that reading is no query.
    refused = QueryError if "u0022" in text else QueryRejected
    with pytest.raises(refused, match=r"refused|SPARQL syntax error"):
        gate.check(text)
    with pytest.raises(refused, match=r"refused|SPARQL syntax error"):
        sco_kg.run(text)


@pytest.mark.parametrize(
    "text",
    [
        'SELECT ?s WHERE { ?s ?p "SERVICE <http://x/> LOAD <http://y/>" }',
        "SELECT ?s WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/>",
        "PREFIX ex: <http://example.org/> SELECT ?service WHERE { ?service ex:service ex:LOAD }",
        "SELECT ?s WHERE { ?s <http://example.org/SERVICE> ?o }",
        "SELECT ?s FROM <https://w3id.org/sco-kg/graph/text> WHERE { ?s ?p ?o } LIMIT 1",
        "ASK { }",
        "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1",
        "DESCRIBE <https://w3id.org/sco-kg/id/state/china>",
    ],
)
def test_policy_lets_harmless_queries_through(text):
    info = gate.check(text)
    assert info.form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def test_policy_allow_lists_service_hosts_and_updates():
    text = "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
    assert gate.check(text, allow_service=["query.wikidata.org"]).services == ("https://query.wikidata.org/sparql",)
    with pytest.raises(QueryRejected, match=r"^SERVICE <https://query\.wikidata\.org/sparql> is refused: "):
        gate.check(text, allow_service=["wikidata.org"])
    with pytest.raises(QueryRejected, match="a variable"):
        gate.check("SELECT * WHERE { SERVICE ?x { ?s ?p ?o } }", allow_service=["query.wikidata.org"])
    assert gate.check("INSERT DATA { <http://a> <http://b> <http://c> }", allow_update=True).is_update
    with pytest.raises(QueryRejected, match="LOAD"):
        gate.check("LOAD <http://127.0.0.1:9/a.nt>", allow_update=True)


def test_allowed_update_changes_only_an_in_memory_copy():
    before = sco_kg.run("ASK { <http://a> <http://b> <http://c> }").boolean
    res = sco_kg.run("INSERT DATA { <http://a> <http://b> <http://c> }", allow_update=True)
    assert res.form == "UPDATE" and before is False
    assert sco_kg.run("ASK { <http://a> <http://b> <http://c> }").boolean is False


def test_syntax_errors_name_line_and_column():
    with pytest.raises(QueryError, match=r"SPARQL syntax error at line 2, column \d+"):
        sco_kg.run("SELECT ?x\nWHERE { ?x ?y }")
    with pytest.raises(QueryError, match=r"SPARQL syntax error at line 2, column \d+"):
        sco_kg.run("SELECT ?x\nWHERE { ?x ?y }", Source(inferred=False), engine="rdflib")
    with pytest.raises(QueryError, match="not a SPARQL query"):
        sco_kg.run("HELLO")
    with pytest.raises(QueryError, match="empty"):
        sco_kg.run("  # only a comment\n")


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _CountingHandler.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def hit_counter() -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP server that records every request it gets (SECURITY.md T1/T2)."""
    _CountingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _CountingHandler.hits
    server.shutdown()


@pytest.mark.slow
@pytest.mark.network_loopback
def test_t1_t2_no_request_leaves_through_service_from_or_load(hit_counter, tmp_path):
    port, hits = hit_counter
    url = f"http://127.0.0.1:{port}/x"
    texts = [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"LOAD <{url}>",
    ]
    for text in texts:
        for engine in ("oxigraph", "rdflib"):
            with pytest.raises(QueryRejected, match=r"^(SERVICE|dataset clause|LOAD|SPARQL Update) .*is refused: "):
                sco_kg.run(text, Source(inferred=False), engine=engine)  # type: ignore[arg-type]
    for text in texts:
        proc = subprocess.run(
            [sys.executable, "-m", "sco_kg.cli", "sparql", text, "--allow-update"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 2, proc.stderr
        assert "refused" in proc.stderr and "Traceback" not in proc.stderr
    assert hits == []


# --------------------------------------------------------------------------------- result formats

XSD = XSD
TRICKY = [
    ox.Literal("plain"),
    ox.Literal('quote " comma , newline \n cr \r tab \t backslash \\ end'),
    ox.Literal("ctrl \x01 \x08 \x0c \x1f del \x7f"),
    ox.Literal("  leading and trailing  "),
    ox.Literal("\tx\n"),
    ox.Literal("\r"),
    ox.Literal(" ", language="en"),
    ox.Literal(""),
    ox.Literal("<tag> & 'apos'"),
    ox.Literal("中文", language="zh"),
    ox.Literal("Русский", language="ru"),
    ox.Literal("emoji \U0001f600"),
    ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("-42", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("-.5", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("1.5E3", datatype=ox.NamedNode(XSD + "double")),
    ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
    ox.Literal("2001-06-15", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal("2001", datatype=ox.NamedNode(XSD + "gYear")),
    ox.Literal("x", datatype=ox.NamedNode("http://example.org/dt?a=1&b=2")),
    ox.NamedNode("http://example.org/a?x=1&y=%222%22&z=é"),
    ox.BlankNode("b0"),
]


@pytest.fixture(scope="module")
def tricky_store() -> ox.Store:
    """A store with one triple per tricky term (quotes, controls, languages, numbers, odd IRIs, a blank node)."""
    store = ox.Store()
    for i, term in enumerate(TRICKY):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/s{i:02d}"), ox.NamedNode("http://example.org/p"), term))
    return store


TRICKY_QUERIES = [
    "SELECT ?s ?o ?missing WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?missing } } ORDER BY ?s",
    "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?s",
    "SELECT ?nothing WHERE { FILTER(false) }",
    "SELECT * WHERE { }",
    "ASK { ?s ?p ?o }",
    "ASK { ?s <http://example.org/none> ?o }",
]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("text", TRICKY_QUERIES)
def test_w3c_formats_are_byte_for_byte_oxigraphs(tricky_store, text, fmt):
    formats = {
        "json": ox.QueryResultsFormat.JSON,
        "xml": ox.QueryResultsFormat.XML,
        "csv": ox.QueryResultsFormat.CSV,
        "tsv": ox.QueryResultsFormat.TSV,
    }
    ours = sco_kg.run(text, None, Limits(timeout=None, max_rows=None), target=tricky_store).serialize(fmt)
    theirs = tricky_store.query(text).serialize(format=formats[fmt])
    if text.startswith("ASK") and fmt in ("csv", "tsv"):  # the one deviation: a final line end (issue 13)
        theirs += b"\r\n" if fmt == "csv" else b"\n"
    assert ours == theirs


def test_json_and_xml_results_parse_back(tricky_store):
    res = sco_kg.run(TRICKY_QUERIES[0], None, Limits(timeout=None, max_rows=None), target=tricky_store)
    doc = json.loads(res.serialize("json"))
    assert doc["head"]["vars"] == ["s", "o", "missing"]
    assert len(doc["results"]["bindings"]) == len(TRICKY)
    parsed = ox.parse_query_results(res.serialize("xml"), format=ox.QueryResultsFormat.XML)
    assert [sol["o"] for sol in parsed] == [row[1].to_ox() for row in res.rows]


@pytest.mark.slow
def test_python_api_one_term_type_and_dataframe():
    """select() and query() give the same Term objects (one term type across the API); to_rdflib() converts."""
    pytest.importorskip("pandas")
    from rdflib import Literal, URIRef

    rows = sco_kg.select("signatories")
    assert {"state", "label"} == set(rows[0])
    assert Term.uri(iri.ID + "state/china") in {r["state"] for r in rows}
    assert Term.literal("China", lang="en") in {r["label"] for r in rows}
    assert rows == sco_kg.query("signatories").bindings
    as_rdflib = sco_kg.query("signatories").to_rdflib()
    assert URIRef(iri.ID + "state/china") in {r["state"] for r in as_rdflib}
    assert Literal("China", lang="en") in {r["label"] for r in as_rdflib}
    frame = sco_kg.query("signatories").to_dataframe()
    assert list(frame.columns) == ["state", "label"] and len(frame) == 6
    assert Term.from_rdflib(Literal("4", datatype=URIRef(XSD + "nonNegativeInteger"))).to_rdflib() == Literal(
        "4", datatype=URIRef(XSD + "nonNegativeInteger")
    )


def test_construct_and_describe_results():
    res = sco_kg.run(f"CONSTRUCT WHERE {{ <{iri.ID}state/china> ?p ?o }}")
    assert res.form == "CONSTRUCT" and len(res) > 5
    turtle = res.serialize("turtle").decode()
    assert "@prefix state: <https://w3id.org/sco-kg/id/state/> ." in turtle
    for fmt, parse_format in (
        ("turtle", ox.RdfFormat.TURTLE),
        ("nt", ox.RdfFormat.N_TRIPLES),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("trig", ox.RdfFormat.TRIG),
    ):
        parsed = {(q.subject, q.predicate, q.object) for q in ox.parse(res.serialize(fmt), format=parse_format)}
        assert parsed == {(s.to_ox(), p.to_ox(), o.to_ox()) for s, p, o in res.triples}
    with pytest.raises(UsageError, match="not for CONSTRUCT"):
        res.serialize("csv")
    assert sco_kg.run(f"DESCRIBE <{iri.ID}state/china>").form == "DESCRIBE"


@pytest.fixture(scope="module")
def oxigraph_endpoint(tmp_path_factory) -> Iterator[str]:
    """A real ``oxigraph serve-read-only`` on 127.0.0.1 over the shipped materialised dataset."""

    exe = Path(sys.executable).with_name("oxigraph")
    if not exe.exists():
        pytest.fail(f"{exe} not found: the 'oxigraph' package of the test extra provides it")
    location = tmp_path_factory.mktemp("oxstore")
    subprocess.run(
        [str(exe), "load", "--location", str(location), "--file", str(closure.materialized_path())],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            str(exe),
            "serve-read-only",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "?query=" + urllib.parse.quote("ASK {}"), timeout=2).read()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("oxigraph serve did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.network_loopback
@pytest.mark.parametrize("name", ["signatories", "documents", "search-text", "labels-multilingual"])
def test_formats_are_byte_for_byte_what_an_endpoint_returns(oxigraph_endpoint, name):
    mime = {
        "json": "application/sparql-results+json",
        "xml": "application/sparql-results+xml",
        "csv": "text/csv",
        "tsv": "text/tab-separated-values",
    }
    q = catalog.get(name)
    text = bind_values(q.text, bind_params(q, {}))
    res = sco_kg.query(name)
    for fmt, accept in mime.items():
        req = urllib.request.Request(
            oxigraph_endpoint + "?query=" + urllib.parse.quote(text), headers={"Accept": accept}
        )
        with urllib.request.urlopen(req, timeout=30) as answer:
            body = answer.read()
        if q.ordered or fmt in ("json", "xml"):
            assert res.serialize(fmt) == body, fmt
        else:
            assert sorted(res.serialize(fmt).splitlines()) == sorted(body.splitlines()), fmt


def test_table_and_md_show_labels():
    res = sco_kg.query("signatories", {"lang": "zh"})
    names = labels([t for row in res.rows for t in row if t is not None], "zh")
    table = render(res, "table", names)
    assert "中华人民共和国" in table and "https://" not in table
    md = render(res, "md", names)
    assert md.splitlines()[0] == "| state | label |" and md.splitlines()[1] == "|---|---|"


@pytest.mark.slow
@pytest.mark.network_loopback
def test_cli_endpoint_gives_the_local_answer(oxigraph_endpoint, capsysbinary):
    from sco_kg.cli import main

    for argv in (["query", "documents"], ["query", "search-text", "-p", "phrase=Shanghai Spirit"]):
        assert main([*argv, "--format", "csv"]) == 0
        local = capsysbinary.readouterr().out
        assert main([*argv, "--format", "csv", "--endpoint", oxigraph_endpoint]) == 0
        assert capsysbinary.readouterr().out == local
    assert main(["query", "signatories", "--lang", "zh", "--endpoint", oxigraph_endpoint]) == 0
    assert "中华人民共和国" in capsysbinary.readouterr().out.decode()
    assert main(["query", "signatories", "--endpoint", oxigraph_endpoint, "--no-inference"]) == 2
    assert b"cannot be combined" in capsysbinary.readouterr().err


# ----------------------------------------------- rewrites for speed keep the answers (issue 14, part queries)

# The texts of the canned queries before they were rewritten for speed at scale: an independent formulation of
# the same question (see bench/README.md, benchmark 7). A deliberate change of what a query answers changes its
# reference text with it.
REFERENCE = Path(__file__).resolve().parent / "data" / "reference-queries"
REWRITTEN = sorted(p.stem for p in REFERENCE.glob("*.rq"))
# Parameters beyond the defaults: every fallback tier of the labels (ru/zh: the states' own labels; fr: none at
# all), a resource by IRI, by lower-case label and unknown, a phrase in another case and one that is nowhere.
PARAMS: dict[str, list[dict[str, str]]] = {
    "about-resource": [
        {"resource": f"{iri.ID}state/uzbekistan"},
        {"resource": "shanghai cooperation organisation"},
        {"resource": "no such thing"},
    ],
    "search-text": [{"phrase": "SCO"}, {"phrase": "no such phrase"}],
}
LANGS = ("ru", "zh", "fr")


def _param_sets(name: str) -> list[dict[str, str]]:
    extra = [{"lang": lang} for lang in LANGS] if "lang" in catalog.get(name).params else []
    return [{}, *extra, *PARAMS.get(name, [])]


def _rows(store: ox.Store, text: str, ordered: bool) -> list[tuple[str | None, ...]]:
    rows = [
        tuple(str(t) if t is not None else None for t in sol)
        for sol in store.query(text, use_default_graph_as_union=True)
    ]
    return rows if ordered else sorted(rows, key=repr)


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """The declaration with the bench corpus of 12 documents, materialised as `sco-kg query --with` does it."""
    from bench import corpus

    path = tmp_path_factory.mktemp("corpus") / "corpus-12.nq"
    assert corpus.main(["12", "-o", str(path)]) == 0
    return sco_kg.open_store(Source(with_files=(path,)))


def test_every_reference_text_belongs_to_a_canned_query():
    assert REWRITTEN and set(REWRITTEN) <= set(catalog.names())


@pytest.mark.parametrize("name", REWRITTEN)
def test_rewritten_query_gives_the_rows_of_its_reference_text(name, corpus_store):
    q = catalog.get(name)
    reference = (REFERENCE / f"{name}.rq").read_text(encoding="utf-8")
    seen = 0
    for params in _param_sets(name):
        bindings = bind_params(q, params)
        for where, store in (("corpus", corpus_store), ("declaration", sco_kg.open_store(Source()))):
            # In order on the declaration (as its golden file); as a bag on the corpus, whose documents tie on
            # ORDER BY keys (the same offsets, years), where SPARQL leaves the order open.
            ordered = q.ordered and where == "declaration"
            got = _rows(store, bind_values(q.text, bindings), ordered)
            expected = _rows(store, bind_values(reference, bindings), ordered)
            assert got == expected, f"{name} {params} on the {where} differs from {REFERENCE.name}/{name}.rq"
            seen += len(got)
    assert seen  # the comparisons saw rows


# ------------------------------------------------------------------------------- property-based checks


def _structure(text: str) -> list[tuple[str, str]]:
    """Return the token kinds and keyword texts of ``text`` without the VALUES block that binding adds."""
    tokens = lexer.tokenize(text)
    out, skip = [], 0
    for tok in tokens:
        if tok.is_kw("VALUES") and skip == 0:
            skip = 1
            continue
        if skip:
            if tok.text == "}":
                skip = 0
            continue
        out.append((tok.kind, tok.text if tok.kind in ("name", "punct", "var") else ""))
    return out


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_binding_any_string_never_changes_the_query_structure(value):
    q = catalog.get("search-text")
    try:
        bindings = bind_params(q, {"phrase": value})
    except UsageError:
        assert "\x00" in value or len(value) > MAX_PARAM_LENGTH or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
        return
    bound = bind_values(q.text, bindings)
    assert _structure(bound) == _structure(q.text)
    assert sum(t.is_kw("VALUES") for t in lexer.tokenize(bound)) == 1
    strings = [t for t in lexer.tokenize(bound) if t.kind == "string"]
    assert strings[0].text == bindings["phrase"].n3()


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_policy_never_crashes_on_arbitrary_text(text):
    try:
        info = gate.check(text)
    except (QueryRejected, QueryError):
        return
    assert info.form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
