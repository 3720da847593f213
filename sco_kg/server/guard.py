"""Queries run in the serving process itself, which is the unit that is killed (``sco-kg serve``, issue 14).

``sco-kg serve`` forks worker processes that each answer HTTP on the shared socket
(:mod:`sco_kg.server.prefork`). Each runs its queries in its own threads, where pyoxigraph evaluates with the
GIL released, so the event loop stays free to answer, time out and refuse. A :class:`QueryGuard` bounds them:

* **Slots**: at most ``slots`` queries at once in the process; a request that finds none free within the
  time limit gets 503 (``Retry-After``).
* **Deadline**: a query past ``timeout`` seconds gets 504 at once. pyoxigraph cannot cancel a running query,
  so the process then *retires*: it tells the supervisor, which forks a replacement straight away, stops
  accepting connections, lets the other requests it holds finish (each is bounded by the same limit), and
  exits, ending the runaway thread with it. The supervisor kills it if that takes longer than a grace.
* **Memory**: while queries run, a watchdog thread reads the process's resident size every
  :data:`POLL_SECONDS`; past ``memory_limit`` bytes above its size at start, the running queries get 422
  (:class:`~sco_kg.engine.errors.MemoryLimitExceeded`) and the process retires. ``RLIMIT_DATA`` at
  ``memory_limit`` × :data:`BACKSTOP` above the start is the hard stop for an allocation faster than the
  watchdog: Rust's allocator then aborts the process, its open connections close without an answer, and
  the supervisor replaces it and says so on stderr.
* **Network**: the process entered an empty network namespace before its first thread
  (:func:`sco_kg.engine._child.isolate_network`), keeping the listening socket it inherited; SERVICE calls
  made in Rust reach nothing.

Measured (bench.endpoint, ApacheBench): the hand-off of a query to a thread of the process costs 12-19 us,
against 25-65 us for a job sent to a separate worker process and back, plus the pickling of the result.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import resource
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sco_kg.engine.errors import MemoryLimitExceeded
from sco_kg.server.errors import busy, overrun
from sco_kg.server.memo import remember

T = TypeVar("T")

POLL_SECONDS = 0.01  # the memory watchdog's period while a query runs (a bomb grows ~1 GiB/s: ~10 MiB past)
QUICK_SECONDS = 0.002  # work that took less than this runs on the event loop the next time
QUICK_KEYS = 4096
BACKSTOP = 1.5  # RLIMIT_DATA, as a multiple of the memory limit above the start


def resident_bytes() -> int:
    """This process's resident set size in bytes (``/proc/self/statm``)."""
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _vm_data() -> int:
    from sco_kg.engine._child import vm_data

    return vm_data()


class QueryGuard:
    """Slots, deadline and memory watchdog for the queries of one serving process (see the module doc)."""

    def __init__(self, slots: int, timeout: float, memory_limit: int | None, retire: Callable[[str], None]) -> None:
        """Prepare the guard; :meth:`start` it in the serving process, before its event loop runs."""
        self.timeout = timeout
        self.memory_limit = memory_limit
        self._retire = retire
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=slots, thread_name_prefix="sco-kg-query")
        self._slots = asyncio.Semaphore(slots)
        self._size = slots
        self._running: set[asyncio.Future[Any]] = set()
        self._wake = threading.Event()
        self.retiring = ""
        self.base = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._quick: dict[Hashable, None] = {}

    def start(self) -> None:
        """Start the query threads and the watchdog, note the process's size and set the memory backstop."""
        for f in [self.executor.submit(time.sleep, 0.01) for _ in range(self._size)]:
            f.result()
        self.base = resident_bytes()
        if self.memory_limit is not None:
            cap = _vm_data() + int(self.memory_limit * BACKSTOP)
            resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
            threading.Thread(target=self._watch, name="sco-kg-memory", daemon=True).start()

    async def run(
        self,
        job: Callable[[], T],
        key: Hashable = None,
        *,
        again: Callable[[], T] | None = None,
        keep: Callable[[T], bool] | None = None,
    ) -> T:
        """Return ``job()`` run in a query thread of this process, within the slots, deadline and memory limit.

        ``key`` names the work (a query text on this read-only store, with its bindings): work that finished in
        under :data:`QUICK_SECONDS` the last time it ran is run on the event loop itself, without the hand-off
        to a thread (the same query on the same read-only data costs the same; the hand-off would cost more).
        ``again``: what to run then instead of ``job`` (the same answer, cheaper to make); ``keep(value)``: whether
        this value lets the work count as quick (e.g. not when the row cap cut it).

        Raises:
            ServerBusy: no slot became free within the time limit (503).
            QueryTimeout: the query ran past the time limit (504); the process retires.
            MemoryLimitExceeded: the process grew past the memory limit while it ran (422); it retires.
        """
        if key is not None and key in self._quick:
            return (again or job)()
        loop = self._loop = asyncio.get_running_loop()
        try:
            if self._slots.locked():  # wait for a slot only when none is free (wait_for costs a task)
                await asyncio.wait_for(self._slots.acquire(), self.timeout)
            else:
                await self._slots.acquire()
        except asyncio.TimeoutError:
            raise busy(self.timeout) from None
        waiter: asyncio.Future[T] = loop.create_future()

        def settle(ok: bool, value: Any) -> None:
            if not waiter.done():
                (waiter.set_result if ok else waiter.set_exception)(value)

        def finish(ok: bool, value: Any) -> None:  # the thread is free again: so is its slot
            self._slots.release()
            settle(ok, value)

        def work() -> None:
            try:
                started = time.perf_counter()
                value: Any = job()
                ok = True
                if key is not None and time.perf_counter() - started < QUICK_SECONDS and (keep is None or keep(value)):
                    remember(self._quick, key, None, QUICK_KEYS)
            except BaseException as exc:  # handed to the waiting request as it is
                value, ok = exc, False
            with contextlib.suppress(RuntimeError):  # the loop is gone: the process is exiting
                loop.call_soon_threadsafe(finish, ok, value)

        def expire() -> None:
            settle(False, overrun(self.timeout))
            self.retire("a query ran past the time limit")

        self._running.add(waiter)
        self._wake.set()
        timer = loop.call_later(self.timeout, expire)
        self.executor.submit(work)
        try:
            return await waiter
        finally:  # a query given up on (deadline, memory) keeps its thread and slot until it ends or the process does
            timer.cancel()
            self._running.discard(waiter)

    def retire(self, reason: str) -> None:
        """Have this process replaced: the supervisor starts another and this one drains and exits."""
        if not self.retiring:
            self.retiring = reason
            self._retire(reason)

    def _over(self) -> None:
        from sco_kg.engine.workers import memory_message

        message = memory_message(self.memory_limit, "sco-kg serve --memory-limit")
        for waiter in list(self._running):
            if not waiter.done():
                waiter.set_exception(MemoryLimitExceeded(message))
        self.retire("a query grew past the memory limit")

    def _watch(self) -> None:
        assert self.memory_limit is not None
        while True:
            self._wake.wait()
            self._wake.clear()
            while self._running:
                if resident_bytes() - self.base > self.memory_limit and self._loop is not None:
                    self._loop.call_soon_threadsafe(self._over)
                    return
                time.sleep(POLL_SECONDS)
