"""T5, T8, T9: parsing user-supplied RDF cannot blow up, read local files or fetch anything (SECURITY.md)."""

from __future__ import annotations

import json
from pathlib import Path

import _helpers
import pytest
from _helpers import HitServer, isolated_env, one_line_error, run_cli

import sco_kg
from sco_kg.dataset import Source
from sco_kg.errors import DataFileError
from sco_kg.io.inputs import guard_input

hit_server = _helpers.hit_server  # the fixture

RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/"'
PLAIN_RDFXML = f"""<?xml version="1.0"?>
<rdf:RDF {RDF_NS}><rdf:Description rdf:about="http://example.org/a"><ex:p>plain</ex:p></rdf:Description></rdf:RDF>
"""


def billion_laughs(levels: int = 9) -> str:
    """Return an RDF/XML document whose literal expands to 10**levels copies of 'lol' (565 bytes for 6 levels)."""
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(ents) + "\n]>\n"
        f'<rdf:RDF {RDF_NS}><rdf:Description rdf:about="http://example.org/a">'
        f"<ex:p>&lol{levels};</ex:p></rdf:Description></rdf:RDF>\n"
    )


def xxe(system_id: str) -> str:
    """Return an RDF/XML document whose literal is an external entity ``system_id``."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "{system_id}">]>\n'
        f'<rdf:RDF {RDF_NS}><rdf:Description rdf:about="http://example.org/a"><ex:p>&x;</ex:p>'
        "</rdf:Description></rdf:RDF>\n"
    )


@pytest.mark.timeout(60)
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_t5_billion_laughs_refused(tmp_path: Path, engine: str) -> None:
    bomb = tmp_path / "bomb.rdf"
    bomb.write_text(billion_laughs())
    proc = run_cli("sparql", "--no-inference", "--engine", engine, "--with", str(bomb), "ASK {}", cwd=tmp_path)
    assert proc.returncode == 1
    assert "<!ENTITY>" in one_line_error(proc)


@pytest.mark.timeout(30)
def test_t5_billion_laughs_utf16_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb16.rdf"
    bomb.write_bytes(billion_laughs().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"))
    with pytest.raises(DataFileError, match="ENTITY"):
        guard_input(bomb, "xml")


@pytest.mark.timeout(30)
def test_t5_defusedxml_stops_rdflib_even_without_the_guard() -> None:
    """Second line: with the standard library defused, rdflib itself fails fast on the bomb."""
    import rdflib

    from sco_kg import sandbox

    sandbox.defuse_xml()
    with pytest.raises(Exception, match=r"(?i)entit"):
        rdflib.Graph().parse(data=billion_laughs(), format="xml")


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_t5_xxe_local_file_never_read(tmp_path: Path, engine: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doc = tmp_path / "xxe.rdf"
    doc.write_text(xxe(secret.as_uri()))
    proc = run_cli("sparql", "--no-inference", "--engine", engine, "--with", str(doc), "--format", "csv",
                   "SELECT ?o WHERE { <http://example.org/a> ?p ?o }", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1
    assert "TOP-SECRET" not in proc.stdout + proc.stderr
    one_line_error(proc)


@pytest.mark.slow
def test_t5_xxe_http_never_fetched(hit_server: HitServer, tmp_path: Path) -> None:
    doc = tmp_path / "xxe-http.rdf"
    doc.write_text(xxe(hit_server.url("/entity")))
    for engine in ("oxigraph", "rdflib"):
        with pytest.raises(DataFileError, match="ENTITY"):
            sco_kg.run("ASK {}", Source(inferred=False, with_files=[doc]), engine=engine)  # type: ignore[arg-type]
    assert hit_server.hits == []


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_t5_plain_rdfxml_still_parses(tmp_path: Path, engine: str) -> None:
    doc = tmp_path / "plain.rdf"
    doc.write_text(PLAIN_RDFXML)
    res = sco_kg.run(
        "SELECT ?o WHERE { <http://example.org/a> <http://example.org/p> ?o }",
        Source(inferred=False, with_files=[doc]),
        engine=engine,
    )
    assert [row[0].value for row in res.rows] == ["plain"]  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------- T8: owlrl


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_t8_sameas_clique_rejected_before_the_closure(tmp_path: Path) -> None:
    chain = tmp_path / "sameas-chain.ttl"
    # Project IRIs: owl:sameAs links to outside IRIs never enter the closure (rfilter.is_external_link).
    lines = ["@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix ex: <https://w3id.org/sco-kg/id/test/> ."]
    lines += [f'ex:n{i} owl:sameAs ex:n{i + 1} ; ex:p "v{i}" .' for i in range(100)]
    chain.write_text("\n".join(lines) + "\n")
    proc = run_cli("sparql", "--with", str(chain), "ASK {}", cwd=tmp_path, env=isolated_env(tmp_path))
    assert proc.returncode == 1
    line = one_line_error(proc)
    assert "owl:sameAs component of 101 resources" in line
    assert "exceeds the limit of 20" in line
    assert not list((tmp_path / "cache").glob("closure-*.nq"))  # nothing half-computed was cached


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_t8_property_chain_loop_rejected(tmp_path: Path) -> None:
    onto = tmp_path / "loop.ttl"
    onto.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix ex: <http://example.org/> .\n"
        "ex:p owl:propertyChainAxiom ( ex:p ex:q ) .\nex:a ex:p ex:b . ex:b ex:q ex:c .\n"
    )
    proc = run_cli("sparql", "--with", str(onto), "ASK {}", cwd=tmp_path, env=isolated_env(tmp_path))
    assert proc.returncode == 1
    assert "property chain loop" in one_line_error(proc)


# ------------------------------------------------------------------------------------------- T9: huge input


@pytest.mark.slow
def test_t9_cli_max_bytes_refuses_large_file(tmp_path: Path) -> None:
    big = tmp_path / "big.nt"
    big.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(200)))
    proc = run_cli("sparql", "--no-inference", "--max-bytes", "1k", "--with", str(big), "ASK {}", cwd=tmp_path)
    assert proc.returncode == 1
    assert "over the input size limit of 1024 bytes" in one_line_error(proc)
    proc = run_cli("sparql", "--no-inference", "--max-bytes", "1M", "--with", str(big), "ASK {}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "true"  # the answer (a legend may follow)


@pytest.mark.timeout(60)
def test_t9_ten_megabyte_literal_parses(tmp_path: Path) -> None:
    doc = tmp_path / "huge-literal.nt"
    doc.write_text('<http://example.org/a> <http://example.org/p> "' + "x" * 10_000_000 + '" .\n')
    res = sco_kg.run(
        "SELECT (STRLEN(?o) AS ?n) WHERE { <http://example.org/a> <http://example.org/p> ?o }",
        Source(inferred=False, with_files=[doc]),
    )
    assert res.rows[0][0].value == "10000000"  # type: ignore[union-attr]


def test_t9_deep_json_refused(tmp_path: Path) -> None:
    doc = tmp_path / "deep.jsonld"
    doc.write_text('{"@id": "http://example.org/a", "http://example.org/p": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(DataFileError, match="nested"):
        guard_input(doc, "json-ld")
    proc = run_cli("sparql", "--no-inference", "--with", str(doc), "ASK {}", cwd=tmp_path)
    assert proc.returncode == 1
    assert "nested" in one_line_error(proc)


def test_t9_http_body_over_limit_413() -> None:
    from starlette.testclient import TestClient

    pass
    from sco_kg.server import ServerConfig, create_app

    app = create_app(sco_kg.open_store(Source(inferred=False)), ServerConfig(quiet=True, max_body_bytes=1000))
    with TestClient(app) as client:
        body = "ASK {}" + " " * 5000
        got = client.post("/sparql", content=body, headers={"Content-Type": "application/sparql-query"})
        assert got.status_code == 413
        assert got.headers["content-type"].startswith("text/plain")
        assert client.post(
            "/sparql", content="ASK {}", headers={"Content-Type": "application/sparql-query"}
        ).json() == {
            "head": {},
            "boolean": True,
        }


def test_t9_json_guard_passes_ordinary_jsonld(tmp_path: Path) -> None:
    doc = tmp_path / "ok.jsonld"
    doc.write_text(json.dumps({"@context": {"p": "http://example.org/p"}, "@id": "http://example.org/a", "p": "v"}))
    assert guard_input(doc, "json-ld") is None
