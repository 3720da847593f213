"""The server's errors and how each becomes an HTTP status (403, 400, 503, 504, …)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sco_kg.engine.errors import MemoryLimitExceeded, WorkerDied
from sco_kg.errors import QueryError, QueryRejected, QueryTimeout, ScoKgError, UsageError

if TYPE_CHECKING:
    from starlette.responses import Response


class HttpError(Exception):
    """An error answer: status, a one-line message, and extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        """Store the status, message and headers."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class UpdateRefused(QueryRejected):
    """A SPARQL Update sent to the read-only endpoint (403)."""


class ServerBusy(ScoKgError):
    """Every query worker is busy (the server answers 503)."""


def busy(timeout: float) -> ServerBusy:
    """The 503 for a query no worker took within ``timeout`` seconds."""
    return ServerBusy(f"every query worker is busy; try again in a few seconds (limit {timeout:g} s)")


def overrun(timeout: float) -> QueryTimeout:
    """The 504 for a query that ran past ``timeout`` seconds."""
    return QueryTimeout(f"the query ran past the time limit of {timeout:g} s")


class DiagramError(ScoKgError):
    """A diagram cannot be drawn (Graphviz missing or failing)."""


def error_status(exc: ScoKgError) -> int:
    """Return the HTTP status of a project error raised while answering a request."""
    if isinstance(exc, UpdateRefused):
        return 403
    if isinstance(exc, (ServerBusy, WorkerDied)):
        return 503
    if isinstance(exc, QueryTimeout):
        return 504
    if isinstance(exc, MemoryLimitExceeded):
        return 422  # well-formed, but more than one query may take here (the message names the limit)
    if isinstance(exc, (QueryError, UsageError)):
        return 400
    return 500


def plain_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Return a one-line ``text/plain`` error answer."""
    from starlette.responses import PlainTextResponse

    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)
