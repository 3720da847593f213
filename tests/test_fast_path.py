"""The CLI read path never imports rdflib or owlrl while the shipped closure is fresh (issue 8).

One exception since issue 13: ad-hoc SPARQL text from a user goes through the gate, which decides on a parse by
rdflib's grammar-complete SPARQL parser; those commands may import rdflib, and only from the gate.

Each command runs in a fresh interpreter through a small driver that installs an import spy before
``sco_kg.cli`` is imported: the first import of a watched package is recorded with the sco_kg frames that
caused it, so a failure names the module and line that imports rdflib eagerly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WATCHED = ("rdflib", "owlrl", "reasonable", "pyshacl", "starlette", "uvicorn", "pandas")

DRIVER = r"""
import importlib.abc, json, sys, traceback
import sco_kg
from sco_kg import dataset
from sco_kg.cli.render import render
from sco_kg.dataset import Source, store_summary
from sco_kg.dev import golden
from sco_kg.engine.labels import labels
from sco_kg.engine.limits import Limits
from sco_kg.engine.results import Result
from sco_kg.errors import ReasoningError
from sco_kg.io import inputs
from sco_kg.io.inputs import DEFAULT_MAX_INPUT_BYTES, guard_input, max_input_bytes, ox_format, set_max_input_bytes
from sco_kg.io.ox_parse import load_file
from sco_kg.io.rdflib_parse import parse_into
from sco_kg.rdf.term import XSD, XSD_INTEGER, Term
from sco_kg.reasoning import engines, guards, tiers, vocab
from sco_kg.reasoning import filter as rfilter
from sco_kg.reasoning import materialize as closure
from sco_kg.sparql import catalog
from sco_kg.sparql.header import HeaderError, parse_header, split_header
from sco_kg.sparql.params import MAX_PARAM_LENGTH, bind_params, bind_values, parse_param
WATCHED = set(sys.argv[1].split(","))
first = {}
class Spy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in WATCHED and top not in first:
            frames = [f for f in traceback.extract_stack()[:-1] if "sco_kg" in f.filename]
            first[top] = [f"{f.filename.split('sco_kg', 1)[1]}:{f.lineno} ({f.name}): {f.line}" for f in frames]
        return None
sys.meta_path.insert(0, Spy())
from sco_kg.cli import main
rc = main(sys.argv[2:])
sys.stdout.flush()
sys.stderr.write("\nFAST-PATH " + json.dumps({"rc": rc, "imported": first}) + "\n")
"""


def _plain_queries() -> list[str]:
    """Return the canned queries that run offline without --param (defaults for all, no SERVICE)."""
    from sco_kg.sparql import catalog, gate

    def offline(text: str) -> bool:
        try:
            gate.check(text)
        except Exception:  # federated (SERVICE): refused without --allow-service
            return False
        return True

    try:
        queries = catalog.all_queries()
    except Exception:  # a broken catalogue is reported by the catalogue's own tests
        return []
    return [q.name for q in queries if all(p.default is not None for p in q.params.values()) and offline(q.text)]


def run_watched(argv: list[str], tmp_path: Path) -> tuple[dict, str]:
    """Run ``sco-kg argv`` in a fresh interpreter; return the spy's report and the command's stdout."""
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, ",".join(WATCHED), *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    marker = [ln for ln in proc.stderr.splitlines() if ln.startswith("FAST-PATH ")]
    assert marker, proc.stderr[-2000:]
    report = json.loads(marker[-1][len("FAST-PATH ") :])
    report["stderr"] = proc.stderr.rsplit("FAST-PATH ", 1)[0].strip()[-1000:]
    return report, proc.stdout


def _stale() -> str | None:
    from sco_kg.reasoning import materialize

    return materialize.shipped_status()


def test_shipped_closure_is_fresh():
    """The premise of this module: with a stale artifact the read path must reason (and import rdflib)."""
    status = _stale()
    assert status is None, f"the shipped closure is stale ({status}): regenerate it with 'sco-kg reason'"


@pytest.fixture(autouse=True)
def fresh_closure(request) -> None:
    """Skip the import checks while the artifact is stale: test_shipped_closure_is_fresh fails instead, once."""
    if request.node.name != "test_shipped_closure_is_fresh" and (status := _stale()) is not None:
        pytest.skip(f"shipped closure stale ({status}); see test_shipped_closure_is_fresh")


def _check(argv: list[str], tmp_path: Path) -> str:
    report, out = run_watched(argv, tmp_path)
    assert report["rc"] == 0, f"sco-kg {' '.join(argv)} exited {report['rc']}: {report['stderr']}"
    if argv[0] == "sparql":  # user text: the gate's parser (rdflib's SPARQL grammar), nothing else
        assert any("/sparql/gate.py" in frame for frame in report["imported"].pop("rdflib", [])), report
        report["imported"].pop("pyparsing", None)
    culprits = "; ".join(f"{pkg} imported via {' -> '.join(stack) or 'a non-sco_kg module'}"
                         for pkg, stack in report["imported"].items())  # fmt: skip
    assert not report["imported"], f"sco-kg {' '.join(argv)}: {culprits}"
    return out


@pytest.mark.parametrize("name", _plain_queries())
def test_canned_query_does_not_import_rdflib(name, tmp_path):
    out = _check(["query", name, "--format", "csv"], tmp_path)
    assert out.splitlines()[0]  # the CSV header: the query really ran


@pytest.mark.slow
def test_table_output_does_not_import_rdflib(tmp_path):
    names = _plain_queries()
    assert names, "no canned query runs without parameters"
    out = _check(["query", names[0]], tmp_path)
    assert out.strip()


@pytest.mark.parametrize(
    "argv",
    [
        ["stats"],
        ["queries"],
        ["--help"],
        ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv"],
        ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json"],
        ["sparql", "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 5", "--format", "nt"],
        ["export", "--format", "nq"],
        ["export", "--format", "ttl", "--graph", "all"],
        ["export", "--format", "jsonld"],
    ],
    ids=lambda a: " ".join(a)[:40],
)
def test_read_command_does_not_import_rdflib(argv, tmp_path):
    out = _check(argv, tmp_path)
    assert out.strip()


def test_sparql_count_is_the_store_size(tmp_path):
    """The fast path answers from the materialised dataset: the count equals the shipped N-Quads line count."""
    from sco_kg import paths

    out = _check(["sparql", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "csv"], tmp_path)
    quads = sum(1 for ln in paths.closure_file().read_text(encoding="utf-8").splitlines() if ln.strip())
    assert out.splitlines()[1].strip() == str(quads)


@pytest.mark.slow
def test_store_path_does_not_import_rdflib(tmp_path):
    from sco_kg.cli import main

    db = tmp_path / "kg.db"
    assert main(["store", "build", str(db), "-q"]) == 0
    stats = _check(["stats", "--store", str(db)], tmp_path)
    assert "total" in stats
    out = _check(["sparql", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "csv", "--store",
                  str(db)], tmp_path)  # fmt: skip
    assert int(out.splitlines()[1]) > 1000


@pytest.mark.slow
def test_spy_catches_an_rdflib_import(tmp_path):
    """The check can fail: a command that needs rdflib (the rdflib engine) is reported, with its sco_kg frames."""
    report, _ = run_watched(["sparql", "ASK { ?s ?p ?o }", "--engine", "rdflib", "--format", "csv"], tmp_path)
    assert report["rc"] == 0
    assert "rdflib" in report["imported"]
    assert any("/engine/run.py" in frame for frame in report["imported"]["rdflib"])
