"""The budget of one query: wall-clock timeout, row cap, memory, isolation, allowed federation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: One default for every command, the server and the API (seconds).
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 100_000
#: Bytes one query may grow its worker process by (``RLIMIT_DATA`` above the worker's size at start).
DEFAULT_MEMORY_LIMIT = 1 << 30

#: ``process``: a forked worker that is killed on the deadline and bounded in memory, with no network (the
#: default for any query text); ``thread``: a deadline only (the query is abandoned, not stopped; for trusted
#: canned queries); ``none``: run inline.
Isolation = Literal["process", "thread", "none"]


@dataclass(frozen=True)
class Limits:
    """The budget of one query.

    Attributes:
        timeout: wall-clock seconds (``None``: no deadline).
        max_rows: the row cap (``None``: none); more rows is an error unless ``truncate``.
        truncate: cut at ``max_rows`` and flag the result instead of failing.
        isolation: where the query runs (:data:`Isolation`).
        allow_service: hosts a ``SERVICE`` clause may name; such a query runs in a worker that has network.
        memory_limit: bytes one query may grow its worker by (``None``: no limit; ``process`` isolation).
    """

    timeout: float | None = DEFAULT_TIMEOUT
    max_rows: int | None = DEFAULT_MAX_ROWS
    truncate: bool = False
    isolation: Isolation = "process"
    allow_service: tuple[str, ...] = field(default_factory=tuple)
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT
