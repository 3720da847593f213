"""Deadlines for one query: a thread that is abandoned, or a forked child that is killed (SIGKILL)."""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sco_kg.engine.limits import Isolation
from sco_kg.errors import QueryError, QueryTimeout, ScoKgError, UsageError

_T = TypeVar("_T")


def with_timeout(fn: Callable[[], _T], timeout: float | None, isolation: Isolation) -> _T:
    """Return ``fn()`` or raise :class:`QueryTimeout` once ``timeout`` seconds have passed.

    ``thread``: ``fn`` runs in a daemon thread that is abandoned on timeout (pyoxigraph releases the GIL, so
    waiting works; the CLI exits right after). ``process``: ``fn`` runs in a forked child that is killed with
    SIGKILL on timeout, so a runaway query stops using CPU (for long-lived processes such as a server).
    """
    if timeout is None or isolation == "none":
        return fn()
    if timeout <= 0 or math.isnan(timeout):
        raise UsageError(f"timeout must be a positive number of seconds, got {timeout}")
    if isolation == "process" and hasattr(os, "fork"):
        return in_child(fn, timeout)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=target, name="sco-kg-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise QueryTimeout(timeout_message(timeout))
    if "error" in box:
        raise box["error"]
    return box["value"]


def timeout_message(timeout: float) -> str:
    return f"query ran longer than {timeout:g} s and was stopped (raise --timeout, or add LIMIT / narrow it)"


def in_child(fn: Callable[[], _T], timeout: float) -> _T:
    import pickle
    import select
    import signal
    import time

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: run, send the pickled outcome, leave without cleanup handlers
        os.close(r)
        try:
            try:
                payload = pickle.dumps(("ok", fn()))
            except ScoKgError as exc:
                payload = pickle.dumps(("err", type(exc), str(exc)))
            except BaseException as exc:
                payload = pickle.dumps(("err", QueryError, f"query failed: {type(exc).__name__}: {exc}"))
            view = memoryview(payload)
            while view:
                view = view[os.write(w, view) :]
        finally:
            os._exit(0)
    os.close(w)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise QueryTimeout(timeout_message(timeout))
            ready, _, _ = select.select([r], [], [], left)
            if ready:
                chunk = os.read(r, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    if not chunks:
        raise QueryError("the query worker process died without an answer")
    outcome = pickle.loads(b"".join(chunks))
    if outcome[0] == "ok":
        return outcome[1]
    raise outcome[1](outcome[2])
