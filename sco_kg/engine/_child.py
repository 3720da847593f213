"""What runs inside the worker processes of :mod:`sco_kg.engine.workers`: framing, limits, isolation, loops.

Private to the engine; the parent's side (the pool, :func:`~sco_kg.engine.workers.run_once`) is in
``workers.py``, whose docstring explains the design and the measurements behind the limits.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import gc
import os
import pickle
import resource
import select
import signal
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

from sco_kg.errors import QueryError, ScoKgError

Job = Callable[[Any, Any], Any]
HEADER = struct.Struct("!Q")
EXIT_MEMORY = 70  # a worker exits with this when a MemoryError left it unable to reply
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


# ---------------------------------------------------------------- framing (length-prefixed pickles)


def send(sock: socket.socket, data: bytes) -> None:
    if len(data) < 65536:
        sock.sendall(HEADER.pack(len(data)) + data)
    else:  # no copy of a large result
        sock.sendall(HEADER.pack(len(data)))
        sock.sendall(data)


class Deadline(Exception):
    pass


def readable(fd: int | socket.socket, timeout: float) -> bool:
    """Whether ``fd`` becomes readable within ``timeout`` s (poll: no FD_SETSIZE limit, unlike select)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(0, int(timeout * 1000) + 1)))


def _recv_exact(sock: socket.socket, n: int, deadline: float | None) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not readable(sock, left):
                raise Deadline
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def recv(sock: socket.socket, deadline: float | None) -> bytes:
    (n,) = HEADER.unpack(_recv_exact(sock, HEADER.size, deadline))
    return _recv_exact(sock, n, deadline)


# ---------------------------------------------------------------- inside a worker


def vm_data() -> int:
    """This process's private writable memory (VmData) in bytes, as RLIMIT_DATA counts it."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0  # pragma: no cover - every Linux since 2.6 has VmData


def limit_memory(allowance: int | None) -> int:
    """Set RLIMIT_DATA to the current data size + ``allowance``; return the current size (0 if no limit)."""
    if allowance is None:
        return 0
    base = vm_data()
    resource.setrlimit(resource.RLIMIT_DATA, (base + allowance, base + allowance))
    return base


def isolate_network() -> tuple[bool, str]:
    """Move this (single-threaded) process into a new network namespace; return (isolated, one-line reason)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWNET) == 0:
            return True, "workers run in their own network namespace (no interface up)"
        first = os.strerror(ctypes.get_errno())
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
            with contextlib.suppress(OSError):  # keep file access as the same user inside the namespace
                for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
                    with open(f"/proc/self/{name}", "w", encoding="ascii") as f:
                        f.write(text)
            return True, "workers run in their own user and network namespace (no interface up)"
        second = os.strerror(ctypes.get_errno())
    except (OSError, AttributeError, ctypes.ArgumentError) as exc:
        return False, f"workers HAVE network: no unshare() here ({exc})"
    return False, f"workers HAVE network: unshare(CLONE_NEWNET) failed ({first}), with CLONE_NEWUSER too ({second})"


def quiet_signals() -> None:
    """Signals for a child process: ignore Ctrl-C (the parent closes the pool), default TERM/CHLD."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which closes the pool
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    faulthandler.disable()  # an abort at the memory limit is reported by the parent, not as a stack dump


def execute(fn: Job, state: Any, payload: Any) -> tuple[bytes, bool]:
    """Run one job; return the pickled outcome and whether the worker must retire (after a MemoryError)."""
    try:
        out: tuple[Any, ...] = ("ok", fn(state, payload))
    except MemoryError:
        out = ("mem",)
    except ScoKgError as exc:
        out = ("err", type(exc), str(exc))
    except BaseException as exc:
        out = ("err", QueryError, f"query failed: {type(exc).__name__}: {exc}")
    try:
        return pickle.dumps(out, pickle.HIGHEST_PROTOCOL), out[0] == "mem"
    except MemoryError:
        return pickle.dumps(("mem",)), True
    except Exception as exc:
        return pickle.dumps(("err", QueryError, f"the result cannot be sent back ({type(exc).__name__}: {exc})")), False


def _worker_main(sock: socket.socket, state: Any, init: Callable[[], Any] | None, allowance: int | None) -> None:
    """Serve jobs on ``sock`` until EOF. Never returns."""
    try:
        if init is not None:
            state = init()
        base = limit_memory(allowance)
        send(sock, pickle.dumps(("ready", os.getpid())))
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            send(sock, pickle.dumps(("failed", f"{type(exc).__name__}: {exc}")))
        os._exit(1)
    while True:
        try:
            fn, payload = pickle.loads(recv(sock, None))
        except BaseException:
            os._exit(0)  # EOF: the pool closed or dropped this worker
        try:
            body, retire = execute(fn, state, payload)
            retire = retire or (allowance is not None and vm_data() > base + allowance // 2)
            send(sock, (b"\x01" if retire else b"\x00") + body)
        except MemoryError:
            os._exit(EXIT_MEMORY)
        except BaseException:
            os._exit(1)
        if retire:
            os._exit(0)


_ABORT_NOTE = (b"memory allocation of ", b"stack backtrace:", b"skipping backtrace printing")


def _forward(fd: int, poller: select.poll, errs: dict[int, bytes]) -> None:
    """Copy a worker's stderr to the spawner's, line by line, less Rust's abort note at the memory limit
    (the parent reports that as MemoryLimitExceeded in one line). Rust writes the note in pieces."""
    data = os.read(fd, 65536)
    lines = (errs[fd] + data).splitlines(keepends=True)
    errs[fd] = lines.pop() if data and lines and not lines[-1].endswith(b"\n") else b""
    if len(errs[fd]) > 65536:  # a very long line is passed on unfinished
        lines.append(errs[fd])
        errs[fd] = b""
    if not data:
        poller.unregister(fd)
        del errs[fd]
        os.close(fd)
    kept = b"".join(line for line in lines if not line.startswith(_ABORT_NOTE))
    with contextlib.suppress(OSError):
        while kept:
            kept = kept[os.write(2, kept) :]


def spawner_main(
    ctl: socket.socket, init: Callable[[], Any], init_in_worker: bool, allowance: int | None, network: bool
) -> None:
    """The zygote: isolate, init once, then fork a worker per request and report exits. Never returns."""
    quiet_signals()
    isolated, reason = (False, "workers have network (network=True)") if network else isolate_network()
    state = None
    try:
        if not init_in_worker:
            state = init()
        gc.freeze()  # inherited objects stay out of the workers' collections: fewer copy-on-write pages
        ctl.send(pickle.dumps(("hello", isolated, reason)))
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            ctl.send(pickle.dumps(("failed", f"{type(exc).__name__}: {exc}")))
        os._exit(1)
    children: dict[int, int] = {}  # pidfd -> pid
    errs: dict[int, bytes] = {}  # read ends of the workers' stderr pipes -> their unfinished line
    poller = select.poll()  # not select(): a server's spawner may inherit more than FD_SETSIZE descriptors
    poller.register(ctl, select.POLLIN)
    while True:
        for fd, _ in poller.poll():
            if fd in errs:
                _forward(fd, poller, errs)
                continue
            if fd != ctl.fileno():
                poller.unregister(fd)
                pid = children.pop(fd)
                os.close(fd)
                _, status = os.waitpid(pid, 0)
                ctl.send(pickle.dumps(("exit", pid, status)))
                continue
            msg, fds, _, _ = socket.recv_fds(ctl, 4096, 1)
            if not msg or pickle.loads(msg)[0] == "exit":
                for pidfd in children:
                    with contextlib.suppress(OSError):
                        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                os._exit(0)
            wsock = socket.socket(fileno=fds[0])
            err_r, err_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                ctl.close()
                for inherited in (*children, *errs, err_r):
                    os.close(inherited)
                os.dup2(err_w, 2)
                os.close(err_w)
                _worker_main(wsock, state, init if init_in_worker else None, allowance)
            wsock.close()
            os.close(err_w)
            errs[err_r] = b""
            poller.register(err_r, select.POLLIN)
            pidfd = os.pidfd_open(pid)
            children[pidfd] = pid
            poller.register(pidfd, select.POLLIN)
            socket.send_fds(ctl, [pickle.dumps(("spawned", pid))], [pidfd])
