"""HTML pages and dereferenceable IRIs: home, full text, search, resources (any RDF format), pictures.

A resource IRI answers ``200`` with the negotiated representation and a ``Content-Location`` naming the
representation's own URL (``….ttl``, ``….html``, …), ``Vary: Accept``; see ``docs/how-to/server.md`` for why
this is not a 303. RDF documents are the exporter's quads about the resource (:meth:`Site.document_quads`),
written by :func:`sco_kg.export.serialize`, so they keep the datatypes of the export.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from sco_kg import export
from sco_kg.errors import ScoKgError
from sco_kg.rdf import iri
from sco_kg.server.cite import citation_box, sentence_claims
from sco_kg.server.conneg import (
    EXPORT_FORMAT,
    EXTENSION_OF,
    HTML,
    JSONLD,
    MEDIA_ALIASES,
    NQUADS,
    NTRIPLES,
    RDF_EXTENSIONS,
    RDFXML,
    TRIG,
    TURTLE,
    negotiate,
)
from sco_kg.server.diagrams import diagram
from sco_kg.server.errors import DiagramError, plain_error
from sco_kg.server.links import iri_to_path, path_to_iri
from sco_kg.server.site import Site
from sco_kg.server.views import home_view, ontology_view, resource_view, search, suggestions, text_view
from sco_kg.server.web import base_url, error_page, linker_of, render, site_of
from sco_kg.server.words import UI

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


async def home(request: Request) -> Response:
    """Render the home page: what the dataset is, counts, entry points, timeline, search."""
    from markupsafe import Markup
    from starlette.concurrency import run_in_threadpool

    site = site_of(request)
    link, lang = linker_of(request)
    view = await run_in_threadpool(home_view, site, link, lang)
    svg = await run_in_threadpool(diagram, site, link, "timeline", lang)
    return render(request, "home.html", view=view, timeline=Markup(svg))


async def text_page(request: Request) -> Response:
    """Render the full text, every sentence anchored (``#p13-s2``) with the statements it backs."""
    from starlette.concurrency import run_in_threadpool

    site = site_of(request)
    link, lang = linker_of(request)
    paragraphs = await run_in_threadpool(
        site.cached, ("text", link.base, lang, str(link.explicit)), lambda: text_view(site, link, lang)
    )
    return render(request, "text.html", paragraphs=paragraphs)


async def search_page(request: Request) -> Response:
    """Render the search results over names (all languages) and sentence text."""
    site = site_of(request)
    link, lang = linker_of(request)
    phrase = request.query_params.get("q", "")[:200]
    values, sentences = search(site, phrase)
    hits = [{"href": link.iri(v), "text": site.label(v, lang), "compact": iri.compact(v)} for v in values]
    found = [{"sentence": s, "href": link.url("text#" + s.anchor)} for s in sentences]
    return render(request, "search.html", phrase=phrase, hits=hits, sentences=found)


async def explain_page(request: Request) -> Response:
    """Explain one triple (``?s=&p=&o=``: IRIs, prefixed names, or an N-Triples literal as the object): the OWL 2 RL
    rules and premises down to the sentences that state them, as HTML or (``?format=json``) as JSON."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    from sco_kg.explain import Fact, explain, parse_triple, render_tree

    site = site_of(request)
    params = request.query_params
    parts = [params.get(k, "") for k in ("s", "p", "o")]
    if not all(parts):
        return plain_error(400, "explain needs the parameters s, p and o (IRIs, prefixed names or a literal as o)")
    try:
        triple = parse_triple(*parts)
    except ScoKgError as exc:
        return plain_error(400, str(exc))
    node = await run_in_threadpool(explain, Fact(*triple), site.config.source)
    if params.get("format") == "json":
        return JSONResponse(node.as_dict())
    shown = " ".join(t.n3() for t in triple)
    return render(request, "explain.html", status=200 if node.status != "not-holding" else 404, triple=shown,
                  tree=render_tree(node))  # fmt: skip


def _split_extension(path: str) -> tuple[str, str | None]:
    stem, dot, ext = path.rpartition(".")
    if dot and (ext in RDF_EXTENSIONS or ext == "html") and "/" not in ext:
        return stem, ext
    return path, None


async def resource(request: Request) -> Response:
    """Serve an IRI under the base: its page, or its description in the negotiated RDF format."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse, Response

    site = site_of(request)
    path = request.path_params["path"]
    if path == "ontology":
        return RedirectResponse(base_url(request) + "ontology/", status_code=301)
    value = path_to_iri(path)
    ext: str | None = None
    if value is not None and not site.known(value):
        stem, ext = _split_extension(path)
        if ext is not None:
            value = iri.ONTOLOGY if stem == "ontology/index" else path_to_iri(stem)
    is_ontology = value in (iri.ONTOLOGY, iri.ONTOLOGY_VERSION)
    if value is None or not (is_ontology or site.known(value)):
        return not_found(request, value or path)
    offered = [HTML, TURTLE, JSONLD, NTRIPLES, RDFXML, TRIG, NQUADS]
    if ext is not None:
        media = HTML if ext == "html" else RDF_EXTENSIONS[ext]
        headers: dict[str, str] = {}
    else:
        chosen = negotiate(request.headers.get("accept"), offered, MEDIA_ALIASES)
        if chosen is None:
            return plain_error(406, f"{value} is available as {', '.join(offered)}", {"Vary": "Accept"})
        media = chosen
        doc = (iri_to_path(value) or "/") + ("index" if is_ontology else "")
        headers = {
            "Vary": "Accept",
            "Content-Location": base_url(request) + doc.lstrip("/") + "." + EXTENSION_OF[media],
        }
    doc_base = base_url(request) + ((iri_to_path(value) or "/") + ("index" if is_ontology else "")).lstrip("/")
    headers["Link"] = ", ".join(f'<{doc_base}.{e}>; rel="alternate"; type="{m}"' for e, m in RDF_EXTENSIONS.items())
    if media != HTML:
        body = await run_in_threadpool(site.cached, ("rdf", value, media), lambda: describe(site, value, media))
        return Response(body, media_type=media, headers=headers)
    link, lang = linker_of(request)
    if is_ontology:
        view = await run_in_threadpool(
            site.cached, ("onto", link.base, lang, str(link.explicit)), lambda: ontology_view(site, link, lang)
        )
        try:
            svg = await run_in_threadpool(diagram, site, link, "ontology", lang)
        except DiagramError as exc:
            svg = f"<p class='note'>{_esc(str(exc))}</p>"
        from markupsafe import Markup

        return render(request, "ontology.html", headers=headers, view=view, diagram=Markup(svg))
    all_names = request.query_params.get("names") == "all"  # one language per page unless asked for more
    view = await run_in_threadpool(resource_view, site, link, value, lang, all_names)
    try:
        svg = await run_in_threadpool(diagram, site, link, "neighbourhood", lang, value)
    except DiagramError as exc:
        svg = f"<p class='note'>{_esc(str(exc))}</p>"
    from markupsafe import Markup

    downloads = [(e.upper() if e != "jsonld" else "JSON-LD", f"{doc_base}.{e}") for e in RDF_EXTENSIONS]
    claims, cite = [], None
    if view["sentence"] is not None:
        claims = await run_in_threadpool(sentence_claims, site, link, view["sentence"], lang)
        cite = await run_in_threadpool(citation_box, site, view["sentence"])
    return render(
        request,
        "resource.html",
        headers=headers,
        view=view,
        diagram=Markup(svg),
        downloads=downloads,
        claims=claims,
        cite=cite,
    )


def describe(site: Site, value: str, media: str) -> bytes:
    """Return the description of ``value`` (or the whole ontology) in an RDF media type, via the exporter."""
    if value in (iri.ONTOLOGY, iri.ONTOLOGY_VERSION):
        quads = site.export_graph(iri.GRAPH_ONTOLOGY)
    else:
        quads = site.document_quads(value)
    return export.serialize(export.canonicalize(quads), EXPORT_FORMAT[media])  # type: ignore[arg-type]


def not_found(request: Request, value: str) -> Response:
    """Return the 404 answer for an unknown IRI: suggestions and the way to search, in HTML or plain text."""
    site = site_of(request)
    link, lang = linker_of(request)
    close = [
        {"href": link.iri(v), "text": site.label(v, lang), "compact": iri.compact(v)} for v in suggestions(site, value)
    ]
    message = f"no resource {value} in the SCO Declaration graph"
    if close:
        message += "; did you mean " + ", ".join(c["compact"] for c in close)
    return error_page(request, 404, UI[lang]["not_found"], message, suggestions=close)


async def diagram_file(request: Request) -> Response:
    """Serve a picture as ``image/svg+xml``: ``timeline.svg``, ``ontology.svg`` or ``<IRI path>.svg``."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    site = site_of(request)
    link, lang = linker_of(request)
    name = request.path_params["name"]
    if not name.endswith(".svg"):
        return not_found(request, name)
    stem = name[:-4]
    try:
        if stem in ("timeline", "ontology"):
            svg = await run_in_threadpool(diagram, site, link, stem, lang)
        else:
            value = path_to_iri(stem)
            if value is None or not site.known(value):
                return not_found(request, value or stem)
            svg = await run_in_threadpool(diagram, site, link, "neighbourhood", lang, value)
    except DiagramError as exc:
        return plain_error(503, str(exc))
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + svg
    return Response(body.encode(), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


# --- canned queries -------------------------------------------------------------------------------------
