"""The NIF text layer: offsets, anchors, the paragraph map of INVENTORY.md, and the shipped file is fresh."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from rdflib import Dataset, Namespace, URIRef

from sco_kg import paths, textlayer
from sco_kg.rdf import iri

NIF = Namespace(iri.PREFIXES["nif"])

# INVENTORY.md paragraph map: paragraph -> sentence offsets.
MULTI_SENTENCE = {
    7: [(2658, 2823), (2824, 3167)],
    8: [(3169, 3456), (3457, 3632)],
    10: [(4081, 4408), (4409, 4549)],
    13: [(5091, 5176), (5177, 5405), (5406, 5641)],
    14: [(5643, 5916), (5917, 6055)],
    17: [(6493, 6619), (6620, 6831)],
    18: [(6833, 6997), (6998, 7371)],
}
PARAGRAPHS = [
    (2, 52),
    (54, 329),
    (331, 647),
    (649, 1074),
    (1076, 1749),
    (1751, 2118),
    (2120, 2656),
    (2658, 3167),
    (3169, 3632),
    (3634, 4079),
    (4081, 4549),
    (4551, 4849),
    (4851, 5089),
    (5091, 5641),
    (5643, 6055),
    (6057, 6340),
    (6342, 6491),
    (6493, 6831),
    (6833, 7371),
    (7373, 7394),
    (7396, 7742),
    (7744, 7765),
]


def test_source_copy_is_byte_identical_to_the_shared_source():
    # ../shared beside the checkout these tests are in (CI puts a copy of shared/ beside its clone); a skip
    # here fails under SCO_KG_REQUIRE_SYSTEM_TOOLS=1 (tests/conftest.py).
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "source" / paths.SOURCE_TEXT_NAME
    if not shared.exists():
        pytest.skip(f"{shared} not present beside the checkout")
    assert filecmp.cmp(shared, paths.source_text(), shallow=False)


def test_paragraph_map_matches_inventory(source_text):
    spans = textlayer.paragraphs(source_text)
    assert [(s.begin, s.end) for s in spans] == PARAGRAPHS
    for p in spans:
        got = [(s.begin, s.end) for s in textlayer.sentences(source_text, p)]
        assert got == MULTI_SENTENCE.get(p.paragraph, [(p.begin, p.end)])


def test_shipped_text_layer_is_fresh(source_text):
    shipped = (paths.data_dir() / "text.trig").read_text(encoding="utf-8")
    assert shipped == textlayer.build_trig(source_text), "run: python -m sco_kg.textlayer"


def test_every_anchor_is_the_slice_of_its_context(source_text):
    ds = Dataset()
    ds.parse(paths.data_dir() / "text.trig", format="trig")
    g = ds.graph(URIRef(iri.GRAPH_TEXT))
    ctx = URIRef(iri.TEXT_CONTEXT)
    is_string = str(g.value(ctx, NIF.isString))
    assert is_string == source_text
    units = set(g.subjects(NIF.referenceContext, ctx))
    assert len(units) == 22 + 30  # 22 paragraphs and 30 sentences (INVENTORY.md paragraph map)
    for unit in units:
        begin = int(g.value(unit, NIF.beginIndex))
        end = int(g.value(unit, NIF.endIndex))
        anchor = str(g.value(unit, NIF.anchorOf))
        assert 0 <= begin < end <= len(is_string)
        assert is_string[begin:end] == anchor
        assert anchor in source_text
