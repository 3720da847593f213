"""``/sparql`` over HTTP: the SPARQL 1.1 Protocol's query operation (https://www.w3.org/TR/sparql11-protocol/).

GET, POST ``application/x-www-form-urlencoded`` and POST ``application/sparql-query``; ``update`` and
``application/sparql-update`` are refused (403); a GET without ``query`` returns the service description
(https://www.w3.org/TR/sparql11-service-description/), or the query page when the client prefers HTML.
Running and writing the answer is :mod:`sco_kg.server.protocol`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sco_kg import export
from sco_kg.server import web
from sco_kg.server.conneg import EXPORT_FORMAT, GRAPH_ALIASES, HTML, JSONLD, NTRIPLES, RDFXML, TURTLE, negotiate
from sco_kg.server.errors import HttpError, plain_error
from sco_kg.server.protocol import SD, VOID, answer_query, service_description
from sco_kg.server.queries import query_page
from sco_kg.server.site import RDFS

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


def _graph_list(values: Sequence[str], name: str) -> list[str]:
    import pyoxigraph as ox

    for v in values:
        try:
            ox.NamedNode(v)
        except ValueError:
            raise HttpError(400, f"{name}: not an absolute IRI: {v!r}") from None
    return list(values)


async def sparql(request: Request) -> Response:
    """Answer the SPARQL 1.1 Protocol: query via GET, POST form or POST ``application/sparql-query``."""
    from starlette.responses import Response

    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Access-Control-Max-Age": "86400"})
    try:
        url_pairs = web.query_pairs(request.scope.get("query_string", b""))
        if request.method == "GET":
            pairs = url_pairs
        else:
            pairs = await _post_pairs(request, url_pairs)
        if web.values(pairs, "update"):
            raise HttpError(403, "SPARQL Update is not allowed: this endpoint is read-only")
        queries = web.values(pairs, "query")
        if len(queries) > 1:
            raise HttpError(400, f"{len(queries)} 'query' parameters: send exactly one")
        default_graphs = _graph_list(web.values(pairs, "default-graph-uri"), "default-graph-uri")
        named_graphs = _graph_list(web.values(pairs, "named-graph-uri"), "named-graph-uri")
    except HttpError as exc:
        return plain_error(exc.status, exc.message, exc.headers)
    if not queries:
        if request.method != "GET":
            return plain_error(400, "missing 'query' parameter")
        return await service_description_response(request)
    return await answer_query(request, queries[0], web.values(pairs, "format"), default_graphs, named_graphs)


async def _post_pairs(request: Request, url_pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await web.read_body(request)
    if media == "application/x-www-form-urlencoded":
        if web.values(url_pairs, "query") or web.values(url_pairs, "update"):
            raise HttpError(400, "send 'query' either in the URL or in the form body, not both")
        return url_pairs + web.query_pairs(body)
    if media == "application/sparql-query":
        if web.values(url_pairs, "query"):
            raise HttpError(400, "a query in the body and another in the URL: send one")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, "the query body is not UTF-8") from None
        return [*url_pairs, ("query", text)]
    if media == "application/sparql-update":
        raise HttpError(403, "SPARQL Update is not allowed: this endpoint is read-only")
    if not media:
        raise HttpError(400, "POST needs a Content-Type: application/x-www-form-urlencoded or application/sparql-query")
    raise HttpError(
        415, f"unsupported Content-Type {media!r}: use application/x-www-form-urlencoded or application/sparql-query"
    )


async def service_description_response(request: Request) -> Response:
    """Return the Service Description (RDF), or the query page when the client prefers HTML."""
    from starlette.responses import Response

    offered = [TURTLE, JSONLD, NTRIPLES, RDFXML, HTML]
    media = negotiate(request.headers.get("accept"), offered, GRAPH_ALIASES)
    if media is None:
        return plain_error(406, f"the service description is available as {', '.join(offered)}")
    if media == HTML:
        return await query_page(request)
    site = web.site_of(request)
    endpoint = web.base_url(request) + "sparql"
    prefixes = {"sd": SD, "void": VOID, "rdfs": RDFS}

    def make() -> bytes:
        quads = export.canonicalize(service_description(site, endpoint))
        return export.serialize(quads, EXPORT_FORMAT[media], prefixes=prefixes)  # type: ignore[arg-type]

    return Response(site.cached(("sd", endpoint, media), make), media_type=media, headers={"Vary": "Accept"})
