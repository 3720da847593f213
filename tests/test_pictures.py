"""Pictures (issue 17): the timeline has a legend and wraps its labels instead of clipping them; the ontology
diagram is laid out by module (one Graphviz cluster per ``rdfs:isDefinedBy`` module, asserted subclass arrows)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from sco_kg.rdf import iri
from sco_kg.server.diagrams import _text_width, _wrap, ontology_dot, timeline_events, timeline_svg
from sco_kg.server.links import Linker
from sco_kg.server.site import OWL, RDFS, ServerConfig, Site
from sco_kg.server.words import UI


@pytest.fixture(scope="module")
def site(server_store: ox.Store) -> Iterator[Site]:
    yield Site(server_store, ServerConfig(quiet=True))


@pytest.mark.parametrize("lang", ["en", "zh", "ru"])
def test_timeline_legend_and_every_label_whole(site: Site, lang: str) -> None:
    svg = timeline_svg(site, Linker("http://127.0.0.1/", lang, True), lang)
    legend = svg.split('<g class="legend"')[1].split("</g>")[0]
    assert UI[lang]["legend_day"] in legend and UI[lang]["legend_year"] in legend
    assert 'fill="#c33"' in legend and 'fill="#36c"' in legend  # the two colours the dots use
    width = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))  # type: ignore[union-attr]
    height = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(2))  # type: ignore[union-attr]
    events = timeline_events(site, lang)
    drawn = {
        href: " ".join(re.findall(r">([^<]*)</tspan>", body))
        for href, body in re.findall(r'<a xlink:href="([^"]+)"[^>]*>(.*?)</a>', svg, re.S)
    }
    assert len(drawn) == len(events) > 5
    for ev in events:  # every label is drawn whole (its words in order over its lines)
        words = drawn[ev["iri"].replace(iri.BASE, "http://127.0.0.1/") + f"?lang={lang}"]
        assert ev["label"].replace(" ", "") in words.replace(" ", ""), (ev["label"], words)
    ys = [int(y) for y in re.findall(r'<tspan x="\d+" y="(\d+)"', svg)]
    assert ys and max(ys) < height and len(ys) == len(set(ys))  # no two lines on top of each other
    assert width == 760


def test_wrap_cuts_latin_at_spaces_and_cjk_anywhere() -> None:
    latin = "signing of the Treaty on Deepening Military Trust in Border Regions in 1996 in Shanghai"
    lines = _wrap(latin, 150)
    assert " ".join(lines) == latin and len(lines) > 2
    assert all(_text_width(x) <= 150 for x in lines) and all(x.strip() == x for x in lines)
    cjk = "关于在边境地区加强军事领域信任的协定"
    lines = _wrap(cjk, 100)
    assert "".join(lines) == cjk and len(lines) == 3 and all(_text_width(x) <= 100 for x in lines)


def test_ontology_diagram_by_module(site: Site) -> None:
    dot = ontology_dot(site, Linker("http://127.0.0.1/", "en", False), "en")
    clusters = re.findall(r"subgraph (cluster_\d+) \{\n(.*?)\n  \}", dot, re.S)
    modules = {
        str(getattr(q.object, "value", ""))
        for q in site.store.quads_for_pattern(None, ox.NamedNode(RDFS + "isDefinedBy"), None, None)
        if str(getattr(q.subject, "value", "")).startswith(iri.ONTOLOGY)
        and any(
            True
            for _ in site.store.quads_for_pattern(
                q.subject, ox.NamedNode(iri.PREFIXES["rdf"] + "type"), ox.NamedNode(OWL + "Class"), None
            )
        )
    }
    assert len(clusters) == len(modules) >= 5
    placed: dict[str, str] = {}
    for name, body in clusters:
        for c in re.findall(r'^    "(https://w3id.org/sco-kg/ontology/[^"]+)" \[', body, re.M):
            assert c not in placed, c  # each class in one module box
            placed[c] = name
            module = site.objects(c, RDFS + "isDefinedBy")[0]
            label = re.search(r'label="[^:"]+: ([^"]+)"', body).group(1)  # type: ignore[union-attr]
            assert module.endswith("/" + label), (c, module, label)
    assert len(placed) == len(site.instances(OWL + "Class")) or len(placed) >= 50
    arrows = re.findall(r'^  "([^"]+)" -> "([^"]+)" \[arrowhead=empty\];', dot, re.M)
    asserted = {(c, sup) for sup, subs in site.subclasses.items() for c in subs if c in placed and sup in placed}
    assert set(arrows) == asserted  # asserted subclass arrows only: no transitive knot
    doc = iri.ONTOLOGY + "Document"
    assert (iri.ONTOLOGY + "Declaration", doc) not in set(arrows)  # Declaration ⊑ … ⊑ Document: not drawn twice
    assert all("constraint=false" in ln for ln in dot.splitlines() if "style=dashed" in ln)


def test_home_lists_every_counted_entry(site: Site) -> None:
    """The home page's count per section equals the entries it lists: the first 40, then the rest under "more"."""
    from starlette.testclient import TestClient

    from sco_kg.server import create_app

    with TestClient(create_app(site.store, ServerConfig(quiet=True))) as client:
        page = client.get("/").text
    for key in ("states", "organizations", "documents", "events", "concepts"):
        sec = page.split(f'id="{key}"')[1].split("</div>")[0]
        count = int(re.findall(r'<span class="count">\((\d+)\)', sec)[0])
        assert sec.count("<li>") == count, key
        if count > 40:
            assert f"<summary>more ({count - 40})</summary>" in sec
