"""Killable, memory-bounded, network-less worker processes for untrusted queries.

pyoxigraph cannot cancel a running query (native code) and rdflib's regex holds the GIL, so the only way
to stop a runaway query is to kill the process running it. This module gives two ways to do that:

* :class:`WorkerPool` (the server): ``size`` worker processes serve jobs; ``pool.run(fn, payload, timeout)``
  or ``await pool.run_async(...)`` runs ``fn(state, payload)`` in a free worker, where ``state = init()``
  and ``fn`` is a module-level function (pickled by reference). On the deadline the worker is SIGKILLed
  and replaced at once and the caller gets :class:`~sco_kg.errors.QueryTimeout`, so timed-out queries never
  hold capacity afterwards. A worker that dies is replaced and the caller gets a clear error.
  :class:`~sco_kg.errors.ScoKgError` raised by ``fn`` comes back as the same class and message.
* :func:`run_once` (the CLI, one query per process): forks one child with the same limits; ``fn`` and
  ``state`` are inherited by the fork, not pickled. The child's stderr is forwarded after it ends, without
  the allocator's abort note when the memory limit stopped it (the error says it in one line).

How it works. At start the pool forks a *spawner* (a zygote) from the calling process: it inherits,
copy-on-write, whatever the caller loaded before (a store read once in the parent is shared by every
worker without a copy). The spawner drops network access (below), runs ``init()`` once (or each worker runs
it after the fork, ``init_in="worker"``, e.g. to open an on-disk store, whose background threads do not
survive a fork), freezes the GC and then forks each worker on request. Workers are forked from this
single-threaded spawner, never from the (threaded) server, so no lock held by another thread is inherited.
Worker sockets and pidfds go between parent and spawner over a SOCK_SEQPACKET socket (SCM_RIGHTS); the
parent kills with ``pidfd_send_signal`` (no PID reuse race) and the spawner reports each exit status. The
spawner also forwards each worker's stderr to its own, line by line, less Rust's allocator abort note.
Create the pool before starting threads that hold locks the spawner might need (in practice: early).

Memory limit: ``RLIMIT_DATA``, set in each worker to its own data size at start plus ``memory_limit``
bytes, so it bounds the growth of one query, not the store inherited from the parent (a corpus of 1.3 M
quads in the parent does not eat the allowance; tested with a 300 MiB parent object and a 128 MiB limit).
Measured on Linux 6.18 / pyoxigraph 0.5.13 / Python 3.11: both RLIMIT_AS and RLIMIT_DATA stop the
``?a ?p ?o . ?b ?q ?r . ?c ?x ?y ORDER BY`` bomb (Rust's allocator aborts, SIGABRT, reported here as
:class:`MemoryLimitExceeded`) and a Python allocation loop (``MemoryError``, same class) within 0.3-0.9 s
at 512 MiB. RLIMIT_DATA is used because it counts only private writable memory, what a query grows:
RLIMIT_AS also counts address space that is not memory use. Four Python threads raised VmSize by 310 MiB
but VmData by 54 MiB (glibc reserves 64 MiB of address space per thread arena), and opening an on-disk
(RocksDB) store raised VmSize by 43 MiB more than VmData. A worker retires itself (and is replaced) after
a job that left it more than half the allowance above its starting size, or after a ``MemoryError``.

Default :data:`DEFAULT_MEMORY_LIMIT` is 1 GiB per worker, from these measurements on the 5,072-quad
dataset: the 30 canned queries grow a worker's peak RSS by at most 4.2 MiB on pyoxigraph and 11.6 MiB on
rdflib, while the bomb reaches 256 MiB in 0.15 s and 1 GiB in 0.96 s (then stops; the parent's RSS stays
at 34 MiB). 1 GiB leaves room for sorting a large corpus and bounds 2 workers at 2 GiB on a small machine.
Raise it with ``memory_limit=`` (``None``: no limit); ``limit_hint`` names the user's knob in the message.

Cost (same machine, 2 cores shared at load average 5, medians): ``pool.run`` of a trivial job 25-26 us
back to back (in-process call 0.1 us), 0.13 ms after 2 ms idle; ``run_async`` 64-68 us; the ``bodies``
canned query returned as JSON 0.57 ms in the pool vs 0.55 ms in-process (the query itself runs as fast in a
worker as in the parent: 0.48 ms). Pool start 14 ms; replacing a worker 2.4-2.9 ms (a timed-out caller
gets :class:`QueryTimeout` 6-7 ms after its deadline); :func:`run_once` 5.5-6.9 ms.

Network: unless ``network=True`` (allowed federation), the spawner calls ``unshare(CLONE_NEWNET)`` (works as
root), else ``unshare(CLONE_NEWUSER | CLONE_NEWNET)`` (unprivileged user namespaces), so workers see a
network namespace with no interface up: even a SERVICE call made in Rust cannot reach anything, 127.0.0.1
included. If both fail (containers without the capability, kernels with user namespaces off) the workers
do have network: ``pool.network_isolated`` is False and ``pool.network_reason`` says why, in one line.

Without ``fork`` (Windows, or macOS where fork after threads is unsafe) the pool and :func:`run_once` fall
back to a thread with a timeout: the caller still gets :class:`QueryTimeout` on time, but the runaway query
keeps running (and holding CPU, memory and a GIL share) until it ends, there is no memory limit and no
network isolation (``network_isolated`` is False and says so).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from sco_kg.engine._child import (
    EXIT_MEMORY,
    Deadline,
    Job,
    execute,
    isolate_network,
    limit_memory,
    quiet_signals,
    readable,
    recv,
    send,
    spawner_main,
)
from sco_kg.engine.errors import MemoryLimitExceeded, PoolBusy, PoolClosed, WorkerDied
from sco_kg.engine.limits import DEFAULT_MEMORY_LIMIT
from sco_kg.errors import QueryError, QueryTimeout

__all__ = ["DEFAULT_MEMORY_LIMIT", "WorkerPool", "probe_network_isolation", "run_in_thread", "run_once"]

_T = TypeVar("_T")


FORK_AVAILABLE = hasattr(os, "fork") and sys.platform.startswith("linux")


# ---------------------------------------------------------------- in the parent


def memory_message(limit: int | None, hint: str) -> str:
    """The one-line error for a query stopped at the memory ``limit`` (bytes); ``hint`` names the user's knob."""
    size = f"{limit / (1 << 20):g} MiB" if limit else "its"
    return (
        f"the query needed more than the worker's memory limit ({size}) and was stopped"
        f" (add LIMIT or narrow it, or raise {hint})"
    )


def _timeout_message(timeout: float) -> str:
    return f"query ran longer than {timeout:g} s and was stopped (raise the timeout, or add LIMIT / narrow it)"


def _death_error(status: int | None, limit: int | None, hint: str) -> QueryError:
    """The error for a worker that died while running a query, from its wait status (None: unknown)."""
    if status is None:
        return WorkerDied("the worker running the query died (cause unknown); it was replaced")
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGABRT and limit is not None:
            return MemoryLimitExceeded(memory_message(limit, hint))
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        cause = " (by the kernel's OOM killer or an operator)" if sig == signal.SIGKILL else ""
        return WorkerDied(f"the worker running the query was killed by {name}{cause}; it was replaced")
    code = os.WEXITSTATUS(status)
    if code == EXIT_MEMORY:
        return MemoryLimitExceeded(memory_message(limit, hint))
    return WorkerDied(f"the worker running the query exited with status {code}; it was replaced")


def _unwrap(out: tuple[Any, ...], limit: int | None, hint: str) -> Any:
    if out[0] == "ok":
        return out[1]
    if out[0] == "mem":
        raise MemoryLimitExceeded(memory_message(limit, hint))
    cls, message = out[1], out[2]
    try:
        exc = cls(message)
    except Exception:
        exc = QueryError(message)
    raise exc


def run_in_thread(fn: Callable[[], _T], timeout: float | None) -> _T:
    """The no-fork fallback: ``fn()`` in a daemon thread, abandoned (still running) on timeout."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="sco-kg-query", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise QueryTimeout(_timeout_message(timeout or 0))
    if "error" in box:
        raise box["error"]
    return box["value"]


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and not timeout > 0:
        raise QueryError(f"timeout must be a positive number of seconds, got {timeout}")


class _Worker:
    __slots__ = ("closed", "lock", "pid", "pidfd", "sock")

    def __init__(self, pid: int, pidfd: int, sock: socket.socket) -> None:
        self.pid, self.pidfd, self.sock = pid, pidfd, sock
        self.lock = threading.Lock()
        self.closed = False

    def kill(self) -> None:
        with self.lock, contextlib.suppress(OSError):
            if not self.closed:  # a closed pidfd's number may belong to another file by now
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)

    def dispose(self) -> None:
        """Kill the process and close its socket and pidfd, once (close() and a job's thread may race)."""
        self.kill()
        with self.lock:
            if not self.closed:
                self.closed = True
                self.sock.close()
                os.close(self.pidfd)


class _Job:
    """What a cancelled asyncio caller needs to kill the worker running its job (and only that one)."""

    __slots__ = ("cancelled", "lock", "worker")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.worker: _Worker | None = None
        self.cancelled = False

    def cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            if self.worker is not None:
                self.worker.kill()


class WorkerPool:
    """``size`` killable worker processes that run ``fn(state, payload)`` jobs; see the module docstring.

    Args:
        init: called once (in the spawner, or in each worker with ``init_in="worker"``); returns the state
            passed to every job. A state loaded in the parent before the pool starts can simply be returned
            by ``init`` (``lambda: store``): the fork shares it copy-on-write.
        size: number of workers (concurrent jobs).
        memory_limit: bytes each worker may grow above its size at start (RLIMIT_DATA); None: no limit.
        network: True for workers that may use the network (allowed federation); False isolates them.
        name: shown in errors and ``repr``.
        init_in: ``"spawner"`` (default: init once, every worker shares the result) or ``"worker"``.
        limit_hint: how the user raises the memory limit, quoted in :class:`MemoryLimitExceeded` messages.
        startup_timeout: seconds the spawner's ``init`` and each worker's start may take.

    Raises:
        PoolClosed: ``init`` failed or the spawner could not start.
    """

    def __init__(
        self,
        init: Callable[[], Any],
        size: int = 2,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
        network: bool = False,
        name: str = "sco-kg-workers",
        init_in: Literal["spawner", "worker"] = "spawner",
        limit_hint: str = "the memory_limit setting",
        startup_timeout: float = 120.0,
        _use_fork: bool = FORK_AVAILABLE,
    ) -> None:
        if size < 1:
            raise QueryError(f"a worker pool needs at least 1 worker, got {size}")
        self.size, self.memory_limit, self.network, self.name = size, memory_limit, network, name
        self.limit_hint, self.startup_timeout = limit_hint, startup_timeout
        self.replacements = 0
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._workers: dict[int, _Worker] = {}
        self._exits: dict[int, int] = {}
        self._ctl_lock = threading.Lock()
        self._closed = False
        self._starting = 0
        from concurrent.futures import ThreadPoolExecutor  # the pool's waiting threads (the CLI never needs them)

        self._executor = ThreadPoolExecutor(max_workers=max(8, 4 * size), thread_name_prefix=name)
        self._forked = _use_fork
        if not _use_fork:
            self._state = init()
            self._slots = threading.Semaphore(size)
            self.network_isolated, self.network_reason = False, "workers HAVE network: no fork here (thread fallback)"
            return
        self._ctl, ctl_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._spawner = os.fork()
        if self._spawner == 0:
            try:
                self._ctl.close()
                spawner_main(ctl_child, init, init_in == "worker", memory_limit, network)
            finally:
                os._exit(1)
        ctl_child.close()
        try:
            hello = self._ctl_read(time.monotonic() + startup_timeout)
            if hello is None or hello[0] != "hello":
                raise PoolClosed(f"{name}: the worker spawner could not start ({hello[1] if hello else 'no answer'})")
            self.network_isolated, self.network_reason = hello[1], hello[2]
            for _ in range(size):
                self._add(self._spawn())
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        net = "isolated" if self.network_isolated else "networked"
        return f"<WorkerPool {self.name} size={self.size} {net} pids={self.pids()}>"

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pids(self) -> list[int]:
        """PIDs of the live workers (empty for the thread fallback)."""
        with self._cond:
            return sorted(self._workers)

    # ------------------------------------------------------------ spawner channel

    def _ctl_read(self, deadline: float) -> tuple[Any, ...] | None:
        """Read one spawner message (exit notices are also stored), or None on deadline/EOF."""
        left = deadline - time.monotonic()
        if left <= 0 or not readable(self._ctl, left):
            return None
        msg, fds, _, _ = socket.recv_fds(self._ctl, 4096, 1)
        if not msg:
            return None
        item = pickle.loads(msg)
        if item[0] == "exit":
            self._exits[item[1]] = item[2]
            while len(self._exits) > 256:  # notices nobody asked for (retired and killed workers)
                del self._exits[next(iter(self._exits))]
        return (*item, *fds)

    def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        try:
            with self._ctl_lock:
                try:
                    socket.send_fds(self._ctl, [pickle.dumps(("spawn",))], [theirs.fileno()])
                except OSError as exc:
                    raise PoolClosed(f"{self.name}: the worker spawner is gone ({exc}); restart the process") from exc
                deadline = time.monotonic() + self.startup_timeout
                reply = self._ctl_read(deadline)
                while reply is not None and reply[0] == "exit":
                    reply = self._ctl_read(deadline)
        finally:
            theirs.close()
        if reply is None or reply[0] != "spawned":
            ours.close()
            raise PoolClosed(f"{self.name}: the worker spawner did not answer; restart the process")
        worker = _Worker(reply[1], reply[2], ours)
        try:
            hello = pickle.loads(recv(ours, time.monotonic() + self.startup_timeout))
        except (Deadline, EOFError, OSError):
            hello = ("failed", "no answer")
        if hello[0] != "ready":
            worker.dispose()
            raise PoolClosed(f"{self.name}: a worker could not start ({hello[1]})")
        return worker

    def _exit_status(self, pid: int, wait: float = 2.0) -> int | None:
        deadline = time.monotonic() + wait
        with self._ctl_lock:
            while pid not in self._exits:
                try:
                    if self._ctl_read(deadline) is None:
                        return None
                except (OSError, ValueError):  # the pool was closed meanwhile
                    return None
            return self._exits.pop(pid)

    # ------------------------------------------------------------ worker bookkeeping

    def _add(self, worker: _Worker) -> None:
        with self._cond:
            self._starting = max(0, self._starting - 1)
            if self._closed:
                worker.dispose()
                return
            self._workers[worker.pid] = worker
            self._idle.append(worker)
            self._cond.notify()

    def _acquire(self, wait: float | None) -> _Worker:
        end = None if wait is None else time.monotonic() + wait
        with self._cond:
            while not self._idle:
                if self._closed or not (self._workers or self._starting):
                    raise PoolClosed(f"{self.name}: the worker pool is closed")
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    raise PoolBusy(f"all {self.size} query workers are busy; try again shortly")
                self._cond.wait(left)
            return self._idle.pop()

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            self._idle.append(worker)
            self._cond.notify()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` (if still alive) and start another in its place."""
        worker.dispose()
        with self._cond:
            self._workers.pop(worker.pid, None)
            self.replacements += 1
            if self._closed:
                return
            self._starting += 1  # waiters must not take the pool for empty meanwhile
        try:
            self._add(self._spawn())
        except Exception:  # spawner gone, no file descriptors left...: the pool runs one worker short
            with self._cond:
                self._starting -= 1
                self._cond.notify_all()  # waiters see a pool without workers and get PoolClosed

    # ------------------------------------------------------------ running jobs

    def run(self, fn: Job, payload: Any, timeout: float | None = None, wait: float | None = None) -> Any:
        """Run ``fn(state, payload)`` in a worker and return its (picklable) result.

        ``timeout``: seconds the job may run (None: no deadline); ``wait``: seconds to wait for a free worker
        (None: as long as it takes).

        Raises:
            QueryTimeout: the deadline passed; the worker was killed and replaced.
            MemoryLimitExceeded: the job passed the memory limit; the worker was replaced.
            WorkerDied: the worker died otherwise. PoolBusy: no worker was free in ``wait`` s.
            ScoKgError: what ``fn`` raised (same class and message); other exceptions become QueryError.
        """
        return self._run(fn, payload, timeout, wait, _Job())

    async def run_async(self, fn: Job, payload: Any, timeout: float | None = None, wait: float | None = None) -> Any:
        """:meth:`run` for asyncio: waits in the pool's threads, never on the event loop. Cancelling the
        awaiting task kills the worker running the job (and replaces it)."""
        job = _Job()
        import asyncio

        future = asyncio.get_running_loop().run_in_executor(self._executor, self._run, fn, payload, timeout, wait, job)
        try:
            return await future
        except asyncio.CancelledError:
            job.cancel()
            raise

    def _run(self, fn: Job, payload: Any, timeout: float | None, wait: float | None, job: _Job) -> Any:
        _check_timeout(timeout)
        if not self._forked:
            return self._run_thread(fn, payload, timeout, wait)
        try:
            data = pickle.dumps((fn, payload), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise QueryError(f"the job cannot be sent to a worker ({type(exc).__name__}: {exc})") from exc
        worker = self._acquire(wait)
        with job.lock:
            if job.cancelled:
                self._release(worker)
                raise QueryError("the query was cancelled")
            job.worker = worker
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            send(worker.sock, data)
            body = recv(worker.sock, deadline)
        except Deadline:
            self._finish(job)
            self._replace(worker)
            raise QueryTimeout(_timeout_message(timeout or 0)) from None
        except (EOFError, OSError):
            self._finish(job)
            if job.cancelled or self._closed:
                self._replace(worker)
                if self._closed:
                    raise PoolClosed(f"{self.name}: the worker pool was closed while the query ran") from None
                raise QueryError("the query was cancelled") from None
            status = self._exit_status(worker.pid)
            self._replace(worker)
            raise _death_error(status, self.memory_limit, self.limit_hint) from None
        except BaseException:
            self._finish(job)
            self._replace(worker)  # interrupted half-way: the worker's channel is out of step
            raise
        self._finish(job)
        if body[:1] == b"\x01":
            self._replace(worker)
        else:
            self._release(worker)
        return _unwrap(pickle.loads(body[1:]), self.memory_limit, self.limit_hint)

    @staticmethod
    def _finish(job: _Job) -> None:
        with job.lock:
            job.worker = None

    def _run_thread(self, fn: Job, payload: Any, timeout: float | None, wait: float | None) -> Any:
        if self._closed:
            raise PoolClosed(f"{self.name}: the worker pool is closed")
        if not self._slots.acquire(timeout=-1 if wait is None else wait):
            raise PoolBusy(f"all {self.size} query workers are busy; try again shortly")
        try:
            return run_in_thread(lambda: fn(self._state, payload), timeout)
        finally:
            self._slots.release()  # a timed-out thread keeps running: capacity is over-committed (documented)

    def close(self) -> None:
        """Kill the workers and the spawner. Idempotent; later jobs raise PoolClosed."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            workers = list(self._workers.values())
            self._workers.clear()
            self._idle.clear()
            self._cond.notify_all()
        self._executor.shutdown(wait=False, cancel_futures=True)
        if not self._forked:
            return
        for worker in workers:
            worker.dispose()
        with contextlib.suppress(OSError):
            self._ctl.send(pickle.dumps(("exit",)))
        self._ctl.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._spawner, 0)


# ---------------------------------------------------------------- one-shot (the CLI)


def run_once(
    fn: Job,
    payload: Any,
    timeout: float | None,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    network: bool = False,
    state: Any = None,
    limit_hint: str = "the memory_limit setting",
) -> Any:
    """Run ``fn(state, payload)`` in one forked child with a deadline, a memory limit and (unless ``network``)
    no network; ``state`` is inherited by the fork, not pickled. Errors as for :meth:`WorkerPool.run`.
    Where network isolation is refused the child runs with network (see :func:`probe_network_isolation`).
    """
    _check_timeout(timeout)
    if not FORK_AVAILABLE:
        return run_in_thread(lambda: fn(state, payload), timeout)
    ours, theirs = socket.socketpair()
    with tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                os.dup2(err.fileno(), 2)
                quiet_signals()
                if not network:
                    isolate_network()
                limit_memory(memory_limit)
                body, _ = execute(fn, state, payload)
                send(theirs, body)
            except MemoryError:
                os._exit(EXIT_MEMORY)
            except BaseException as exc:  # the set-up failed: say so instead of dying silently
                with contextlib.suppress(BaseException):
                    send(theirs, pickle.dumps(("err", QueryError, f"the query worker could not start: {exc}")))
            finally:
                os._exit(0)
        theirs.close()
        failure: QueryError | None = None
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            body = recv(ours, deadline)
        except Deadline:
            os.kill(pid, signal.SIGKILL)
            failure = QueryTimeout(_timeout_message(timeout or 0))
        except (EOFError, OSError):
            failure = WorkerDied("the query's process ended without an answer")
        finally:
            ours.close()
            _, status = os.waitpid(pid, 0)
        if isinstance(failure, WorkerDied):
            failure = _death_error(status, memory_limit, limit_hint)
        else:
            try:
                result = _unwrap(pickle.loads(body), memory_limit, limit_hint) if failure is None else None
            except QueryError as exc:
                failure = exc
        _forward_stderr(err, drop_abort_note=isinstance(failure, MemoryLimitExceeded))
    if failure is not None:
        raise failure
    return result


def _forward_stderr(err: Any, drop_abort_note: bool) -> None:
    """Copy what the child wrote on stderr to ours, without the Rust allocator's abort note (and backtrace)
    when the memory limit stopped it: the error message says it in one line."""
    err.seek(0)
    text = err.read().decode("utf-8", "replace")
    if drop_abort_note:
        text = text.split("memory allocation of ", 1)[0]
    if text:
        sys.stderr.write(text)
        sys.stderr.flush()


def probe_network_isolation() -> tuple[bool, str]:
    """Whether workers can be cut off the network here, and a one-line reason (forks a short-lived child)."""
    if not FORK_AVAILABLE:
        return False, "workers HAVE network: no fork here (thread fallback)"
    return run_once(_probe, None, timeout=30, memory_limit=None, network=True)


def _probe(_state: Any, _payload: Any) -> tuple[bool, str]:
    return isolate_network()
