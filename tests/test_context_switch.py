"""Issue 7: outside facts can be included or excluded (``--no-context``, ``context=False``), and the default
views say which graphs they used. Issue 2: the inferences that rest on outside facts are marked as such."""

from __future__ import annotations

import csv
import io

import pytest

import sco_kg
from sco_kg.cli import main
from sco_kg.dataset import Source, store_summary
from sco_kg.rdf import iri

DECLARATION = iri.DECLARATION
SHANGHAI = iri.ID + "place/shanghai"
FOOTER_WITH = "graphs: declaration (asserted + inferred) + outside facts (scog:context/*)"
FOOTER_WITHOUT = "graphs: declaration (asserted + inferred) (outside facts excluded: --no-context)"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _declaration_places(out: str) -> set[str]:
    return {r["place"] for r in _rows(out) if r["document"] == DECLARATION}


def test_no_context_removes_the_signing_place_of_the_declaration(capsys):
    """The Declaration's place (Shanghai) rests on an outside fact: shown by default, gone with --no-context."""
    assert main(["query", "documents", "--format", "csv"]) == 0
    assert _declaration_places(capsys.readouterr().out) == {SHANGHAI}
    assert main(["query", "documents", "--format", "csv", "--no-context"]) == 0
    out = capsys.readouterr().out
    assert _declaration_places(out) == {""}
    # What the declaration itself gives stays: its date (P21) and its six signatories.
    rows = [r for r in _rows(out) if r["document"] == DECLARATION]
    assert {r["date"] for r in rows} == {"2001-06-15"} and len({r["signatory"] for r in rows}) == 6


def test_table_and_md_end_with_the_graphs_used(capsys):
    """The default views name the graphs they used, on stderr (issue 17: stdout is the table); CSV/TSV/JSON/XML
    carry no footer (pure W3C results)."""
    for fmt in ("table", "md"):
        assert main(["query", "signatories", "--format", fmt]) == 0
        captured = capsys.readouterr()
        assert captured.err.rstrip("\n").splitlines()[-1] == FOOTER_WITH
        assert "graphs:" not in captured.out
        assert main(["query", "signatories", "--format", fmt, "--no-context"]) == 0
        assert capsys.readouterr().err.rstrip("\n").splitlines()[-1] == FOOTER_WITHOUT
    assert main(["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--no-inference"]) == 0
    assert capsys.readouterr().err.rstrip("\n").splitlines()[-1] == (
        "graphs: declaration (asserted) + outside facts (scog:context/*)"
    )
    for fmt in ("csv", "tsv", "json", "xml"):
        assert main(["query", "signatories", "--format", fmt]) == 0
        assert "graphs:" not in capsys.readouterr().out


def test_no_context_drops_every_context_graph_from_the_store():
    """context=False leaves no graph of outside facts and no scog:inferred-context; scog:inferred is intact."""
    full = store_summary(sco_kg.open_store())
    bare = store_summary(sco_kg.open_store(Source(context=False)))
    assert iri.GRAPH_INFERRED_CONTEXT in full.graphs and iri.GRAPH_PROVENANCE_CONTEXT in full.graphs
    assert any(g.startswith(iri.GRAPH_CONTEXT + "/") for g in full.graphs)
    assert not [g for g in bare.graphs if iri.is_context_graph(g)]
    assert bare.graphs[iri.GRAPH_INFERRED] == full.graphs[iri.GRAPH_INFERRED]
    kept = {g: n for g, n in full.graphs.items() if not iri.is_context_graph(g)}
    assert bare.graphs == kept
    asserted_bare = store_summary(sco_kg.open_store(Source(inferred=False, context=False)))
    assert not [g for g in asserted_bare.graphs if iri.is_context_graph(g)]


def test_stats_no_context(capsys):
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "scog:inferred-context" in out and "scog:context/links" in out
    assert main(["stats", "--no-context"]) == 0
    out = capsys.readouterr().out
    assert "scog:inferred " in out and "scog:context" not in out and "scog:inferred-context" not in out


def test_query_api_context_switch():
    """The Python API takes context=True/False like the CLI."""
    text = f"ASK {{ <{DECLARATION}> <{iri.ONTOLOGY}signedAt> <{SHANGHAI}> }}"
    assert sco_kg.run(text).boolean is True
    assert sco_kg.run(text, Source(context=False)).boolean is False
    assert sco_kg.run(text, Source(context=False), engine="rdflib").boolean is False
    labels = sco_kg.select("labels-multilingual", None, Source(context=False))
    assert labels and not any(r.get("zh") for r in labels if str(r["entity"]) == iri.ID + "state/china")


def test_export_no_context(capsys):
    assert main(["export", "--graph", "all", "--format", "nq", "--no-context"]) == 0
    out = capsys.readouterr().out
    assert iri.GRAPH_INFERRED + ">" in out
    assert iri.GRAPH_CONTEXT not in out and iri.GRAPH_PROVENANCE_CONTEXT not in out
    assert main(["export", "--graph", "inferred", "--format", "nq"]) == 0
    out = capsys.readouterr().out
    assert f"<{iri.GRAPH_INFERRED_CONTEXT}> ." in out and f"<{iri.GRAPH_INFERRED}> ." in out


def test_no_context_with_an_on_disk_store_is_refused(tmp_path, capsys):
    (tmp_path / "db").mkdir()
    assert main(["stats", "--store", str(tmp_path / "db"), "--no-context"]) == 2
    err = capsys.readouterr().err
    assert "--no-context cannot be combined with --store" in err and err.count("\n") == 1


def test_endpoint_and_no_context_are_refused(capsys):
    code = main(["sparql", "ASK {}", "--endpoint", "http://127.0.0.1:9/sparql", "--no-context"])
    assert code == 2
    assert "--no-context" in capsys.readouterr().err


@pytest.fixture(scope="module")
def client():
    from starlette.testclient import TestClient

    from sco_kg.server import ServerConfig, create_app

    with TestClient(create_app(sco_kg.open_store(), ServerConfig(quiet=True))) as c:
        yield c


def test_server_marks_inferences_that_rest_on_outside_facts(client):
    """The resource page of the Declaration: 'signed at Shanghai' carries the outside-facts badge, the
    signatories (inferred from the text alone) the plain 'inferred' badge."""
    r = client.get("/id/document/declaration-2001", headers={"Accept": "text/html"})
    assert r.status_code == 200
    html = r.text
    assert html.count('class="badge inf ctx"') >= 1
    assert "inferred from outside facts" in html
    assert '<span class="badge inf">inferred</span>' in html
