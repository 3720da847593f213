"""The materialised dataset: shipped artifact with a hashed manifest, the user cache, and `sco-kg reason`.

Cache mechanics run on a tiny resource root (a few triples, so each closure takes milliseconds); the
shipped-artifact tests read the real data without reasoning.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sco_kg import paths
from sco_kg.cli import main
from sco_kg.errors import DataFileError, ReasoningError
from sco_kg.io.inputs import (
    asserted_files,
)
from sco_kg.rdf import iri
from sco_kg.reasoning import engines, ntriples, tiers
from sco_kg.reasoning import materialize as closure

ONTOLOGY = """@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sco: <https://w3id.org/sco-kg/ontology/> .
sco:memberOf a owl:ObjectProperty ; owl:inverseOf sco:hasMember ; rdfs:label "member of"@en .
sco:State a owl:Class ; rdfs:subClassOf sco:Agent ; rdfs:label "State"@en .
"""
DATA = """@prefix sco: <https://w3id.org/sco-kg/ontology/> . @prefix state: <https://w3id.org/sco-kg/id/state/> .
@prefix organization: <https://w3id.org/sco-kg/id/organization/> .
<https://w3id.org/sco-kg/graph/assertion/p1-s1> {
  state:china a sco:State ; sco:memberOf organization:sco .
}
"""
CHINA = iri.ID + "state/china"
SCO_ORG = iri.SCO_ORG
HAS_MEMBER_LINE = f"<{SCO_ORG}> <{iri.ONTOLOGY}hasMember> <{CHINA}> <{iri.GRAPH_INFERRED}> .\n"


@pytest.fixture()
def tiny(tmp_path, monkeypatch) -> Path:
    """A resource root with a two-axiom ontology and one assertion graph; cache in tmp_path/cache."""
    root = tmp_path / "root"
    (root / "ontology").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "ontology" / "sco.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (root / "data" / "a.trig").write_text(DATA, encoding="utf-8")
    monkeypatch.setenv("SCO_KG_ROOT", str(root))
    monkeypatch.setenv("SCO_KG_CACHE", str(tmp_path / "cache"))
    return root


def cache_entries() -> list[Path]:
    """Return the closure files in the cache directory."""
    return sorted(paths.cache_dir().glob("closure-*.nq"))


# --------------------------------------------------------------------------------------------------
# The shipped artifact
# --------------------------------------------------------------------------------------------------


def test_shipped_artifact_is_used_when_fresh():
    """For the shipped data the read path gets the shipped N-Quads file, trusted through its manifest."""
    assert closure.shipped_status() is None
    assert closure.materialized_path() == paths.closure_file()
    manifest = json.loads(closure.manifest_path().read_text(encoding="utf-8"))
    assert set(manifest["inputs"]) == {closure._label(p) for p, _ in asserted_files()}
    assert manifest["sha256"] == closure.sha256_file(paths.closure_file())
    assert manifest["reasoner"] in engines.REASONERS and manifest["reasoner_version"]
    tiers = manifest["inferred_graphs"]
    assert list(tiers) == [iri.GRAPH_INFERRED, iri.GRAPH_INFERRED_CONTEXT]
    assert manifest["graphs"][iri.GRAPH_INFERRED] == tiers[iri.GRAPH_INFERRED] > 500
    assert manifest["graphs"][iri.GRAPH_INFERRED_CONTEXT] == tiers[iri.GRAPH_INFERRED_CONTEXT] > 0
    assert sum(tiers.values()) == manifest["inferred"]


def test_read_path_imports_neither_rdflib_nor_owlrl():
    """Opening the reasoned store from the shipped artifact imports no rdflib, owlrl or reasonable."""
    code = (
        "import sys; import sco_kg; s = sco_kg.open_store(inferred=True); "
        "bad = [m for m in ('rdflib', 'owlrl', 'reasonable') if m in sys.modules]; "
        "print(len(s), bad)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SCO_KG_ROOT", "SCO_KG_CACHE")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    count, bad = out.stdout.split(" ", 1)
    assert int(count) > 4000
    assert bad.strip() == "[]"


def test_stale_shipped_artifact_is_not_trusted(tiny):
    """After a data change the shipped artifact is stale: the closure comes from the cache instead."""
    assert main(["reason", "--reasoner", "owlrl"]) == 0
    assert closure.materialized_path() == paths.closure_file()
    shipped_before = paths.closure_file().read_bytes()
    data = tiny / "data" / "a.trig"
    data.write_text(
        DATA.replace("state:china a sco:State ;", "state:china a sco:State ; sco:memberOf organization:un ;")
    )
    assert closure.shipped_status() == "stale: input files changed since the artifact was built: data/a.trig"
    path = closure.materialized_path()
    assert path.parent == paths.cache_dir()
    assert f"<{iri.ID}organization/un> <{iri.ONTOLOGY}hasMember> <{CHINA}>" in path.read_text()
    assert paths.closure_file().read_bytes() == shipped_before  # never rewritten behind the user's back


def test_modified_shipped_artifact_is_not_trusted(tiny):
    """A shipped artifact whose bytes no longer match the manifest (same size) is detected."""
    assert main(["reason"]) == 0
    art = paths.closure_file()
    data = bytearray(art.read_bytes())
    data[10] = ord("X") if data[10] != ord("X") else ord("Y")
    art.write_bytes(bytes(data))
    assert "hash mismatch" in (closure.shipped_status() or "")
    assert closure.materialized_path().parent == paths.cache_dir()


# --------------------------------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------------------------------


def test_cache_built_once_then_reused(tiny, monkeypatch):
    """A cache entry is keyed by the input hashes and the reasoner; a second call does not reason again."""
    user = tiny / "notes.ttl"
    user.write_text(f"<{CHINA}> <{iri.ONTOLOGY}memberOf> <{iri.ID}organization/un> .\n")
    path = closure.materialized_path([user])
    text = path.read_text()
    assert HAS_MEMBER_LINE in text
    assert f"<{iri.GRAPH_USER}notes.ttl>" in text  # the user's file has its own graph
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["inputs"]["user/notes.ttl"] == closure.sha256_file(user)
    assert meta["reasoner"] == engines.default_reasoner()

    def fail(*args, **kwargs):
        raise AssertionError("the cache entry should have been reused")

    monkeypatch.setattr(closure, "build", fail)
    assert closure.materialized_path([user]) == path


def test_cache_key_covers_every_input_and_the_reasoner_version(tiny, monkeypatch):
    """Changing a user file, or the reasoner's version, gives a different cache entry."""
    user = tiny / "notes.ttl"
    user.write_text(f"<{CHINA}> <{iri.ONTOLOGY}memberOf> <{iri.ID}organization/un> .\n")
    first = closure.materialized_path([user])
    user.write_text(f"<{CHINA}> <{iri.ONTOLOGY}memberOf> <{iri.ID}organization/wto> .\n")
    second = closure.materialized_path([user])
    assert second != first and "organization/wto" in second.read_text()
    real = engines.reasoner_version
    monkeypatch.setattr(engines, "reasoner_version", lambda name: real(name) + ".post1")
    third = closure.materialized_path([user])
    assert third not in (first, second)
    assert len(cache_entries()) == 3


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete-meta", "corrupt-meta", "wrong-key"])
def test_damaged_cache_is_rebuilt(tiny, damage):
    """A truncated or modified cache file, or missing/corrupt/mismatched metadata, is rebuilt, not trusted."""
    user = tiny / "notes.ttl"
    user.write_text(f"<{CHINA}> <{iri.ONTOLOGY}memberOf> <{iri.ID}organization/un> .\n")
    path = closure.materialized_path([user])
    good = path.read_bytes()
    meta = path.with_suffix(".json")
    if damage == "truncate":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "flip":
        path.write_bytes(good.replace(b"china", b"chinb", 1))
    elif damage == "delete-meta":
        meta.unlink()
    elif damage == "corrupt-meta":
        meta.write_text("{not json")
    else:
        data = json.loads(meta.read_text())
        data["key"] = "0" * 64
        meta.write_text(json.dumps(data))
    again = closure.materialized_path([user])
    assert again == path
    assert path.read_bytes() == good
    assert json.loads(meta.read_text())["sha256"] == closure.sha256_file(path)


def test_failed_build_leaves_no_partial_file(tiny, monkeypatch):
    """If reasoning fails, no cache file is left behind (atomic writes) and the error is a ScoKgError."""
    user = tiny / "notes.ttl"
    user.write_text(f"<{CHINA}> <{iri.ONTOLOGY}memberOf> <{iri.ID}organization/un> .\n")

    def boom(*args, **kwargs):
        raise ReasoningError("reasoner crashed")

    monkeypatch.setattr(tiers, "compute_closure", boom)  # the owlrl (rdflib) path
    monkeypatch.setattr(ntriples, "compute_tiers", boom)  # the reasonable (N-Triples strings) path
    with pytest.raises(ReasoningError, match="reasoner crashed"):
        closure.materialized_path([user])
    assert not paths.cache_dir().exists() or list(paths.cache_dir().iterdir()) == []


def test_unwritable_artifact_is_a_clear_error(tiny, capsys):
    """`sco-kg reason` where the artifact cannot be written is a one-line error (exit 1), not a traceback."""
    (tiny / "data" / "build").write_text("a file where the build directory should be")
    assert main(["reason", "--reasoner", "owlrl"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sco-kg: error: ") and "sco-kg-full.nq: cannot write" in err and err.count("\n") == 1


def test_missing_user_file_is_a_clear_error(tiny):
    """A --with file that does not exist is a DataFileError naming it."""
    with pytest.raises(DataFileError, match=r"nope\.ttl: file not found"):
        closure.materialized_path([tiny / "nope.ttl"])


def test_build_is_deterministic(tiny, tmp_path):
    """Two builds of the same input are byte-identical (blank nodes get canonical labels)."""
    (tiny / "ontology" / "sco.ttl").write_text(
        ONTOLOGY + "sco:chain a owl:ObjectProperty ; owl:propertyChainAxiom ( sco:memberOf sco:hasMember ) .\n"
    )
    a = closure.build((), "owlrl", tmp_path / "a.nq", tmp_path / "a.json")
    b = closure.build((), "owlrl", tmp_path / "b.nq", tmp_path / "b.json")
    assert a.path.read_bytes() == b.path.read_bytes()
    assert b"_:b0 " in a.path.read_bytes()


# --------------------------------------------------------------------------------------------------
# sco-kg reason
# --------------------------------------------------------------------------------------------------


def test_reason_command_regenerates_shipped_artifact(tiny, capsys):
    """`sco-kg reason` writes the shipped artifact and manifest and prints triples per graph and the time."""
    assert main(["reason"]) == 0
    out = capsys.readouterr().out
    assert "scog:inferred" in out and "ag:*" in out
    assert "closure time:" in out
    if engines.default_reasoner() != "owlrl":
        assert "owlrl check:" in out and "closure equal" in out
    assert HAS_MEMBER_LINE in paths.closure_file().read_text()
    manifest = json.loads(closure.manifest_path().read_text())
    assert manifest["inputs"] == closure.input_hashes()
    assert manifest["owlrl_clashes"] == []
    if manifest["agreement"]:
        assert manifest["agreement"]["equal"] is True
    assert closure.shipped_status() is None


def test_reason_command_with_user_file_writes_cache_only(tiny, capsys):
    """`sco-kg reason --with FILE` reasons over data + FILE into the cache; the shipped artifact is untouched."""
    user = tiny / "notes.ttl"
    user.write_text(f"<{CHINA}> <{iri.ONTOLOGY}memberOf> <{iri.ID}organization/un> .\n")
    assert main(["reason", "--with", str(user), "--reasoner", "owlrl"]) == 0
    out = capsys.readouterr().out
    assert "scog:user/notes.ttl" in out
    assert not paths.closure_file().exists()
    assert len(cache_entries()) == 1


def test_reason_command_bad_input(tiny, capsys):
    """Malformed data is a one-line error with exit 1; an unknown reasoner is a usage error (exit 2)."""
    bad = tiny / "bad.ttl"
    bad.write_text("this is not turtle")
    assert main(["reason", "--with", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sco-kg: error: ") and "bad.ttl" in err and err.count("\n") == 1
    assert main(["reason", "--reasoner", "pellet"]) == 2


def test_reason_command_refuses_sameas_clique(tiny, capsys):
    """A user file with a large owl:sameAs component is refused (SECURITY.md T8) with exit 1."""
    user = tiny / "clique.ttl"
    user.write_text(
        "".join(f"<{iri.ID}x/n{i}> <http://www.w3.org/2002/07/owl#sameAs> <{iri.ID}x/n{i + 1}> .\n" for i in range(30))
    )
    assert main(["reason", "--with", str(user)]) == 1
    assert "exceeds the limit of 20" in capsys.readouterr().err


def test_a_rebuild_on_unchanged_inputs_writes_the_same_bytes(tmp_path):
    """Issue 12: the manifest kept run times, so every `sco-kg reason` dirtied the checkout; now it keeps none."""
    name = engines.default_reasoner()
    first = [tmp_path / "a.nq", tmp_path / "a.json"]
    second = [tmp_path / "b.nq", tmp_path / "b.json"]
    for nq, meta in (first, second):
        built = closure.build((), name, nq, meta)
        assert built.seconds > 0  # the time is reported by the build, not written down
    assert first[0].read_bytes() == second[0].read_bytes()
    meta_a, meta_b = (json.loads(p.read_text(encoding="utf-8")) for p in (first[1], second[1]))
    meta_b["artifact"] = meta_a["artifact"]  # the file name is the only difference
    assert meta_a == meta_b
    assert not [k for k in json.dumps(meta_a).split('"') if "seconds" in k]


def test_string_path_equals_rdflib_path_byte_for_byte(tmp_path):
    """The reasonable build on N-Triples strings (pyoxigraph parses) writes exactly the bytes of the rdflib
    path: same tiers, same filter counts, derived datatypes kept, same canonical blank-node labels."""
    user = tmp_path / "mine.ttl"
    user.write_text(
        "@prefix sco: <https://w3id.org/sco-kg/ontology/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        f"<{CHINA}> sco:memberOf <{iri.ID}organization/un> ;\n"
        '  <http://example.org/n> "7"^^xsd:nonNegativeInteger, "Zhōngguó"@zh-Latn, "a\\tb\\"c" ;\n'
        "  <http://example.org/seen> [ <http://example.org/by> _:x ] .\n"
        '_:x <http://example.org/name> "anon" .\n',
        encoding="utf-8",
    )
    strings = closure._closure_strings([user], None, True, False)
    rdflib_path = closure._closure_rdflib([user], "reasonable", None, True, False)
    assert strings[0] == rdflib_path[0]  # the N-Quads bytes
    assert strings[1] == rdflib_path[1]  # quads per graph
    assert strings[2].filtered == rdflib_path[2].filtered and strings[2].input_triples == rdflib_path[2].input_triples
    assert b'"7"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>' in strings[0]
    assert iri.GRAPH_INFERRED_USER in strings[3].graphs
