"""``sco-kg queries``, ``sco-kg query`` and ``sco-kg sparql``: output, formats and one-line errors."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from sco_kg import paths
from sco_kg.cli import main
from sco_kg.sparql import catalog

GOLDEN = Path(__file__).resolve().parent / "golden"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Return (exit code, stdout, stderr) of ``sco-kg argv``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, fragment: str) -> None:
    """Check that ``err`` is exactly one line, no traceback, and mentions ``fragment``."""
    assert err.count("\n") == 1 and err.startswith("sco-kg"), err
    assert "Traceback" not in err
    assert fragment in err, err


def test_queries_lists_the_catalogue(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # the listing fits the terminal: make it wide whatever runs the tests
    code, out, _ = run(capsys, "queries")
    assert code == 0
    for q in catalog.all_queries():
        assert q.name in out
    code, out, _ = run(capsys, "queries", "--tag", "principles", "--format", "names")
    assert code == 0
    names = out.split()
    assert "shanghai-spirit" in names and "signatories" not in names
    code, out, _ = run(capsys, "queries", "--format", "md")
    assert out.startswith("| name | summary | parameters | tags |")  # the summary is not last (issue 17)


def test_queries_unknown_tag(capsys):
    code, _, err = run(capsys, "queries", "--tag", "nope")
    assert code == 2
    assert_one_line_error(err, "unknown tag 'nope'")


def test_query_table_shows_labels_in_the_chosen_language(capsys):
    code, out, _ = run(capsys, "query", "signatories")
    assert code == 0
    assert "Kazakhstan" in out and "https://" not in out
    code, out, _ = run(capsys, "query", "signatories", "--lang", "zh")
    assert code == 0 and "中华人民共和国" in out
    code, out, _ = run(capsys, "query", "signatories", "--lang", "ru", "--format", "md")
    assert code == 0 and "| Российская Федерация |" in out.replace("| state:russia ", "")


def test_query_csv_equals_the_golden_file(capsysbinary):
    for name in ("shanghai-spirit", "documents", "labels-multilingual"):
        assert main(["query", name, "--format", "csv"]) == 0
        assert capsysbinary.readouterr().out == (GOLDEN / f"{name}.csv").read_bytes()


def test_query_machine_formats(capsysbinary):
    for fmt, check in (
        ("json", lambda b: len(json.loads(b)["results"]["bindings"]) == 6),
        ("xml", lambda b: len(list(ox.parse_query_results(b, format=ox.QueryResultsFormat.XML))) == 6),
        ("tsv", lambda b: b.splitlines()[0] == b"?component\t?id\t?label"),
        ("csv", lambda b: b.split(b"\r\n")[0] == b"component,id,label"),
    ):
        assert main(["query", "shanghai-spirit", "--format", fmt]) == 0
        out = capsysbinary.readouterr().out
        assert check(out), (fmt, out[:200])


def test_query_parameters(capsys):
    code, out, _ = run(capsys, "query", "search-text", "--param", "phrase=Shanghai Spirit", "--format", "csv")
    assert code == 0 and out.count("sentence/p8-s1") == 1
    code, out, _ = run(capsys, "query", "paragraph-assertions", "-p", "paragraph=16", "--format", "tsv")
    assert code == 0 and "sentence/p16-s1" in out
    code, out, _ = run(capsys, "query", "about-resource", "-p", "resource=Bishkek", "--format", "csv")
    assert code == 0 and "locatedIn" in out


@pytest.mark.parametrize(
    ("argv", "code", "fragment"),
    [
        (["query", "signatory"], 2, "did you mean signatories"),
        (["query", "search-text", "--param", "word=x"], 2, "unknown parameter 'word'"),
        (["query", "search-text", "--param", "phrase"], 2, "expected KEY=VALUE"),
        (["query", "search-text", "-p", "phrase=a", "-p", "phrase=b"], 2, "given twice"),
        (["query", "paragraph-assertions", "-p", "paragraph=thirteen"], 2, "expected an integer"),
        (["query", "inferred-facts", "-p", "resource=not an iri"], 2, "expected an absolute IRI"),
        (["query", "signatories", "-p", "lang=english!"], 2, "expected a language tag"),
        (["query", "signatories", "--timeout", "0"], 2, "positive number"),
        (["query", "signatories", "--max-rows", "-1"], 2, "0 or more"),
        (["query", "signatories", "--format", "yaml"], 2, "invalid choice: 'yaml'"),
        (["query", "signatories", "--format", "turtle"], 2, "for CONSTRUCT/DESCRIBE results"),
        (["query", "signatories", "--max-rows", "2"], 1, "more than 2 rows"),
        (["query", "signatories", "--with", "/nonexistent/file.ttl"], 1, "file not found"),
        (["sparql", "SELECT ?x\nWHERE { ?x ?y }"], 1, "line 2, column"),
        (["sparql", "SELECT ?x WHERE { ?x ?y }", "--engine", "rdflib", "--no-inference"], 1, "line 1, column"),
        (["sparql", "-f", "/nonexistent/q.rq"], 1, "query file not found"),
        (["sparql", "ASK {}", "-f", "x.rq"], 2, "not both"),
        (["sparql"], 2, "either as an argument or with -f"),
        (["sparql", "INSERT DATA { <http://a> <http://b> <http://c> }"], 2, "--allow-update"),
        (["sparql", "LOAD <http://127.0.0.1:9/x>", "--allow-update"], 2, "LOAD is refused"),
        (["sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"], 2, "SERVICE"),
        (["sparql", "SELECT * FROM <http://127.0.0.1:9/a> WHERE { ?s ?p ?o }"], 2, "dataset clause FROM"),
        (["sparql", CARTESIAN, "--timeout", "0.5"], 1, "longer than 0.5 s"),
        (["sparql", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", "--format", "csv"], 2, "for SELECT/ASK results"),
        (["sparql", "HELLO WORLD"], 1, "SPARQL syntax error at line 1, column 1"),
    ],
)
def test_errors_are_one_line_with_the_right_exit_code(capsys, argv, code, fragment):
    got, _, err = run(capsys, *argv)
    assert got == code, err
    assert_one_line_error(err, fragment)


def test_sparql_file_stdin_and_non_utf8(capsys, tmp_path, monkeypatch):
    path = tmp_path / "q.rq"
    path.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/sco-kg/ontology/State> }")
    code, out, _ = run(capsys, "sparql", "-f", str(path), "--format", "csv")
    assert (code, out) == (0, "n\r\n6\r\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    code, out, _ = run(capsys, "sparql", "-", "--format", "csv")
    assert (code, out) == (0, "n\r\n6\r\n")
    bad = tmp_path / "bad.rq"
    bad.write_bytes(b'SELECT ?x WHERE { ?x ?p "\xe9" }')
    code, _, err = run(capsys, "sparql", "-f", str(bad))
    assert code == 1
    assert_one_line_error(err, "not UTF-8")


def test_sparql_ask_and_construct_formats(capsysbinary):
    assert main(["sparql", "ASK { ?s a <https://w3id.org/sco-kg/ontology/State> }", "--format", "json"]) == 0
    assert capsysbinary.readouterr().out == b'{"head":{},"boolean":true}'
    construct = "CONSTRUCT WHERE { <https://w3id.org/sco-kg/id/state/china> ?p ?o }"
    assert main(["sparql", construct]) == 0
    turtle = capsysbinary.readouterr().out
    assert b"@prefix state: <https://w3id.org/sco-kg/id/state/> ." in turtle
    triples = set(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
    for fmt, rdf_format in (("nt", ox.RdfFormat.N_TRIPLES), ("jsonld", ox.RdfFormat.JSON_LD)):
        assert main(["sparql", construct, "--format", fmt]) == 0
        assert set(ox.parse(capsysbinary.readouterr().out, format=rdf_format)) == triples


def test_allowed_update_writes_nothing_to_disk(capsys):
    files = [*paths.ontology_files(), *paths.data_dir().rglob("*")]
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}
    code, _, err = run(capsys, "sparql", "DELETE WHERE { ?s ?p ?o }", "--allow-update")
    assert code == 0 and "nothing was written" in err
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}
    assert after == before
    code, out, _ = run(capsys, "sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv")
    assert int(out.split()[1]) > 1000


def test_engines_agree_on_the_cli(capsys):
    code, oxigraph_out, _ = run(capsys, "query", "shanghai-spirit", "--format", "csv")
    code2, rdflib_out, _ = run(capsys, "query", "shanghai-spirit", "--format", "csv", "--engine", "rdflib")
    assert code == code2 == 0 and oxigraph_out == rdflib_out


def test_query_path_imports_neither_rdflib_nor_owlrl():
    """The CLI read path stays on pyoxigraph (PERFORMANCE.md: each of those imports costs 150-280 ms)."""
    code = (
        "import sys\nfrom sco_kg.cli import main\n"
        "assert main(['query', 'signatories', '--format', 'csv']) == 0\n"
        "print(sorted(m for m in ('rdflib', 'owlrl', 'yaml', 'pandas') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
