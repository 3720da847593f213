"""Every IRI of sco-kg as a plain string (stdlib only, so the fast read path never imports rdflib).

:mod:`sco_kg.rdf.namespaces` builds the rdflib namespace objects from these strings.
"""

from __future__ import annotations

BASE = "https://w3id.org/sco-kg/"
ONTOLOGY = BASE + "ontology/"
ONTOLOGY_VERSION = ONTOLOGY + "0.1.0/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"

# Named graphs (docs/explanation/design.md, "Named graphs").
GRAPH_ONTOLOGY = GRAPH + "ontology"
GRAPH_TEXT = GRAPH + "text"
GRAPH_PROVENANCE = GRAPH + "provenance"
GRAPH_CURATION = GRAPH + "curation"
GRAPH_CONTEXT = GRAPH + "context"
GRAPH_INFERRED = GRAPH + "inferred"
GRAPH_ASSERTION = GRAPH + "assertion/"
GRAPH_USER = GRAPH + "user/"
# Outside facts: one graph per source under scog:context/, described in scog:provenance-context
# (docs/how-to/linking.md); the generated external links live in scog:context/links.
GRAPH_CONTEXT_LINKS = GRAPH_CONTEXT + "/links"
GRAPH_PROVENANCE_CONTEXT = GRAPH + "provenance-context"
# Inferences kept apart by what they rest on (docs/explanation/inference.md): scog:inferred follows from the
# ontology and the declaration's own graphs alone; scog:inferred-context is what the outside facts add;
# scog:inferred-user what the user's --with files add on top.
GRAPH_INFERRED_CONTEXT = GRAPH + "inferred-context"
GRAPH_INFERRED_USER = GRAPH + "inferred-user"
INFERRED_GRAPHS = (GRAPH_INFERRED, GRAPH_INFERRED_CONTEXT, GRAPH_INFERRED_USER)


def is_context_graph(graph: str) -> bool:
    """Return whether ``graph`` holds outside facts (``scog:context``, ``scog:context/*``, their provenance
    graph ``scog:provenance-context``) or what they add to the closure (``scog:inferred-context``)."""
    return (
        graph == GRAPH_CONTEXT
        or graph.startswith(GRAPH_CONTEXT + "/")
        or graph in (GRAPH_PROVENANCE_CONTEXT, GRAPH_INFERRED_CONTEXT)
    )


# Main individuals.
DECLARATION = ID + "document/declaration-2001"
NEWS_RELEASE = ID + "document/news-release-2001-06-15"
TEXT_CONTEXT = ID + "text/news-release-2001-06-15"
SCO_ORG = ID + "organization/sco"


def paragraph(number: int) -> str:
    """Return the IRI of paragraph ``number`` (P0 is the title, P21 the dateline)."""
    return f"{ID}paragraph/{number}"


def sentence(par: int, sent: int) -> str:
    """Return the IRI of sentence ``sent`` (1-based) of paragraph ``par``."""
    return f"{ID}sentence/p{par}-s{sent}"


def assertion_graph(par: int, sent: int) -> str:
    """Return the IRI of the named graph that holds what sentence ``sent`` of paragraph ``par`` asserts."""
    return f"{GRAPH_ASSERTION}p{par}-s{sent}"


# Prefixes used everywhere (Turtle, TriG, .rq, exports): one prefix per namespace.
PREFIXES: dict[str, str] = {
    "sco": ONTOLOGY,
    "scoid": ID,
    "scog": GRAPH,
    "ag": GRAPH_ASSERTION,
    "state": ID + "state/",
    "organization": ID + "organization/",
    "document": ID + "document/",
    "place": ID + "place/",
    "event": ID + "event/",
    "when": ID + "time/",
    "principle": ID + "principle/",
    "aim": ID + "aim/",
    "field": ID + "field/",
    "threat": ID + "threat/",
    "trend": ID + "trend/",
    "assessment": ID + "assessment/",
    "mechanism": ID + "mechanism/",
    "action": ID + "action/",
    "group": ID + "group/",
    "person": ID + "person/",
    "role": ID + "role/",
    "scope": ID + "scope/",
    "membership": ID + "membership/",
    "scheme": ID + "scheme/",
    "para": ID + "paragraph/",
    "sent": ID + "sentence/",
    "text": ID + "text/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "nif": "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "lkif-norm": "http://www.estrellaproject.org/lkif-core/norm.owl#",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "schema": "https://schema.org/",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "gn": "https://www.geonames.org/ontology#",
}


def sparql_prefixes(names: list[str] | None = None) -> str:
    """Return SPARQL ``PREFIX`` lines for ``names`` (all prefixes when ``None``)."""
    chosen = PREFIXES if names is None else {n: PREFIXES[n] for n in names}
    return "".join(f"PREFIX {n}: <{iri}>\n" for n, iri in chosen.items())


def compact(value: str) -> str:
    """Return ``value`` as a prefixed name when a known prefix covers it, else ``<value>``.

    The longest matching namespace wins, so ``https://w3id.org/sco-kg/id/state/china`` becomes ``state:china``.
    This is for display (tables, pages): the local part may contain ``/``, which Turtle would need escaped.
    """
    best = ""
    for name, ns in PREFIXES.items():
        if value.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            local = value[len(ns) :]
            if local and all(ch.isalnum() or ch in "-_./" for ch in local) and not local.endswith("."):
                best = name
    return f"{best}:{value[len(PREFIXES[best]) :]}" if best else f"<{value}>"
