"""Defence in depth: an audit hook that keeps the process off the network and away from files nobody named.

The first line of defence is elsewhere: :mod:`sco_kg.sparql.policy` refuses ``SERVICE``, ``LOAD`` and remote dataset
clauses before a query runs, and :func:`sco_kg.load.guard_input` refuses JSON-LD that names a foreign context and
RDF/XML that declares entities before a file is parsed. This module is the second line (SECURITY.md T3, rdflib's
``docs/security_considerations.rst``): a :func:`sys.addaudithook` hook that, while a :class:`Policy` is active,

* refuses ``urllib.Request``, ``http.client.connect`` and the other client events, name lookups and
  ``socket.connect`` unless the host was named by the user (``--endpoint URL``, ``--allow-service HOST``, a URL
  argument): a library that tries to fetch something on its own (rdflib's SERVICE, ``FROM <url>``, a JSON-LD
  ``@context``, an XML external entity) gets :class:`SandboxViolation` and no packet leaves;
* refuses to open a file outside the code directories (stdlib, site-packages, the package), the project's
  ``ontology/``, ``data/`` and ``queries/``, the cache, the temp directory, a short list of system files
  libraries read (``/etc/mime.types``, TLS certificates, time zones), and the files and directories given on the
  command line; writes (and renames, removals) are allowed only in the data, cache and temp directories and to
  the given output paths (with the ``.NAME.*`` temp siblings that atomic writes use).

Audit hooks cannot be removed, so the hook is installed once and is inert while no policy is active; the CLI
activates one for the duration of ``main()`` and the server for each request, so code that imports the package
(a test suite, a notebook) is not confined after the call returns. When several policies are active, an operation
must pass all of them. ``SCO_KG_SANDBOX=off`` turns it off (debugging only).

Limits: the hook sees only what Python does. pyoxigraph's Rust code (its SERVICE client, RocksDB files) and child
processes are invisible to it; the policy check in front of every query is what stops pyoxigraph's SERVICE. A
read-only open of a bare relative name is allowed, because ``shutil.rmtree`` opens directories relative to a
directory descriptor that the ``open`` event does not report. This module imports the standard library only.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import sys
import sysconfig
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sco_kg.errors import ScoKgError

#: System files (or directories) that libraries read in normal operation: MIME types (Starlette), time zones,
#: TLS trust stores (a push over https), resolver configuration, locale catalogues of argparse messages.
SYSTEM_READ = (
    "/etc/mime.types",
    "/etc/apache2/mime.types",
    "/etc/httpd/mime.types",
    "/etc/localtime",
    "/etc/timezone",
    "/usr/share/zoneinfo",
    "/etc/ssl",
    "/usr/lib/ssl",
    "/etc/pki",
    "/usr/share/ca-certificates",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/services",
    "/etc/protocols",
    "/usr/share/locale",
    "/usr/lib/locale",
    "/dev/null",
    "/dev/urandom",
    "/dev/random",
    "/dev/tty",
    "/sys/fs/cgroup",
)
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_HOST_EVENTS = {
    "http.client.connect": 1,
    "ftplib.connect": 1,
    "smtplib.connect": 1,
    "poplib.connect": 1,
    "nntplib.connect": 1,
    "imaplib.open": 1,
    "telnetlib.Telnet.open": 1,
}
_LOOKUP_EVENTS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr")

#: every event :func:`_dispatch` looks at
_WATCHED = frozenset(
    {
        "open", "os.rename", "os.remove", "os.rmdir", "os.mkdir", "shutil.rmtree", "os.truncate", "os.symlink",
        "os.link", "urllib.Request", "socket.connect", "webbrowser.open", *_HOST_EVENTS, *_LOOKUP_EVENTS,
    }
)  # fmt: skip


class SandboxViolation(ScoKgError, PermissionError):
    """The process tried to reach a host or open a file that the active sandbox policy does not allow."""


def _real(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.fspath(path))


@dataclass(frozen=True)
class Policy:
    """What a sandboxed process may touch.

    Attributes:
        name: shown in refusals (``cli``, ``server``).
        read_dirs: directories (real paths) whose whole subtree may be read.
        write_dirs: directories whose subtree may be written, renamed and removed in (and read).
        files: single files (real paths) that may be read and written, with their atomic-write temp siblings
            (``.NAME.*`` in the same directory); a directory given here is allowed as a whole subtree.
        hosts: host names or addresses (lower case) that clients may connect to; ``host:port`` limits the port.
    """

    name: str = "sandbox"
    read_dirs: tuple[str, ...] = ()
    write_dirs: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)

    def _under(self, path: str, dirs: Iterable[str]) -> bool:
        return any(path == d or path.startswith(d.rstrip(os.sep) + os.sep) for d in dirs)

    def _named(self, path: str) -> bool:
        for f in self.files:
            if path == f or path.startswith(f + os.sep):
                return True
            parent, name = os.path.split(f)
            if os.path.dirname(path) == parent and os.path.basename(path).startswith(f".{name}."):
                return True  # atomic_writer's ".NAME.<random>.tmp", store build's ".NAME.building-PID"
            if path.startswith(os.path.join(parent, f".{name}.")):
                return True  # inside such a temp directory
        return False

    def may_write(self, path: str) -> bool:
        """Return whether the real path ``path`` may be created, written, renamed or removed."""
        if self._under(path, self.write_dirs) or self._named(path):
            return True
        head, tail = os.path.split(path)
        # Python's own bytecode cache (importlib writes "x.cpython-311.pyc.<id>" then renames it).
        return os.path.basename(head) == "__pycache__" and ".pyc" in tail

    def may_read(self, path: str) -> bool:
        """Return whether the real path ``path`` may be opened for reading.

        ``/proc/self`` is the calling process's own entry: it resolves to ``/proc/<pid>`` of whichever process
        asks (a forked query worker reads its own, not its parent's)."""
        own = f"/proc/{os.getpid()}"
        if path == own or path.startswith(own + os.sep):
            return True
        return self._under(path, self.read_dirs) or self.may_write(path)

    def may_connect(self, host: str, port: int | None) -> bool:
        """Return whether a client may connect to ``host`` (and ``port``)."""
        host = host.lower().strip("[]")
        return host in self.hosts or (port is not None and f"{host}:{port}" in self.hosts)


# The active policies (a tuple, replaced atomically) and the tokens that activated them.
_active: tuple[Policy, ...] = ()
_tokens: dict[int, Policy] = {}
_lock = threading.Lock()
_next_token = 0
_installed = False
_local = threading.local()


def _refuse(policy: Policy, what: str) -> SandboxViolation:
    return SandboxViolation(
        f"sandbox ({policy.name}): refused {what} (sco-kg touches only the data, cache and temp directories, "
        "the files you name and the hosts you name)"
    )


def _url_host(url: Any) -> tuple[str, int | None]:
    text = url if isinstance(url, str) else getattr(url, "full_url", str(url))
    try:
        parts = urlsplit(text)
        return (parts.hostname or "", parts.port)
    except ValueError:
        return ("", None)


def _check_path(policies: tuple[Policy, ...], raw: Any, write: bool, dir_fd: int | None = None) -> None:
    if isinstance(raw, int):
        return  # an already open descriptor
    try:
        text = os.fsdecode(raw)
    except TypeError:
        return
    if dir_fd not in (None, -1) and not os.path.isabs(text):
        return  # relative to a directory descriptor (shutil.rmtree): resolved by the kernel, not here
    if not write and not os.path.isabs(text) and os.sep not in text:
        return  # see the module docstring: rmtree's dir_fd-relative opens look like this
    path = _real(text)
    for policy in policies:
        allowed = policy.may_write(path) if write else policy.may_read(path)
        if not allowed:
            raise _refuse(policy, f"to {'write' if write else 'read'} {path}")


def _check_host(policies: tuple[Policy, ...], host: Any, port: Any, what: str) -> None:
    name = str(host or "")
    p = port if isinstance(port, int) else None
    for policy in policies:
        if not policy.may_connect(name, p):
            raise _refuse(policy, f"{what} {name}{f':{p}' if p is not None else ''}")


def _is_loopback(host: str) -> bool:
    host = host.lower().strip("[]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    # Most audit events are none of ours (a server request raises ~16, mostly ``builtins.id``): leave first.
    if event not in _WATCHED:
        return
    policies = _active
    if not policies or getattr(_local, "busy", False):
        return
    _local.busy = True
    try:
        _dispatch(policies, event, args)
    finally:
        _local.busy = False


def _dispatch(policies: tuple[Policy, ...], event: str, args: tuple[Any, ...]) -> None:
    if event == "open":
        path, mode, flags = args
        write = bool((flags or 0) & _WRITE_FLAGS) or bool(mode and any(c in str(mode) for c in "wax+"))
        _check_path(policies, path, write)
    elif event == "os.rename":
        _check_path(policies, args[0], True, args[2])
        _check_path(policies, args[1], True, args[3])
    elif event in ("os.remove", "os.rmdir"):
        _check_path(policies, args[0], True, args[1])
    elif event == "os.mkdir":
        _check_path(policies, args[0], True, args[2])
    elif event in ("shutil.rmtree", "os.truncate"):
        _check_path(policies, args[0], True)
    elif event in ("os.symlink", "os.link"):
        _check_path(policies, args[1], True)
    elif event == "urllib.Request":
        host, port = _url_host(args[0])
        if not host:
            raise _refuse(policies[0], f"to open the URL {args[0]!r}")
        _check_host(policies, host, port, "a request to")
    elif event in _HOST_EVENTS:
        _check_host(policies, args[_HOST_EVENTS[event]], args[2] if len(args) > 2 else None, "a connection to")
    elif event in _LOOKUP_EVENTS:
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if host is None or _is_loopback(str(host)) or _is_address(str(host)):
            _local.resolved = None  # no DNS traffic (a server binding an address); connecting is checked apart
            return
        port = args[1] if event == "socket.getaddrinfo" and isinstance(args[1], int) else None
        _check_host(policies, host, port, "a name lookup of")
        _local.resolved = str(host)
    elif event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and len(address) >= 2:
            host, port = str(address[0]), address[1]
            resolved = getattr(_local, "resolved", None)
            _local.resolved = None
            if resolved is not None:
                host = resolved  # create_connection: the name was looked up (and allowed) just before
            _check_host(policies, host, port, "a connection to")
        else:
            raise _refuse(policies[0], f"a connection to {address!r}")
    elif event == "webbrowser.open":
        raise _refuse(policies[0], f"to open a browser on {args[0]!r}")


def install() -> None:
    """Install the audit hook (once per process; inert until a policy is activated)."""
    global _installed
    with _lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True


def is_installed() -> bool:
    """Return whether the audit hook is installed in this process."""
    return _installed


def active_policies() -> tuple[Policy, ...]:
    """Return the policies in force now (empty when the sandbox is inert)."""
    return _active


def activate(policy: Policy) -> int:
    """Install the hook if needed and put ``policy`` in force; return a token for :func:`deactivate`."""
    global _active, _next_token
    install()
    harden_parsers()
    with _lock:
        _next_token += 1
        _tokens[_next_token] = policy
        _active = tuple(_tokens.values())
        return _next_token


def deactivate(token: int) -> None:
    """Take the policy activated with ``token`` out of force."""
    global _active
    with _lock:
        _tokens.pop(token, None)
        _active = tuple(_tokens.values())


@contextlib.contextmanager
def active(policy: Policy | None) -> Iterator[None]:
    """Keep ``policy`` in force for the duration of the block (nothing happens for ``None``)."""
    if policy is None:
        yield
        return
    token = activate(policy)
    try:
        yield
    finally:
        deactivate(token)


def disabled_by_env() -> bool:
    """Return whether ``SCO_KG_SANDBOX`` turns the sandbox off (``off``, ``0``, ``no``, ``false``)."""
    return os.environ.get("SCO_KG_SANDBOX", "").strip().lower() in ("off", "0", "no", "false")


def harden_parsers() -> None:
    """Turn off what makes parsers fetch: rdflib's ``SPARQL_LOAD_GRAPHS`` (only when rdflib is loaded already:
    the CLI read path never imports it)."""
    if "rdflib" not in sys.modules:
        return
    import rdflib.plugins.sparql

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False


def defuse_xml() -> None:
    """Make the standard library's XML parsers refuse entity declarations and external references (defusedxml).

    Called before any RDF/XML parse by rdflib (SECURITY.md T5); a no-op after the first call.
    """
    if getattr(defuse_xml, "_done", False):
        return
    import defusedxml

    defusedxml.defuse_stdlib()
    defuse_xml._done = True  # type: ignore[attr-defined]


def code_dirs() -> list[str]:
    """Return the directories Python code and package data are read from (stdlib, site-packages, the package)."""
    out: set[str] = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        with contextlib.suppress(KeyError):
            out.add(sysconfig.get_paths()[key])
    cwd = _real(os.getcwd())
    for entry in sys.path:
        if entry and os.path.isdir(entry) and _real(entry) != cwd:
            out.add(entry)
    package = Path(__file__).resolve().parent
    out.add(str(package))
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        out.add(os.path.join(prefix, "lib"))
        out.add(os.path.join(prefix, "share"))
    return sorted(_real(p) for p in out)


def project_dirs() -> tuple[list[str], list[str]]:
    """Return (read, write) directories of the project: its resources, the cache and the temp directory."""
    from sco_kg import paths

    root = paths.resource_root()
    read = [str(root / "ontology"), str(root / "queries"), str(root / "shapes")]
    write = [str(paths.data_dir()), str(paths.cache_dir()), tempfile.gettempdir()]
    if os.environ.get("TMPDIR"):
        write.append(os.environ["TMPDIR"])
    return [_real(p) for p in read], [_real(p) for p in write]


def _arg_values(value: Any) -> Iterator[Any]:
    if isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from _arg_values(v)
    elif value is not None and not isinstance(value, (bool, int, float)):
        yield value


def _host_entry(url: str) -> list[str]:
    host, port = _url_host(url)
    if not host:
        return []
    return [host.lower(), f"{host.lower()}:{port}"] if port else [host.lower()]


def from_arguments(values: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Return (files, hosts) the user named in parsed command-line ``values`` (an ``argparse`` namespace's vars).

    Paths (``Path`` values and strings naming an existing file or directory) become allowed files; ``http(s)``
    URLs become allowed hosts, and so do the ``--allow-service`` host names and ``serve --host``.
    """
    files: list[str] = []
    hosts: list[str] = []
    for key, value in values.items():
        if key.startswith("_"):
            continue
        for item in _arg_values(value):
            if key in ("allow_service", "host"):  # --allow-service HOST; serve --host NAME (to bind it)
                hosts.append(str(item).lower())
            elif isinstance(item, os.PathLike):
                if os.fspath(item) != "-":
                    files.append(_real(item))
            elif isinstance(item, str):
                if item.startswith(("http://", "https://")):
                    hosts.extend(_host_entry(item))
                elif "\x00" not in item and len(item) < 4096 and item != "-" and os.path.exists(item):
                    files.append(_real(item))
    return files, hosts


def cli_policy(values: dict[str, Any]) -> Policy:
    """Return the policy of one ``sco-kg`` command run with the parsed arguments ``values``."""
    read, write = project_dirs()
    files, hosts = from_arguments(values)
    return Policy(
        name="cli",
        read_dirs=tuple(code_dirs() + read + [_real(p) for p in SYSTEM_READ]),
        write_dirs=tuple(write),
        files=tuple(files),
        hosts=frozenset(hosts),
    )


def server_policy(cache_dir: Path | None = None, files: Iterable[Path] = ()) -> Policy:
    """Return the policy of the linked-data server: no network at all, files of the project and the cache."""
    read, write = project_dirs()
    if cache_dir is not None:
        write.append(_real(cache_dir))
    return Policy(
        name="server",
        read_dirs=tuple(code_dirs() + read + [_real(p) for p in SYSTEM_READ]),
        write_dirs=tuple(write),
        files=tuple(_real(p) for p in files),
        hosts=frozenset(),
    )


def for_cli(values: dict[str, Any]) -> contextlib.AbstractContextManager[None]:
    """Return a context manager that confines one CLI command (a no-op when ``SCO_KG_SANDBOX=off``)."""
    if disabled_by_env():
        return contextlib.nullcontext()
    return active(cli_policy(values))


class SandboxMiddleware:
    """ASGI middleware that keeps the server policy in force while a request is being answered."""

    def __init__(self, app: Any, policy: Policy) -> None:
        """Wrap ``app``; ``policy`` is activated around each HTTP request."""
        self.app = app
        self.policy = policy

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Run the wrapped app with the policy in force (HTTP requests only)."""
        if scope.get("type") != "http" or disabled_by_env():
            await self.app(scope, receive, send)
            return
        token = activate(self.policy)
        try:
            await self.app(scope, receive, send)
        finally:
            deactivate(token)
