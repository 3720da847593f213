"""What a sentence page shows besides the sentence: the claims it supports and a "cite this" box.

The claims are the triples of the sentence's assertion graph (what it states) and of the graphs that name it with
``sco:impliedBy`` (what it implies), shown with labels. The citation is :meth:`sco_kg.explain.Facts.citation` of the
assertion graph (the same one-line text as ``sco-kg explain`` and the MCP tool) with the sentence's IRI, and as
CSL-JSON (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html) for reference managers.
"""

from __future__ import annotations

import json
from typing import Any

from sco_kg.rdf import iri
from sco_kg.server.links import Linker
from sco_kg.server.site import Sentence, Site
from sco_kg.server.views import term_view

SCO_IMPLIED_BY = iri.ONTOLOGY + "impliedBy"
SCO_DATE = iri.ONTOLOGY + "date"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SITE_TITLE = "SCO Declaration 2001 knowledge graph (sco-kg)"


def _graphs(site: Site, sentence: Sentence) -> list[tuple[str, str]]:
    import pyoxigraph as ox

    out = [("stated", sentence.graph)] if sentence.graph else []
    prov = ox.NamedNode(iri.GRAPH_PROVENANCE)
    implied = site.store.quads_for_pattern(None, ox.NamedNode(SCO_IMPLIED_BY), ox.NamedNode(sentence.iri), prov)
    names = (str(getattr(q.subject, "value", "")) for q in implied)
    out += sorted(("implied", g) for g in names if g and g != sentence.graph)
    return out


def sentence_claims(site: Site, link: Linker, sentence: Sentence, lang: str) -> list[dict[str, Any]]:
    """Return the claims ``sentence`` supports: per graph, its kind (stated/implied) and labelled triples."""
    import pyoxigraph as ox

    out = []
    for kind, graph in _graphs(site, sentence):
        quads = sorted(
            site.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)),
            key=lambda q: (str(q.subject), q.predicate.value, str(q.object)),
        )
        claims = [
            {k: term_view(site, link, t, lang) for k, t in (("s", q.subject), ("p", q.predicate), ("o", q.object))}
            for q in quads
        ]
        if claims:
            out.append({"kind": kind, "graph": graph, "graph_href": link.iri(graph), "claims": claims})
    return out


def _literal(site: Site, subject: str, predicate: str) -> str:
    import pyoxigraph as ox

    for q in site.store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None, None):
        if isinstance(q.object, ox.Literal) and (not q.object.language or q.object.language == "en"):
            return str(q.object.value)
    return ""


def citation_box(site: Site, sentence: Sentence) -> dict[str, str]:
    """Return how to cite ``sentence``: ``text`` (one line, as ``sco-kg explain`` words it) and ``csl`` (JSON)."""
    from sco_kg.explain import facts_of

    cited = facts_of(site.config.source).citation(sentence.graph) if sentence.graph else None
    ref = next((r for r in (cited.sentences if cited else ()) if r.iri == sentence.iri), None)
    doc = _literal(site, iri.NEWS_RELEASE, RDFS_LABEL) or iri.compact(iri.NEWS_RELEASE)
    date = _literal(site, iri.NEWS_RELEASE, SCO_DATE)
    where = f"¶ {sentence.paragraph}, sentence {sentence.paragraph}.{sentence.number}"
    text = cited.text if cited is not None and ref is not None else f'{doc}, {where}: "{sentence.text}"'
    item: dict[str, Any] = {
        "id": iri.compact(sentence.iri),
        "type": "document",
        "genre": "news release",
        "title": doc,
        "container-title": SITE_TITLE,
        "URL": sentence.iri,
        "locator": where,
        "note": f'"{sentence.text}"' + (f" (characters {ref.begin}–{ref.end})" if ref is not None else ""),
    }
    if date:
        item["issued"] = {"date-parts": [[int(x) for x in date.split("-")]]}
    if cited is not None and cited.attribution:
        item["annote"] = cited.attribution
    fields = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in item.items())
    return {"text": f"{text}. {SITE_TITLE}, {sentence.iri}", "csl": "[{\n" + fields + "\n}]"}
