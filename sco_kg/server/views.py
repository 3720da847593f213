"""Views of the graph for the HTML pages: plain dicts the templates in ``templates/`` render.

A term becomes a link only when it is an ``http(s)`` IRI (:meth:`Linker.iri` gives ``""`` otherwise and the
templates then show text).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from sco_kg.engine.results import Result
from sco_kg.rdf import iri
from sco_kg.rdf.term import Term
from sco_kg.server.conneg import LANGS
from sco_kg.server.links import Linker
from sco_kg.server.site import (
    DCTERMS,
    DEFINITION_PREDICATES,
    LABEL_PREDICATES,
    OWL,
    RDF_TYPE,
    RDFS,
    SKOS,
    Sentence,
    Site,
    Statement,
)
from sco_kg.server.words import GRAPH_NAMES, UI

NAME_PREDICATES = set(LABEL_PREDICATES)
EXTERNAL_LINK_PREDICATES = {OWL + "sameAs", SKOS + "exactMatch", SKOS + "closeMatch", RDFS + "seeAlso"}


def graph_label(graph: str) -> str:
    """Return a short name for a named graph (``text``, ``ag:p13-s2``, …)."""
    return GRAPH_NAMES.get(graph) or iri.compact(graph)


def term_view(site: Site, link: Linker, term: Any, lang: str) -> dict[str, Any]:
    """Return how a term (pyoxigraph or :class:`Term`) is shown: link and label for an IRI, text for the rest."""
    t = term if isinstance(term, Term) else Term.from_ox(term)
    if t.kind == "uri":
        text = site.label(t.value, lang)
        return {
            "kind": "iri",
            "href": link.iri(t.value),
            "text": text,
            "translated": site.is_translation(t.value, text),
            "iri": t.value,
            "compact": iri.compact(t.value),
            "external": not t.value.startswith(iri.BASE),
        }
    if t.kind == "literal":
        return {
            "kind": "literal",
            "text": t.value,
            "lang": t.lang or "",
            "datatype": iri.compact(t.datatype) if t.datatype else "",
        }
    return {"kind": "bnode", "text": "_:" + t.value}


def provenance_view(site: Site, link: Linker, graphs: Sequence[str]) -> list[dict[str, Any]]:
    """Return, per graph of a statement, the source sentence (for an assertion graph) or the graph's name."""
    out = []
    for g in graphs:
        sentence = site.graph_sentence.get(g)
        item: dict[str, Any] = {"graph": g, "graph_label": graph_label(g), "graph_href": link.iri(g) if g else ""}
        if sentence is not None:
            item["sentence"] = sentence
            item["sentence_href"] = link.url("text#" + sentence.anchor)
        out.append(item)
    return out


def _group_of(statement: Statement) -> str:
    import pyoxigraph as ox

    p = statement.predicate.value
    if p in DEFINITION_PREDICATES:
        return "description"
    if isinstance(statement.object, ox.NamedNode):
        if p in EXTERNAL_LINK_PREDICATES or not statement.object.value.startswith(iri.BASE):
            return "links"
        return "relations"
    return "attributes"


def why_href(st: Statement) -> dict[str, str]:
    """Return the query parameters of the explanation page of an inferred statement (``explain?s=…&p=…&o=…``)."""
    s, p, o = (t if isinstance(t, Term) else Term.from_ox(t) for t in (st.subject, st.predicate, st.object))
    return {"s": s.value, "p": p.value, "o": o.value if o.kind == "uri" else o.n3()}


def _predicate_entry(site: Site, link: Linker, p: str, lang: str) -> dict[str, Any]:
    label = site.label(p, lang)
    return {"iri": p, "label": label, "translated": site.is_translation(p, label), "href": link.iri(p), "values": []}


def _asserted(graphs: Sequence[str]) -> list[str]:
    return [g for g in graphs if g not in iri.INFERRED_GRAPHS]


def _value_view(site: Site, link: Linker, st: Statement, term: Any, lang: str, graphs: Sequence[str]) -> dict[str, Any]:
    """Return how one value of a statement shows: the term, whether it is inferred (with its why? link), and the
    sentences of ``graphs`` that state it."""
    view = term_view(site, link, term, lang)
    view["inferred"] = st.inferred
    view["inferred_context"] = st.rests_on_context
    view["why"] = why_href(st) if st.inferred else None
    view["provenance"] = provenance_view(site, link, graphs)
    return view


def resource_view(site: Site, link: Linker, value: str, lang: str, all_names: bool = False) -> dict[str, Any]:
    """Return everything the resource page shows about ``value`` (names in ``lang`` only unless ``all_names``)."""
    out_statements = site.statements(value)
    types: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, dict[str, Any]]] = {"description": {}, "relations": {}, "attributes": {}, "links": {}}
    for st in out_statements:
        p = st.predicate.value
        if p == RDF_TYPE:
            view = _value_view(site, link, st, st.object, lang, st.graphs)
            types[getattr(st.object, "value", str(st.object))] = view
            continue
        if p in NAME_PREDICATES:
            continue
        group = groups[_group_of(st)]
        entry = group.setdefault(p, _predicate_entry(site, link, p, lang))
        entry["values"].append(_value_view(site, link, st, st.object, lang, _asserted(st.graphs)))
    incoming: dict[str, dict[str, Any]] = {}
    for st in site.statements(value, incoming=True):
        p = st.predicate.value
        entry = incoming.setdefault(p, _predicate_entry(site, link, p, lang))
        entry["values"].append(_value_view(site, link, st, st.subject, lang, _asserted(st.graphs)))

    def ordered(entries: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        for e in entries.values():
            e["values"].sort(key=lambda v: (v.get("inferred", False), v["text"].lower()))
        return sorted(entries.values(), key=lambda e: e["label"].lower())

    names = []
    found = site.names(value)
    codes = (*LANGS, *sorted(k for k in found if k not in LANGS)) if all_names else (lang,)
    for code in codes:
        for pred, text in found.get(code, []):
            names.append(
                {
                    "lang": code or "—",
                    "predicate": iri.compact(pred),
                    "text": text,
                    "translated": site.is_translation(value, text),
                }
            )
    other_names = sum(len(v) for k, v in found.items() if k != lang)
    graph_content = []
    if value in site.graph_counts:
        for q in sorted(site.graph_quads(value), key=lambda q: (q.subject.value, q.predicate.value))[:500]:
            graph_content.append(
                {
                    "s": term_view(site, link, q.subject, lang),
                    "p": term_view(site, link, q.predicate, lang),
                    "o": term_view(site, link, q.object, lang),
                }
            )
    sentence = next((s for s in site.sentences.values() if s.iri == value), None)
    return {
        "iri": value,
        "compact": iri.compact(value),
        "title": site.label(value, lang),
        "title_translated": site.is_translation(value, site.label(value, lang)),
        "has_own_label": site.has_label(value, lang),
        "names": names,
        "other_names": other_names if not all_names else 0,
        "all_names": all_names,
        "types": sorted(types.values(), key=lambda t: (t.get("inferred", False), t["text"].lower())),
        "groups": [(key, ordered(entries)) for key, entries in groups.items() if entries],
        "incoming": ordered(incoming),
        "graph_content": graph_content,
        "sentence": sentence,
        "definition": site.literal_values(value, SKOS + "definition", lang),
    }


def text_view(site: Site, link: Linker, lang: str) -> list[dict[str, Any]]:
    """Return the paragraphs of the source text, each sentence with its anchor and the statements it backs."""
    by_paragraph: dict[int, list[Sentence]] = {}
    for s in site.sentences.values():
        by_paragraph.setdefault(s.paragraph, []).append(s)
    out = []
    for number in sorted(set(site.paragraphs) | set(by_paragraph)):
        sentences = []
        for s in sorted(by_paragraph.get(number, []), key=lambda x: x.number):
            statements = []
            if s.graph:
                for q in sorted(site.graph_quads(s.graph), key=lambda q: (q.subject.value, q.predicate.value)):
                    statements.append(
                        {
                            "s": term_view(site, link, q.subject, lang),
                            "p": term_view(site, link, q.predicate, lang),
                            "o": term_view(site, link, q.object, lang),
                        }
                    )
            sentences.append(
                {
                    "sentence": s,
                    "href": link.iri(s.iri),
                    "statements": statements,
                    "graph_href": link.iri(s.graph) if s.graph else "",
                }
            )
        out.append({"number": number, "href": link.iri(iri.paragraph(number)), "sentences": sentences})
    return out


def ontology_terms(site: Site, kinds: Sequence[str]) -> list[str]:
    """Return the sco: IRIs typed with one of ``kinds`` in the ontology graph, sorted case-insensitively."""
    import pyoxigraph as ox

    found: set[str] = set()
    for kind in kinds:
        for q in site.store.quads_for_pattern(
            None, ox.NamedNode(RDF_TYPE), ox.NamedNode(kind), ox.NamedNode(iri.GRAPH_ONTOLOGY)
        ):
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(iri.ONTOLOGY):
                found.add(q.subject.value)
    return sorted(found, key=lambda v: v.lower())


def ontology_view(site: Site, link: Linker, lang: str) -> dict[str, Any]:
    """Return the classes and properties of the ontology with label, definition, domain, range and hierarchy."""

    def refs(values: Iterable[str]) -> list[dict[str, Any]]:
        return [{"href": link.iri(v), "text": site.label(v, lang)} for v in sorted(set(values))]

    def term(value: str, up: str) -> dict[str, Any]:
        onto = {o for o in site.objects(value, up) if o != value}
        return {
            "iri": value,
            "anchor": value[len(iri.ONTOLOGY) :],
            "href": link.iri(value),
            "label": site.label(value, lang),
            "compact": iri.compact(value),
            "definition": " ".join(site.literal_values(value, SKOS + "definition", lang)),
            "super": refs(onto),
            "sub": refs(s for s in site.subjects(up, value) if s != value and s.startswith(iri.ONTOLOGY)),
            "domain": refs(site.objects(value, RDFS + "domain")),
            "range": refs(site.objects(value, RDFS + "range")),
            "inverse": refs(site.objects(value, OWL + "inverseOf")),
        }

    classes = [term(c, RDFS + "subClassOf") for c in ontology_terms(site, [OWL + "Class"])]
    object_props = [term(p, RDFS + "subPropertyOf") for p in ontology_terms(site, [OWL + "ObjectProperty"])]
    data_props = [
        term(p, RDFS + "subPropertyOf")
        for p in ontology_terms(site, [OWL + "DatatypeProperty", OWL + "AnnotationProperty"])
    ]
    modules = [
        {"href": link.iri(m), "text": site.label(m, lang), "iri": m}
        for m in sorted({q for q in ontology_terms(site, [OWL + "Ontology"])})
    ]
    return {
        "title": " ".join(site.literal_values(iri.ONTOLOGY, DCTERMS + "title", lang)) or "sco-kg ontology",
        "description": " ".join(site.literal_values(iri.ONTOLOGY, DCTERMS + "description", lang)),
        "classes": classes,
        "object_props": object_props,
        "data_props": data_props,
        "modules": modules,
    }


HOME_SECTIONS = (
    ("states", [iri.ONTOLOGY + "State"]),
    (
        "organizations",
        [
            iri.ONTOLOGY + "InternationalOrganization",
            iri.ONTOLOGY + "StateGrouping",
            iri.ONTOLOGY + "OrganizationalBody",
        ],
    ),
    ("documents", [iri.ONTOLOGY + "Document"]),
    ("events", [iri.ONTOLOGY + "Event"]),
    (
        "concepts",
        [
            iri.ONTOLOGY + "Principle",
            iri.ONTOLOGY + "Aim",
            iri.ONTOLOGY + "FieldOfCooperation",
            iri.ONTOLOGY + "Threat",
        ],
    ),
)


def home_view(site: Site, link: Linker, lang: str) -> dict[str, Any]:
    """Return the counts and entry points of the home page."""
    graphs: dict[str, int] = {}
    for g, n in site.graph_counts.items():
        if g.startswith(iri.GRAPH_ASSERTION):
            key = "ag:*"
        elif g.startswith(iri.GRAPH_CONTEXT + "/"):
            key = "scog:context/*"
        else:
            key = graph_label(g)
        graphs[key] = graphs.get(key, 0) + n
    sections = []
    for key, classes in HOME_SECTIONS:
        members: set[str] = set()
        for c in classes:
            members.update(site.instances(c))
        if key == "documents":
            members.discard(iri.NEWS_RELEASE)
        items = sorted(
            ({"href": link.iri(m), "text": site.label(m, lang)} for m in members), key=lambda x: x["text"].lower()
        )
        if items:
            sections.append({"key": key, "title": UI[lang][key], "items": items, "count": len(items)})
    return {
        "graphs": sorted(graphs.items()),
        "total": site.total,
        "sections": sections,
        "sentences": len(site.sentences),
        "assertion_graphs": len(site.graph_sentence),
    }


def search(site: Site, phrase: str, limit: int = 100) -> tuple[list[str], list[Sentence]]:
    """Return IRIs whose names, and sentences whose text, contain ``phrase`` (case-insensitive)."""
    needle = phrase.casefold().strip()
    if not needle:
        return [], []
    hits: list[tuple[int, str]] = []
    for value, by_lang in site.labels.items():
        best = None
        for entries in by_lang.values():
            for _, text in entries:
                folded = text.casefold()
                if needle in folded:
                    rank = 0 if folded == needle else 1 if folded.startswith(needle) else 2
                    best = rank if best is None else min(best, rank)
        if best is not None:
            hits.append((best, value))
    hits.sort(key=lambda h: (h[0], site.label(h[1]).lower()))
    sentences = [s for s in site.sentences.values() if needle in s.text.casefold()]
    sentences.sort(key=lambda s: (s.paragraph, s.number))
    return [v for _, v in hits[:limit]], sentences[:limit]


def suggestions(site: Site, value: str, limit: int = 5) -> list[str]:
    """Return known IRIs that look like ``value`` (for the 404 page)."""
    tail = value.rsplit("/", 1)[-1]
    candidates = [v for v in site.labels if v.startswith(iri.BASE)]
    keyed = {v.rsplit("/", 1)[-1]: v for v in candidates}
    close = difflib.get_close_matches(tail, list(keyed), n=limit, cutoff=0.5)
    return [keyed[c] for c in close]


# ---------------------------------------------------------------------------------------------------------
# Pictures: the timeline is SVG written here; the class and neighbourhood diagrams are Graphviz ``dot``
# ---------------------------------------------------------------------------------------------------------


def results_view(site: Site, link: Linker, result: Result, lang: str) -> dict[str, Any]:
    """Return a query result as a table of term views (SELECT), a boolean (ASK) or triples (CONSTRUCT)."""
    if result.form == "ASK":
        return {"kind": "ask", "boolean": result.boolean}
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        triples = [[term_view(site, link, t, lang) for t in triple] for triple in result.triples[:1000]]
        return {
            "kind": "select",
            "columns": ["subject", "predicate", "object"],
            "rows": triples,
            "truncated": result.truncated,
        }
    rows: list[list[dict[str, Any] | None]] = [
        [term_view(site, link, t, lang) if t is not None else None for t in row] for row in result.rows
    ]
    return {"kind": "select", "columns": list(result.vars), "rows": rows, "truncated": result.truncated}
