"""Canned queries and the query page: ``/queries`` (catalogue), ``/queries/NAME`` and ``/query`` (HTML).

Canned queries run through :func:`sco_kg.engine.run.run_canned` (parameters type-checked as on the CLI)
on the site's query store; results are written by ``Result.serialize`` as on ``/sparql``.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sco_kg.errors import ScoKgError, UsageError
from sco_kg.rdf import iri
from sco_kg.server.conneg import HTML, RESULT_ALIASES, RESULT_MEDIA, choose_media, negotiate
from sco_kg.server.errors import HttpError, error_status, plain_error
from sco_kg.server.links import Linker
from sco_kg.server.protocol import execute, execute_canned, gate_verdict, serialize
from sco_kg.server.views import results_view
from sco_kg.server.web import base_url, error_page, linker_of, query_pairs, read_body, render, site_of, values

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


MAX_NAME = 100  # longer names are no query's (and would make the file name too long for the OS)
#: The query page may run scripts from this server only (the vendored YASGUI editor and ``static/query.js``);
#: every other page keeps the app-wide ``script-src 'none'``.
QUERY_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; "
    "frame-ancestors 'none'"
)
#: What an empty editor starts with: the project's PREFIX lines (folded by the editor), then an example. The page
#: predeclares the same prefixes for every query it runs, so a query without these lines works as well.
STARTER = iri.sparql_prefixes() + (
    "SELECT ?class (COUNT(?s) AS ?n)\nWHERE {\n  ?s a ?class .\n  FILTER(STRSTARTS(STR(?class), STR(sco:)))\n}\n"
    "GROUP BY ?class\nORDER BY DESC(?n)\nLIMIT 20\n"
)
_LINE = re.compile(r"\bline (\d+)")


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


def body(text: str) -> str:
    """Return a canned query's SPARQL without its ``#+`` header (the lines the catalogue reads, at the top)."""
    lines = text.splitlines()
    while lines and (lines[0].startswith("#+") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines) + ("\n" if lines else "")


def predeclare(text: str) -> str:
    """Return ``text`` with the project prefixes declared before it, on ONE line (so error lines shift by one).

    A query's own ``PREFIX`` lines come after and win (SPARQL lets a later declaration replace an earlier one).
    """
    return " ".join(f"PREFIX {n}: <{ns}>" for n, ns in iri.PREFIXES.items()) + "\n" + text


def unshift(message: str) -> str:
    """Return an error message about a :func:`predeclare`-d text with its line numbers as the user wrote them."""
    return _LINE.sub(lambda m: f"line {max(int(m.group(1)) - 1, 1)}", message)


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
    """Render the query page: canned queries one click away, the editor, parameters, the sortable results table.

    ``GET /query?query=TEXT`` runs an ad-hoc query (the project prefixes predeclared), ``GET /query?name=NAME&run=1``
    a canned one (``p_KEY=VALUE`` its parameters): every result has a shareable URL; POST still works for texts
    too long for a URL. ``sort=COLUMN`` (``-COLUMN`` descending) orders the table.
    """
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
    error = ""
    try:
        entries = [_query_summary(link, q) for q in _catalogue().all_queries()]
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
    use_canned = entry is not None and (
        not text or norm in (" ".join(entry.text.split()), " ".join(body(entry.text).split()))
    )
    if entry is not None and (not text or use_canned):
        text = body(entry.text)
    run = canned is not None or bool(values(pairs, "run")) or (bool(text) and not name)
    results = None
    downloads: list[tuple[str, str]] = []
    sort = next(iter(values(pairs, "sort")), "")
    if run and text and not error:
        try:
            results, downloads = await _run(request, name if use_canned else "", params, text, lang)
            results = sort_view(results, sort)
        except ScoKgError as exc:
            error, status = unshift(str(exc)) if not use_canned else str(exc), error_status(exc)
    declared = {}
    if entry is not None:
        for key, spec in dict(getattr(entry, "params", {}) or {}).items():
            info_p = _param_info(spec)
            declared[key] = {"value": params.get(key, str(info_p.get("default", "") or "")), **info_p}
    here = [(k, v) for k, v in pairs if k not in ("sort", "lang")] if request.method != "POST" else []
    return render(
        request,
        "query.html",
        status=status,
        headers={"Content-Security-Policy": QUERY_PAGE_CSP},
        entries=entries,
        name=name if entry is not None else "",
        text=text or STARTER,
        canned=use_canned,
        error=error,
        results=results,
        downloads=downloads,
        params=declared,
        summary=getattr(entry, "summary", "") if entry is not None else "",
        sort=sort,
        sort_base=here,
        prefixes=list(iri.PREFIXES.items()),
    )


async def _run(
    request: Request, name: str, params: dict[str, str], text: str, lang: str
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Run the canned query ``name`` (when given) or the ad-hoc ``text``; return the table view and download links."""
    site = site_of(request)
    link, _ = linker_of(request)
    if name:
        result = await execute_canned(site, name, params)
        base, extra = f"queries/{name}", dict(params)
    else:
        full = predeclare(text)
        info = await gate_verdict(full)
        result = await execute(site, full, info)
        base, extra = "sparql", {"query": full}
    kind = "graph" if result.form in ("CONSTRUCT", "DESCRIBE") else "select"
    view = fold_labels(results_view(site, link, result, lang))
    names = ["json", "xml", "csv", "tsv"] if kind != "graph" else ["turtle", "json-ld", "nt", "xml"]
    downloads = [(n, base_url(request) + base + "?" + urllib.parse.urlencode({**extra, "format": n})) for n in names]
    return view, downloads


def fold_labels(view: dict[str, Any]) -> dict[str, Any]:
    """Fold a label column into the IRI column it names: the IRI cell shows the label, so ``China | China`` goes.

    A literal column folds when, on every row where it is bound, its text equals the displayed label of one IRI
    column of the same row (and that IRI column is bound there too).
    """
    if view.get("kind") != "select" or not view["rows"]:
        return view
    columns, rows = view["columns"], view["rows"]
    folded: dict[int, int] = {}
    for j, _ in enumerate(columns):
        cells = [row[j] for row in rows]
        if not any(c is not None for c in cells) or any(c is not None and c["kind"] != "literal" for c in cells):
            continue
        for i, _ in enumerate(columns):
            if i == j or i in folded:
                continue
            same = all(
                row[j] is None or (row[i] is not None and row[i]["kind"] == "iri" and row[i]["text"] == row[j]["text"])
                for row in rows
            )
            if same:
                folded[j] = i
                break
    if not folded:
        return view
    keep = [k for k in range(len(columns)) if k not in folded]
    return {
        **view,
        "columns": [columns[k] for k in keep],
        "rows": [[row[k] for k in keep] for row in rows],
        "folded": [(columns[j], columns[i]) for j, i in folded.items()],
    }


def _sort_key(cell: dict[str, Any] | None) -> tuple[int, float, str]:
    if cell is None:
        return (2, 0.0, "")
    text = str(cell.get("text", ""))
    if cell["kind"] == "literal" and cell.get("datatype", "") in (
        "xsd:integer",
        "xsd:decimal",
        "xsd:double",
        "xsd:nonNegativeInteger",
    ):
        try:
            return (0, float(text), "")
        except ValueError:
            pass
    return (1, 0.0, text.casefold())


def sort_view(view: dict[str, Any], sort: str) -> dict[str, Any]:
    """Return the table ordered by column ``sort`` (``-name``: descending); unknown columns leave it as it came."""
    column = sort.lstrip("-")
    if view.get("kind") != "select" or column not in view["columns"]:
        return view
    k = view["columns"].index(column)
    rows = sorted(view["rows"], key=lambda row: _sort_key(row[k]), reverse=sort.startswith("-"))
    return {**view, "rows": rows}
