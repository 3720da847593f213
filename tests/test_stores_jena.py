"""Apache Jena TDB2 (Debian's libapache-jena-java 4.5) as a real store, through its own command line.

Debian has no Fuseki package, so there is no Jena HTTP endpoint to push to: the recipe (docs/how-to/stores.md) is
the N-Quads export loaded with Jena's own bulk loader ``tdb2.tdbloader`` and queried with ``tdb2.tdbquery`` (Java
classes on the class path of tests/jena.py). Every offline canned query gives the local rows.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

import sco_kg
from sco_kg import remote
from sco_kg.cli import main
from sco_kg.engine.limits import Limits
from sco_kg.engine.results import Result
from sco_kg.sparql import catalog
from sco_kg.sparql.params import bind_params, bind_values
from tests import jena
from tests.conftest import require_tool
from tests.test_remote import _normalise

UNION = ["--set", "tdb:unionDefaultGraph=true"]


@pytest.fixture(scope="module")
def tdb2(tmp_path_factory) -> tuple[str, Path]:
    """Return (class path, TDB2 directory) holding the N-Quads export of everything local queries see."""
    require_tool("java", "default-jdk-headless")
    why = jena.missing()
    if why:  # as require_tool(): a skip locally, a failure in CI
        if os.environ.get("SCO_KG_REQUIRE_SYSTEM_TOOLS") == "1":
            pytest.fail(why + " (SCO_KG_REQUIRE_SYSTEM_TOOLS=1: CI must not skip)")
        pytest.skip(why)
    work = tmp_path_factory.mktemp("tdb2")
    cp = jena.classpath(jena.default_cache())
    data = work / "sco-kg.nq"
    assert main(["export", "--format", "nq", "--graph", "all", "-o", str(data)]) == 0
    loc = work / "db"
    proc = subprocess.run(["java", "-cp", cp, "tdb2.tdbloader", "--loc", str(loc), str(data)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return cp, loc


def tdbquery(tdb2: tuple[str, Path], text: str, tmp_path: Path, union: bool = True) -> str:
    """Return the SPARQL results JSON of ``tdb2.tdbquery`` for ``text``."""
    cp, loc = tdb2
    path = tmp_path / "q.rq"
    path.write_text(text, encoding="utf-8")
    cmd = ["java", "-cp", cp, "tdb2.tdbquery", "--loc", str(loc), *(UNION if union else []), "--results=json",
           "--query", str(path)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.parametrize("name", [n for n in catalog.names() if "federated" not in catalog.get(n).tags])
def test_tdb2_canned_query_equals_local(name, tdb2, tmp_path):
    """Each offline canned query on TDB2 (union default graph) gives the local rows."""
    q = catalog.get(name)
    bindings = bind_params(q, {})
    local = sco_kg.run(q.text, None, Limits(), bindings=bindings)
    body = tdbquery(tdb2, bind_values(q.text, bindings), tmp_path)
    vars_, rows, boolean = remote.parse_results_json("tdb2.tdbquery", body, local.form)
    there = Result("ASK", boolean=boolean) if local.form == "ASK" else Result("SELECT", vars_, tuple(rows))
    there = replace(there, ordered=local.ordered)
    assert _normalise(there) == _normalise(local)


def test_tdb2_union_default_graph_quirk(tdb2, tmp_path):
    """Quirk (configured, not worked around): TDB2's default graph is its own, empty for the export; only
    ``tdb:unionDefaultGraph=true`` (Fuseki: ``tdb2:unionDefaultGraph true``) makes it the union of the graphs."""
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    with_union = remote.parse_results_json("tdb2", tdbquery(tdb2, text, tmp_path), "SELECT")[1]
    without = remote.parse_results_json("tdb2", tdbquery(tdb2, text, tmp_path, union=False), "SELECT")[1]
    assert int(without[0][0].value) == 0 and int(with_union[0][0].value) > 5000
