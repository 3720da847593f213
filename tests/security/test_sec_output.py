"""T14 (tool packaging) and T15 (conformant output): what sco-kg writes, independent parsers accept."""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sco_kg import export, paths

TOOLS = ["rdflib", "owlrl", "pyoxigraph", "pyshacl", "SPARQLWrapper", "defusedxml", "pyld", "reasonable",
         "starlette", "uvicorn", "jinja2"]  # fmt: skip


@pytest.mark.parametrize("module", TOOLS)
def test_t14_tool_imports(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod is not None
    dist = {"pyld": "PyLD", "SPARQLWrapper": "SPARQLWrapper"}.get(module, module)
    assert importlib.metadata.version(dist)


def test_t14_oxigraph_cli_runs() -> None:
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 0
    assert re.search(r"\d+\.\d+", proc.stdout)


def test_t14_no_known_broken_pins() -> None:
    """pyLODE 3.4.1 crashes at import and owlready2 >= 0.50 bundles a Java 25 jar (SECURITY.md §10)."""
    import tomllib

    meta = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    deps = list(meta["project"]["dependencies"])
    for extra in meta["project"].get("optional-dependencies", {}).values():
        deps += extra
    for dep in deps:
        name = re.split(r"[<>=!~\[ ;]", dep, maxsplit=1)[0].lower()
        if name == "pylode":
            assert "==3.3.4" in dep, dep
        if name == "owlready2":
            assert "<0.50" in dep, dep


# ------------------------------------------------------------------------------------------- T15


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every export format of asserted + inferred, written once."""
    out = tmp_path_factory.mktemp("exports")
    files = {}
    for fmt in export.FORMATS:
        target = out / f"sco-kg{export.EXTENSIONS[fmt]}"
        export.export(fmt=fmt, selection="all", output=target)  # type: ignore[arg-type]
        files[fmt] = target
    return files


def _triples(path: Path) -> set[tuple[str, str, str]]:
    import pyoxigraph as ox

    fmt = {".ttl": "TURTLE", ".nt": "N_TRIPLES", ".rdf": "RDF_XML", ".trig": "TRIG", ".nq": "N_QUADS"}
    if path.suffix == ".jsonld":
        ds = export.parse_jsonld(path)
        return {(s.n3(), p.n3(), o.n3()) for s, p, o, _ in ds.quads((None, None, None, None))}
    return {(str(q.subject), str(q.predicate), str(q.object))
            for q in ox.parse(path=str(path), format=getattr(ox.RdfFormat, fmt[path.suffix]))}  # fmt: skip


def _ground(triples: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    return {t for t in triples if not any(x.startswith("_:") for x in t)}


@pytest.mark.slow
def test_t15_exports_parse_with_pyoxigraph_and_agree(exports: dict[str, Path]) -> None:
    reference = _triples(exports["nt"])
    assert len(reference) > 1000
    for fmt in ("ttl", "xml", "trig", "nq"):
        got = _triples(exports[fmt])
        assert len(got) == len(reference), fmt  # blank-node labels differ between parses
        assert _ground(got) == _ground(reference), fmt


def test_t15_no_literal_subjects_or_bad_iris(exports: dict[str, Path]) -> None:
    iri = re.compile(r'^<[^\x00-\x20<>"{}|^`\\]*>$')
    for line in exports["nt"].read_text(encoding="utf-8").splitlines():
        subject, predicate, _ = line.split(" ", 2)
        assert subject.startswith(("<", "_:")), line
        if subject.startswith("<"):
            assert iri.match(subject), line
        assert iri.match(predicate), line


def test_t15_rapper_validates_exports(exports: dict[str, Path]) -> None:
    from conftest import require_tool

    rapper = require_tool("rapper", "raptor2-utils")
    count = len(exports["nt"].read_text(encoding="utf-8").splitlines())
    quads = len(exports["nq"].read_text(encoding="utf-8").splitlines())
    for fmt, syntax in (("ttl", "turtle"), ("nt", "ntriples"), ("xml", "rdfxml"), ("trig", "trig"), ("nq", "nquads")):
        proc = subprocess.run([rapper, "-c", "-i", syntax, str(exports[fmt]), paths.resource_root().as_uri()],
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert proc.returncode == 0, (fmt, proc.stderr[-2000:])
        found = int(re.search(r"returned (\d+) (?:triples|statements)", proc.stderr + proc.stdout).group(1))  # type: ignore[union-attr]
        assert found == (quads if fmt in ("trig", "nq") else count), fmt


@pytest.mark.slow
def test_t15_jsonld_round_trip_isomorphic(exports: dict[str, Path]) -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    nt = Graph().parse(exports["nt"], format="nt")
    ttl = Graph().parse(exports["ttl"], format="turtle")
    jsonld = Graph()
    for s, p, o, _ in export.parse_jsonld(exports["jsonld"]).quads((None, None, None, None)):
        jsonld.add((s, p, o))
    assert isomorphic(nt, ttl)
    assert isomorphic(nt, jsonld)
