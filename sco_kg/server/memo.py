"""Tables the server keeps of what clients send (gate verdicts, decoded query strings, quick queries): at most
``limit`` entries each, the oldest going first, so a client can fill one but never grow it."""

from __future__ import annotations

import contextlib
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(table: dict[K, V], key: K, value: V, limit: int) -> V:
    """Put ``key: value`` in ``table``, first dropping its oldest entries down to ``limit - 1``; return ``value``.

    Safe from several threads under the GIL: an entry another thread dropped first is skipped."""
    while len(table) >= limit:
        with contextlib.suppress(KeyError, StopIteration, RuntimeError):
            del table[next(iter(table))]
    table[key] = value
    return value
