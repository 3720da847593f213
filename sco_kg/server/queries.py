"""Canned queries and the query page: ``/queries`` (catalogue), ``/queries/NAME`` and ``/query`` (HTML).

Canned queries run through :func:`sco_kg.engine.run.run_canned` (parameters type-checked as on the CLI)
on the site's query store; results are written by ``Result.serialize`` as on ``/sparql``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sco_kg.errors import ScoKgError, UsageError
from sco_kg.server.conneg import HTML, RESULT_ALIASES, RESULT_MEDIA, choose_media, negotiate
from sco_kg.server.errors import HttpError, error_status, plain_error
from sco_kg.server.links import Linker
from sco_kg.server.protocol import checked_form, execute, execute_canned, serialize
from sco_kg.server.views import results_view
from sco_kg.server.web import base_url, error_page, linker_of, query_pairs, read_body, render, site_of, values

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


MAX_NAME = 100  # longer names are no query's (and would make the file name too long for the OS)


def _catalogue() -> Any:
    from sco_kg.sparql import catalog

    return catalog


def lookup(name: str) -> Any:
    """Return the catalogue entry ``name``.

    Raises:
        UsageError: no such query ("unknown query …", answered with 404), over-long names included.
    """
    if len(name) > MAX_NAME:
        raise UsageError(f"unknown query {name[:40]!r}…: query names have at most {MAX_NAME} characters")
    return _catalogue().get(name)


def _query_summary(link: Linker, q: Any) -> dict[str, Any]:
    params = getattr(q, "params", {}) or {}
    return {
        "name": q.name,
        "summary": getattr(q, "summary", ""),
        "description": getattr(q, "description", ""),
        "params": {k: _param_info(v) for k, v in dict(params).items()},
        "columns": list(getattr(q, "columns", []) or []),
        "tags": list(getattr(q, "tags", []) or []),
        "url": link.url("queries/" + q.name),
        "page": link.url("query", name=q.name),
    }


def _param_info(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        return {k: v for k, v in spec.items() if isinstance(v, (str, int, float, bool)) or v is None}
    out = {}
    for key in ("type", "default", "description"):
        if hasattr(spec, key):
            out[key] = getattr(spec, key)
    return out


async def queries_index(request: Request) -> Response:
    """List the canned queries as HTML or JSON (by ``Accept``)."""
    from starlette.responses import JSONResponse

    link, _ = linker_of(request)
    items = [_query_summary(link, q) for q in _catalogue().all_queries()]
    media = negotiate(request.headers.get("accept"), [HTML, "application/json"])
    if media is None:
        return plain_error(406, "the catalogue is available as text/html or application/json")
    if media == "application/json":
        return JSONResponse({"queries": items}, headers={"Vary": "Accept"})
    return render(request, "queries.html", headers={"Vary": "Accept"}, queries=items)


def canned_params(q: Any, pairs: Sequence[tuple[str, str]], prefix: str = "") -> dict[str, str]:
    """Return the parameters for canned query ``q`` from request pairs (``prefix`` + name), unknown ones kept.

    The UI's ``lang`` is passed on only when the query declares a ``lang`` parameter.
    """
    declared = set(dict(getattr(q, "params", {}) or {}))
    skip = {"format", "run", "name", "query"}
    out: dict[str, str] = {}
    for key, value in pairs:
        if prefix:
            if not key.startswith(prefix):
                continue
            key = key[len(prefix) :]
        elif key in skip or (key == "lang" and "lang" not in declared):
            continue
        out[key] = value
    return out


async def queries_run(request: Request) -> Response:
    """Run one canned query with ``?param=value``: HTML table, or a SPARQL results format."""
    from starlette.responses import Response

    name = request.path_params["name"]
    try:
        pairs = query_pairs(request.scope.get("query_string", b""))
        q = lookup(name)
        formats = values(pairs, "format")
        form = {"SELECT": "select", "ASK": "ask"}.get(q.form, "graph")
        if not formats and negotiate(request.headers.get("accept"), [HTML, *RESULT_MEDIA], RESULT_ALIASES) == HTML:
            return await query_page(request, canned=name, params=canned_params(q, pairs))
        media = choose_media(form, request.headers.get("accept"), formats)
        result = await execute_canned(site_of(request), name, canned_params(q, pairs))
        body = serialize(result, media)
    except HttpError as exc:
        return plain_error(exc.status, exc.message, exc.headers)
    except ScoKgError as exc:
        status = 404 if "unknown query" in str(exc).lower() else error_status(exc)
        return plain_error(status, str(exc))
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["X-SCO-KG-Truncated"] = f"max-rows={site_of(request).config.max_rows}"
    return Response(body, media_type=media, headers=headers)


async def query_page(request: Request, canned: str | None = None, params: dict[str, str] | None = None) -> Response:
    """Render the query page: catalogue picker, prefilled textarea, parameters, results table, downloads."""
    from starlette.concurrency import run_in_threadpool

    site = site_of(request)
    link, lang = linker_of(request)
    pairs: list[tuple[str, str]] = []
    try:
        pairs = query_pairs(request.scope.get("query_string", b""))
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype == "application/x-www-form-urlencoded":
                pairs += query_pairs(await read_body(request))
    except HttpError as exc:
        return error_page(request, exc.status, str(exc.status), exc.message)
    catalogue = _catalogue()
    error = ""
    try:
        entries = [_query_summary(link, q) for q in catalogue.all_queries()]
    except ScoKgError as exc:  # a broken .rq file must not take the SPARQL page down
        entries, error = [], str(exc)
    name = canned or next(iter(values(pairs, "name")), "")
    text = next(iter(values(pairs, "query")), "")
    entry = None
    status = 200
    if name:
        try:
            entry = lookup(name)
        except ScoKgError as exc:
            error, status = str(exc), 404
    if params is None:
        params = canned_params(entry, pairs, prefix="p_") if entry is not None else {}
    if entry is not None and "lang" in dict(getattr(entry, "params", {}) or {}) and not params.get("lang"):
        params = {**params, "lang": lang}  # labels in the page's language unless asked otherwise
    norm = " ".join(text.split())
    use_canned = entry is not None and (not text or norm == " ".join(entry.text.split()))
    if entry is not None and not text:
        text = entry.text
    run = canned is not None or bool(values(pairs, "run")) or (bool(text) and not name)
    results = None
    downloads: list[tuple[str, str]] = []
    if run and text and not error:
        try:
            if use_canned:
                result = await execute_canned(site, name, params)
                base = f"queries/{name}"
                extra = dict(params)
            else:
                await run_in_threadpool(checked_form, text)  # the gate never runs on the event loop
                result = await execute(site, text)
                base, extra = "sparql", {"query": text}
            kind = "graph" if result.form in ("CONSTRUCT", "DESCRIBE") else "select"
            results = results_view(site, link, result, lang)
            names = ["json", "xml", "csv", "tsv"] if kind != "graph" else ["turtle", "json-ld", "nt", "xml"]
            downloads = [
                (n, base_url(request) + base + "?" + urllib.parse.urlencode({**extra, "format": n})) for n in names
            ]
        except ScoKgError as exc:
            error, status = str(exc), error_status(exc)
    declared = {}
    if entry is not None:
        for key, spec in dict(getattr(entry, "params", {}) or {}).items():
            info_p = _param_info(spec)
            declared[key] = {"value": params.get(key, str(info_p.get("default", "") or "")), **info_p}
    return render(
        request,
        "query.html",
        status=status,
        entries=entries,
        name=name,
        text=text,
        error=error,
        results=results,
        downloads=downloads,
        params=declared,
        summary=getattr(entry, "summary", "") if entry is not None else "",
    )
