"""The building blocks of a push: URLs, batches, and the requests that write one batch (GSP or Update).

The push itself (staging graphs, the atomic MOVE/ADD, verification) is :mod:`sco_kg.remote.push`.
Requests, retries and errors are those of :mod:`sco_kg.remote.client`.
"""

from __future__ import annotations

import sys
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sco_kg.errors import RemoteError
from sco_kg.rdf.term import Quad
from sco_kg.remote import profiles
from sco_kg.remote.auth import open_request
from sco_kg.remote.client import (
    N_TRIPLES,
    USER_AGENT,
    Auth,
    _check_endpoint,
    _Response,
    _sparqlwrapper,
    _with_retries,
    open_wrapper,
)

DEFAULT_BATCH = 5000
# --------------------------------------------------------------------------------------------- push


@dataclass
class PushReport:
    """What a push did: the method, graphs written, local and remote triple counts, and the time taken."""

    method: str = ""
    graphs_written: list[str] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=dict)
    remote: dict[str, int] = field(default_factory=dict)
    before: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0
    store_type: str = "generic"
    server: str = ""
    default_graph_ok: bool | None = None
    default_graph_hint: str = ""
    stale_staging: int = 0

    @property
    def triples(self) -> int:
        """Return the number of triples pushed."""
        return sum(self.expected.values())


def derive_urls(
    endpoint: str,
    store: str | None = None,
    update: str | None = None,
    profile: profiles.Profile | None = None,
    authed: bool = False,
) -> tuple[str, str]:
    """Return the Graph Store and Update URLs: ``--store``/``--update`` when given, else the profile's layout.

    The generic layout: ``…/query`` or ``…/sparql`` gives ``…/store`` and ``…/update`` (Oxigraph's); any other
    URL is used for both. See :class:`sco_kg.remote.profiles.Profile` for Jena, Virtuoso and GraphDB.
    """
    _check_endpoint(endpoint)
    store_url, update_url = profiles.derive_urls(endpoint, store, update, profile, authed)
    for url in (store_url, update_url):
        _check_endpoint(url)
    return store_url, update_url


def _components(triples: list[Quad]) -> list[list[Quad]]:
    """Return the triples grouped so that all triples sharing a blank node are in one group."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s, _, o, _ in triples:
        if s.kind == "bnode" and o.kind == "bnode":
            parent[find(s.value)] = find(o.value)
    groups: dict[str, list[Quad]] = {}
    singles: list[list[Quad]] = []
    for t in triples:
        b = t[0].value if t[0].kind == "bnode" else t[2].value if t[2].kind == "bnode" else None
        if b is None:
            singles.append([t])
        else:
            groups.setdefault(find(b), []).append(t)
    return singles + list(groups.values())


def batches(triples: list[Quad], size: int) -> list[list[Quad]]:
    """Return ``triples`` cut into batches of at most ``size`` (more when one blank-node group is bigger)."""
    out: list[list[Quad]] = []
    current: list[Quad] = []
    for group in _components(triples):
        if current and len(current) + len(group) > size:
            out.append(current)
            current = []
        current.extend(group)
    if current:
        out.append(current)
    return out


def _ntriples(triples: Iterable[Quad]) -> bytes:
    return "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o, _ in triples).encode("utf-8")


class _Progress:
    """A one-line progress bar on stderr (only when enabled)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.enabled = enabled

    def step(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / self.total)
        bar = "#" * filled + "." * (width - filled)
        sys.stderr.write(f"\rpush [{bar}] {self.done}/{self.total} {label[:40]:<40}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _gsp_url(store_url: str, graph: str) -> str:
    sep = "&" if "?" in store_url else "?"
    return f"{store_url}{sep}default" if not graph else f"{store_url}{sep}graph={urllib.parse.quote(graph, safe='')}"


def _http(
    method: str, url: str, data: bytes, content_type: str, timeout: float, auth: Auth | None
) -> Callable[[], _Response]:
    import urllib.request

    def call() -> _Response:
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Content-Type", content_type)
        req.add_header("User-Agent", USER_AGENT)
        with open_request(req, timeout, auth) as resp:
            return _Response(resp.status, resp.headers.get("Content-Type", ""), resp.read())

    return call


class _NoGraphStore(Exception):
    """The Graph Store endpoint does not exist or refuses the method: fall back to SPARQL Update."""


def _update_text(graph: str, triples: Iterable[Quad], template: bool = False) -> str:
    """Return ``INSERT DATA`` for ``triples`` into ``graph`` (or ``INSERT { … } WHERE {}`` when ``template``:
    Virtuoso 7.2 refuses some typed literals, e.g. ``"P5Y"^^xsd:duration``, in ``INSERT DATA``: error SR553)."""
    body = "".join(f"  {s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o, _ in triples)
    inner = f"GRAPH <{graph}> {{\n{body}}}" if graph else body
    return f"INSERT {{ {inner} }} WHERE {{}}" if template else f"INSERT DATA {{ {inner} }}"


def _graph_ref(graph: str) -> str:
    return f"GRAPH <{graph}>" if graph else "DEFAULT"


def _name(graph: str) -> str:
    return f"<{graph}>" if graph else "the default graph"


def push_gsp(
    store_url: str,
    graph: str,
    batch: list[Quad],
    put: bool,
    auth: Auth | None,
    timeout: float,
    retries: int,
    backoff: float,
) -> None:
    """Write ``batch`` into ``graph`` through the Graph Store HTTP Protocol (PUT replaces, POST adds).

    Raises:
        _NoGraphStore: the endpoint answers 404/405/501 (no Graph Store there).
        RemoteError: any other failure.
    """
    url = _gsp_url(store_url, graph)
    call = _http("PUT" if put else "POST", url, _ntriples(batch), N_TRIPLES, timeout, auth)
    try:
        _with_retries(store_url, call, timeout, retries, backoff, auth)
    except RemoteError as exc:
        if any(f"HTTP {code} " in str(exc) + " " for code in (404, 405, 501)):
            raise _NoGraphStore(str(exc)) from None
        raise


def push_update(
    endpoint: str,
    update_url: str,
    text: str,
    auth: Auth | None,
    timeout: float,
    retries: int,
    backoff: float,
) -> None:
    """Send one SPARQL 1.1 Update request (one or more operations; the store runs it as one request)."""

    def call() -> _Response:
        sw = _sparqlwrapper(endpoint, timeout, None, update_endpoint=update_url)
        sw.setQuery(text)
        sw.queryType = "INSERT"  # any update keyword: SPARQLWrapper then sends it as update=
        return open_wrapper(sw, timeout, auth)

    _with_retries(update_url, call, timeout, retries, backoff, auth)
