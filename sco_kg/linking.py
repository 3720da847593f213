"""Links to the outside world: the allow-list of verified external identifiers, and ``sco-kg enrich``.

This module owns three things:

* :func:`read_allow_list` reads ``data/external-ids.csv``, the ONE list of external identifiers the
  project may emit (Wikidata, GeoNames, DBpedia, PA-X), each with the relation to use and the evidence that
  verified it (``../shared/LINKING.md``). Anything malformed or off-pattern is a :class:`DataFileError`
  naming file and line.
* :func:`build_links_trig` turns that list into ``data/links.trig`` (graph ``scog:context/links``, one
  reified record per link in ``scog:provenance-context``). ``python -m sco_kg.linking`` rewrites the file
  and a test checks the shipped file equals a fresh build, so the list and the data cannot drift.
* :func:`enrich` refreshes Wikidata-shaped facts (labels, capital, coordinates, ISO code, SCO membership)
  about the allow-listed Wikidata items from a live endpoint through SPARQLWrapper, with a User-Agent, a
  timeout and an on-disk cache in :func:`sco_kg.paths.cache_dir`.

It never invents an identifier: links come only from the allow-list, and ``enrich`` keeps only triples whose
subject is an allow-listed Wikidata item. rdflib and SPARQLWrapper are imported inside the functions that need
them (the CLI read path must not import rdflib).
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sco_kg import paths
from sco_kg.atomic import atomic_write_bytes, atomic_write_text
from sco_kg.errors import DataFileError, RemoteError, UsageError
from sco_kg.rdf import iri
from sco_kg.version import __version__

ALLOW_LIST_NAME = "external-ids.csv"
LINKS_NAME = "links.trig"
COLUMNS = ("entity_iri", "external_iri", "relation", "source")

OWL = iri.PREFIXES["owl"]
SKOS = iri.PREFIXES["skos"]
# Relation (as written in the CSV) -> property IRI. owl:sameAs only for identity; the SKOS mapping
# properties where identity is not exact; skos:related for a weak association (e.g. a catalogue record).
RELATIONS: dict[str, str] = {
    "owl:sameAs": OWL + "sameAs",
    "skos:exactMatch": SKOS + "exactMatch",
    "skos:closeMatch": SKOS + "closeMatch",
    "skos:related": SKOS + "related",
}


@dataclass(frozen=True)
class Authority:
    """An external identifier scheme: its key, the pattern its IRIs follow, and whether it names things."""

    key: str
    pattern: re.Pattern[str]
    identity: bool  # owl:sameAs allowed (the IRI denotes the thing, not a page about it)


AUTHORITIES: tuple[Authority, ...] = (
    Authority("wikidata", re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$"), True),
    Authority("geonames", re.compile(r"^https://sws\.geonames\.org/([1-9][0-9]*)/$"), True),
    Authority("dbpedia", re.compile(r"^http://dbpedia\.org/resource/([A-Za-z0-9_(),'.%-]+)$"), True),
    Authority("pax", re.compile(r"^https://pax\.peaceagreements\.org/agreements/([1-9][0-9]*)$"), False),
)

# Namespaces whose IRIs are always identifiers of things (never vocabulary, never a cited page).
IDENTIFIER_NAMESPACES = (
    "http://www.wikidata.org/entity/",
    "https://sws.geonames.org/",
    "http://sws.geonames.org/",
    "http://dbpedia.org/resource/",
    "https://dbpedia.org/resource/",
    "https://pax.peaceagreements.org/agreements/",
)

WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
RDFS_LABEL = iri.PREFIXES["rdfs"] + "label"
# Wikidata-shaped facts that enrich asks for. P36 (capital), P298 (ISO 3166-1 alpha-3) and P463 (member of)
# follow LINKING.md §2 and its "capital: WD~Bishkek,9361" evidence; P625 (coordinate location) is the
# standard property, not re-checked there: a wrong ID would only make the answer empty, never invent a fact.
ENRICH_PROPERTIES: dict[str, str] = {
    "label": RDFS_LABEL,
    "capital": WDT + "P36",
    "coordinates": WDT + "P625",
    "iso3": WDT + "P298",
    "member_of": WDT + "P463",
}
ENRICH_LANGS = ("en", "zh", "zh-hans", "ru")
USER_AGENT = f"sco-kg/{__version__} (https://w3id.org/sco-kg/; linked-data enrichment; python SPARQLWrapper)"


@dataclass(frozen=True)
class ExternalId:
    """One allow-list row: ``entity`` is linked to ``external`` by ``relation``, on ``source``'s word."""

    entity: str
    external: str
    relation: str
    source: str
    line: int = 0

    @property
    def relation_iri(self) -> str:
        """Return the IRI of the relation property."""
        return RELATIONS[self.relation]

    @property
    def authority(self) -> Authority:
        """Return the identifier scheme of the external IRI."""
        found = authority_of(self.external)
        if found is None:  # read_allow_list refuses such rows; guard for hand-built values
            raise DataFileError(f"{self.external}: not an IRI of a known identifier scheme")
        return found

    @property
    def record_iri(self) -> str:
        """Return the IRI of this link's provenance record (``scoid:link/<entity>-<scheme>-<id>``)."""
        local = self.entity[len(iri.ID) :].replace("/", "-")
        match = self.authority.pattern.match(self.external)
        ext_id = match.group(1) if match else self.external
        slug = re.sub(r"[^a-z0-9]+", "-", f"{local}-{self.authority.key}-{ext_id}".lower()).strip("-")
        return f"{iri.ID}link/{slug}"


def authority_of(value: str) -> Authority | None:
    """Return the identifier scheme whose pattern ``value`` matches, or ``None``."""
    for auth in AUTHORITIES:
        if auth.pattern.match(value):
            return auth
    return None


def is_identifier_iri(value: str) -> bool:
    """Return whether ``value`` lies in a namespace of external identifiers (Wikidata, GeoNames, ...)."""
    return value.startswith(IDENTIFIER_NAMESPACES)


def allow_list_path() -> Path:
    """Return the path of the shipped allow-list ``data/external-ids.csv``."""
    return paths.data_dir() / ALLOW_LIST_NAME


def links_path() -> Path:
    """Return the path of the generated ``data/links.trig``."""
    return paths.data_dir() / LINKS_NAME


def _check_row(path: Path, line: int, row: dict[str, str]) -> ExternalId:
    entity, external = row["entity_iri"].strip(), row["external_iri"].strip()
    relation, source = row["relation"].strip(), row["source"].strip()
    where = f"{path}: line {line}"
    if not entity.startswith(iri.ID) or not re.fullmatch(r"[a-z]+/[a-z0-9-]+", entity[len(iri.ID) :]):
        raise DataFileError(f"{where}: entity_iri {entity!r} is not an sco-kg individual ({iri.ID}<type>/<key>)")
    auth = authority_of(external)
    if auth is None:
        raise DataFileError(
            f"{where}: external_iri {external!r} matches no known identifier scheme "
            f"({', '.join(a.key for a in AUTHORITIES)}); check the IRI form (e.g. https://sws.geonames.org/ID/)"
        )
    if relation not in RELATIONS:
        raise DataFileError(f"{where}: relation {relation!r} is not one of {', '.join(RELATIONS)}")
    if relation == "owl:sameAs" and not auth.identity:
        raise DataFileError(
            f"{where}: owl:sameAs to {external} ({auth.key} IRIs name a record, not the thing); "
            "use skos:related or skos:closeMatch"
        )
    if not source:
        raise DataFileError(f"{where}: the source column is empty; name the evidence (LINKING.md)")
    return ExternalId(entity, external, relation, source, line)


def read_allow_list(path: Path | None = None) -> list[ExternalId]:
    """Return the rows of the allow-list of verified external identifiers, checked.

    Args:
        path: the CSV file (default ``data/external-ids.csv``).

    Returns:
        The rows in file order.

    Raises:
        DataFileError: the file is missing, has the wrong columns, or a row is malformed, duplicated, or
            would make two sco-kg individuals ``owl:sameAs`` the same external IRI.
    """
    path = path or allow_list_path()
    from sco_kg.io.inputs import check_readable

    check_readable(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.DictReader(text.splitlines(keepends=True), strict=True)
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise DataFileError(f"{path}: line 1: the header must be {','.join(COLUMNS)}")
    rows: list[ExternalId] = []
    seen: dict[tuple[str, str], int] = {}
    same_as: dict[str, tuple[str, int]] = {}
    try:
        for raw in reader:
            line = reader.line_num
            if None in raw or any(v is None for v in raw.values()):
                raise DataFileError(f"{path}: line {line}: expected {len(COLUMNS)} columns")
            row = _check_row(path, line, raw)
            key = (row.entity, row.external)
            if key in seen:
                raise DataFileError(f"{path}: line {line}: duplicate of line {seen[key]} ({row.external})")
            seen[key] = line
            if row.relation == "owl:sameAs":
                other = same_as.get(row.external)
                if other and other[0] != row.entity:
                    raise DataFileError(
                        f"{path}: line {line}: {row.external} is already owl:sameAs {other[0]} (line "
                        f"{other[1]}); two sco-kg individuals must not share an identity"
                    )
                same_as[row.external] = (row.entity, line)
            rows.append(row)
    except csv.Error as exc:
        raise DataFileError(f"{path}: line {reader.line_num}: malformed CSV: {exc}") from None
    if not rows:
        raise DataFileError(f"{path}: the allow-list is empty")
    return rows


def _lit(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _ref(value: str) -> str:
    return iri.compact(value)


_TRIG_PREFIXES = ("rdf", "rdfs", "owl", "skos", "dcterms", "prov")


def build_links_trig(rows: Sequence[ExternalId]) -> str:
    """Return the TriG text of ``data/links.trig`` for the allow-list ``rows`` (deterministic).

    The links go into ``scog:context/links``; the graph's description and one ``rdf:Statement`` record per
    link (subject, predicate, object, ``dcterms:source`` = the evidence) go into ``scog:provenance-context``.
    """
    out = [
        f"# Generated by `python -m sco_kg.linking` from data/{ALLOW_LIST_NAME}: do not edit by hand.",
        "# Every external IRI here is on the allow-list of verified identifiers (../shared/LINKING.md).",
    ]
    used = {_ref(r.entity).split(":", 1)[0] for r in rows if not _ref(r.entity).startswith("<")}
    names = list(_TRIG_PREFIXES) + sorted(used - set(_TRIG_PREFIXES))
    out += [f"@prefix {name}: <{iri.PREFIXES[name]}> ." for name in names]
    out.append("")
    ordered = sorted(rows, key=lambda r: (r.entity, r.relation, r.external))
    out.append(f"<{iri.GRAPH_CONTEXT_LINKS}> {{")
    by_subject: dict[tuple[str, str], list[str]] = {}
    for row in ordered:
        by_subject.setdefault((row.entity, row.relation), []).append(row.external)
    for (entity, relation), objects in by_subject.items():
        objs = " , ".join(f"<{o}>" for o in objects)
        out.append(f"{_ref(entity)} {relation} {objs} .")
    out.append("}")
    out.append("")
    out.append(f"<{iri.GRAPH_PROVENANCE_CONTEXT}> {{")
    entities = len({r.entity for r in rows})
    out.append(f"<{iri.GRAPH_CONTEXT_LINKS}> a prov:Entity ;")
    out.append('    rdfs:label "External links of sco-kg"@en ;')
    out.append(
        "    dcterms:description "
        + _lit(
            f"{len(rows)} links from {entities} sco-kg individuals to verified external identifiers "
            "(Wikidata, GeoNames, DBpedia, PA-X), generated from the allow-list data/external-ids.csv; "
            "each link has an rdf:Statement record naming its evidence. The OWL 2 RL closure does not "
            "take this graph as input (owl:sameAs to external IRIs would only copy triples)."
        )
        + "@en ;"
    )
    out.append(f"    dcterms:source {_lit('data/' + ALLOW_LIST_NAME)} .")
    for row in ordered:
        out.append("")
        out.append(f"<{row.record_iri}> a rdf:Statement ;")
        out.append(f"    rdf:subject {_ref(row.entity)} ;")
        out.append(f"    rdf:predicate {row.relation} ;")
        out.append(f"    rdf:object <{row.external}> ;")
        out.append(f"    dcterms:source {_lit(row.source)} ;")
        out.append(f"    dcterms:isPartOf <{iri.GRAPH_CONTEXT_LINKS}> .")
    out.append("}")
    return "\n".join(out) + "\n"


# Properties whose IRI objects cite a page or a licence: such IRIs are references, not identifiers of things.
CITATION_PROPERTIES = frozenset(
    {
        iri.PREFIXES["prov"] + "wasDerivedFrom",
        iri.PREFIXES["prov"] + "hadPrimarySource",
        iri.PREFIXES["prov"] + "wasQuotedFrom",
        iri.PREFIXES["dcterms"] + "source",
        iri.PREFIXES["dcterms"] + "license",
        iri.PREFIXES["dcterms"] + "references",
        iri.PREFIXES["rdfs"] + "seeAlso",
        iri.PREFIXES["rdfs"] + "isDefinedBy",
    }
)
# Vocabulary namespaces: IRIs there are terms (classes, properties), never external identifiers of things.
_VOCABULARY = (
    *(ns for name, ns in iri.PREFIXES.items() if name != "wd" and not ns.startswith(iri.BASE)),
    "http://www.w3.org/ns/",
    "http://www.daml.org/2002/03/agents/agent-ont#",
    "https://w3id.org/un/ontology/",
    "https://w3id.org/akn/ontology/",
    "http://purl.org/vocab/",
    "http://publications.europa.eu/ontology/",
    "http://www.wikidata.org/prop/",
)


def unlisted_external_iris(files: Iterable[Path], allowed: Iterable[str] | None = None) -> list[tuple[Path, str]]:
    """Return ``(file, iri)`` for every external identifier in ``files`` that is not on the allow-list.

    An external identifier is an IRI outside ``https://w3id.org/sco-kg/`` that is neither a vocabulary term
    nor a cited page (object of ``prov:wasDerivedFrom``, ``dcterms:source`` ...); IRIs in the namespaces of
    identifier schemes (Wikidata items, GeoNames, DBpedia, PA-X) always count, wherever they appear.

    Args:
        files: RDF files (format from the extension); TriG/N-Quads keep their graphs.
        allowed: the allowed external IRIs (default: those of ``data/external-ids.csv``).
    """
    from rdflib import Dataset, URIRef

    from sco_kg.io.inputs import RDF_FORMATS
    from sco_kg.io.rdflib_parse import parse_into

    ok = set(allowed) if allowed is not None else {r.external for r in read_allow_list()}
    found: list[tuple[Path, str]] = []
    for path in files:
        ds = Dataset()
        fmt = RDF_FORMATS.get(path.suffix.lower())
        parse_into(ds, path, None if fmt in ("trig", "nquads") else iri.GRAPH_USER + path.name)
        bad: set[str] = set()
        for s, p, o, _g in ds.quads((None, None, None, None)):
            for pos, term in (("s", s), ("p", p), ("o", o)):
                if not isinstance(term, URIRef):
                    continue
                value = str(term)
                if value in ok or value.startswith(iri.BASE):
                    continue
                if is_identifier_iri(value):
                    bad.add(value)
                elif (pos == "o" and str(p) in CITATION_PROPERTIES) or value.startswith(_VOCABULARY):
                    continue
                elif pos != "p":
                    bad.add(value)
        found += [(path, value) for value in sorted(bad)]
    return found


def write_links(allow_list: Path | None = None, target: Path | None = None) -> Path:
    """Regenerate ``data/links.trig`` from the allow-list (atomically); return the path written."""
    target = target or links_path()
    atomic_write_text(target, build_links_trig(read_allow_list(allow_list)))
    return target


# --- enrich: Wikidata-shaped facts from a live endpoint ------------------------------------------------


def wikidata_items(rows: Iterable[ExternalId]) -> list[str]:
    """Return the allow-listed Wikidata item IRIs linked by identity (sorted, unique)."""
    return sorted(
        {r.external for r in rows if r.authority.key == "wikidata" and r.relation in ("owl:sameAs", "skos:exactMatch")}
    )


def enrich_query(items: Sequence[str]) -> str:
    """Return the SPARQL CONSTRUCT that fetches the Wikidata-shaped facts about ``items``.

    The items are allow-listed IRIs that matched a strict pattern, so writing them into ``VALUES`` cannot
    inject anything (SECURITY.md T6).
    """
    for item in items:
        if not AUTHORITIES[0].pattern.match(item):
            raise UsageError(f"{item}: not a Wikidata item IRI")
    values = " ".join(f"<{i}>" for i in items)
    langs = ", ".join(f'"{lang}"' for lang in ENRICH_LANGS)
    p = ENRICH_PROPERTIES
    return (
        "CONSTRUCT {\n"
        f"  ?item <{p['label']}> ?label .\n"
        f"  ?item <{p['capital']}> ?capital .\n"
        f"  ?item <{p['coordinates']}> ?coord .\n"
        f"  ?item <{p['iso3']}> ?iso3 .\n"
        f"  ?item <{p['member_of']}> ?org .\n"
        "}\nWHERE {\n"
        f"  VALUES ?item {{ {values} }}\n"
        f"  {{ ?item <{p['label']}> ?label FILTER(LCASE(LANG(?label)) IN ({langs})) }}\n"
        f"  UNION {{ ?item <{p['capital']}> ?capital }}\n"
        f"  UNION {{ ?item <{p['coordinates']}> ?coord }}\n"
        f"  UNION {{ ?item <{p['iso3']}> ?iso3 }}\n"
        f"  UNION {{ ?item <{p['member_of']}> ?org VALUES ?org {{ {values} }} }}\n"
        "}\n"
    )


def _cache_file(endpoint: str, query: str) -> Path:
    key = hashlib.sha256(f"{endpoint}\n{query}".encode()).hexdigest()[:32]
    return paths.cache_dir() / "enrich" / f"{key}.ttl"


def _check_endpoint(endpoint: str) -> None:
    if not re.match(r"^https?://[^\s/?#]+[^\s]*$", endpoint):
        raise UsageError(f"--endpoint {endpoint!r}: expected an http(s) URL of a SPARQL endpoint")


def fetch(endpoint: str, query: str, timeout: float = 60.0, user_agent: str = USER_AGENT) -> bytes:
    """Return the raw Turtle answer of ``endpoint`` to the CONSTRUCT ``query`` (no cache).

    Raises:
        RemoteError: the endpoint cannot be reached, times out, refuses the query, or answers nothing.
    """
    import socket
    import urllib.error

    from SPARQLWrapper import POST, TURTLE, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    _check_endpoint(endpoint)
    sw = SPARQLWrapper(endpoint, agent=user_agent)
    sw.setQuery(query)
    sw.setMethod(POST)
    sw.setReturnFormat(TURTLE)
    sw.setTimeout(max(1, int(timeout)))
    try:
        response = sw.query().response
        body = response.read()
    except SPARQLWrapperException as exc:
        msg = " ".join(str(exc).split())[:200]
        raise RemoteError(f"{endpoint}: the endpoint refused the query: {msg}") from None
    except urllib.error.HTTPError as exc:
        raise RemoteError(f"{endpoint}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise RemoteError(f"{endpoint}: no answer within {timeout:g} s (use --timeout)") from None
        raise RemoteError(f"{endpoint}: cannot connect: {reason}") from None
    except TimeoutError:
        raise RemoteError(f"{endpoint}: no answer within {timeout:g} s (use --timeout)") from None
    except OSError as exc:
        raise RemoteError(f"{endpoint}: connection failed: {exc}") from None
    if not body.strip():
        # An empty 200 is how some endpoints report a cancelled query (MODEL.md 6): never cache it.
        raise RemoteError(f"{endpoint}: empty answer (HTTP 200 with no body); nothing was cached")
    return bytes(body)


@dataclass(frozen=True)
class EnrichResult:
    """What :func:`enrich` produced: the Turtle text, counts, and whether it came from the cache."""

    turtle: str
    facts: int
    items: int
    subjects: int
    cached: bool
    cache_file: Path


def _parse_answer(endpoint: str, body: bytes, items: Sequence[str]) -> list[tuple[str, str, object]]:
    from rdflib import Graph, Literal, URIRef

    graph = Graph()
    try:
        graph.parse(data=body.decode("utf-8"), format="turtle")
    except UnicodeDecodeError:
        raise RemoteError(f"{endpoint}: the answer is not UTF-8 text") from None
    except Exception as exc:  # rdflib raises many exception types for bad syntax
        text = " ".join(str(exc).split())[:200]
        raise RemoteError(f"{endpoint}: the answer is not Turtle: {text}") from None
    wanted = set(items)
    props = set(ENRICH_PROPERTIES.values())
    kept: list[tuple[str, str, object]] = []
    for s, p, o in graph:
        # Keep only facts about the allow-listed items, with the asked properties: an endpoint cannot
        # smuggle other subjects or properties into the snapshot.
        if not isinstance(s, URIRef) or str(s) not in wanted or str(p) not in props:
            continue
        if str(p) == RDFS_LABEL and not (isinstance(o, Literal) and (o.language or "").lower() in ENRICH_LANGS):
            continue
        kept.append((str(s), str(p), o))
    if not kept:
        raise RemoteError(f"{endpoint}: the answer holds no facts about the {len(items)} linked Wikidata items")
    return kept


def render_snapshot(
    facts: Iterable[tuple[str, str, object]], endpoint: str, retrieved: _dt.date, title: str | None = None
) -> str:
    """Return Turtle for ``facts``, with a header and a record of where and when they came from."""
    from rdflib import Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, PROV, RDFS, XSD

    g = Graph()
    for name in ("wd", "wdt", "rdfs", "xsd", "dcterms", "prov"):
        g.bind(name, Namespace(iri.PREFIXES[name]))
    for s, p, o in facts:
        g.add((URIRef(s), URIRef(p), o))  # type: ignore[arg-type]
    snap = URIRef(f"{iri.ID}snapshot/wikidata-{retrieved.isoformat()}")
    g.add(
        (
            snap,
            RDFS.label,
            Literal(title or f"Snapshot of Wikidata-shaped facts, {retrieved.isoformat()}", lang="en"),
        )
    )
    g.add((snap, PROV.wasDerivedFrom, URIRef(endpoint)))
    g.add((snap, DCTERMS.created, Literal(retrieved.isoformat(), datatype=XSD.date)))
    header = (
        f"# SNAPSHOT of Wikidata-shaped facts retrieved {retrieved.isoformat()} from {endpoint}\n"
        "# by `sco-kg enrich` (facts about the allow-listed Wikidata items of data/external-ids.csv only).\n"
        "# Load it next to the declaration with `--with FILE`; it is not part of the shipped data.\n"
    )
    return header + g.serialize(format="turtle")


def enrich(
    endpoint: str,
    timeout: float = 60.0,
    refresh: bool = False,
    allow_list: Path | None = None,
    today: _dt.date | None = None,
) -> EnrichResult:
    """Return Wikidata-shaped facts about the allow-listed Wikidata items, fetched from ``endpoint``.

    Args:
        endpoint: URL of a Wikidata-like SPARQL endpoint (e.g. ``https://query.wikidata.org/sparql``).
        timeout: seconds to wait for the answer.
        refresh: ignore a cached answer and ask the endpoint again.
        allow_list: the allow-list CSV (default ``data/external-ids.csv``).
        today: the retrieval date written into the snapshot (default: today, UTC).

    Returns:
        The snapshot as Turtle plus counts; the raw answer is cached under ``cache_dir()/enrich/``.

    Raises:
        UsageError: the endpoint is not an http(s) URL.
        RemoteError: the endpoint fails or returns nothing usable (nothing is cached then).
    """
    _check_endpoint(endpoint)
    items = wikidata_items(read_allow_list(allow_list))
    if not items:
        raise DataFileError(f"{allow_list or allow_list_path()}: no Wikidata items to enrich")
    query = enrich_query(items)
    cache = _cache_file(endpoint, query)
    cached = cache.is_file() and not refresh
    if cached:
        body = cache.read_bytes()
        retrieved = _dt.datetime.fromtimestamp(cache.stat().st_mtime, _dt.timezone.utc).date()
    else:
        body = fetch(endpoint, query, timeout=timeout)
        retrieved = today or _dt.datetime.now(_dt.timezone.utc).date()
    facts = _parse_answer(endpoint, body, items)
    if not cached:
        atomic_write_bytes(cache, body)  # only a usable answer is cached
    turtle = render_snapshot(facts, endpoint, today or retrieved)
    return EnrichResult(
        turtle=turtle,
        facts=len(facts),
        items=len(items),
        subjects=len({s for s, _, _ in facts}),
        cached=cached,
        cache_file=cache,
    )


def main(argv: list[str] | None = None) -> int:
    """Regenerate ``data/links.trig`` from ``data/external-ids.csv``; return the exit code."""
    del argv
    try:
        target = write_links()
    except DataFileError as exc:
        print(f"sco_kg.linking: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
