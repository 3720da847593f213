"""The Wikidata profile of the export: the facts that map onto Wikidata properties, in its statement model."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

from sco_kg.io import allow_list
from sco_kg.rdf import iri
from sco_kg.rdf.canon import canonicalize
from sco_kg.rdf.term import XSD, Quad, Term
from sco_kg.rdf.writers.prefixes import Prefixer, all_prefixes

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
WD = "http://www.wikidata.org/entity/"
WD_PROP = "http://www.wikidata.org/prop/"
WIKIBASE = "http://wikiba.se/ontology#"
PROV = "http://www.w3.org/ns/prov#"
#: Where statement and reference nodes live (stable IRIs derived from what they state, never blank nodes).
STATEMENT_NS = iri.ID + "statement/"
REFERENCE_NS = iri.ID + "reference/"

# Each query returns ?s ?value ?g (the graph that asserts the fact) and optionally ?when ?wg (a date and the
# graph that asserts it). The property IDs are the VERIFIED ones of LINKING.md §2.
_WIKIDATA_FACTS: list[tuple[str, str | None, str]] = [
    # P1891 signatory (+ P585 point in time): heads of state, or groups of them, that signed a document.
    (
        "P1891",
        "P585",
        """SELECT DISTINCT ?s ?value ?g ?when ?wg WHERE {
  GRAPH ?g { ?agent sco:signed ?s }
  { ?agent sco:isHeadOfStateOf ?value }
  UNION { ?agent sco:ofState ?value . ?value a sco:State }
  UNION { ?agent sco:ofState ?group . ?group sco:hasMemberState ?value }
  OPTIONAL { ?s sco:signingEvent ?ev . GRAPH ?wg { ?ev sco:date ?when } }
}""",
    ),
    # P463 member of (+ P580 start time: the date of the event that set the organisation up).
    (
        "P463",
        "P580",
        """SELECT DISTINCT ?s ?value ?g ?when ?wg WHERE {
  GRAPH ?g { ?m a sco:Membership ; org:member ?s ; org:organization ?value }
  OPTIONAL { ?ev a sco:EstablishmentEvent ; org:resultingOrganization ?value . GRAPH ?wg { ?ev sco:date ?when } }
}""",
    ),
    # P1365 replaces / P1366 replaced by: an org:ChangeEvent from one organisation to another.
    (
        "P1365",
        None,
        """SELECT DISTINCT ?s ?value ?g WHERE {
  { GRAPH ?g { ?ev org:resultingOrganization ?s } ?ev org:originalOrganization ?value }
  UNION { GRAPH ?g { ?ev org:originalOrganization ?value } ?ev org:resultingOrganization ?s }
  UNION { GRAPH ?g { ?s sco:replaces ?value } }
}""",
    ),
    (
        "P1366",
        None,
        """SELECT DISTINCT ?s ?value ?g WHERE {
  { GRAPH ?g { ?ev org:originalOrganization ?s } ?ev org:resultingOrganization ?value }
  UNION { GRAPH ?g { ?ev org:resultingOrganization ?value } ?ev org:originalOrganization ?s }
  UNION { GRAPH ?g { ?s sco:replacedBy ?value } }
}""",
    ),
    # P276 location of an event.
    ("P276", None, "SELECT DISTINCT ?s ?value ?g WHERE { GRAPH ?g { ?s sco:atPlace ?value } }"),
    # P571 inception of an organisation: the date of the event that established it.
    (
        "P571",
        None,
        """SELECT DISTINCT ?s ?value ?g WHERE {
  ?ev a sco:EstablishmentEvent ; org:resultingOrganization ?s .
  GRAPH ?g { ?ev sco:date ?value }
}""",
    ),
    # P585 point in time of a dated event.
    (
        "P585",
        None,
        """SELECT DISTINCT ?s ?value ?g WHERE {
  ?s a ?c . ?c rdfs:subClassOf* sco:Event .
  GRAPH ?g { ?s sco:date ?value }
}""",
    ),
]


def verified_wikidata_ids(path: Path | None = None) -> dict[str, str]:
    """Return entity IRI -> Wikidata entity IRI from the allow-list ``data/external-ids.csv``.

    Only ``owl:sameAs`` rows whose target is a Wikidata item are used: the identifiers the linking work
    verified (:mod:`sco_kg.io.allow_list`). An entity that is not on the list keeps its own IRI; no QID is ever
    made up.
    """
    return allow_list.wikidata_ids(allow_list.read_allow_list(path))


def _wd_time(lexical: str) -> str | None:
    """Return Wikidata's simple time value (``xsd:dateTime``, UTC) for an ``xsd:date`` or ``xsd:gYear``."""
    if re.fullmatch(r"-?\d{4}-\d{2}-\d{2}", lexical):
        return f"{lexical}T00:00:00Z"
    if re.fullmatch(r"-?\d{4}", lexical):
        return f"{lexical}-01-01T00:00:00Z"  # year precision, as Wikidata writes it
    return None


def _key(value: str) -> str:
    if value.startswith(WD):
        return value[len(WD) :]
    if value.startswith(iri.ID):
        return value[len(iri.ID) :].replace("/", "-")
    host = re.sub(r"[^A-Za-z0-9]+", "-", value.split("://", 1)[-1].split("/", 1)[0]).strip("-")
    return f"{host or 'x'}-{hashlib.sha256(value.encode()).hexdigest()[:10]}"


def wikidata_statements(with_files: Sequence[str | Path] = (), ids_file: Path | None = None) -> list[Quad]:
    """Return the Wikidata-shaped view: the facts that map onto Wikidata properties, in its statement model.

    For each fact ``s P v`` (P1891 signatory with P585, P463 member of with P580, P1365/P1366, P276, P571,
    P585): the truthy triple ``s wdt:P v``, a statement node ``s p:P st`` with ``st ps:P v``, its qualifier
    ``pq:``, rank, and ``prov:wasDerivedFrom`` reference nodes whose ``pr:P854`` (reference URL) is the
    sentence of the release (or the outside source) that states the fact. Entities with a verified QID
    (``data/external-ids.csv``) appear as ``wd:Q…``; the others keep their sco-kg IRI. Statement and
    reference nodes have stable IRIs under ``scoid:statement/`` and ``scoid:reference/``.
    """
    from sco_kg.dataset import open_store

    qids = verified_wikidata_ids(ids_file)
    st = open_store(inferred=False, with_files=tuple(Path(p) for p in with_files))
    sources: dict[str, list[str]] = defaultdict(list)
    query = iri.sparql_prefixes() + "SELECT ?g ?src WHERE { ?g prov:wasDerivedFrom|sco:impliedBy ?src }"
    for row in cast(Iterable[Any], st.query(query, use_default_graph_as_union=True)):
        sources[row["g"].value].append(row["src"].value)

    def ent(value: str) -> Term:
        return Term("uri", qids.get(value, value))

    out: list[Quad] = []
    ref_terms: dict[str, Term] = {}

    def reference(graph: str) -> list[Term]:
        refs = []
        for src in sorted(sources.get(graph, [])):
            if src not in ref_terms:
                ref = Term("uri", REFERENCE_NS + _key(src))
                ref_terms[src] = ref
                out.append((ref, Term("uri", RDF_TYPE), Term("uri", WIKIBASE + "Reference"), None))
                out.append((ref, Term("uri", WD_PROP + "reference/P854"), Term("uri", src), None))
            refs.append(ref_terms[src])
        return refs

    for prop, qualifier, query in _WIKIDATA_FACTS:
        facts: dict[tuple[str, Term], dict[str, Any]] = {}
        for row in cast(Iterable[Any], st.query(iri.sparql_prefixes() + query, use_default_graph_as_union=True)):
            s = row["s"].value
            raw = row["value"]
            if hasattr(raw, "datatype"):
                when = _wd_time(raw.value)
                if when is None:
                    continue
                value = Term("literal", when, XSD + "dateTime")
            else:
                value = ent(raw.value)
            fact = facts.setdefault((s, value), {"graphs": set(), "when": set()})
            fact["graphs"].add(row["g"].value)
            if qualifier and row["when"] is not None:
                when = _wd_time(row["when"].value)
                if when:
                    fact["when"].add(when)
                    fact["graphs"].add(row["wg"].value)
        for (s, value), fact in sorted(facts.items(), key=lambda kv: (kv[0][0], kv[0][1].n3())):
            subject = ent(s)
            vkey = _key(value.value) if value.kind == "uri" else value.value[:10]
            stmt = Term("uri", f"{STATEMENT_NS}{_key(subject.value)}-{prop}-{vkey}")
            out.append((subject, Term("uri", f"{WD_PROP}direct/{prop}"), value, None))
            out.append((subject, Term("uri", WD_PROP + prop), stmt, None))
            out.append((stmt, Term("uri", RDF_TYPE), Term("uri", WIKIBASE + "Statement"), None))
            out.append((stmt, Term("uri", WIKIBASE + "rank"), Term("uri", WIKIBASE + "NormalRank"), None))
            out.append((stmt, Term("uri", f"{WD_PROP}statement/{prop}"), value, None))
            for when in sorted(fact["when"]):
                out.append(
                    (
                        stmt,
                        Term("uri", f"{WD_PROP}qualifier/{qualifier}"),
                        Term("literal", when, XSD + "dateTime"),
                        None,
                    )
                )
            for g in sorted(fact["graphs"]):
                for ref in reference(g):
                    out.append((stmt, Term("uri", PROV + "wasDerivedFrom"), ref, None))
    return canonicalize(out)


def prefix_context(quads: Sequence[Quad]) -> dict[str, Any]:
    """Return a JSON-LD context of just the prefixes that ``quads`` use (for views other than the graph)."""
    px = Prefixer(all_prefixes())
    for q in quads:
        for t in q:
            if t is not None and t.kind == "uri":
                px.name(t.value)
            elif t is not None and t.kind == "literal" and t.datatype:
                px.name(t.datatype)
    return {n: px.prefixes[n] for n in sorted(px.used)}
