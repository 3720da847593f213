"""``sco-kg store build DIR`` and ``--store DIR`` on the read commands (issue 8: the on-disk store)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

import sco_kg
from sco_kg.cli import main
from sco_kg.dataset import Source

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A three-document synthetic corpus (N-Quads, with the ontology), made by bench/corpus.py."""
    out = tmp_path_factory.mktemp("corpus") / "corpus-3.nq"
    subprocess.run([sys.executable, "-m", "bench.corpus", "3", "-o", str(out)], cwd=REPO, check=True)
    return out


def _quads(store: ox.Store) -> Counter[str]:
    """Return the store's quads as a bag of strings, blank node labels blanked (stores relabel them)."""
    return Counter(re.sub(r"_:\w+", "_:b", str(q)) for q in store)


def _error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("sco-kg")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_build_from_file_holds_exactly_its_quads(corpus, tmp_path, capsys):
    db = tmp_path / "kg.db"
    assert main(["store", "build", str(db), "--from", str(corpus)]) == 0
    out, err = capsys.readouterr()
    expected = ox.Store()
    expected.load(path=str(corpus), format=ox.RdfFormat.N_QUADS)
    assert f"{len(expected):,} quads" in out
    assert "building" in err and "100%" in err  # the progress bar, on stderr
    disk = ox.Store.read_only(str(db))
    assert len(disk) == len(expected) > 1000
    assert _quads(disk) == _quads(expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg.db"]  # no temporary directory left behind


def test_stats_reads_the_store(corpus, tmp_path, capsys):
    db = tmp_path / "kg.db"
    assert main(["store", "build", str(db), "--from", str(corpus), "-q"]) == 0
    assert capsys.readouterr().err == ""  # --quiet: no progress bar
    assert main(["stats", "--store", str(db)]) == 0
    out = capsys.readouterr().out
    total = next(int(ln.split()[1]) for ln in out.splitlines() if ln.startswith("total"))
    assert total == len(ox.Store.read_only(str(db)))
    counts = {ln.split()[0]: ln.split()[1] for ln in out.splitlines() if ln.strip()}
    assert counts["sco:Declaration"] == "3"
    assert counts["<https://w3id.org/sco-kg/bench/graph/text>"].isdigit()


def test_store_opens_concurrently_read_only(corpus, tmp_path):
    db = tmp_path / "kg.db"
    assert main(["store", "build", str(db), "--from", str(corpus), "-q"]) == 0
    code = (
        "import sys, pyoxigraph as ox; s = ox.Store.read_only(sys.argv[1]); "
        "q = 'SELECT ?d WHERE { GRAPH ?g { ?d a <https://w3id.org/sco-kg/ontology/Declaration> } }'; "
        "print(len(list(s.query(q))))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, text=True) for _ in range(3)
    ]
    assert [p.communicate(timeout=60)[0].strip() for p in procs] == ["3", "3", "3"]


def test_existing_store_needs_force(corpus, tmp_path, capsys):
    db = tmp_path / "kg.db"
    assert main(["store", "build", str(db), "--from", str(corpus), "-q"]) == 0
    before = len(ox.Store.read_only(str(db)))
    assert main(["store", "build", str(db), "--from", str(corpus), "-q"]) == 2
    assert "add --force" in _error_line(capsys.readouterr().err)
    small = tmp_path / "one.nq"
    small.write_text('<https://example.org/s> <https://example.org/p> "o" <https://example.org/g> .\n')
    assert main(["store", "build", str(db), "--from", str(small), "-q", "--force"]) == 0
    assert len(ox.Store.read_only(str(db))) == 1 < before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg.db", "one.nq"]


def test_force_never_deletes_a_directory_that_is_not_a_store(corpus, tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert main(["store", "build", str(mine), "--from", str(corpus), "-q", "--force"]) == 2
    assert "not empty and not a store" in _error_line(capsys.readouterr().err)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_malformed_input_leaves_nothing_behind(tmp_path, capsys):
    bad = tmp_path / "bad.nq"
    bad.write_text("<https://example.org/s> <https://example.org/p> .\n")
    db = tmp_path / "kg.db"
    assert main(["store", "build", str(db), "--from", str(bad), "-q"]) == 1
    assert _error_line(capsys.readouterr().err).startswith(f"sco-kg: error: {bad}: malformed RDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.nq"]


def test_malformed_input_keeps_the_old_store(corpus, tmp_path, capsys):
    db = tmp_path / "kg.db"
    assert main(["store", "build", str(db), "--from", str(corpus), "-q"]) == 0
    before = _quads(ox.Store.read_only(str(db)))
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix : <https://example.org/> .\n:a :b :c .\n:a :b")
    assert main(["store", "build", str(db), "--from", str(bad), "-q", "--force"]) == 1
    assert "bad.ttl: malformed RDF" in _error_line(capsys.readouterr().err)
    assert _quads(ox.Store.read_only(str(db))) == before


def test_triple_files_go_to_a_user_graph(tmp_path, capsys):
    ttl = tmp_path / "mine.ttl"
    ttl.write_text("@prefix : <https://example.org/> .\n:a :b :c .\n")
    db = tmp_path / "kg.db"
    assert main(["store", "build", str(db), "--from", str(ttl), "-q"]) == 0
    graphs = [str(g) for g in ox.Store.read_only(str(db)).named_graphs()]
    assert graphs == ["<https://w3id.org/sco-kg/graph/user/mine.ttl>"]


@pytest.mark.slow
def test_asserted_store_equals_the_in_memory_dataset(tmp_path, capsys):
    pass

    db = tmp_path / "kg.db"
    assert main(["store", "build", str(db), "--no-inference", "-q"]) == 0
    assert _quads(ox.Store.read_only(str(db))) == _quads(sco_kg.open_store(Source(inferred=False)))


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["stats", "--store", "{tmp}/missing"], 1, "no such store (build one with 'sco-kg store build"),
        (["stats", "--store", "{tmp}/empty"], 1, "not an Oxigraph store"),
        (["stats", "--store", "{tmp}/file.txt"], 1, "not a directory"),
        (
            ["stats", "--store", "{tmp}/empty", "--no-inference"],
            2,
            "--no-inference cannot be combined with --store",
        ),
        (["stats", "--store", "{tmp}/empty", "--with", "{tmp}/file.txt"], 2, "--with cannot be combined"),
        (["store", "build", "{tmp}/x.db", "--from", "{tmp}/missing.nq"], 1, "missing.nq: file not found"),
        (["store", "build", "{tmp}/x.db", "--from", "{tmp}/file.txt"], 1, "unknown RDF format"),
        (
            ["store", "build", "{tmp}/x.db", "--from", "{tmp}/file.txt", "--no-inference"],
            2,
            "cannot be combined",
        ),
        (["store", "build", "{tmp}/file.txt", "--no-inference"], 2, "exists and is not a directory"),
        (
            ["store", "build", "{tmp}/x.db", "--with-format", "docx", "--no-inference"],
            2,
            "--with-format 'docx'",
        ),
        (["store", "build", "{tmp}/x.db", "--from", "{tmp}/entities.rdf"], 1, "<!ENTITY> or external DTD"),
        (["store", "build", "{tmp}/x.db", "--from", "{tmp}/file.nt", "--max-bytes", "4"], 1, "over the input size"),
    ],
)
def test_bad_input_is_one_line(argv, code, message, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.txt").write_text("not rdf")
    (tmp_path / "file.nt").write_text("<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n")
    (tmp_path / "entities.rdf").write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    )
    assert main([a.format(tmp=tmp_path) for a in argv]) == code
    assert message in _error_line(capsys.readouterr().err)
    assert not (tmp_path / "x.db").exists()


def test_query_and_sparql_answer_the_same_from_the_store(tmp_path, capsys):
    """A store built from the shipped dataset answers exactly what the in-memory read path answers."""
    db = tmp_path / "kg.db"
    assert main(["store", "build", str(db), "-q"]) == 0
    capsys.readouterr()
    for argv in (
        ["query", "signatories", "--format", "csv"],
        ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "csv"],
    ):
        assert main(argv) == 0
        expected = capsys.readouterr().out
        assert main([*argv, "--store", str(db)]) == 0
        assert capsys.readouterr().out == expected and expected.count("\n") > 1
