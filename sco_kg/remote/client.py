"""The client side of the SPARQL 1.1 Protocol: queries and counts on a remote store, auth, retries, errors.

* :func:`run_sparql` sends a query through **SPARQLWrapper** and returns the same
  :class:`sco_kg.engine.results.Result` as a local run, so every output format of ``sco-kg query``/``sparql``
  works unchanged with ``--endpoint``. The gate (:mod:`sco_kg.sparql.gate`) applies as locally (no
  SERVICE unless allowed, no update).
* :func:`count_triples` counts a graph's triples remotely; :func:`rewrite_services` points a federated query
  at a stand-in endpoint.

Every request names the project in its User-Agent, has a timeout, and is retried with exponential backoff
(honouring ``Retry-After``) on 429 and 503. Everything that goes wrong becomes one :class:`RemoteError` line:
unreachable, an error status (with the first line of the server's message), HTML instead of results, an empty
200. Credentials come from the environment (``--password-env``/``--token-env``), never from argv, and are
never printed. This module does not import rdflib.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sco_kg.errors import RemoteError, UsageError
from sco_kg.remote.auth import Auth, challenge_hint, open_request
from sco_kg.remote.skolem import deskolemise_term
from sco_kg.sparql import gate, lexer
from sco_kg.version import __version__

if TYPE_CHECKING:
    from sco_kg.engine.results import Result
    from sco_kg.rdf.term import Term as QTerm

USER_AGENT = f"sco-kg/{__version__} (https://w3id.org/sco-kg/; SPARQLWrapper)"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 1.0
MAX_RETRY_AFTER = 60.0
RETRY_STATUSES = frozenset({429, 503})
COUNT_CHUNK = 1000  # graphs per counting query

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


# ------------------------------------------------------------------------------------------ errors


def _first_line(body: bytes | str | None, limit: int = 200) -> str:
    if body is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if _looks_like_html(text):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
        text = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    line = " ".join(text.split())
    return line[:limit] + ("…" if len(line) > limit else "")


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html")) or "<html" in head or "<body" in head


def _status_error(where: str, code: int, body: bytes | str | None, hint: str | None = None) -> RemoteError:
    reasons = {
        400: "bad request (the store rejected the query or data)",
        401: "unauthorized (check --user/--password-env or --token-env)",
        403: "forbidden (the store refuses this operation: a read-only endpoint? log in with --user/--password-env)",
        404: "not found (check the URL)",
        405: "method not allowed",
        413: "request too large (try a smaller --batch-size)",
        415: "unsupported media type",
        429: "too many requests",
        500: "internal server error",
        502: "bad gateway",
        503: "service unavailable",
        504: "gateway timeout",
    }
    detail = _first_line(body)
    reason = reasons.get(code, "error status")
    if hint:
        reason = reason.split(" (")[0] + f" ({hint})"
    return RemoteError(f"{where}: HTTP {code} {reason}" + (f": {detail}" if detail else ""))


def _network_error(where: str, exc: BaseException, timeout: float) -> RemoteError:
    import socket

    reason: Any = getattr(exc, "reason", exc)
    if isinstance(reason, (socket.timeout, TimeoutError)) or isinstance(exc, (socket.timeout, TimeoutError)):
        return RemoteError(f"{where}: no answer within {timeout:g} s (timeout; raise --timeout)")
    if isinstance(reason, ConnectionRefusedError):
        return RemoteError(f"{where}: unreachable (connection refused: is the store running on that port?)")
    if isinstance(reason, socket.gaierror):
        return RemoteError(f"{where}: unreachable (unknown host)")
    text = " ".join(str(reason).split()) or type(reason).__name__
    return RemoteError(f"{where}: unreachable ({text})")


def _retry_delay(attempt: int, backoff: float, headers: Any) -> float:
    """Return how long to wait before retry ``attempt`` (0-based): ``Retry-After`` or exponential backoff."""
    value = headers.get("Retry-After") if headers is not None else None
    if value is not None:
        try:
            return min(max(float(value), 0.0), MAX_RETRY_AFTER)
        except ValueError:
            pass  # an HTTP date: fall back to our own schedule
    return backoff * (2**attempt)


def _with_retries(
    where: str,
    call: Callable[[], _Response],
    timeout: float,
    retries: int,
    backoff: float,
    auth: Auth | None = None,
) -> _Response:
    """Return ``call()``, retried on 429/503 with backoff; map every failure to one :class:`RemoteError`.

    A 401 names the option to fix from the store's ``WWW-Authenticate`` challenge (Digest asked, Basic sent...).
    """
    import urllib.error

    from SPARQLWrapper import SPARQLExceptions

    codes = {
        SPARQLExceptions.QueryBadFormed: 400,
        SPARQLExceptions.Unauthorized: 401,
        SPARQLExceptions.EndPointNotFound: 404,
        SPARQLExceptions.URITooLong: 414,
        SPARQLExceptions.EndPointInternalError: 500,
    }
    attempt = 0
    while True:
        try:
            return call()
        except urllib.error.HTTPError as exc:
            body = None
            with contextlib.suppress(OSError):
                body = exc.read()
            if exc.code in RETRY_STATUSES and attempt < retries:
                time.sleep(_retry_delay(attempt, backoff, exc.headers))
                attempt += 1
                continue
            if exc.code in RETRY_STATUSES:
                err = _status_error(where, exc.code, body)
                raise RemoteError(f"{err} (gave up after {retries} retries)") from None
            hint = None
            if exc.code == 401 and exc.headers is not None:
                asked = exc.headers.get("WWW-Authenticate") or _probe_challenge(where, timeout)
                hint = challenge_hint(asked, auth)
            raise _status_error(where, exc.code, body, hint) from None
        except SPARQLExceptions.SPARQLWrapperException as exc:
            code = codes.get(type(exc), 0)
            raise _status_error(where, code, _wrapper_body(exc)) from None
        except (urllib.error.URLError, OSError, http_client_errors()) as exc:
            raise _network_error(where, exc, timeout) from None


def _probe_challenge(url: str, timeout: float) -> str | None:
    """Return the ``WWW-Authenticate`` challenge ``url`` sends to a request without credentials.

    Virtuoso answers 401 WITHOUT a challenge when Basic credentials were sent to a Digest endpoint (store quirk),
    so after such a 401 one plain GET asks which scheme the store wants.
    """
    import urllib.error
    import urllib.request

    try:
        with urllib.request.build_opener().open(urllib.request.Request(url, method="GET"), timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        return exc.headers.get("WWW-Authenticate") if exc.code == 401 and exc.headers is not None else None
    except (OSError, http_client_errors()):
        return None


def _wrapper_body(exc: BaseException) -> bytes | None:
    """Return the server's answer that a SPARQLWrapper exception carries (only inside its message)."""
    import ast

    text = str(exc)
    marker = "Response:\n"
    if marker not in text:
        return None
    try:
        body = ast.literal_eval(text.split(marker, 1)[1].strip())
    except (ValueError, SyntaxError):
        return None
    return body if isinstance(body, bytes) else None


def http_client_errors() -> type[Exception]:
    """Return the base class of ``http.client``'s protocol errors (a server that hangs up mid-answer)."""
    import http.client

    return http.client.HTTPException


@dataclass(frozen=True)
class _Response:
    status: int
    content_type: str
    body: bytes


# ------------------------------------------------------------------------------------------ queries


def _sparqlwrapper(endpoint: str, timeout: float, auth: Auth | None, update_endpoint: str | None = None) -> Any:
    from SPARQLWrapper import POST, SPARQLWrapper

    sw = SPARQLWrapper(endpoint, updateEndpoint=update_endpoint, agent=USER_AGENT)
    sw.setMethod(POST)
    sw.setOnlyConneg(True)  # no non-standard format=/output= parameters
    sw.setTimeout(max(1, math.ceil(timeout)))  # SPARQLWrapper takes whole seconds; 0 would mean "none"
    return sw


def open_wrapper(sw: Any, timeout: float, auth: Auth | None) -> _Response:
    """Send the request SPARQLWrapper built (query, headers, body) through :func:`open_request` (any auth scheme)."""
    request = sw._createRequest()  # SPARQLWrapper's own request; opened with our per-request auth opener
    with open_request(request, timeout, auth) as response:
        return _Response(response.status or 200, response.headers.get("Content-Type", ""), response.read())


def _check_endpoint(endpoint: str) -> None:
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--endpoint {endpoint!r}: expected an http:// or https:// URL of a SPARQL endpoint")


def _send_query(
    endpoint: str,
    text: str,
    form: str,
    accept: str,
    timeout: float,
    retries: int,
    backoff: float,
    auth: Auth | None,
) -> _Response:
    """Return the raw answer of the endpoint to a query, sent through SPARQLWrapper."""

    def call() -> _Response:
        sw = _sparqlwrapper(endpoint, timeout, auth)
        sw.setQuery(text)
        # SPARQLWrapper guesses the form with a regex that a word in a comment can fool ("loaded" -> LOAD,
        # sent as an update); the gate already knows it.
        sw.queryType = form
        sw.addCustomHttpHeader("Accept", accept)
        return open_wrapper(sw, timeout, auth)

    return _with_retries(endpoint, call, timeout, retries, backoff, auth)


def _check_answer(endpoint: str, answer: _Response, expected: str) -> str:
    """Return the body as text after refusing an empty or HTML answer."""
    if not answer.body.strip():
        raise RemoteError(f"{endpoint}: answered HTTP {answer.status} with an empty body instead of {expected}")
    ctype = answer.content_type.split(";")[0].strip().lower()
    text = answer.body.decode("utf-8", "replace")
    if ctype in ("text/html", "application/xhtml+xml") or _looks_like_html(text):
        detail = _first_line(text)
        raise RemoteError(
            f"{endpoint}: answered an HTML page instead of {expected} (is this the SPARQL endpoint URL?)"
            + (f": {detail}" if detail else "")
        )
    return text


def _term(binding: Mapping[str, Any]) -> QTerm:
    from sco_kg.rdf.term import Term as QTerm

    kind = binding.get("type")
    value = binding.get("value")
    if not isinstance(value, str):
        raise ValueError("a binding without a string value")
    if kind == "uri":
        return deskolemise_term(QTerm.uri(value))  # our genid IRIs come back as the blank nodes they stand for
    if kind == "bnode":
        return QTerm("bnode", value)
    if kind in ("literal", "typed-literal"):
        return QTerm.literal(value, binding.get("datatype"), binding.get("xml:lang"))
    raise ValueError(f"unknown term type {kind!r}")


def parse_results_json(
    endpoint: str, text: str, form: str
) -> tuple[tuple[str, ...], list[tuple[Any, ...]], bool | None]:
    """Return ``(vars, rows, boolean)`` from SPARQL 1.1 Query Results JSON.

    Raises:
        RemoteError: the text is not SPARQL results JSON.
    """
    try:
        doc = json.loads(text)
        if form == "ASK":
            if not isinstance(doc.get("boolean"), bool):
                return (), [], _virtuoso_ask(doc)
            return (), [], doc["boolean"]
        vars_ = tuple(doc["head"].get("vars", []))
        rows = []
        for b in doc["results"]["bindings"]:
            rows.append(tuple(_term(b[v]) if v in b else None for v in vars_))
        return vars_, rows, None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        snippet = _first_line(text, 80)
        raise RemoteError(
            f"{endpoint}: answered something that is not SPARQL results JSON ({exc}): {snippet}"
        ) from None


def _virtuoso_ask(doc: Mapping[str, Any]) -> bool:
    """Return the answer of an ASK that Virtuoso 7.2 sends as a SELECT result (store quirk).

    Asked for ``application/sparql-results+json``, Virtuoso answers an ASK with one variable ``__ASK_RETVAL``
    bound to ``1`` or ``0`` (``xsd:integer``) instead of ``{"boolean": …}``.

    Raises:
        ValueError: neither form.
    """
    if doc.get("head", {}).get("vars") == ["__ASK_RETVAL"]:
        rows = doc["results"]["bindings"]
        return bool(rows) and rows[0]["__ASK_RETVAL"]["value"] not in ("0", "false")
    raise ValueError("no boolean in an ASK answer")


def run_sparql(
    endpoint: str,
    text: str,
    bindings: Mapping[str, QTerm] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    auth: Auth | None = None,
    max_rows: int | None = None,
    truncate: bool = False,
    allow_service: Iterable[str] = (),
    inline: bool = False,
) -> Result:
    """Return the result of a SPARQL query run on a remote endpoint, as a local run would return it.

    Args:
        endpoint: the SPARQL endpoint URL (``http(s)://…``).
        text: the query; checked by :func:`sco_kg.sparql.gate.check` first (no update, no SERVICE unless allowed).
        bindings: parameter values, bound as a one-row ``VALUES`` block built from the validated terms.
        timeout: seconds to wait for each answer.
        retries: how many times a 429/503 answer is retried (with exponential backoff).
        backoff: the first retry delay in seconds (doubled each time; ``Retry-After`` wins when sent).
        auth: credentials, if the endpoint needs them.
        max_rows: the row cap (``None``: none); more rows is an error unless ``truncate``.
        truncate: cut at ``max_rows`` and flag the result instead of failing.
        allow_service: hosts a ``SERVICE`` clause may name (passed on to the remote store).
        inline: write the parameter values into the query as RDF terms instead of a ``VALUES`` block (for
            stores that mishandle it, see :mod:`sco_kg.remote.inline`; kept as ``VALUES`` where inlining would
            change the query).

    Raises:
        RemoteError: unreachable, error status, HTML or empty answer, malformed results.
        QueryRejected: the policy refuses the query.
    """
    from dataclasses import replace

    from sco_kg.engine.results import Result
    from sco_kg.errors import QueryError
    from sco_kg.remote.inline import inline_bindings
    from sco_kg.sparql.params import bind_values

    _check_endpoint(endpoint)
    info = gate.check(text, allow_update=False, allow_service=allow_service)
    if bindings:
        written = inline_bindings(text, bindings) if inline else None
        if written is not None:
            gate.check(written, allow_update=False, allow_service=allow_service)  # still one well-formed query
        text = written if written is not None else bind_values(text, bindings)
    ordered = info.form == "SELECT" and info.ordered
    if info.form in ("SELECT", "ASK"):
        answer = _send_query(endpoint, text, info.form, SPARQL_JSON, timeout, retries, backoff, auth)
        body = _check_answer(endpoint, answer, "SPARQL results")
        vars_, rows, boolean = parse_results_json(endpoint, body, info.form)
        if info.form == "ASK":
            return Result("ASK", boolean=boolean, engine="remote")
        overflow = max_rows is not None and len(rows) > max_rows
        if overflow and not truncate:
            raise QueryError(
                f"the query returned more than {max_rows} rows (the row cap): add LIMIT, or raise --max-rows"
            )
        if overflow:
            rows = rows[:max_rows]
        return replace(Result("SELECT", vars_, tuple(rows), engine="remote"), ordered=ordered, truncated=overflow)
    answer = _send_query(endpoint, text, info.form, N_TRIPLES, timeout, retries, backoff, auth)
    body = _check_answer(endpoint, answer, "N-Triples")
    triples = _parse_ntriples(endpoint, body)
    overflow = max_rows is not None and len(triples) > max_rows
    if overflow and not truncate:
        raise QueryError(
            f"the query returned more than {max_rows} triples (the row cap): add LIMIT, or raise --max-rows"
        )
    kept = tuple(triples[:max_rows] if overflow else triples)
    return Result(info.form, triples=kept, truncated=overflow, engine="remote")


def _parse_ntriples(endpoint: str, body: str) -> list[tuple[QTerm, QTerm, QTerm]]:
    import pyoxigraph as ox

    from sco_kg.rdf.term import Term as QTerm

    try:
        triples = ox.parse(body.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
        # our genid IRIs come back as the blank nodes they stand for
        return [
            (
                deskolemise_term(QTerm.from_ox(t.subject)),
                QTerm.from_ox(t.predicate),
                deskolemise_term(QTerm.from_ox(t.object)),
            )
            for t in triples
        ]
    except SyntaxError as exc:
        raise RemoteError(f"{endpoint}: answered malformed N-Triples: {' '.join(str(exc).split())}") from None


def count_triples(
    endpoint: str,
    graphs: Sequence[str],
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    auth: Auth | None = None,
) -> dict[str, int]:
    """Return the number of triples the remote store holds in each of ``graphs`` (0 for a missing graph).

    ``""`` stands for the default graph.
    """
    out = {}
    named = [g for g in graphs if g]
    for i in range(0, len(named), COUNT_CHUNK):  # Virtuoso refuses a VALUES block of ~8,000 IRIs (SP030)
        chunk = named[i : i + COUNT_CHUNK]
        values = " ".join(f"<{g}>" for g in chunk)
        text = f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
        res = run_sparql(endpoint, text, timeout=timeout, retries=retries, backoff=backoff, auth=auth)
        found = {row[0].value: int(row[1].value) for row in res.rows if row[0] is not None and row[1] is not None}
        out.update({g: found.get(g, 0) for g in chunk})
    if "" in graphs:
        res = run_sparql(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=timeout,
                         retries=retries, backoff=backoff, auth=auth)  # fmt: skip
        cell = res.rows[0][0] if res.rows else None
        out[""] = int(cell.value) if cell is not None else 0
    return out


def rewrite_services(text: str, mapping: Mapping[str, str]) -> str:
    """Return ``text`` with the IRIs of ``SERVICE <iri>`` clauses replaced per ``mapping`` (token-exact).

    Used to point a federated canned query at a stand-in endpoint (a mirror, or a local test server) without
    editing it; only IRI tokens that follow ``SERVICE`` (or ``SERVICE SILENT``) are touched.
    """
    tokens = lexer.tokenize(text)
    out = []
    last = 0
    for i, tok in enumerate(tokens):
        if tok.kind != "iri":
            continue
        prev = tokens[i - 1] if i > 0 else None
        if prev is not None and prev.is_kw("SILENT") and i > 1:
            prev = tokens[i - 2]
        if prev is None or not prev.is_kw("SERVICE"):
            continue
        target = lexer.iri_value(tok)
        if target in mapping:
            new = mapping[target]
            if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", new):
                raise UsageError(f"service mapping {target} -> {new!r}: expected an http(s) URL")
            out.append(text[last : tok.pos])
            out.append(f"<{new}>")
            last = tok.pos + len(tok.text)
    out.append(text[last:])
    return "".join(out)
