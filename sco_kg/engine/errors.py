"""Errors of the engine's worker processes (see :mod:`sco_kg.engine.workers`).

A timeout is :class:`sco_kg.errors.QueryTimeout`; the classes here cover what only a worker process can
report: its memory limit, its death, a full pool, a cancelled job.
"""

from __future__ import annotations

from sco_kg.errors import QueryError


class MemoryLimitExceeded(QueryError):
    """A query needed more memory than the worker's limit; the worker was replaced."""


class WorkerDied(QueryError):
    """The worker process running a query died (killed from outside, crashed); it was replaced."""


class PoolBusy(QueryError):
    """No worker became free within the time the caller was willing to wait."""


class PoolClosed(QueryError):
    """The worker pool was closed, or its workers could not be started."""
