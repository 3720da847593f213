"""Provenance you can cite (issue 17): a sentence page lists the claims it supports, with labels, and a "cite this"
box (plain text as ``sco-kg explain`` words it, and CSL-JSON); ``/text`` reads as a text, its statements folded."""

from __future__ import annotations

import html
import json
import re

import pyoxigraph as ox
import pytest

import sco_kg
from sco_kg.explain import Fact, citations
from sco_kg.rdf import iri

pytest.importorskip("starlette")
from starlette.testclient import TestClient

SENTENCE = iri.ID + "sentence/p2-s1"
GRAPH = iri.GRAPH_ASSERTION + "p2-s1"


def _section(page: str, ident: str) -> str:
    return page.split(f'<section id="{ident}"')[1].split("</section>")[0]


def test_sentence_page_lists_its_claims_with_labels(client: TestClient, server_store: ox.Store) -> None:
    page = client.get("/id/sentence/p2-s1", headers={"Accept": "text/html"}).text
    claims = _section(page, "claims")
    stated = claims.split("<h3>")[1]
    n = sum(1 for _ in server_store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH)))
    assert n > 0 and stated.count("<li>") == n  # every triple of the sentence's assertion graph, once
    assert "assertion/p2-s1" in stated
    assert ">regional security</a>" in stated  # labels, not IRIs
    assert "https://w3id.org/sco-kg/id/" not in re.sub(r'(href|title)="[^"]*"', "", stated)
    implied = [
        str(getattr(q.subject, "value", ""))
        for q in server_store.quads_for_pattern(
            None, ox.NamedNode(iri.ONTOLOGY + "impliedBy"), ox.NamedNode(SENTENCE), ox.NamedNode(iri.GRAPH_PROVENANCE)
        )
    ]
    for g in implied:
        assert g.removeprefix(iri.GRAPH) in claims, g
    assert claims.count("<h3>") == 1 + len(implied)


def test_cite_this_plain_text_and_csl_json(client: TestClient, server_store: ox.Store) -> None:
    page = client.get("/id/sentence/p2-s1", headers={"Accept": "text/html"}).text
    box = _section(page, "cite")
    text = html.unescape(re.findall(r'<p class="cite-text">([^<]*)</p>', box)[0])
    # the same citation text as sco-kg explain gives for a fact of this sentence
    q = next(iter(server_store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH))))
    fact = Fact(sco_kg.Term.from_ox(q.subject), sco_kg.Term.from_ox(q.predicate), sco_kg.Term.from_ox(q.object))
    explained = next(c for c in citations(fact) if c.graph == GRAPH)
    assert text.startswith(explained.text) and text.endswith(SENTENCE)
    csl = json.loads(html.unescape(box.split('<pre class="csl">')[1].split("</pre>")[0]))
    assert isinstance(csl, list) and len(csl) == 1
    item = csl[0]
    assert item["type"] == "document" and item["URL"] == SENTENCE and item["id"] == "sent:p2-s1"
    assert item["issued"] == {"date-parts": [[2001, 6, 15]]}
    assert item["title"].startswith("News release of 15 June 2001")
    assert item["locator"] == "¶ 2, sentence 2.1" and "Shanghai Five" in item["note"]


def test_other_pages_have_no_cite_box(client: TestClient) -> None:
    page = client.get("/id/state/china", headers={"Accept": "text/html"}).text
    assert 'id="cite"' not in page and 'id="claims"' not in page


def test_text_reads_as_a_text_with_statements_folded(client: TestClient, server_store: ox.Store) -> None:
    page = client.get("/text").text
    assert "<details open" not in page
    folded = page.count('<details class="statements">')
    with_graph = len(
        {
            str(getattr(q.object, "value", ""))
            for q in server_store.quads_for_pattern(
                None, ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"), None, ox.NamedNode(iri.GRAPH_PROVENANCE)
            )
            if "/sentence/" in str(getattr(q.object, "value", ""))
        }
    )
    assert folded > 0 and folded <= with_graph
    assert "the Declaration said" in page
