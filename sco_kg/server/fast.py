"""The fast path of ``GET /sparql?query=…``: answered without the web framework (issue 14).

A SPARQL endpoint's most frequent request is a GET with one ``query`` parameter. Starlette's request,
routing, exception and response layers cost more per request than the query itself on this dataset, so this
outermost middleware answers such requests with plain ASGI messages, through the same
:func:`~sco_kg.server.protocol.answer` as every other ``/sparql`` request: the same gate, engine, writers,
status codes, headers (CORS, security, ``Vary``), sandbox policy and log line. The decoded parameters of a
query string are kept by its raw bytes (at most :data:`PARSED` of them), like the gate's verdicts.

Everything else goes on to the framework: POST, HEAD, OPTIONS, the service description (no ``query``),
``default-graph-uri`` / ``named-graph-uri``, ``update``, repeated ``query``, query strings over the size
limit (414) and bad percent-encoding (400) — so each rule lives in one place.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sco_kg import sandbox
from sco_kg.server import web
from sco_kg.server.errors import HttpError
from sco_kg.server.memo import remember
from sco_kg.server.protocol import answer
from sco_kg.server.site import ServerConfig

PARSED = 1024
_EXTRA = web.CORS_HEADERS + web.SECURITY_HEADERS


class SparqlFastPath:
    """ASGI middleware: ``GET /sparql`` with one ``query`` (and optional ``format``) answered directly."""

    def __init__(self, app: Any, config: ServerConfig, policy: sandbox.Policy) -> None:
        """Wrap ``app`` (the framework), with the server's limits and sandbox policy."""
        self.app = app
        self.config = config
        self.policy = policy
        self._parsed: dict[bytes, tuple[str, list[str]] | None] = {}

    def _params(self, raw: bytes) -> tuple[str, list[str]] | None:
        """The query text and ``format`` values of a plain query string, or None (the framework takes it)."""
        if raw in self._parsed:
            return self._parsed[raw]
        try:
            pairs = web.query_pairs(raw)
        except HttpError:
            return None
        names = [k for k, _ in pairs]
        plain = names.count("query") == 1 and set(names) <= {"query", "format"}
        params = (web.values(pairs, "query")[0], web.values(pairs, "format")) if plain else None
        return remember(self._parsed, raw, params, PARSED)

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        """Answer a plain ``GET /sparql?query=…``; pass anything else on."""
        raw = scope.get("query_string", b"")
        if (
            scope["type"] != "http"
            or scope["path"] != "/sparql"
            or scope["method"] != "GET"
            or len(raw) > self.config.max_query_string
        ):
            await self.app(scope, receive, send)
            return
        params = self._params(raw)
        if params is None:
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        accept = None
        for key, value in scope["headers"]:
            if key == b"accept":
                accept = value.decode("latin-1")
                break
        with sandbox.active(None if sandbox.disabled_by_env() else self.policy):
            status, headers, body = await answer(scope["app"].state.site, params[0], accept, params[1])
        head = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        head.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": head + _EXTRA})
        await send({"type": "http.response.body", "body": body})
        if not self.config.quiet:
            web.log_request(scope, status, start)
