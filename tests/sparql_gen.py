"""A deterministic generator of ad-hoc SPARQL queries over the project's vocabulary (Jena differential tests).

Every query is a SELECT or ASK whose answer is a bag that does not depend on evaluation order: no LIMIT or
OFFSET, no SAMPLE or GROUP_CONCAT, no functions of the clock or of chance (NOW, RAND, UUID, BNODE), and no
blank node in a projected position (``FILTER(!isBlank(...))`` where one could appear), so that two correct
engines must give the same bag of rows. The shapes cover FROM / FROM NAMED with the project's graph IRIs,
GRAPH, OPTIONAL, aggregates with GROUP BY, DATATYPE/LANG, property paths over sco:/org:/skos: properties,
DISTINCT, FILTER, UNION, MINUS and BIND. The same ``seed`` gives the same list.
"""

from __future__ import annotations

import random
from collections.abc import Callable

G = "https://w3id.org/sco-kg/graph/"
GRAPHS = [G + g for g in (
    "ontology", "inferred", "text", "provenance", "curation", "provenance-context", "inferred-context",
    "context/links", "context/multilingual-names", "context/rg-ru-2017", "context/pax-531",
    "context/worldjpn-shanghai-convention-2001", "assertion/p0-s1", "assertion/p1-s1", "assertion/p4-s1",
    "assertion/p6-s1", "assertion/p13-s2", "assertion/p21-s1",
)]  # fmt: skip
# Graph pairs that share triples (the default graph of their merge is smaller than their bag union).
SHARED = [
    ("assertion/p4-s1", "context/multilingual-names"), ("assertion/p0-s1", "context/multilingual-names"),
    ("assertion/p21-s1", "context/rg-ru-2017"), ("assertion/p21-s1", "text"),
    ("assertion/p13-s2", "context/worldjpn-shanghai-convention-2001"), ("assertion/p4-s1", "context/pax-531"),
]  # fmt: skip
PREFIXES = """PREFIX sco: <https://w3id.org/sco-kg/ontology/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""
# Object properties between IRIs (for paths) and properties with literal values (for DATATYPE/LANG/FILTER).
LINKS = ["sco:hasPart", "sco:partOf", "dcterms:isPartOf", "dcterms:hasPart", "sco:memberOf", "sco:hasMember",
         "org:memberOf", "org:hasMember", "org:organization", "org:hasMembership", "org:member", "sco:actor",
         "sco:actorOf", "sco:assesses", "sco:concernsField", "sco:addresses", "sco:hasSignatory",
         "sco:isSignatoryOf", "sco:participatedIn", "sco:hasParticipant", "sco:basedOn", "sco:ofState",
         "skos:inScheme", "skos:related", "rdfs:subClassOf", "rdf:type", "prov:wasDerivedFrom",
         "nif:nextSentence", "nif:superString", "sco:hasContext", "sco:hasMemberState", "sco:modality"]  # fmt: skip
VALUES = ["rdfs:label", "skos:prefLabel", "skos:altLabel", "skos:notation", "skos:definition", "sco:status",
          "nif:beginIndex", "nif:endIndex", "sco:sentenceNumber", "sco:paragraphNumber", "sco:year", "sco:date",
          "sco:modalityWord", "dcterms:title", "sco:attributionPhrase", "skos:scopeNote"]  # fmt: skip
# Numeric values only: sco:year is an xsd:gYear (rdflib compares it with numbers; SPARQL says type error).
NUMERIC = ["nif:beginIndex", "nif:endIndex", "sco:sentenceNumber", "sco:paragraphNumber"]
CLASSES = ["sco:MemberState", "sco:Declaration", "sco:Principle", "sco:Threat", "sco:Organization",
           "sco:FieldOfCooperation", "sco:Aim", "sco:Summit", "org:Organization", "skos:Concept"]  # fmt: skip
LANGS = ["en", "zh", "ru", ""]
WORDS = ["Shanghai", "security", "cooperation", "Russia", "China", "terror", "of", "Organi"]


def _g(r: random.Random) -> str:
    return f"<{r.choice(GRAPHS)}>"


def _from_pair(r: random.Random) -> str:
    a, b = r.choice(SHARED) if r.random() < 0.6 else (r.choice(GRAPHS)[len(G) :], r.choice(GRAPHS)[len(G) :])
    return f"FROM <{G}{a}> FROM <{G}{b}>"


def _count_from(r: random.Random) -> str:
    return f"SELECT (COUNT(*) AS ?n) FROM {_g(r)} WHERE {{ ?s ?p ?o }}"


def _from_pair_rows(r: random.Random) -> str:
    p = r.choice([*VALUES, "rdf:type"])
    return f"SELECT ?s ?o {_from_pair(r)} WHERE {{ ?s {p} ?o FILTER(!isBlank(?s)) }}"


def _from_pair_count(r: random.Random) -> str:
    return f"SELECT (COUNT(*) AS ?n) {_from_pair(r)} WHERE {{ ?s ?p ?o }}"


def _from_named(r: random.Random) -> str:
    a, b = r.sample(GRAPHS, 2)
    agg = r.choice(["(COUNT(*) AS ?n)", "(COUNT(DISTINCT ?s) AS ?n)", "(COUNT(DISTINCT ?p) AS ?n)"])
    return f"SELECT ?g {agg} FROM NAMED <{a}> FROM NAMED <{b}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"


def _from_named_default(r: random.Random) -> str:
    # Only FROM NAMED: the default graph is empty, so the outer pattern matches nothing.
    return f"SELECT ?s FROM NAMED {_g(r)} WHERE {{ ?s {r.choice(VALUES)} ?o }}"


def _from_and_named(r: random.Random) -> str:
    a, b = r.sample(GRAPHS, 2)
    p = r.choice(VALUES)
    return (f"SELECT ?s ?g (COUNT(*) AS ?n) FROM <{a}> FROM NAMED <{b}> WHERE {{ {{ ?s {p} ?o }} UNION "
            f"{{ GRAPH ?g {{ ?s {p} ?o }} }} FILTER(!isBlank(?s)) }} GROUP BY ?s ?g")  # fmt: skip


def _graph_var(r: random.Random) -> str:
    p = r.choice(VALUES + LINKS)
    return f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s {p} ?o }} }} GROUP BY ?g"


def _graph_iri(r: random.Random) -> str:
    return f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH {_g(r)} {{ ?s ?p ?o }} }} GROUP BY ?p"


def _default_bag(r: random.Random) -> str:
    p = r.choice(["skos:prefLabel", "rdfs:label", "rdf:type", "sco:date", r.choice(VALUES)])
    return f"SELECT ?s ?o WHERE {{ ?s {p} ?o FILTER(!isBlank(?s)) }}"


def _count_default(r: random.Random) -> str:
    p = r.choice(["?p", r.choice(VALUES), r.choice(LINKS)])
    return f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?ds) WHERE {{ ?s {p} ?o }}"


def _optional_lang(r: random.Random) -> str:
    c, lang, p = r.choice(CLASSES), r.choice(["en", "zh", "ru"]), r.choice(["rdfs:label", "skos:prefLabel"])
    return f'SELECT ?x ?l WHERE {{ ?x a {c} FILTER(isIRI(?x)) OPTIONAL {{ ?x {p} ?l FILTER(LANG(?l) = "{lang}") }} }}'


def _datatype_lang(r: random.Random) -> str:
    p = r.choice(VALUES)
    return (f"SELECT ?s ?o (DATATYPE(?o) AS ?dt) (LANG(?o) AS ?lang) (STRLEN(STR(?o)) AS ?len) "
            f"WHERE {{ ?s {p} ?o FILTER(!isBlank(?s)) }}")  # fmt: skip


def _lang_filter(r: random.Random) -> str:
    lang = r.choice(LANGS)
    test = f'LANGMATCHES(LANG(?l), "{lang}")' if lang else 'LANG(?l) = ""'
    return f"SELECT DISTINCT ?s ?l WHERE {{ ?s {r.choice(VALUES)} ?l FILTER({test} && !isBlank(?s)) }}"


def _group_by_lang(r: random.Random) -> str:
    return (f"SELECT ?lang (COUNT(*) AS ?n) (MIN(STR(?l)) AS ?first) (MAX(STR(?l)) AS ?last) "
            f"WHERE {{ ?s {r.choice(VALUES)} ?l }} GROUP BY (LANG(?l) AS ?lang)")  # fmt: skip


def _numeric_agg(r: random.Random) -> str:
    p = r.choice(NUMERIC)
    having = r.choice(["", " HAVING (COUNT(?v) > 1)"])
    return (f"SELECT ?g (COUNT(?v) AS ?n) (SUM(?v) AS ?sum) (MIN(?v) AS ?lo) (MAX(?v) AS ?hi) (AVG(?v) AS ?avg) "
            f"WHERE {{ GRAPH ?g {{ ?s {p} ?v }} }} GROUP BY ?g{having}")  # fmt: skip


def _numeric_filter(r: random.Random) -> str:
    p, n, op = r.choice(NUMERIC), r.randint(1, 400), r.choice(["<", ">", "<=", ">=", "="])
    return f"SELECT ?s ?v WHERE {{ ?s {p} ?v FILTER(?v {op} {n}) FILTER(!isBlank(?s)) }}"


def _group_count(r: random.Random) -> str:
    p = r.choice(LINKS)
    distinct = r.choice(["", "DISTINCT "])
    return f"SELECT ?o (COUNT({distinct}?s) AS ?n) WHERE {{ ?s {p} ?o FILTER(!isBlank(?o)) }} GROUP BY ?o"


def _class_count(r: random.Random) -> str:
    return "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c FILTER(isIRI(?c)) } GROUP BY ?c"


def _path(r: random.Random) -> str:
    a, b = r.sample(LINKS, 2)
    path = r.choice([f"{a}/{b}", f"{a}|{b}", f"^{a}", f"{a}+", f"{a}/^{a}", f"({a}|{b})+", f"{a}?", f"!({a}|{b})"])
    return f"SELECT ?x ?y WHERE {{ ?x {path} ?y FILTER(!isBlank(?x) && !isBlank(?y)) }}"


def _path_bound(r: random.Random) -> str:
    start = r.choice(["<https://w3id.org/sco-kg/id/organization/sco>", "<https://w3id.org/sco-kg/id/state/china>",
                      "<https://w3id.org/sco-kg/id/state/russia>", "sco:MemberState", "sco:Organization"])  # fmt: skip
    p = r.choice(["rdfs:subClassOf", "sco:memberOf", "org:memberOf", "rdf:type/rdfs:subClassOf", "sco:hasPart"])
    op = r.choice(["*", "+"])
    return f"SELECT ?y WHERE {{ {start} ({p}){op} ?y FILTER(!isBlank(?y)) }}"


def _path_count(r: random.Random) -> str:
    a, b = r.sample(LINKS, 2)
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ ?x {a}/{b} ?y }}"


def _distinct(r: random.Random) -> str:
    p = r.choice(LINKS + VALUES)
    return f"SELECT DISTINCT ?o WHERE {{ ?s {p} ?o FILTER(!isBlank(?o)) }}"


def _regex(r: random.Random) -> str:
    w = r.choice(WORDS)
    fn = r.choice([f'CONTAINS(STR(?l), "{w}")', f'REGEX(STR(?l), "{w}", "i")', f'STRSTARTS(STR(?l), "{w}")'])
    return f"SELECT ?s ?l WHERE {{ ?s {r.choice(VALUES)} ?l FILTER({fn}) FILTER(!isBlank(?s)) }}"


def _union(r: random.Random) -> str:
    a, b = r.sample(VALUES, 2)
    return f"SELECT ?s ?v WHERE {{ {{ ?s {a} ?v }} UNION {{ ?s {b} ?v }} FILTER(!isBlank(?s)) }}"


def _minus(r: random.Random) -> str:
    c = r.choice(CLASSES)
    p = r.choice(["skos:prefLabel", "skos:altLabel", "skos:notation", "sco:memberOf", "rdfs:label"])
    return f"SELECT ?x WHERE {{ ?x a {c} MINUS {{ ?x {p} ?any }} FILTER(!isBlank(?x)) }}"


def _not_exists(r: random.Random) -> str:
    c = r.choice(CLASSES)
    return f"SELECT ?x WHERE {{ ?x a {c} FILTER NOT EXISTS {{ ?x {r.choice(VALUES)} ?v }} FILTER(!isBlank(?x)) }}"


def _bind(r: random.Random) -> str:
    p = r.choice(VALUES)
    expr = r.choice(["UCASE(STR(?v))", "STRLEN(STR(?v))", 'CONCAT(STR(?v), "!")', "ISLITERAL(?v)",
                     'IF(LANG(?v) = "en", "english", "other")', "STR(?s)"])  # fmt: skip
    return f"SELECT ?s ?b WHERE {{ ?s {p} ?v BIND({expr} AS ?b) FILTER(!isBlank(?s)) }}"


def _ask(r: random.Random) -> str:
    pattern = r.choice([
        f"?s {r.choice(LINKS)} ?o", f"GRAPH {_g(r)} {{ ?s {r.choice(VALUES)} ?o }}",
        f'?s {r.choice(VALUES)} ?o FILTER(LANG(?o) = "{r.choice(["zh", "ru", "fr"])}")',
        f"?s a {r.choice(CLASSES)}", f"<https://w3id.org/sco-kg/id/state/china> {r.choice(LINKS)}+ ?o",
    ])  # fmt: skip
    dataset = r.choice(["", f"FROM {_g(r)} "])
    return f"ASK {dataset}{{ {pattern} }}"


SHAPES: list[Callable[[random.Random], str]] = [
    _count_from, _from_pair_rows, _from_pair_count, _from_named, _from_named_default, _from_and_named, _graph_var,
    _graph_iri, _default_bag, _count_default, _optional_lang, _datatype_lang, _lang_filter, _group_by_lang,
    _numeric_agg, _numeric_filter, _group_count, _class_count, _path, _path_bound, _path_count, _distinct, _regex,
    _union, _minus, _not_exists, _bind, _ask,
]  # fmt: skip


def generate(n: int, seed: int = 13) -> list[str]:
    """Return ``n`` distinct queries (each shape in turn, then random ones), the same for the same ``seed``."""
    r = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    i = 0
    while len(out) < n and i < 50 * n:
        shape = SHAPES[i % len(SHAPES)] if i < 2 * len(SHAPES) else r.choice(SHAPES)
        text = PREFIXES + shape(r)
        i += 1
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out
