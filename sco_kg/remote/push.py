"""Push quads into a remote store, one named graph at a time, and check the remote counts.

:func:`push` uses the Graph Store HTTP Protocol (PUT/POST of N-Triples), falling back to SPARQL 1.1 Update
``INSERT DATA`` when the store has no Graph Store endpoint; in batches (a blank node's triples always travel
together); then it counts the triples of each graph on the remote side and compares. Requests, retries and
errors are those of :mod:`sco_kg.remote.client`.
"""

from __future__ import annotations

import re
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sco_kg.errors import RemoteError, UsageError
from sco_kg.rdf import iri
from sco_kg.rdf.canon import union
from sco_kg.rdf.term import Quad
from sco_kg.remote.client import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    N_TRIPLES,
    USER_AGENT,
    Auth,
    _check_endpoint,
    _Response,
    _sparqlwrapper,
    _with_retries,
    count_triples,
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
    requests: int = 0
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        """Return the number of triples pushed."""
        return sum(self.expected.values())


def derive_urls(endpoint: str, store: str | None = None, update: str | None = None) -> tuple[str, str]:
    """Return the Graph Store and Update URLs, derived from the query endpoint unless given.

    ``…/query`` or ``…/sparql`` gives ``…/store`` and ``…/update`` (Oxigraph's layout; Fuseki's ``/ds/data``
    and ``/ds/update`` are reached by falling back or by passing ``--store``/``--update``); any other URL is
    used for both.
    """
    _check_endpoint(endpoint)
    m = re.match(r"^(.*)/(query|sparql)/?$", endpoint)
    base = m.group(1) if m else None
    store_url = store or (base + "/store" if base else endpoint)
    update_url = update or (base + "/update" if base else endpoint)
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
        header = auth.header() if auth else None
        if header:
            req.add_header("Authorization", header)
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return _Response(resp.status, resp.headers.get("Content-Type", ""), resp.read())

    return call


class _NoGraphStore(Exception):
    """The Graph Store endpoint does not exist or refuses the method: fall back to SPARQL Update."""


def _update_text(graph: str, triples: Iterable[Quad]) -> str:
    body = "".join(f"  {s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o, _ in triples)
    if not graph:
        return "INSERT DATA {\n" + body + "}"
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}"


def push(
    quads: Sequence[Quad],
    endpoint: str,
    store_url: str | None = None,
    update_url: str | None = None,
    target_graph: str | None = None,
    replace: bool = False,
    auth: Auth | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    method: str = "auto",
    verify: bool = True,
) -> PushReport:
    """Load ``quads`` into a remote store, one named graph at a time, then verify the counts remotely.

    Args:
        quads: canonical quads (from :func:`sco_kg.export.select`).
        endpoint: the store's SPARQL query endpoint (used for the verification counts).
        store_url: its Graph Store HTTP Protocol endpoint (default: derived, see :func:`derive_urls`).
        update_url: its SPARQL Update endpoint (default: derived).
        target_graph: put everything into this one graph instead of keeping the named graphs.
        replace: replace each graph (PUT, or DROP + INSERT) instead of adding to it (POST, INSERT).
        auth: credentials.
        batch_size: triples per request (a blank node's triples are never split).
        progress: draw a progress bar on stderr.
        timeout, retries, backoff: as for :func:`run_sparql`.
        method: ``auto`` (Graph Store Protocol, falling back to Update), ``gsp`` or ``update``.
        verify: count the triples of each graph remotely afterwards and compare.

    Returns:
        The :class:`PushReport`.

    Raises:
        RemoteError: a request failed (the message lists the graphs written completely before it) or the
            remote counts do not match.
    """
    if batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {batch_size}")
    if method not in ("auto", "gsp", "update"):
        raise UsageError(f"unknown push method {method!r} (auto, gsp or update)")
    store_url, update_url = derive_urls(endpoint, store_url, update_url)
    start = time.monotonic()
    by_graph: dict[str, list[Quad]] = {}
    if target_graph is not None:
        by_graph[target_graph] = union(quads)
    else:
        for q in quads:
            by_graph.setdefault(q[3].value if q[3] is not None else "", []).append(q)
    plan = [(g, batches(ts, batch_size)) for g, ts in sorted(by_graph.items())]
    report = PushReport(expected={g: len(ts) for g, ts in by_graph.items()})
    bar = _Progress(sum(len(b) for _, b in plan), progress)
    use = "update" if method == "update" else "gsp"
    current = ""
    try:
        for graph, graph_batches in plan:
            current = graph
            for i, batch in enumerate(graph_batches):
                label = iri.compact(graph) if graph else "default graph"
                if use == "gsp":
                    try:
                        _push_gsp(store_url, graph, batch, replace and i == 0, auth, timeout, retries, backoff)
                        report.requests += 1
                    except _NoGraphStore as exc:
                        if method == "gsp" or report.graphs_written or i > 0:
                            raise RemoteError(f"{store_url}: Graph Store Protocol refused: {exc}") from None
                        use = "update"
                if use == "update":
                    if replace and i == 0:
                        drop = f"DROP SILENT GRAPH <{graph}>" if graph else "DROP SILENT DEFAULT"
                        _push_update(endpoint, update_url, drop, auth, timeout, retries, backoff)
                        report.requests += 1
                    _push_update(endpoint, update_url, _update_text(graph, batch), auth, timeout, retries, backoff)
                    report.requests += 1
                bar.step(label)
            report.graphs_written.append(graph)
    except RemoteError as exc:
        bar.close()
        written = ", ".join(f"<{g}>" if g else "default graph" for g in report.graphs_written) or "none"
        raise RemoteError(
            f"push failed at graph <{current}> after {len(report.graphs_written)} of {len(plan)} graphs "
            f"(written completely: {written}): {exc}"
        ) from None
    bar.close()
    report.method = "Graph Store HTTP Protocol" if use == "gsp" else "SPARQL 1.1 Update"
    if verify:
        try:
            report.remote = count_triples(endpoint, list(by_graph), timeout, retries, backoff, auth)
        except RemoteError as exc:
            raise RemoteError(f"pushed all {len(plan)} graphs but could not verify them on the store: {exc}") from None
        wrong = [
            g for g, n in report.expected.items()
            if (report.remote.get(g, 0) != n if replace else report.remote.get(g, 0) < n)
        ]  # fmt: skip
        if wrong:
            g = wrong[0]
            raise RemoteError(
                f"push verification failed: graph <{g}> has {report.remote.get(g, 0)} triples on the store, "
                f"expected {report.expected[g]} ({len(wrong)} graph(s) differ)"
            )
    report.seconds = time.monotonic() - start
    return report


def _push_gsp(
    store_url: str,
    graph: str,
    batch: list[Quad],
    put: bool,
    auth: Auth | None,
    timeout: float,
    retries: int,
    backoff: float,
) -> None:
    url = _gsp_url(store_url, graph)
    call = _http("PUT" if put else "POST", url, _ntriples(batch), N_TRIPLES, timeout, auth)
    try:
        _with_retries(store_url, call, timeout, retries, backoff)
    except RemoteError as exc:
        if re.search(r"HTTP (404|405|501) ", str(exc) + " "):
            raise _NoGraphStore(str(exc)) from None
        raise


def _push_update(
    endpoint: str,
    update_url: str,
    text: str,
    auth: Auth | None,
    timeout: float,
    retries: int,
    backoff: float,
) -> None:
    def call() -> _Response:
        sw = _sparqlwrapper(endpoint, timeout, auth, update_endpoint=update_url)
        sw.setQuery(text)
        sw.queryType = text.split(None, 1)[0].upper()  # INSERT or DROP: sent as update=
        result = sw.query()
        response = result.response
        return _Response(response.getcode() or 200, response.headers.get("Content-Type", ""), response.read())

    _with_retries(update_url, call, timeout, retries, backoff)
