"""``sco-kg serve``'s processes: a supervisor and the worker processes that answer HTTP themselves (issue 14).

The supervisor (the process that ran ``sco-kg serve``) loads the dataset, builds the app and its indexes and
binds the socket, then forks ``processes`` workers. Each worker inherits all of it copy-on-write, enters an
empty network namespace, and runs uvicorn on the shared listening socket, answering pages and queries itself
(its queries run in its own threads, bounded by a :class:`~sco_kg.server.guard.QueryGuard`). There is no
hand-off of a query to another process and back: that is what gives the throughput of several processes.

A worker whose query overruns its deadline or memory limit *retires*: it writes a line to the supervisor's
pipe, which forks a replacement at once; the worker stops accepting, finishes the requests it holds, and
exits (the supervisor kills it after ``grace`` seconds if it has not). A worker that dies (killed, or Rust's
allocator aborting at the ``RLIMIT_DATA`` backstop) is replaced and reported on stderr. Workers that keep
dying right after they start (:data:`CRASH_LOOP` in a row) stop the server with a one-line error rather than
forking forever.

The supervisor never starts a thread before it forks (workers are forked from a single-threaded process, so
no lock held by another thread is inherited); Ctrl-C or SIGTERM stops the workers (uvicorn's graceful
shutdown in each) and then the supervisor. Linux only (``fork`` after a store was loaded, network
namespaces): elsewhere ``sco-kg serve`` runs one process with the query worker pool
(:mod:`sco_kg.engine.workers`).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

AVAILABLE = hasattr(os, "fork") and sys.platform.startswith("linux")
CRASH_LOOP = 3  # workers in a row that die within STARTUP seconds of their start stop the server
STARTUP = 2.0
PR_SET_PDEATHSIG = 1  # prctl(2)
POLL = 0.1  # seconds between the supervisor's checks for dead workers


@dataclass
class _Worker:
    started: float
    retiring: bool = False
    kill_at: float = 0.0


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGABRT:
            return f"was stopped by {name} (a query hit the memory backstop, or a crash)"
        return f"was stopped by {name}"
    return f"exited with status {os.WEXITSTATUS(status)}"


def _die_with_parent(parent: int) -> None:
    """In a worker: be killed when the supervisor dies, even by SIGKILL (no orphan keeps the port)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the supervisor died before the line above took effect
        os._exit(1)


class Supervisor:
    """Forks the serving workers, replaces those that retire or die, stops them all on Ctrl-C / SIGTERM."""

    def __init__(
        self, serve: Callable[[Callable[[str], None]], None], processes: int, grace: float, quiet: bool = False
    ) -> None:
        """``serve(retire)`` runs in each forked worker until it stops; ``retire(reason)`` asks for its replacement.

        Args:
            serve: the worker's whole life (never returns normally into the supervisor's code).
            processes: how many workers serve at once.
            grace: seconds a retiring worker may take to finish its requests before it is killed.
            quiet: do not report retirements (deaths are always reported).
        """
        self.serve = serve
        self.processes = processes
        self.grace = grace
        self.quiet = quiet
        self.workers: dict[int, _Worker] = {}
        self._stopping = False
        self._crashes = 0
        self._read, self._write = os.pipe()
        self.parent = os.getpid()

    def _say(self, text: str) -> None:
        print(f"sco-kg serve: {text}", file=sys.stderr, flush=True)

    def _spawn(self) -> int:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                os.close(self._read)
                _die_with_parent(self.parent)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                self.serve(self._retire)
            except BaseException as exc:  # a worker ends here, without a traceback
                if not isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    print(f"sco-kg serve: worker {os.getpid()}: {exc}", file=sys.stderr, flush=True)
                    code = 1
            finally:
                with contextlib.suppress(Exception):
                    sys.stderr.flush()
                os._exit(code)  # never the supervisor's cleanup, never a join of a stuck query thread
        self.workers[pid] = _Worker(time.monotonic())
        return pid

    def _retire(self, reason: str) -> None:
        """In a worker: ask the supervisor for a replacement (one short line: an atomic pipe write)."""
        line = f"{os.getpid()} {' '.join(reason.split())}"[:500] + "\n"
        with contextlib.suppress(OSError):
            os.write(self._write, line.encode("utf-8", "replace"))

    def _on_retire(self, data: bytes) -> None:
        for line in data.decode("utf-8", "replace").splitlines():
            pid_text, _, reason = line.partition(" ")
            worker = self.workers.get(int(pid_text)) if pid_text.isdigit() else None
            if worker is None or worker.retiring:
                continue
            worker.retiring, worker.kill_at = True, time.monotonic() + self.grace
            new = self._spawn()
            if not self.quiet:
                self._say(f"worker {pid_text} retires ({reason}); worker {new} takes its place")

    def _reap(self) -> None:
        while self.workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            worker = self.workers.pop(pid, None)
            if worker is None or worker.retiring or self._stopping:
                continue
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
                self._crashes = 0
            elif time.monotonic() - worker.started < STARTUP:
                self._crashes += 1
            self._say(f"worker {pid} {_describe(status)}; starting another")
            if self._crashes >= CRASH_LOOP:
                raise RuntimeError(f"{CRASH_LOOP} worker processes in a row died at start; stopping")
            self._spawn()

    def _kill_overdue(self) -> None:
        now = time.monotonic()
        for pid, worker in self.workers.items():
            if worker.retiring and now >= worker.kill_at:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def _stop(self, *_: object) -> None:
        self._stopping = True

    def run(self) -> int:
        """Serve until Ctrl-C or SIGTERM; return the exit code (1 when the workers keep dying at start)."""
        from sco_kg.engine.workers import probe_network_isolation

        isolated, reason = probe_network_isolation()  # a short-lived child; no thread outlives it
        if not isolated:  # said even with --quiet: the gate is then the only wall against the network
            self._say(reason)
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        code = 0
        try:
            for _ in range(self.processes):
                self._spawn()
            while not self._stopping:
                with contextlib.suppress(InterruptedError):
                    ready, _, _ = select.select([self._read], [], [], POLL)
                    if ready:
                        self._on_retire(os.read(self._read, 65536))
                self._reap()
                self._kill_overdue()
        except RuntimeError as exc:
            self._say(str(exc))
            code = 1
        finally:
            self._shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return code

    def _shutdown(self) -> None:
        self._stopping = True
        for pid in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + max(self.grace, 5.0)
        while self.workers and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                self.workers.pop(pid, None)
            else:
                time.sleep(0.02)
        for pid in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        self.workers.clear()


def prepare() -> None:
    """In the supervisor, before the workers are forked: do once the work every worker would do on its first
    query (the gate's grammar is made ready on its first parse, ~30-300 ms; the page templates compiled), so a
    replacement answers at once;
    then freeze the objects loaded so far out of the garbage collector, so the workers' collections do not
    touch (and copy) the pages they share."""
    from sco_kg.server.protocol import checked_info

    checked_info("PREFIX x: <http://example.org/> SELECT ?s WHERE { ?s x:p ?o FILTER(lang(?o) = 'en') } LIMIT 1")
    checked_info("ASK {}")
    from sco_kg.server.web import compile_templates

    compile_templates()
    import gc

    gc.collect()
    gc.freeze()  # the objects loaded so far stay out of the workers' collections: fewer copy-on-write pages


def serve_worker(app: object, sock: socket.socket, retire: Callable[[str], None]) -> None:
    """A worker's life: network namespace, query guard, then uvicorn on ``sock`` until told to stop."""
    import uvicorn

    from sco_kg.engine._child import isolate_network
    from sco_kg.server.guard import QueryGuard

    isolate_network()  # before any thread; the inherited listening socket keeps working
    site = app.state.site  # type: ignore[attr-defined]
    config = site.config
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level="warning", access_log=False, server_header=False, lifespan="off",  # type: ignore[arg-type]
            timeout_graceful_shutdown=config.timeout + 1,
        )
    )  # fmt: skip

    def retire_now(reason: str) -> None:
        retire(reason)
        for listener in getattr(server, "servers", ()):  # stop accepting now, not at uvicorn's next tick (0.1 s)
            listener.close()
        server.should_exit = True

    site.guard = QueryGuard(config.workers, config.timeout, config.memory_limit, retire_now)
    site.guard.start()
    server.run(sockets=[sock])
