"""The Starlette app: routes, middleware (limits, CORS, security headers, request log), error handlers.

``create_app(store, config)`` builds it; the handlers live in :mod:`~sco_kg.server.protocol` (``/sparql``),
:mod:`~sco_kg.server.pages`, :mod:`~sco_kg.server.queries` and :mod:`~sco_kg.server.void`, and find their
state on ``request.app.state.site``. The app reads one pyoxigraph ``Store`` and never writes to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sco_kg import sandbox
from sco_kg.errors import ScoKgError
from sco_kg.server.endpoint import sparql
from sco_kg.server.errors import HttpError, error_status
from sco_kg.server.fast import SparqlFastPath
from sco_kg.server.pages import diagram_file, explain_page, home, resource, search_page, text_page
from sco_kg.server.queries import queries_index, queries_run, query_page
from sco_kg.server.site import ServerConfig, Site
from sco_kg.server.void import dumps, void
from sco_kg.server.web import CORS_HEADERS, SECURITY_HEADERS, STATIC_DIR, error_page, log_request

if TYPE_CHECKING:
    import pyoxigraph as ox
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response


class ServerMiddleware:
    """A pure ASGI middleware: 414 on long query strings, CORS ``*`` (never credentials), headers, logging."""

    def __init__(self, app: Any, config: ServerConfig) -> None:
        """Wrap ``app`` with the limits and logging of ``config``."""
        self.app = app
        self.config = config

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status_box = [0]

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in CORS_HEADERS + SECURITY_HEADERS if k not in names]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        try:
            if len(scope.get("query_string", b"")) > self.config.max_query_string:
                from starlette.responses import PlainTextResponse

                response = PlainTextResponse(
                    f"query string over {self.config.max_query_string} bytes: POST the query instead\n",
                    status_code=414,
                )
                await response(scope, receive, send_wrapper)  # type: ignore[arg-type]
            else:
                await self.app(scope, receive, send_wrapper)
        finally:
            if not self.config.quiet:
                log_request(scope, status_box[0], start)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    return error_page(request, exc.status, str(exc.status), exc.message)


async def _project_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ScoKgError)
    status = error_status(exc)
    return error_page(request, status, str(status), str(exc))


def create_app(store: ox.Store, config: ServerConfig | None = None) -> Starlette:
    """Return the Starlette app serving ``store``.

    Args:
        store: the pyoxigraph store (asserted, or asserted + ``scog:inferred``); read, never written.
        config: base URL, limits and logging (defaults: the request's own base URL, 10 s, 10,000 rows).
    """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    config = config or ServerConfig()
    policy = sandbox.server_policy(config.cache_dir)
    routes = [
        Route("/", home, methods=["GET", "HEAD"]),
        Route("/sparql", sparql, methods=["GET", "HEAD", "POST", "OPTIONS"]),
        Route("/queries", queries_index, methods=["GET", "HEAD"]),
        Route("/queries/{name}", queries_run, methods=["GET", "HEAD"]),
        Route("/query", query_page, methods=["GET", "HEAD", "POST"]),
        Route("/search", search_page, methods=["GET", "HEAD"]),
        Route("/explain", explain_page, methods=["GET", "HEAD"]),
        Route("/text", text_page, methods=["GET", "HEAD"]),
        Route("/.well-known/void", void, methods=["GET", "HEAD"]),
        Route("/dumps/{name}", dumps, methods=["GET", "HEAD"]),
        Route("/diagrams/{name:path}", diagram_file, methods=["GET", "HEAD"]),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
        Route("/{path:path}", resource, methods=["GET", "HEAD"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            # GET /sparql?query=… without the framework's layers (same answer, headers, policy and log).
            Middleware(SparqlFastPath, config=config, policy=policy),
            # Defence in depth (SECURITY.md T3): no network, no files outside the project while answering.
            Middleware(sandbox.SandboxMiddleware, policy=policy),
            Middleware(ServerMiddleware, config=config),
        ],
        exception_handlers={HttpError: _http_error, ScoKgError: _project_error},
    )
    app.state.site = Site(store, config)
    return app
