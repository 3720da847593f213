"""The dataset's own description (VoID + DCAT at ``/.well-known/void``) and the dumps (``/dumps/sco-kg.*``).

Both are written by :func:`sco_kg.export.serialize`; the dumps from the exporter's quads
(:meth:`Site.export_quads`), so ``/dumps/sco-kg.nq`` is byte for byte what ``sco-kg export --format nq``
writes for the same selection. Triple counts are distinct triples (the default graph, the set union of the
named graphs), per graph the graph's own triples.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sco_kg import export
from sco_kg.rdf import iri
from sco_kg.server.conneg import EXPORT_FORMAT, GRAPH_ALIASES, JSONLD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE, negotiate
from sco_kg.server.errors import plain_error
from sco_kg.server.protocol import SD, VOID, XSD_INTEGER
from sco_kg.server.site import DCTERMS, RDF_TYPE, XSD_STRING, Site
from sco_kg.server.web import base_url, error_page, site_of
from sco_kg.server.words import UI

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

DCAT = iri.PREFIXES["dcat"]
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
DATASET_IRI = iri.BASE + ".well-known/void#dataset"
DUMP_FORMATS = {"ttl": "ttl", "jsonld": "jsonld", "nq": "nq", "nt": "nt", "trig": "trig", "rdf": "xml"}
DUMP_MEDIA = {"ttl": TURTLE, "jsonld": JSONLD, "nq": NQUADS, "nt": NTRIPLES, "trig": TRIG, "rdf": RDFXML}
EXAMPLE_RESOURCES = (
    iri.ID + "state/kazakhstan",
    iri.SCO_ORG,
    iri.DECLARATION,
    iri.ID + "event/signing-declaration-2001",
)


def _n(value: str) -> export.Term:
    return export.Term.uri(value)


def _integer(value: int) -> export.Term:
    return export.Term.literal(str(value), XSD_INTEGER)


def _text(value: str, lang: str = "") -> export.Term:
    if lang:
        return export.Term.literal(value, lang=lang)
    return export.Term.literal(value, XSD_STRING)


def void_triples(site: Site, base: str) -> list[export.Quad]:
    """Return the VoID + DCAT description of the dataset: licence, counts per graph and class, dumps, endpoint."""
    a, ds = _n(RDF_TYPE), _n(DATASET_IRI)
    out = [
        (ds, a, _n(VOID + "Dataset")),
        (ds, a, _n(DCAT + "Dataset")),
        (ds, _n(DCTERMS + "title"), _text("SCO Declaration 2001 knowledge graph", "en")),
        (ds, _n(DCTERMS + "description"), _text(UI["en"]["about_dataset"], "en")),
        (ds, _n(DCTERMS + "license"), _n(LICENSE)),
        (ds, _n(DCTERMS + "source"), _n(iri.NEWS_RELEASE)),
        (ds, _n(DCTERMS + "subject"), _n(iri.DECLARATION)),
        (ds, _n(VOID + "triples"), _integer(site.triples)),
        (ds, _n(VOID + "sparqlEndpoint"), _n(base + "sparql")),
        (ds, _n(VOID + "uriSpace"), _text(iri.BASE)),
        (ds, _n(VOID + "rootResource"), _n(iri.DECLARATION)),
        (ds, _n(VOID + "vocabulary"), _n(iri.ONTOLOGY)),
        (ds, _n(DCAT + "landingPage"), _n(base)),
        (ds, _n(DCTERMS + "language"), _text("en")),
    ]
    out += [(ds, _n(VOID + "exampleResource"), _n(e)) for e in EXAMPLE_RESOURCES if site.known(e)]
    for ext, media in DUMP_MEDIA.items():
        url, dist = _n(f"{base}dumps/sco-kg.{ext}"), export.Term("bnode", f"dist-{ext}")
        out += [
            (ds, _n(VOID + "dataDump"), url),
            (ds, _n(DCAT + "distribution"), dist),
            (dist, a, _n(DCAT + "Distribution")),
            (dist, _n(DCAT + "downloadURL"), url),
            (dist, _n(DCAT + "mediaType"), _text(media)),
            (dist, _n(DCTERMS + "license"), _n(LICENSE)),
        ]
    service = export.Term("bnode", "endpoint")
    out += [
        (ds, _n(DCAT + "distribution"), service),
        (service, a, _n(DCAT + "DataService")),
        (service, _n(DCAT + "endpointURL"), _n(base + "sparql")),
        (service, _n(DCTERMS + "conformsTo"), _n("https://www.w3.org/TR/sparql11-protocol/")),
    ]
    for i, (graph, count) in enumerate(sorted(site.graph_counts.items())):
        sub = export.Term("bnode", f"graph-{i}")
        out += [(ds, _n(VOID + "subset"), sub), (sub, a, _n(VOID + "Dataset"))]
        out += [(sub, _n(SD + "name"), _n(graph)), (sub, _n(VOID + "triples"), _integer(count))]
    rows = site.select(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} "
        f"FILTER(?g != <{iri.GRAPH_ONTOLOGY}> && isIRI(?c)) }} GROUP BY ?c ORDER BY ?c"
    )
    for i, (cls, count) in enumerate(rows):
        part = export.Term("bnode", f"class-{i}")
        out += [(ds, _n(VOID + "classPartition"), part), (part, _n(VOID + "class"), _n(cls.value))]
        out.append((part, _n(VOID + "entities"), _integer(int(count.value))))
    return [(s, p, o, None) for s, p, o in out]


async def void(request: Request) -> Response:
    """Serve the VoID + DCAT description (Turtle by default; JSON-LD, N-Triples, RDF/XML by ``Accept``)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    site = site_of(request)
    offered = [TURTLE, JSONLD, NTRIPLES, RDFXML]
    media = negotiate(request.headers.get("accept"), offered, GRAPH_ALIASES)
    if media is None:
        return plain_error(406, f"the dataset description is available as {', '.join(offered)}")
    base = base_url(request)
    prefixes = {
        "void": VOID,
        "dcat": DCAT,
        "dcterms": DCTERMS,
        "sd": SD,
        **{k: iri.PREFIXES[k] for k in ("sco", "scog", "ag", "state", "document", "organization", "event")},
    }

    def make() -> bytes:
        quads = export.canonicalize(void_triples(site, base))
        return export.serialize(quads, EXPORT_FORMAT[media], prefixes=prefixes)  # type: ignore[arg-type]

    body = await run_in_threadpool(site.cached, ("void", base, media), make)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def dump_bytes(site: Site, ext: str) -> bytes:
    """Return the whole dataset the server holds as the exporter writes it (cached)."""
    return site.cached(("dump", ext), lambda: export.serialize(site.export_quads(), DUMP_FORMATS[ext]))  # type: ignore[arg-type]


async def dumps(request: Request) -> Response:
    """Serve ``/dumps/sco-kg.<ext>`` for every export format."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    name = request.path_params["name"]
    stem, _, ext = name.rpartition(".")
    if stem != "sco-kg" or ext not in DUMP_FORMATS:
        return error_page(request, 404, "404", f"no dump {name}: use sco-kg.{{{','.join(DUMP_FORMATS)}}}")
    body = await run_in_threadpool(dump_bytes, site_of(request), ext)
    return Response(
        body, media_type=DUMP_MEDIA[ext], headers={"Content-Disposition": f'inline; filename="sco-kg.{ext}"'}
    )
