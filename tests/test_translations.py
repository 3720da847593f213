"""Languages (issue 17): zh and ru names for every class and property of the ontology, in a graph of their own
that says they are the project's translation; the pages mark them so, show one language unless asked for more."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from sco_kg.rdf import iri
from sco_kg.server.site import GRAPH_TRANSLATION

pytest.importorskip("starlette")
from starlette.testclient import TestClient

OWL = "http://www.w3.org/2002/07/owl#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCT = "http://purl.org/dc/terms/"


def _terms(server_store: ox.Store) -> set[str]:
    out = set()
    for kind in ("Class", "ObjectProperty", "DatatypeProperty"):
        for q in server_store.quads_for_pattern(
            None, ox.NamedNode(iri.PREFIXES["rdf"] + "type"), ox.NamedNode(OWL + kind), ox.NamedNode(iri.GRAPH_ONTOLOGY)
        ):
            value = str(getattr(q.subject, "value", ""))
            if value.startswith(iri.ONTOLOGY):
                out.add(value)
    return out


def test_every_class_and_property_has_zh_and_ru_in_the_translation_graph(server_store: ox.Store) -> None:
    terms = _terms(server_store)
    assert len(terms) > 100
    found: dict[str, set[str]] = {}
    for q in server_store.quads_for_pattern(None, ox.NamedNode(RDFS_LABEL), None, ox.NamedNode(GRAPH_TRANSLATION)):
        assert isinstance(q.object, ox.Literal) and q.object.language in ("zh", "ru"), q
        found.setdefault(str(getattr(q.subject, "value", "")), set()).add(q.object.language)
    assert set(found) == terms  # every term, and nothing else
    assert all(langs == {"zh", "ru"} for langs in found.values())
    zh = [
        str(getattr(q.object, "value", ""))
        for q in server_store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_TRANSLATION))
    ]
    assert all(re.search(r"[\u4e00-\u9fff]", t) or re.search(r"[\u0400-\u04ff]", t) for t in zh)
    # no such name elsewhere: the translation graph is the only source of zh/ru names of ontology terms
    for t in terms:
        for q in server_store.quads_for_pattern(ox.NamedNode(t), ox.NamedNode(RDFS_LABEL), None, None):
            lang = getattr(q.object, "language", None)
            if lang in ("zh", "ru"):
                assert q.graph_name == ox.NamedNode(GRAPH_TRANSLATION), q


def test_the_translation_graph_says_it_is_the_projects_translation(server_store: ox.Store) -> None:
    g = ox.NamedNode(GRAPH_TRANSLATION)
    prov = ox.NamedNode(iri.GRAPH_PROVENANCE)
    sources = [q.object for q in server_store.quads_for_pattern(g, ox.NamedNode(DCT + "source"), None, prov)]
    assert sources == [ox.NamedNode(iri.ONTOLOGY)]
    notes = {
        q.object.language: q.object.value
        for q in server_store.quads_for_pattern(g, ox.NamedNode(iri.PREFIXES["skos"] + "note"), None, prov)
        if isinstance(q.object, ox.Literal)
    }
    assert "not an official name" in notes["en"] and "并非官方名称" in notes["zh"] and "не официальное" in notes["ru"]


@pytest.mark.parametrize(("lang", "name"), [("zh", "是……的创始成员"), ("ru", "является членом-основателем")])
def test_pages_show_property_names_in_the_page_language_marked_as_translation(
    client: TestClient, lang: str, name: str
) -> None:
    page = client.get(f"/id/state/china?lang={lang}").text
    dts = re.findall(r"<dt>.*?</dt>", page)
    mine = [d for d in dts if "/ontology/foundingMemberOf" in d]
    assert len(mine) == 1 and f'>{name}</a><abbr class="tr"' in mine[0]
    assert "founding member of" not in page
    assert 'class="note tr-note"' in page
    onto = client.get(f"/ontology/State?lang={lang}").text
    assert re.search(r"<h1[^>]*>[^<]+<abbr class=\"tr\"", onto)  # the class's own page marks its name too
    english = client.get("/id/state/china?lang=en").text
    assert "founding member of" in english and 'class="tr"' not in english


def test_one_language_of_names_unless_asked(client: TestClient) -> None:
    ru = client.get("/id/state/china?lang=ru").text
    names = ru.split('id="names"')[1].split("</section>")[0]
    assert re.findall(r"<th>([^<]*)</th>", names) == ["ru", "ru"]
    assert "names=all" in names
    every = client.get("/id/state/china?lang=ru&names=all").text.split('id="names"')[1].split("</section>")[0]
    assert set(re.findall(r"<th>([^<]*)</th>", every)) == {"en", "zh", "ru"} and "names=all" not in every
