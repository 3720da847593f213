"""The catalogue of canned queries: strict ``#+`` headers, agreement with PyYAML, README, lookup by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sco_kg import paths
from sco_kg.dev import golden
from sco_kg.errors import CatalogError, UsageError
from sco_kg.sparql import catalog
from sco_kg.sparql.header import HeaderError, parse_header, split_header

GOOD = """#+ summary: States
#+ description: One row per state,
#+   ordered by IRI.
#+ params:
#+   lang: {type: lang, default: en, description: language of the labels}
#+ columns: [state, label]
#+ tags: [actors]
PREFIX sco: <https://w3id.org/sco-kg/ontology/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?state ?label WHERE {
  ?state a sco:State ; rdfs:label ?label FILTER(lang(?label) = ?lang)
} ORDER BY ?state
"""


def write(tmp_path: Path, text: str, name: str = "q.rq") -> Path:
    """Write a query file into ``tmp_path`` and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def header_of(text: str) -> list[tuple[int, str]]:
    """Return the header lines of ``text`` as the catalogue reads them."""
    return split_header(text)[0]


def yaml_of(text: str) -> object:
    """Return what PyYAML reads from the header of ``text``."""
    return yaml.safe_load("\n".join(line for _, line in header_of(text)))


def test_catalogue_has_at_least_25_local_queries():
    queries = catalog.all_queries()
    local = [q for q in queries if not q.federated]
    assert len(local) >= 25, [q.name for q in local]
    assert [q.name for q in queries] == sorted(q.name for q in queries)


def test_good_header_parses(tmp_path):
    q = catalog.load_file(write(tmp_path, GOOD))
    assert q.name == "q"
    assert q.summary == "States"
    assert q.description == "One row per state, ordered by IRI."
    assert q.columns == ("state", "label")
    assert q.tags == ("actors",)
    assert q.params["lang"] == catalog.Param("lang", "lang", "en", "language of the labels")
    assert q.form == "SELECT" and q.ordered


@pytest.mark.parametrize("query", catalog.all_queries(), ids=lambda q: q.name)
def test_every_shipped_header_means_the_same_to_pyyaml(query):
    meta = parse_header(header_of(query.text))
    assert meta == yaml_of(query.text)


@pytest.mark.parametrize("query", catalog.all_queries(), ids=lambda q: q.name)
def test_every_query_has_summary_tags_and_prefixes_of_the_project(query):
    assert query.summary and query.tags
    from sco_kg.rdf import iri
    from sco_kg.sparql import gate

    for pfx, ns in gate.analyse(query.text).prefixes.items():
        assert iri.PREFIXES[pfx] == ns


@pytest.mark.parametrize("query", catalog.all_queries(), ids=lambda q: q.name)
def test_label_showing_queries_take_lang_defaulting_to_english(query):
    shows_labels = any(c == "label" or c.endswith("Label") for c in query.columns)
    if shows_labels:
        assert "lang" in query.params, f"{query.name} shows labels but has no lang parameter"
        assert query.params["lang"].type == "lang" and query.params["lang"].default == "en"


BAD = {
    "bad flow mapping": (GOOD.replace("description: language of the labels}", "description: x"), "flow mapping"),
    "unknown key": (GOOD.replace("#+ tags: [actors]", "#+ tags: [actors]\n#+ endpoint: x"), "unknown header key"),
    "columns differ": (GOOD.replace("[state, label]", "[state, name]"), "differ from the projected"),
    "column order": (GOOD.replace("[state, label]", "[label, state]"), "differ from the projected"),
    "no summary": (GOOD.replace("#+ summary: States\n", ""), "'summary' is required"),
    "no header": (GOOD.split("\n", 7)[7], "no '#+' header"),
    "unused param": (GOOD.replace("lang: {type", "other: {type"), "not used"),
    "bad param type": (GOOD.replace("type: lang", "type: float"), "type must be one of"),
    "bad param key": (GOOD.replace("default: en,", "default: en, required: x,"), "unknown key 'required'"),
    "bad default": (GOOD.replace("default: en", "default: 'not a tag!'"), "bad default"),
    "yaml boolean": (GOOD.replace("summary: States", "summary: yes"), "quote it"),
    "yaml float": (GOOD.replace("summary: States", "summary: 1.5"), "quote it"),
    "yaml date": (GOOD.replace("summary: States", "summary: 2001-06-15"), "quote it"),
    "colon in value": (GOOD.replace("summary: States", "summary: States: all"), "quote it"),
    "tab indent": (GOOD.replace("#+   lang", "#+ \tlang"), "tab"),
    "duplicate key": (GOOD.replace("#+ tags: [actors]", "#+ tags: [actors]\n#+ tags: [x]"), "duplicate key"),
    "block list": (GOOD.replace("#+ tags: [actors]", "#+ tags:\n#+   - actors"), "block sequences"),
    "select star": (GOOD.replace("SELECT ?state ?label", "SELECT *"), "SELECT * is not allowed"),
    "foreign prefix": (
        GOOD.replace("PREFIX sco: <https://w3id.org/sco-kg/ontology/>", "PREFIX sco: <http://example.org/>"),
        "differs from sco_kg/rdf/iri.py",
    ),
    "update": (
        "#+ summary: x\nINSERT DATA { <http://a> <http://b> <http://c> }\n",
        "a canned query cannot be an update",
    ),
    "service var": (
        GOOD.replace("?state a sco:State", "SERVICE ?x { ?state a sco:State }"),
        "SERVICE with a variable is not allowed",
    ),
    "not a query": ("#+ summary: x\nHELLO\n", "not a SPARQL query"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_files_raise_catalog_error_naming_the_file(tmp_path, case):
    text, message = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(CatalogError, match="^" + re.escape(str(path))) as err:
        catalog.load_file(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_bad_yaml_reports_the_line(tmp_path):
    path = write(tmp_path, GOOD.replace("#+ columns: [state, label]", "#+ columns: [state, label"))
    with pytest.raises(CatalogError, match=rf"{path}:6: bad header"):
        catalog.load_file(path)


def test_file_name_must_be_kebab_case(tmp_path):
    with pytest.raises(CatalogError, match="kebab-case"):
        catalog.load_file(write(tmp_path, GOOD, "Bad_Name.rq"))


def test_unreadable_and_non_utf8_files(tmp_path):
    with pytest.raises(CatalogError, match="cannot read"):
        catalog.load_file(tmp_path / "missing.rq")
    path = tmp_path / "latin.rq"
    path.write_bytes(GOOD.encode("utf-8").replace(b"States", b"\xe9tats"))
    with pytest.raises(CatalogError, match="not UTF-8"):
        catalog.load_file(path)


def test_quoted_scalars_and_escapes(tmp_path):
    text = GOOD.replace("summary: States", 'summary: "States: all \\"six\\""').replace(
        "description: One row per state,\n#+   ordered by IRI.", "description: 'it''s #1, really'"
    )
    q = catalog.load_file(write(tmp_path, text))
    assert q.summary == 'States: all "six"'
    assert q.description == "it's #1, really"
    assert parse_header(header_of(text)) == yaml_of(text)


def test_get_suggests_the_closest_names():
    with pytest.raises(UsageError, match="did you mean signatories"):
        catalog.get("signatory")
    with pytest.raises(UsageError, match="unknown query 'zzzz'"):
        catalog.get("zzzz")


@pytest.mark.parametrize("name", ["../pyproject", "/etc/passwd", "signatories.rq", "", "a/b"])
def test_get_refuses_names_that_are_not_query_names(name):
    with pytest.raises(UsageError, match="unknown query"):
        catalog.get(name)


def test_readme_is_generated_from_the_headers():
    shipped = (paths.queries_dir() / "README.md").read_text(encoding="utf-8")
    assert shipped == catalog.readme(), "queries/README.md is stale: run python -m sco_kg.dev.golden --readme"
    for q in catalog.all_queries():
        assert f"## {q.name}\n" in shipped


def test_catalog_main_check_and_readme(tmp_path, monkeypatch, capsys):
    assert golden.main(["--check"]) == 0
    assert "canned queries, all headers valid" in capsys.readouterr().out
    for sub in ("queries",):
        (tmp_path / sub).mkdir()
    for q in catalog.query_files():
        (tmp_path / "queries" / q.name).write_bytes(q.read_bytes())
    monkeypatch.setenv("SCO_KG_ROOT", str(tmp_path))
    assert golden.main(["--readme"]) == 0
    assert (tmp_path / "queries" / "README.md").read_text(encoding="utf-8") == catalog.readme()
    write(tmp_path / "queries", "#+ summary: [broken\nSELECT ?x WHERE { ?x ?p ?o }\n", "broken.rq")
    assert golden.main(["--check"]) == 1
    assert "broken.rq" in capsys.readouterr().err


_PIECES = st.sampled_from([*"ab: ,[]{}\"'#-\\?1.", "type", "yes", "  ", "\n", "{type: lang}", ": "])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(_PIECES, max_size=12).map("".join), min_size=1, max_size=6),
    st.sampled_from(HEADERS := ["summary", "description", "params", "columns", "tags", "x"]),
)
def test_header_parser_never_disagrees_with_pyyaml(lines, key):
    """Whatever the parser accepts, PyYAML reads the same way; anything else is a one-line error."""
    text = "\n".join([f"#+ {key}: {lines[0]}", *(f"#+ {line}" for line in lines[1:])]).replace("\n\n", "\n")
    try:
        header = header_of(text)
    except CatalogError:
        return
    try:
        mine = parse_header(header)
    except HeaderError as exc:
        assert "\n" not in exc.msg
        return
    assert mine == yaml.safe_load("\n".join(line for _, line in header))


def test_blank_line_inside_a_folded_value_is_an_error():
    """Found by hypothesis: PyYAML folds a blank line into a newline ('a\\na'); the parser must not read 'a a'."""
    with pytest.raises(HeaderError, match="blank line inside a value"):
        parse_header([(1, "summary: a"), (2, ""), (3, "  a")])
    assert yaml.safe_load("summary: a\n\n  a") == {"summary": "a\na"}


@pytest.mark.parametrize("q", catalog.all_queries(), ids=lambda q: q.name)
def test_the_lexer_describes_every_canned_query_as_the_gate_does(q):
    """Canned queries take the trusted path (the lexer, no rdflib on the CLI read path): it must say what the
    grammar-complete gate says of the same text (form, SERVICE targets, dataset clause, ORDER BY, projection)."""
    from sco_kg.sparql import gate, lexer

    by_lexer, by_gate = lexer.outline(q.text), gate.analyse(q.text)
    assert (by_lexer.form, by_lexer.services, by_lexer.from_graphs + by_lexer.from_named) == (
        by_gate.form, by_gate.services, by_gate.from_graphs + by_gate.from_named,
    )  # fmt: skip
    assert (by_lexer.ordered, by_lexer.projection) == (by_gate.ordered, by_gate.projection)
    hosts = [s.split("/")[2] for s in by_gate.services]
    assert gate.check(q.text, allow_service=hosts).form == q.form


def test_a_query_file_is_parsed_once_and_again_after_an_edit(tmp_path: Path) -> None:
    """load_file keeps the parsed query while the file is unchanged (pages list the catalogue on every request)
    and reads it again once it changes."""
    cat = catalog
    source = cat.get("signatories").path.read_text(encoding="utf-8")
    target = tmp_path / "signatories.rq"
    target.write_text(source, encoding="utf-8")
    first = cat.load_file(target)
    assert cat.load_file(target) is first  # not parsed again
    target.write_text(source.replace("States that signed", "The states that signed"), encoding="utf-8")
    assert cat.load_file(target).summary.startswith("The states that signed")


def test_not_printable_is_the_complement_of_yaml_printable_on_every_code_point():
    """Issue 14: the header check is written as the (cheap to compile) complement of YAML 1.1 §5.1's ranges."""
    from sco_kg.sparql import header

    printable = re.compile("[\\t\\x20-\\x7e\\x85\\xa0-\\ud7ff\\ue000-\\ufffd\\U00010000-\\U0010ffff]")
    wrong = [c for c in range(0x110000) if bool(header._NOT_PRINTABLE.match(chr(c))) == bool(printable.match(chr(c)))]
    assert wrong == []
