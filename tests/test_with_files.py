"""Bring your own data (issue 7): ``--with FILE`` / ``with_files=`` merge a user's RDF into its own graph,
re-infer over the union, join canned queries, report parse errors with file and line, and never touch the
shipped data."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TEST_DATA
from rdflib import Literal, URIRef

import sco_kg
from sco_kg import dataset, paths
from sco_kg.cli import main
from sco_kg.dataset import Source, store_summary
from sco_kg.errors import DataFileError
from sco_kg.rdf import iri
from sco_kg.reasoning import materialize as closure

LATER = TEST_DATA / "later-members.ttl"
SNAPSHOT = TEST_DATA / "wikidata-snapshot.ttl"
USER_GRAPH = URIRef(iri.GRAPH_USER + "later-members.ttl")
INDIA = URIRef(iri.ID + "state/india")
PAKISTAN = URIRef(iri.ID + "state/pakistan")
SCO_ORG = URIRef(iri.SCO_ORG)
MEMBER_OF = URIRef(iri.ONTOLOGY + "memberOf")
RDF_TYPE = URIRef(iri.PREFIXES["rdf"] + "type")


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Iterator[Path]:
    """Closures of data + user files go to one cache under tmp (never into data/), shared by this module so
    the closure of the union is computed once."""

    target = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCO_KG_CACHE", str(target))
        dataset.clear_cache()
        yield target
    dataset.clear_cache()


def _shipped_state() -> dict[str, str]:
    root = paths.resource_root()
    files = [p for sub in ("ontology", "data", "queries") for p in sorted((root / sub).rglob("*")) if p.is_file()]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_user_file_lands_in_its_own_named_graph():
    ds = sco_kg.load(Source(inferred=False, with_files=[LATER]))
    user = ds.graph(USER_GRAPH)
    assert (INDIA, RDF_TYPE, URIRef(iri.ONTOLOGY + "State")) in user
    assert len(user) == 18
    graphs = {str(g) for _, _, _, g in ds.quads((INDIA, None, None, None))}
    assert graphs == {str(USER_GRAPH)}


def test_user_file_in_the_fast_store_and_repeatable_with():
    st = sco_kg.open_store(Source(inferred=False, with_files=[LATER, SNAPSHOT]))
    counts = {
        r["g"].value: int(r["n"].value)  # type: ignore[index]
        for r in st.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{iri.GRAPH_USER}")) }} GROUP BY ?g'
        )
    }
    assert counts == {str(USER_GRAPH): 18, iri.GRAPH_USER + "wikidata-snapshot.ttl": 31}


@pytest.mark.slow
def test_inference_runs_over_the_union(cache):
    """India's org:Membership in the user's file becomes sco:memberOf (chain axiom), in scog:inferred-user:
    scog:inferred stays what the declaration alone entails."""
    plain = sco_kg.load(Source(inferred=True))
    assert (INDIA, MEMBER_OF, SCO_ORG) not in plain
    ds = sco_kg.load(Source(inferred=True, with_files=[LATER]))
    inferred = ds.graph(URIRef(iri.GRAPH_INFERRED_USER))
    assert (INDIA, MEMBER_OF, SCO_ORG) in inferred and (PAKISTAN, MEMBER_OF, SCO_ORG) in inferred
    assert set(ds.graph(URIRef(iri.GRAPH_INFERRED))) == set(plain.graph(URIRef(iri.GRAPH_INFERRED)))
    assert (INDIA, MEMBER_OF, SCO_ORG) not in ds.graph(URIRef(iri.GRAPH_INFERRED_CONTEXT))
    assert list(cache.glob("closure-*.nq")), "the union's closure is cached in the user's cache directory"


@pytest.mark.slow
def test_canned_query_joins_user_members_with_the_declaration(cache):
    pass

    result = sco_kg.query("sco-members", {"lang": "en"}, Source(with_files=[LATER]))
    rows = {(r["label"].toPython(), r["founding"].toPython()) for r in result.to_rdflib()}
    assert rows == {
        ("Kazakhstan", True),
        ("China", True),
        ("Kyrgyzstan", True),
        ("Russia", True),
        ("Tajikistan", True),
        ("Uzbekistan", True),
        ("India", False),
        ("Pakistan", False),
    }
    # without the user's file: the six founding members only
    assert len(sco_kg.query("sco-members", {"lang": "en"}).rows) == 6


@pytest.mark.slow
def test_cli_query_with_user_file_and_language_fallback(cache, capsys):
    assert main(["query", "sco-members", "--with", str(LATER), "--lang", "zh", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    by_state = {r["state"]: r["label"] for r in rows}
    # Chinese names where the context graph has them, English where it has none (India, Pakistan)
    assert by_state[str(INDIA)] == "India" and by_state[str(PAKISTAN)] == "Pakistan"
    assert by_state[iri.ID + "state/china"] == "中华人民共和国"
    assert len(rows) == 8


@pytest.mark.slow
def test_shipped_data_is_never_modified(cache, tmp_path):
    before = _shipped_state()
    user = tmp_path / "later-members.ttl"
    user.write_bytes(LATER.read_bytes())
    sco_kg.load(Source(inferred=True, with_files=[user]))
    assert main(["query", "sco-members", "--with", str(user), "--format", "csv"]) == 0
    assert main(["stats", "--with", str(user)]) == 0
    assert _shipped_state() == before
    assert user.read_bytes() == LATER.read_bytes()


BAD_TURTLE = '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "unterminated .\nex:f ex:g ex:h .\n'


@pytest.mark.parametrize("reader", ["load", "store"])
def test_parse_error_names_file_line_and_reason(tmp_path, reader):
    bad = tmp_path / "mine.ttl"
    bad.write_text(BAD_TURTLE, encoding="utf-8")
    with pytest.raises(DataFileError, match="^" + re.escape(f"{bad}: ")) as err:
        if reader == "load":
            sco_kg.load(Source(inferred=False, with_files=[bad]))
        else:
            sco_kg.open_store(Source(inferred=False, with_files=[bad]))
    msg = str(err.value)
    assert msg.startswith(f"{bad}: ") and "line 3" in msg and "malformed RDF" in msg


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv",
    [["stats"], ["query", "sco-members"], ["sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"]],
    ids=["stats", "query", "sparql"],
)
def test_cli_parse_error_is_one_line_exit_1(tmp_path, capsys, cache, argv):
    bad = tmp_path / "mine.ttl"
    bad.write_text(BAD_TURTLE, encoding="utf-8")
    assert main([*argv, "--with", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and "line 3" in err and "Traceback" not in err


@pytest.mark.slow
def test_unknown_extension_and_missing_file_are_clear(tmp_path, capsys):
    odd = tmp_path / "members.data"
    odd.write_bytes(LATER.read_bytes())
    assert main(["stats", "--with", str(odd)]) == 1
    assert "unknown RDF format for extension '.data'" in capsys.readouterr().err
    assert main(["stats", "--with", str(tmp_path / "nope.ttl")]) == 1
    assert "file not found" in capsys.readouterr().err


@pytest.mark.slow
def test_with_format_names_the_format_when_the_extension_does_not(tmp_path, cache, capsys):
    odd = tmp_path / "members.data"
    odd.write_bytes(LATER.read_bytes())
    assert main(["query", "sco-members", "--with", str(odd), "--with-format", "ttl", "--format", "csv"]) == 0
    assert str(INDIA) in capsys.readouterr().out
    for argv in (["stats"], ["stats", "--no-inference"], ["sparql", "ASK { ?s ?p ?o }", "--no-inference"]):
        assert main([*argv, "--with", str(odd), "--with-format", "turtle"]) == 0, argv
        assert "Traceback" not in capsys.readouterr().err
    ds = sco_kg.load(Source(inferred=False, with_files=[odd], with_format="ttl"))
    user = ds.graph(URIRef(iri.GRAPH_USER + "members.data"))
    assert (INDIA, RDF_TYPE, URIRef(iri.ONTOLOGY + "State")) in user
    st = sco_kg.open_store(Source(inferred=False, with_files=[odd], with_format="TTL"))
    assert store_summary(st).graphs[iri.GRAPH_USER + "members.data"] == len(user)


@pytest.mark.slow
def test_wrong_with_format_is_a_one_line_parse_error_naming_the_file(tmp_path, capsys):
    odd = tmp_path / "members.data"
    odd.write_bytes(LATER.read_bytes())
    for argv in (["stats", "--no-inference"], ["stats"], ["query", "sco-members", "--format", "csv"]):
        assert main([*argv, "--with", str(odd), "--with-format", "nt"]) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(odd) in err and "malformed RDF" in err and "Traceback" not in err
    assert main(["stats", "--with", str(odd), "--with-format", "nonsense"]) == 2
    err = capsys.readouterr().err
    assert "--with-format 'nonsense': unknown RDF format" in err and err.count("\n") == 1


def test_user_labels_are_kept_as_given():
    ds = sco_kg.load(Source(inferred=False, with_files=[LATER]))
    assert ds.graph(USER_GRAPH).value(INDIA, URIRef(iri.PREFIXES["rdfs"] + "label")) == Literal("India", lang="en")


@pytest.mark.slow
def test_reason_with_format_fills_the_cache_entry_the_read_path_uses(tmp_path, cache, capsys):
    """`sco-kg reason --with FILE --with-format ttl` writes the cache entry that a later read with the same
    format (however spelled) loads; the user's inferences are in scog:inferred-user."""

    odd = tmp_path / "more-members.data"
    odd.write_bytes(LATER.read_bytes())
    assert main(["reason", "--with", str(odd), "--with-format", "ttl"]) == 0
    written = capsys.readouterr().out.strip().splitlines()[-1].split()[-1]
    assert closure.materialized_path([odd], with_format="TURTLE") == Path(written)
    lines = closure.read_lines(Path(written))
    assert any(ln.startswith(f"<{INDIA}> <{MEMBER_OF}> <{SCO_ORG}> <{iri.GRAPH_INFERRED_USER}>") for ln in lines)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("bom.ttl", "@prefix ex: <http://example.org/> .\nex:a ex:p ex:b .\n"),
        ("bom.nt", "<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"),
        (
            "bom.trig",
            "<http://example.org/g> { <http://example.org/a> <http://example.org/p> <http://example.org/b> }\n",
        ),
        ("bom.jsonld", '{"@id": "http://example.org/a", "http://example.org/p": {"@id": "http://example.org/b"}}'),
    ],
)
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_utf8_byte_order_mark_is_accepted(tmp_path, capsys, name, body, engine):
    """Issue 13: a BOM (Windows editors write one) gave a misleading 'not a valid subject' error."""
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    text = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s <http://example.org/p> ?o } }"
    assert main(["sparql", text, "--with", str(path), "--no-inference", "--engine", engine, "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", "1"]


def test_a_query_file_with_a_byte_order_mark_runs(tmp_path, capsys):
    query = tmp_path / "q.rq"
    query.write_bytes(b"\xef\xbb\xbfASK { ?s ?p ?o }")
    assert main(["sparql", "-f", str(query), "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["true"]
