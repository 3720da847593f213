"""The budget of one query: wall-clock timeout, row cap, isolation, allowed federation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: One default for every command and the server (seconds).
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 100_000

Isolation = Literal["thread", "process", "none"]


@dataclass(frozen=True)
class Limits:
    """The budget of one query: wall-clock ``timeout`` in seconds and ``max_rows`` (``None``: no limit)."""

    timeout: float | None = DEFAULT_TIMEOUT
    max_rows: int | None = DEFAULT_MAX_ROWS
    truncate: bool = False  # cut at max_rows and flag the result instead of raising
    isolation: Isolation = "thread"
    allow_service: tuple[str, ...] = field(default_factory=tuple)
