"""`sco-kg validate`: the shipped data passes; each kind of deliberately broken copy is caught by name.

Broken copies live in a temp dir (fixture ``data_copy`` sets SCO_KG_ROOT and SCO_KG_CACHE). Only the
disjointness test runs owlrl on the copy (that is its point); the others run SHACL and QA only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from sco_kg import paths, validate
from sco_kg.cli import main
from sco_kg.errors import DataFileError, UsageError
from sco_kg.rdf import iri

NIF = iri.PREFIXES["nif"]
PROV = iri.PREFIXES["prov"]
EXPECTED_CHECKS = {
    "owl-rl-consistency",
    "state-labels",
    "treaty-date-place",
    "action",
    "text-offset",
    "assertion-graph-provenance",
    "external-link",
    "missing-label",
    "missing-definition",
    "untagged-label",
    "duplicate-label",
    "undeclared-term",
    "empty-class",
    "missing-defined-by",
}


def edit_data(root: Path, change: Callable[[Dataset], int]) -> int:
    """Apply ``change`` to every TriG file of ``root/data`` (rewritten when it changed); return the total changed."""
    total = 0
    for path in sorted((root / "data").glob("*.trig")):
        ds = Dataset()
        ds.parse(path, format="trig")
        n = change(ds)
        if n:
            path.write_text(ds.serialize(format="trig"), encoding="utf-8")
            total += n
    assert total, "the edit matched nothing: the fixture data changed shape"
    return total


def remove(ds: Dataset, pattern: tuple, graph: str | None = None) -> int:
    """Remove the quads matching ``pattern`` (in ``graph`` or any graph); return how many."""
    quads = [q for q in ds.quads(pattern) if graph is None or str(getattr(q[3], "identifier", q[3])) == graph]
    for q in quads:
        ds.remove(q)
    return len(quads)


def failures(report: validate.Report, name: str) -> list[validate.Failure]:
    """Return the failures of check ``name`` (which must be in the report)."""
    by_name = {c.name: c for c in report.checks}
    assert name in by_name, sorted(by_name)
    return list(by_name[name].failures)


def only_failing(report: validate.Report) -> set[str]:
    """Return the names of the failing checks."""
    return {c.name for c in report.checks if not c.ok}


# --------------------------------------------------------------------------------------------------
# The shipped data
# --------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_shipped_data_is_valid():
    """Every check passes on the shipped ontology and data, and every kind of check ran."""
    report = validate.validate()
    assert report.to_text().endswith(f"all {len(report.checks)} checks passed"), report.to_text()
    assert report.ok
    assert {c.name for c in report.checks} == EXPECTED_CHECKS
    assert {c.kind for c in report.checks} == {"consistency", "shacl", "qa"}


@pytest.mark.slow
def test_validate_cli_text_and_json(capsys):
    """`sco-kg validate` prints a PASS line per check and exits 0; --format json is machine-readable."""
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert out.count("PASS") == len(EXPECTED_CHECKS)
    assert "FAIL" not in out
    assert main(["validate", "--format", "json", "--only", "qa"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["failures"] == 0
    assert {c["kind"] for c in data["checks"]} == {"qa"}
    assert all(c["failures"] == [] for c in data["checks"])


def test_every_check_query_is_a_violation_query():
    """Each QA check is a `*-violation.rq` with a `#+ summary` header, and each becomes a check."""
    files = validate.check_files()
    assert len(files) >= 6
    for f in files:
        assert f.read_text().startswith("#+ summary: ")
    names = {c.name for c in validate.check_qa()}
    assert names == {f.stem.removesuffix("-violation") for f in files}


def test_unknown_check_kind_is_a_usage_error():
    """An unknown kind of check is refused."""
    with pytest.raises(UsageError, match="unknown check kind"):
        validate.validate(kinds=["lint"])


# --------------------------------------------------------------------------------------------------
# Broken copies
# --------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_state_without_russian_label_is_caught(data_copy):
    """Removing Russia's Russian skos:prefLabel fails the state-labels shape, naming state:russia."""
    russia = URIRef(iri.ID + "state/russia")

    def drop(ds: Dataset) -> int:
        quads = [q for q in ds.quads((russia, SKOS.prefLabel, None)) if getattr(q[2], "language", None) == "ru"]
        for q in quads:
            ds.remove(q)
        return len(quads)

    edit_data(data_copy, drop)
    report = validate.validate(kinds=["shacl"])
    assert only_failing(report) == {"state-labels"}
    assert failures(report, "state-labels") == [
        validate.Failure("state:russia", "state has no Russian skos:prefLabel (@ru; LINKING.md lists it)")
    ]


@pytest.mark.slow
def test_declaration_typed_as_treaty_is_a_clash(data_copy, capsys):
    """Typing the Declaration as a (binding) sco:Treaty clashes with sco:Treaty ⟂ sco:NonBindingInstrument.

    owlrl runs on the broken copy (cax-dw); the report names both classes and the declaration.
    """
    (data_copy / "data" / "zz-broken.trig").write_text(
        f"<{iri.GRAPH_ASSERTION}p1-s1> {{ <{iri.DECLARATION}> a <{iri.ONTOLOGY}Treaty> . }}\n", encoding="utf-8"
    )
    report = validate.validate(kinds=["consistency"])
    clash = failures(report, "owl-rl-consistency")
    assert clash, report.to_text()
    assert all("document:declaration-2001" in f.resource for f in clash)
    assert any("sco:Treaty" in f.resource and "sco:NonBindingInstrument" in f.resource for f in clash)
    assert any(f.message.startswith("Disjoint classes") for f in clash)
    # the CLI reuses the cached owlrl verdict for the same inputs
    assert main(["validate", "--only", "consistency", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["failures"] == len(clash)
    assert main(["validate", "--only", "consistency"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  consistency  owl-rl-consistency" in out
    assert "document:declaration-2001" in out
    assert out.rstrip().endswith(f"1 of 1 checks failed ({len(clash)} failures)")


@pytest.mark.slow
def test_sentence_offsets_past_end_of_file_are_caught(data_copy):
    """A sentence whose nif:endIndex lies past the end of the source file fails the text-offset shape."""
    sentence = URIRef(iri.sentence(21, 1))
    length = len(paths.source_text().read_text(encoding="utf-8"))

    def push(ds: Dataset) -> int:
        quads = list(ds.quads((sentence, URIRef(NIF + "endIndex"), None)))
        for s, p, _o, g in quads:
            ds.remove((s, p, _o, g))
            ds.add((s, p, Literal(length + 100, datatype=URIRef(iri.PREFIXES["xsd"] + "nonNegativeInteger")), g))
        return len(quads)

    edit_data(data_copy, push)
    report = validate.validate(kinds=["shacl"])
    assert only_failing(report) == {"text-offset"}
    assert failures(report, "text-offset") == [
        validate.Failure(
            "sent:p21-s1",
            f"nif:endIndex is past the end of the source file data/declaration-2001-06-15.txt (value: {length + 100})",
        )
    ]


@pytest.mark.slow
def test_assertion_graph_without_provenance_is_caught(data_copy):
    """Deleting the provenance block of ag:p3-s1 fails the assertion-graph-provenance shape for it.

    (ag:p3-s1 types no action; removing the provenance of a graph that does also fails the action shape.)
    """
    graph = URIRef(iri.assertion_graph(3, 1))
    edit_data(data_copy, lambda ds: remove(ds, (graph, None, None), iri.GRAPH_PROVENANCE))
    report = validate.validate(kinds=["shacl"])
    assert only_failing(report) == {"assertion-graph-provenance"}
    found = failures(report, "assertion-graph-provenance")
    assert {f.resource for f in found} == {"ag:p3-s1"}
    assert any("has no provenance" in f.message for f in found)


@pytest.mark.slow
def test_unverified_wikidata_iri_is_caught(data_copy):
    """An owl:sameAs to a Wikidata item not on the allow-list fails the external-link shape."""
    (data_copy / "data" / "zz-links.trig").write_text(
        f"<{iri.GRAPH_CONTEXT}> {{ <{iri.ID}state/china> "
        "<http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q12345> . }\n",
        encoding="utf-8",
    )
    report = validate.validate(kinds=["shacl"])
    assert only_failing(report) == {"external-link"}
    assert failures(report, "external-link") == [
        validate.Failure(
            "state:china",
            "owl:sameAs wd:Q12345 is not on the allow-list of verified identifiers (data/external-ids.csv)",
        )
    ]


@pytest.mark.slow
def test_action_without_modality_is_caught(data_copy):
    """An action that loses its sco:modality fails the action shape."""
    action = URIRef(iri.ID + "action/organize-annual-heads-of-state-meetings")
    edit_data(data_copy, lambda ds: remove(ds, (action, URIRef(iri.ONTOLOGY + "modality"), None)))
    report = validate.validate(kinds=["shacl"])
    assert only_failing(report) == {"action"}
    assert [f.resource for f in failures(report, "action")] == ["action:organize-annual-heads-of-state-meetings"]


def test_qa_check_names_the_term(data_copy):
    """An ontology class without label or definition fails the QA checks, naming the class."""
    (data_copy / "ontology" / "modules" / "zz-broken.ttl").write_text(
        f"<{iri.ONTOLOGY}Orphan> a <http://www.w3.org/2002/07/owl#Class> ; "
        f'<{RDFS.label}> "orphan" ; <{RDFS.isDefinedBy}> <{iri.ONTOLOGY}> .\n',
        encoding="utf-8",
    )
    report = validate.validate(kinds=["qa"])
    assert only_failing(report) == {"missing-label", "missing-definition", "untagged-label", "empty-class"}
    assert [f.resource for f in failures(report, "missing-label")] == ["sco:Orphan"]
    assert [f.resource for f in failures(report, "empty-class")] == ["sco:Orphan"]


@pytest.mark.slow
def test_malformed_allow_list_is_a_clear_error(data_copy):
    """An allow-list without the expected columns is a DataFileError naming the file and the columns."""
    (data_copy / "data" / "external-ids.csv").write_text("entity,iri\nx,y\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"external-ids\.csv: missing column\(s\) entity_iri"):
        validate.validate(kinds=["shacl"])


@pytest.mark.slow
def test_type_in_two_assertion_graphs_needs_one_source(data_copy):
    """An action typed in two assertion graphs has two source sentences and fails the action shape."""
    action = f"{iri.ID}action/organize-annual-heads-of-state-meetings"
    (data_copy / "data" / "zz-twice.trig").write_text(
        f"<{iri.assertion_graph(2, 1)}> {{ <{action}> a <{iri.ONTOLOGY}Action> . }}\n", encoding="utf-8"
    )
    report = validate.validate(kinds=["shacl"])
    assert only_failing(report) == {"action"}
    assert "source sentence" in failures(report, "action")[0].message
