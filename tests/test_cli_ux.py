"""Issue 17, the command line: terminal-aware tables, one vocabulary of options and formats (with the old
spellings deprecated), provenance on the CLI, and the progress and warnings of a --with run."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
import rdflib.compare

from sco_kg import dataset
from sco_kg.cli import main, options_doc
from sco_kg.cli.main import build_parser
from sco_kg.cli.render import display_width, format_table, wrap
from sco_kg.engine.limits import DEFAULT_TIMEOUT
from sco_kg.rdf import iri
from sco_kg.sparql import catalog

ROOT = Path(__file__).resolve().parent.parent
CHINA = iri.ID + "state/china"


def cli(*argv: str, columns: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sco_kg.cli ARGV`` in a subprocess (stdout a pipe, not a terminal)."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "sco_kg.cli", *argv], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------------------------- terminal-aware tables


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("name", ["documents", "summits", "timeline", "paragraph-assertions", "supporting-sentences"])
def test_tables_fit_the_terminal_width(name, columns):
    done = cli("query", name, columns=columns)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) > 2
    assert max(display_width(line) for line in lines) <= columns
    assert "graphs:" not in done.stdout and done.stderr.rstrip().splitlines()[-1].startswith("graphs: ")


def test_short_cells_never_wrap_mid_word():
    """At 80 columns every query name (a short cell) stands whole on one line of the `queries` table."""
    done = cli("queries", columns=80)
    assert done.returncode == 0, done.stderr
    assert max(display_width(line) for line in done.stdout.splitlines()) <= 80
    first_cells = {line.split("  ")[0].strip() for line in done.stdout.splitlines()[2:]}
    assert {q.name for q in catalog.all_queries()} <= first_cells
    header = done.stdout.splitlines()[0].split()
    assert header == ["name", "summary", "parameters", "tags"]  # the summary is not last


def test_without_a_terminal_cells_are_cut_at_60_columns_as_before():
    done = cli("query", "documents")
    assert done.returncode == 0, done.stderr
    long_lines = [line for line in done.stdout.splitlines() if display_width(line) > 120]
    assert long_lines  # not fitted to any width
    assert "…" in done.stdout  # the long labels are cut


def test_wrap_breaks_at_spaces_and_iris_after_punctuation():
    assert wrap("All member states will closely cooperate", 16) == ["All member", "states will", "closely", "cooperate"]
    assert wrap("document:interim-rules-of-procedure", 20) == ["document:interim-", "rules-of-procedure"]
    assert wrap("上海合作组织成立宣言", 8) == ["上海合作", "组织成立", "宣言"]  # CJK: two columns a character
    assert wrap(" ".join(["word"] * 50), 10, max_lines=3)[-1].endswith("…")
    table = format_table(["a", "b"], [["short", "a b c d e f g h i j k l m n o p q r s t u v w x y z"]], width=20)
    assert max(display_width(line) for line in table.splitlines()) <= 20
    assert [line.split()[0] for line in table.splitlines()[2:3]] == ["short"]


def test_no_duplicated_iri_and_label_columns(capsys, monkeypatch):
    """`signatories` printed "China | China": the IRI column shows the prefixed name beside its label column."""
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = run(capsys, "query", "signatories")
    assert code == 0
    rows = [line.split() for line in out.splitlines()[2:]]
    assert ["state:china", "China"] in rows
    assert not [r for r in rows if len(r) == 2 and r[0] == r[1]]
    # An IRI column without its own label column keeps the label (documents: signatory beside signatoryLabel
    # is compact; CSV stays the exact W3C result).
    code, out, _ = run(capsys, "query", "signatories", "--format", "csv")
    assert f"{CHINA},China" in out


def test_queries_name_shows_parameters_defaults_columns_and_a_working_example(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run(capsys, "queries", "supporting-sentences")
    assert code == 0
    assert "subject (iri; default: place:bishkek)" in out
    assert "columns: graph, sentence, paragraph, begin, end, text" in out
    example = out.split("example:\n", 1)[1].splitlines()[0].split()
    assert example[:3] == ["sco-kg", "query", "supporting-sentences"]
    code, out, err = run(capsys, *example[1:], "--format", "csv")
    assert code == 0 and "sentence/p13-s2" in out
    assert "using the default" not in err  # the example gives every parameter


# ------------------------------------------------------------------------------ one vocabulary of options


def test_every_short_flag_has_one_meaning_across_commands():
    meanings: dict[str, set[str]] = {}
    for parser in options_doc.command_parsers().values():
        for action in parser._actions:
            if action.help == argparse.SUPPRESS:
                continue
            for flag in action.option_strings:
                if len(flag) == 2 and flag != "-h":
                    meanings.setdefault(flag, set()).add(action.dest)
    assert meanings["-o"] == {"output"} and meanings["-f"] == {"file"}
    assert all(len(dests) == 1 for dests in meanings.values()), meanings


def test_the_same_timeout_default_everywhere():
    defaults = {}
    for name in ("query", "sparql", "serve", "push"):
        sub = build_parser(only=name)._subparsers._group_actions[0].choices[name]  # type: ignore[union-attr]
        defaults[name] = next(a.default for a in sub._actions if "--timeout" in a.option_strings)
    assert set(defaults.values()) == {DEFAULT_TIMEOUT}


CONSTRUCT = f"CONSTRUCT WHERE {{ <{CHINA}> ?p ?o }}"


def test_format_aliases_give_the_same_bytes(capsysbinary):
    def out(*argv: str) -> bytes:
        assert main(list(argv)) == 0
        return capsysbinary.readouterr().out

    assert out("sparql", CONSTRUCT, "--format", "ttl") == out("sparql", CONSTRUCT, "--format", "turtle")
    assert out("sparql", CONSTRUCT, "--format", "json-ld") == out("sparql", CONSTRUCT, "--format", "jsonld")
    assert out("query", "signatories", "--format", "srx") == out("query", "signatories", "--format", "xml")
    assert out("query", "signatories", "--format", "SRJ") == out("query", "signatories", "--format", "json")
    ontology = ("export", "--graph", "ontology")
    assert out(*ontology, "--format", "ttl") == out(*ontology, "--format", "turtle")
    # RDF/XML is rdfxml in every command, and it holds the same triples as Turtle.
    for argv in (("sparql", CONSTRUCT), ("export", "--graph", "ontology")):
        rdfxml = rdflib.Graph().parse(data=out(*argv, "--format", "rdfxml"), format="xml")
        turtle = rdflib.Graph().parse(data=out(*argv, "--format", "turtle"), format="turtle")
        assert len(rdfxml) > 5 and rdflib.compare.isomorphic(rdfxml, turtle)
    nq = out("sparql", CONSTRUCT, "--format", "nq").decode()
    nt = out("sparql", CONSTRUCT, "--format", "nt").decode()
    assert nq == nt and nq.count("\n") > 5  # a CONSTRUCT graph has no names: N-Quads lines are N-Triples lines


def test_old_spellings_work_with_a_deprecation_message(capsysbinary, tmp_path):
    def both(*argv: str) -> tuple[bytes, str]:
        assert main(list(argv)) == 0
        got = capsysbinary.readouterr()
        return got.out, got.err.decode()

    new, err = both("query", "signatories", "--format", "csv")
    assert "deprecated" not in err
    old, err = both("query", "signatories", "-o", "csv")
    assert old == new and "-o FORMAT is deprecated" in err and "--format FORMAT" in err
    new, _ = both("export", "--graph", "ontology", "--format", "nt")
    old, err = both("export", "--graph", "ontology", "-f", "nt")
    assert old == new and "-f FORMAT is deprecated" in err
    new, _ = both("export", "--graph", "ontology", "--format", "rdfxml")
    old, err = both("export", "--graph", "ontology", "--format", "xml")
    assert old == new and "use --format rdfxml" in err
    new, _ = both("export", "--print-context")
    old, err = both("export", "--context")
    assert old == new and "@context" in json.loads(new) and "use export --print-context" in err
    # The warning is one line on stderr, and stdout stays the exact output.
    assert err.count("\n") == 1 and err.startswith("sco-kg: warning:")


def test_an_unknown_format_is_one_line_naming_the_choices(capsys):
    code, _, err = run(capsys, "export", "--format", "xmll")
    assert code == 2 and err.count("\n") == 1
    assert "invalid choice: 'xmll'" in err and "rdfxml (rdf/xml or rdf)" in err and "srx" not in err


def test_with_format_takes_the_same_names(capsys, tmp_path):
    """--with-format takes every name of an input format (turtle/ttl, rdfxml, ...), as --format does."""
    mine = tmp_path / "mine.data"  # an extension that does not tell the format
    mine.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n", encoding="utf-8")
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { <https://example.org/a> ?p ?o } }"
    for name in ("turtle", "ttl", "TTL", "nt", "n-triples"):
        code, out, err = run(capsys, "sparql", count, "--no-inference", "--with", str(mine), "--with-format", name,
                             "--format", "csv")  # fmt: skip
        assert (code, out) == (0, "n\r\n1\r\n"), err
    xml = tmp_path / "mine.xmldata"
    xml.write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">'
        '<rdf:Description rdf:about="https://example.org/a"><ex:b rdf:resource="https://example.org/c"/>'
        "</rdf:Description></rdf:RDF>",
        encoding="utf-8",
    )
    for name in ("rdfxml", "rdf/xml", "xml"):
        code, out, err = run(capsys, "sparql", count, "--no-inference", "--with", str(xml), "--with-format", name,
                             "--format", "csv")  # fmt: skip
        assert (code, out) == (0, "n\r\n1\r\n"), err


def test_a_deprecated_flag_with_a_bad_value_is_one_line(capsys):
    code, _, err = run(capsys, "query", "signatories", "-o", "out.csv")
    assert code == 2 and err.count("\n") == 1 and "invalid choice: 'out.csv'" in err


def test_options_reference_is_current():
    assert (ROOT / "docs" / "reference" / "options.md").read_text(encoding="utf-8") == options_doc.markdown()
    assert "reference/options.md" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------ provenance on the CLI


def test_supporting_sentences_names_the_defaults_it_used(capsys):
    code, out, err = run(capsys, "query", "supporting-sentences", "--format", "csv")
    assert code == 0 and "sentence/p13-s2" in out
    assert "using the default subject=place:bishkek, predicate=sco:locatedIn, object=state:kyrgyzstan" in err


def test_supporting_sentences_with_only_a_subject_is_not_a_silent_empty_table(capsys):
    code, _, err = run(capsys, "query", "supporting-sentences", "-p", "subject=state:china")
    assert code == 1
    assert "using the default predicate=sco:locatedIn, object=state:kyrgyzstan" in err
    assert "no statement state:china sco:locatedIn state:kyrgyzstan in the dataset" in err


def test_supporting_sentences_says_a_fact_is_inferred_and_points_to_explain(capsys):
    args = ["-p", "subject=state:uzbekistan", "-p", "predicate=sco:memberOf", "-p", "object=organization:sco"]
    code, out, err = run(capsys, "query", "supporting-sentences", *args, "--format", "csv")
    assert code == 0 and out.strip().splitlines() == ["graph,sentence,paragraph,begin,end,text"]
    assert "is inferred (OWL 2 RL)" in err
    command = err.split("'sco-kg explain ", 1)[1].split("'", 1)[0].split()
    assert command == ["state:uzbekistan", "sco:memberOf", "organization:sco"]
    code, out, _ = run(capsys, "explain", *command)
    assert code == 0 and "[inferred" in out and "\n   by " in out  # the rule and premises, down to sentences


# -------------------------------------------------------------------------------------- --with files


def test_with_file_warns_about_undefined_sco_terms_and_reports_a_slow_closure(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SCO_KG_CACHE", str(tmp_path / "cache"))  # a first run: nothing cached
    monkeypatch.setattr(dataset, "SLOW_AFTER", 0.0)
    monkeypatch.setattr(dataset, "_CHECKED", set())
    mine = tmp_path / "mine.ttl"
    mine.write_text(
        "@prefix sco: <https://w3id.org/sco-kg/ontology/> .\n"
        "<https://example.org/x> sco:membreOf <https://w3id.org/sco-kg/id/organization/sco> ; a sco:State .\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "query", "signatories", "--with", str(mine), "--format", "csv")
    assert code == 0 and CHINA in out
    assert f"sco-kg: warning: {mine}: sco:membreOf is not defined by the ontology; did you mean sco:memberOf?" in err
    assert "sco:State" not in err  # a term the ontology defines passes
    assert "computing the OWL 2 RL closure with 1 file(s) of yours" in err
    assert "closure computed in" in err
    # The second run uses the cache and checks the file again only in a new process.
    code, _, err = run(capsys, "query", "signatories", "--with", str(mine), "--format", "csv")
    assert code == 0 and "computing" not in err and "membreOf" not in err
    assert dataset.notify is None  # the CLI's hook is gone after main(): the Python API stays silent


def test_undefined_terms_names_the_closest():
    defined = {iri.ONTOLOGY + "memberOf", iri.ONTOLOGY + "State"}
    got = dataset.undefined_terms(
        [iri.ONTOLOGY + "membreOf", iri.ONTOLOGY + "State", iri.ONTOLOGY + "zzz", "https://example.org/membreOf"],
        defined,
    )
    assert got == [("membreOf", "memberOf"), ("zzz", None)]


def test_csv_rows_are_unchanged_by_the_table_work(capsys):
    """CSV/TSV/JSON stay exact W3C results: the CSV of `signatories` has full IRIs and the label column."""
    code, out, _ = run(capsys, "query", "signatories", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {r["state"] for r in rows} >= {CHINA} and {"state", "label"} == set(rows[0])
