"""``/sparql``: the SPARQL 1.1 Protocol, query operation only (https://www.w3.org/TR/sparql11-protocol/).

Queries arrive by GET, POST form or POST ``application/sparql-query``; updates are refused (403). Every query
runs through THE engine boundary, :func:`sco_kg.engine.run.run` (the gate, then pyoxigraph), on the site's
``query_store`` (default graph = the set union of the named graphs) or, with ``default-graph-uri`` /
``named-graph-uri``, on a store holding exactly that dataset. Results are written by
:meth:`sco_kg.engine.results.Result.serialize` (the one set of W3C writers, as Oxigraph's endpoint writes
them); RDF/XML and N-Quads answers to CONSTRUCT by :func:`sco_kg.export.serialize`. The service description
follows https://www.w3.org/TR/sparql11-service-description/.

Limits: each query runs on one of ``workers`` threads; no free thread for ``timeout`` seconds is 503 (with
``Retry-After``), a query past its deadline 504 (it runs in a forked child that is killed then, so it stops
using CPU), more than ``max_rows`` rows are cut (200 with ``X-SCO-KG-Truncated``).

Datatypes in results: the store normalises derived integer types (``xsd:nonNegativeInteger`` →
``xsd:integer``), so a query result carries ``xsd:integer`` where the export and the documents keep the
declared type (tests/test_server.py checks both).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sco_kg import export
from sco_kg.engine.errors import PoolBusy
from sco_kg.engine.limits import Limits
from sco_kg.engine.results import Result
from sco_kg.engine.run import run, run_here, run_in_pool, serialized_here, writes_itself
from sco_kg.errors import QueryError, QueryRejected, QueryTimeout, ScoKgError
from sco_kg.rdf import iri
from sco_kg.server import web
from sco_kg.server.conneg import (
    EXPORT_FORMAT,
    GRAPH_WRITER,
    JSONLD,
    RESULT_WRITER,
    RESULTS_JSON,
    choose_media,
)
from sco_kg.server.errors import HttpError, UpdateRefused, busy, error_status, overrun
from sco_kg.server.memo import remember
from sco_kg.server.site import RDF_TYPE, RDFS, Site
from sco_kg.sparql import catalog, gate
from sco_kg.sparql.info import QueryInfo
from sco_kg.sparql.params import bind_params

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from sco_kg.rdf.term import Term

T = TypeVar("T")

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = iri.PREFIXES["void"]
XSD_INTEGER = iri.PREFIXES["xsd"] + "integer"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
PLAIN = "text/plain; charset=utf-8"
GRACE = 1.0  # seconds the event loop waits past the deadline for the killed child to be reported


VERDICTS = 1024  # gate verdicts kept, by query text (a client can only fill it, not grow it)
_verdicts: dict[str, tuple[QueryInfo | None, str, str]] = {}


def _judge(text: str) -> tuple[QueryInfo | None, str, str]:
    """The gate's verdict on ``text`` (one parse): the QueryInfo, or the kind and message of a refusal."""
    try:
        return gate.check(text), "", ""
    except QueryRejected as exc:
        try:
            info = gate.analyse(text)
        except QueryError:
            return None, "rejected", str(exc)
        if info.is_update:  # 403, not 400
            ops = ", ".join(info.update_ops)
            return None, "update", f"SPARQL Update ({ops}) is not allowed: this endpoint is read-only"
        return None, "rejected", str(exc)
    except QueryError as exc:
        return None, "error", str(exc)


def _verdict(text: str) -> tuple[QueryInfo | None, str, str]:
    verdict = _verdicts.get(text)
    return verdict if verdict is not None else remember(_verdicts, text, _judge(text), VERDICTS)


def _raise_refusal(kind: str, message: str) -> None:
    if kind == "update":
        raise UpdateRefused(message)
    if kind == "rejected":
        raise QueryRejected(message)
    if kind == "error":
        raise QueryError(message)


def checked_info(text: str) -> QueryInfo:
    """Return the gate's :class:`QueryInfo` of a query it lets run here (verdicts are cached by text).

    Raises:
        UpdateRefused: the text is a SPARQL Update (the endpoint is read-only: 403).
        QueryRejected: SERVICE, LOAD or a remote dataset clause (400).
        QueryError: not a SPARQL query at all (400).
    """
    info, kind, message = _verdict(text)
    _raise_refusal(kind, message)
    assert info is not None
    return info


async def gate_verdict(text: str) -> QueryInfo:
    """:func:`checked_info` at once when the text was judged before, else in a thread (the gate's parse never runs
    on the event loop)."""
    if text in _verdicts:
        return checked_info(text)
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(checked_info, text)


def form_of(info: QueryInfo) -> str:
    """Return ``select``, ``ask`` or ``graph``: the kind of answer a query gives (what media it can be sent in)."""
    return {"SELECT": "select", "ASK": "ask"}.get(info.form, "graph")


async def run_bounded(site: Site, job: Callable[[float], T]) -> T:
    """Run ``job(seconds_left)`` on the query pool; 503 if no worker starts it in time, 504 if it overruns."""
    timeout = site.config.timeout
    started = threading.Event()
    deadline = time.monotonic() + timeout

    def work() -> T:
        started.set()
        left = deadline - time.monotonic()
        if left <= 0:
            raise overrun(timeout)
        return job(left)

    future = site.executor.submit(work)
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout + GRACE)
    except asyncio.TimeoutError:
        future.cancel()
        if not started.is_set():
            raise busy(timeout) from None
        raise overrun(timeout) from None


def _limits(site: Site, seconds: float | None = None) -> Limits:
    """The server's limits for one query: its time limit (or ``seconds`` left of it), row cap, rows cut not refused."""
    return Limits(
        timeout=site.config.timeout if seconds is None else seconds, max_rows=site.config.max_rows, truncate=True
    )


def _engine_call(site: Site, call: Callable[[Limits], Result], seconds: float) -> Result:
    try:
        return call(_limits(site, seconds))  # isolation: the default, a child forked for this query
    except QueryTimeout:
        raise overrun(site.config.timeout) from None


async def _pooled(
    site: Site, text: str, bindings: Mapping[str, Term] | None, trusted: bool, info: QueryInfo | None = None
) -> Result:
    limits = _limits(site)
    if site.guard is not None:  # a serving process of sco-kg serve: the query runs here, in one of its threads
        store = site.query_store
        key = (text, tuple(sorted(bindings.items())) if bindings else ())
        return await site.guard.run(
            lambda: run_here(store, text, limits, info=info, bindings=bindings, trusted=trusted), key
        )
    assert site.pool is not None
    try:
        return await run_in_pool(
            site.pool, text, limits, bindings=bindings, trusted=trusted, wait=limits.timeout, info=info
        )
    except PoolBusy:
        raise busy(site.config.timeout) from None
    except QueryTimeout:
        raise overrun(site.config.timeout) from None


async def execute(site: Site, text: str, info: QueryInfo, target: Any = None) -> Result:
    """Return the result of ``text`` (``info``: the gate's verdict on it, :func:`checked_info`) on the site's query
    store, or on ``target``, within the server's limits.

    In a serving process of ``sco-kg serve`` the query runs in one of its threads, under its
    :class:`~sco_kg.server.guard.QueryGuard`. Otherwise, on the query store, a worker of the site's pool runs
    it without parsing it again; a store built for one request (``default-graph-uri``) is queried in a child
    forked for it, with the same limits.
    """
    if target is None:
        return await _pooled(site, text, None, trusted=False, info=info)
    if site.guard is not None:
        limits = _limits(site)
        return await site.guard.run(lambda: run_here(target, text, limits, info=info))
    return await run_bounded(
        site, lambda left: _engine_call(site, lambda lim: run(text, limits=lim, target=target), left)
    )


async def execute_canned(site: Site, name: str, params: Mapping[str, str]) -> Result:
    """Return the result of canned query ``name`` with ``params`` (type-checked as on the CLI)."""
    q = catalog.get(name)
    return await _pooled(site, q.text, bind_params(q, params), trusted=True)


def serialize(result: Result, media: str) -> bytes:
    """Return ``result`` in ``media``: the engine's writers, or the exporter's for RDF/XML and N-Quads graphs."""
    if result.form in ("SELECT", "ASK"):
        return result.serialize(RESULT_WRITER[media])
    if media in GRAPH_WRITER:
        return result.serialize(GRAPH_WRITER[media])
    quads = [(s, p, o, None) for s, p, o in result.triples]
    return export.serialize(export.canonicalize(quads), EXPORT_FORMAT[media])  # type: ignore[arg-type]


def dataset_store(site: Site, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> Any:
    """Return a store holding the protocol's dataset: ``default-graph-uri`` merged as the default graph.

    Without ``named-graph-uri`` every named graph stays available to ``GRAPH``. Built for each request (a few
    milliseconds) rather than cached: the client chooses the graph lists, so a cache could be filled at will.

    Raises:
        HttpError: 400 when no ``default-graph-uri`` names a graph of this dataset (an empty default graph
            cannot be told from "no default graph", which means the union).
    """
    import pyoxigraph as ox

    if default_graphs and not any(g in site.graph_counts for g in default_graphs):
        raise HttpError(400, f"default-graph-uri: no graph of this dataset is named {', '.join(default_graphs)}")
    store = ox.Store()
    for g in dict.fromkeys(default_graphs):
        store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in site.graph_quads(g))
    if named_graphs:
        for g in dict.fromkeys(named_graphs):
            store.extend(site.graph_quads(g))
    else:
        store.bulk_extend(site.store)
    return store


Answer = tuple[int, dict[str, str], bytes]


async def answer(
    site: Site,
    text: str,
    accept: str | None,
    formats: Sequence[str] = (),
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
) -> Answer:
    """Check, run and serialise one query: return the status, headers and body (no framework involved).

    Every ``/sparql`` answer comes from here, whether the request came through Starlette
    (:func:`answer_query`) or the server's fast path (:mod:`sco_kg.server.fast`).
    """
    try:
        info = await gate_verdict(text)
        media = choose_media(form_of(info), accept, formats)
        target = None
        if default_graphs or named_graphs:
            from starlette.concurrency import run_in_threadpool

            target = await run_in_threadpool(dataset_store, site, default_graphs, named_graphs)
        if site.guard is not None and target is None and media in RESULT_WRITER and form_of(info) != "graph":
            body, truncated = await _result_bytes(site, text, info, RESULT_WRITER[media])
        else:
            result = await execute(site, text, info, target)
            body, truncated = serialize(result, media), result.truncated
    except HttpError as exc:
        return exc.status, {**exc.headers, "Content-Type": PLAIN}, exc.message.rstrip().encode() + b"\n"
    except ScoKgError as exc:
        status = error_status(exc)
        headers = {"Content-Type": PLAIN, **({"Retry-After": "5"} if status == 503 else {})}
        return status, headers, str(exc).rstrip().encode() + b"\n"
    charset = "; charset=utf-8" if media not in (RESULTS_JSON, JSONLD) else ""
    headers = {"Content-Type": media + charset, "Vary": "Accept"}
    if truncated:
        headers["X-SCO-KG-Truncated"] = f"max-rows={site.config.max_rows}"
    return 200, headers, body


async def _result_bytes(site: Site, text: str, info: QueryInfo, fmt: str) -> tuple[bytes, bool]:
    """In a serving process: the written answer of a SELECT/ASK and whether the row cap cut it. A query that was
    quick and uncut the last time is run on the event loop and written by pyoxigraph (the same bytes)."""
    assert site.guard is not None
    store = site.query_store
    limits = _limits(site)

    def full() -> tuple[bytes, bool]:
        result = run_here(store, text, limits, info=info)
        return result.serialize(fmt), result.truncated

    def again() -> tuple[bytes, bool]:
        return serialized_here(store, text, info, fmt), False

    return await site.guard.run(
        full, (text, fmt), again=again if writes_itself(info, fmt) else None, keep=lambda v: not v[1]
    )


async def answer_query(
    request: Request,
    text: str,
    formats: Sequence[str] = (),
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
) -> Response:
    """:func:`answer` as a Starlette response; the status is final before any byte of the body is sent."""
    from starlette.responses import Response

    site = web.site_of(request)
    status, headers, body = await answer(
        site, text, request.headers.get("accept"), formats, default_graphs, named_graphs
    )
    media = headers.pop("Content-Type")
    return Response(body, status_code=status, media_type=media, headers=headers)


def _n(value: str) -> export.Term:
    return export.Term.uri(value)


def _integer(value: int) -> export.Term:
    return export.Term.literal(str(value), XSD_INTEGER)


def service_description(site: Site, endpoint: str) -> list[export.Quad]:
    """Return the SPARQL 1.1 Service Description of the endpoint (default-graph quads)."""
    svc, a = _n(endpoint), _n(RDF_TYPE)
    dataset, default = export.Term("bnode", "dataset"), export.Term("bnode", "default")
    label = export.Term.literal("SPARQL endpoint of the SCO Declaration knowledge graph", lang="en")
    triples = [
        (svc, a, _n(SD + "Service")),
        (svc, _n(SD + "endpoint"), svc),
        (svc, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        (svc, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
        (svc, _n(SD + "defaultDataset"), dataset),
        (dataset, a, _n(SD + "Dataset")),
        (dataset, _n(SD + "defaultGraph"), default),
        (default, a, _n(SD + "Graph")),
        (default, _n(VOID + "triples"), _integer(site.triples)),
        (svc, _n(RDFS + "label"), label),
    ]
    for fmt in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "JSON-LD",
        "N-Triples",
        "RDF_XML",
        "TriG",
        "N-Quads",
    ):
        triples.append((svc, _n(SD + "resultFormat"), _n("http://www.w3.org/ns/formats/" + fmt)))
    for i, graph in enumerate(sorted(site.graph_counts)):
        node = export.Term("bnode", f"g{i}")
        triples += [(dataset, _n(SD + "namedGraph"), node), (node, a, _n(SD + "NamedGraph"))]
        triples.append((node, _n(SD + "name"), _n(graph)))
    return [(s, p, o, None) for s, p, o in triples]
