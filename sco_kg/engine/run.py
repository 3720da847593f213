"""THE query boundary: every query (CLI, Python API, server, agents) runs through :func:`run`.

1. The gate (:mod:`sco_kg.sparql.policy`) decides what the query may do before anything runs.
2. The query runs on one of two engines, ``"oxigraph"`` (default; a pyoxigraph ``Store`` of the dataset whose
   default graph is the set union of the named graphs) or ``"rdflib"`` (a ``Dataset(default_union=True)``),
   within its :class:`~sco_kg.engine.limits.Limits`: by default in a forked worker process
   (:mod:`sco_kg.engine.workers`) that is killed on the deadline, bounded in memory and without network.
3. The answer is a frozen :class:`~sco_kg.engine.results.Result`, serialised by one set of W3C writers.

Canned queries (:func:`run_canned`) bind their typed parameters (:mod:`sco_kg.sparql.params`) first.
rdflib is imported only by the rdflib engine; this module never writes files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sco_kg.dataset import Source, cached_dataset, cached_store, copy_store
from sco_kg.engine.limits import Limits
from sco_kg.engine.results import Result
from sco_kg.errors import QueryError, QueryRejected, QueryTimeout, ScoKgError, UsageError
from sco_kg.rdf.term import Term
from sco_kg.sparql import lexer
from sco_kg.sparql.info import QueryInfo
from sco_kg.sparql.params import bind_params, bind_values

if TYPE_CHECKING:
    from sco_kg.engine.workers import WorkerPool

_T = TypeVar("_T")
Engine = Literal["oxigraph", "rdflib"]
ENGINES: tuple[str, ...] = ("oxigraph", "rdflib")


def _syntax_error(exc: BaseException) -> QueryError:
    msg = " ".join(str(exc).split())
    if "Prefix not found" in msg:  # pyoxigraph lists every character it would accept after an undeclared prefix
        msg = re.sub(r"expected one of Prefix not found.*", "undeclared prefix (add a PREFIX line)", msg)
    elif len(msg) > 240:
        msg = msg[:240] + "…"
    m = re.match(r"error at (\d+):(\d+): (.*)", msg)
    if m:
        return QueryError(f"SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {m.group(3)}")
    return QueryError(f"SPARQL syntax error: {msg}")


def _query_options(store: Any, info: QueryInfo) -> dict[str, Any]:
    # A store with a default graph of its own (dataset.fill_default_graph) is queried as it is; otherwise the
    # default graph is the union of the named graphs, unless the query names its dataset (FROM / FROM NAMED).
    import pyoxigraph as ox

    if info.has_dataset_clause or any(True for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph())):
        return {}
    return {"use_default_graph_as_union": True}


def _eval_oxigraph(store: Any, text: str, info: QueryInfo, max_rows: int | None) -> tuple[Result, bool]:
    import pyoxigraph as ox

    if info.is_update:
        try:
            store.update(text)
        except SyntaxError as exc:
            raise _syntax_error(exc) from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"update failed: {' '.join(str(exc).split())}") from None
        return Result("UPDATE"), False
    try:
        res = store.query(text, **_query_options(store, info))
        if isinstance(res, ox.QueryBoolean):
            return Result("ASK", boolean=bool(res)), False
        if isinstance(res, ox.QuerySolutions):
            vars_ = tuple(v.value for v in res.variables)
            rows: list[tuple[Term | None, ...]] = []
            for sol in res:
                if max_rows is not None and len(rows) >= max_rows:
                    return Result("SELECT", vars_, tuple(rows)), True
                rows.append(tuple(Term.from_ox(t) if t is not None else None for t in sol))
            return Result("SELECT", vars_, tuple(rows)), False
        triples: list[tuple[Term, Term, Term]] = []
        for tr in res:
            if max_rows is not None and len(triples) >= max_rows:
                return Result(info.form, triples=tuple(triples)), True
            triples.append((Term.from_ox(tr.subject), Term.from_ox(tr.predicate), Term.from_ox(tr.object)))
        return Result(info.form, triples=tuple(triples)), False
    except SyntaxError as exc:
        raise _syntax_error(exc) from None
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        raise QueryError(f"query failed: {' '.join(str(exc).split())}") from None


def _eval_rdflib(
    ds: Any, text: str, info: QueryInfo, bindings: Mapping[str, Term], max_rows: int | None
) -> tuple[Result, bool]:
    from rdflib import Variable
    from rdflib.plugins import sparql

    sparql.SPARQL_LOAD_GRAPHS = False  # FROM <url> must never fetch (SECURITY.md T2)
    init = {Variable(k): v.to_rdflib() for k, v in bindings.items()}
    try:
        if info.is_update:
            ds.update(text, initBindings=init)
            return Result("UPDATE", engine="rdflib"), False
        res = ds.query(text, initBindings=init)
        if res.type == "ASK":
            return Result("ASK", boolean=bool(res.askAnswer), engine="rdflib"), False
        if res.type == "SELECT":
            vars_ = tuple(str(v) for v in res.vars or ())
            rows: list[tuple[Term | None, ...]] = []
            for sol in res:
                if max_rows is not None and len(rows) >= max_rows:
                    return Result("SELECT", vars_, tuple(rows), engine="rdflib"), True
                rows.append(tuple(Term.from_rdflib(t) if t is not None else None for t in sol))
            return Result("SELECT", vars_, tuple(rows), engine="rdflib"), False
        triples: list[tuple[Term, Term, Term]] = []
        for tr in res:
            if max_rows is not None and len(triples) >= max_rows:
                return Result(info.form, triples=tuple(triples), engine="rdflib"), True
            s, p, o = tr
            triples.append((Term.from_rdflib(s), Term.from_rdflib(p), Term.from_rdflib(o)))
        return Result(info.form, triples=tuple(triples), engine="rdflib"), False
    except ScoKgError:
        raise
    except Exception as exc:  # pyparsing's ParseException and rdflib's evaluation errors
        lineno, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
        if type(exc).__name__ == "ParseException" and lineno is not None:
            why = getattr(exc, "msg", str(exc))
            raise QueryError(f"SPARQL syntax error at line {lineno}, column {col}: {why}") from None
        raise QueryError(f"query failed: {type(exc).__name__}: {' '.join(str(exc).split())}") from None


def _copy_dataset(ds: Any) -> Any:
    from rdflib import Dataset

    copy = Dataset(default_union=True)
    copy.addN((s, p, o, copy.graph(g.identifier)) for s, p, o, g in ds.quads((None, None, None, None)))
    return copy


def evaluate(
    target: Any,
    text: str,
    info: QueryInfo,
    bindings: Mapping[str, Term] | None = None,
    max_rows: int | None = None,
) -> tuple[Result, bool]:
    """Evaluate ``text`` (already through the gate as ``info``) on a pyoxigraph ``Store`` or an rdflib ``Dataset``.

    Returns the result and whether the row cap cut it. No deadline here: :func:`run` adds one.
    """
    import pyoxigraph as ox

    bindings = dict(bindings or {})
    if isinstance(target, ox.Store):
        return _eval_oxigraph(target, bind_values(text, bindings) if bindings else text, info, max_rows)
    return _eval_rdflib(target, text, info, bindings, max_rows)


def _job(target: Any, payload: tuple[Any, ...]) -> tuple[Result, bool]:
    """The work of one query, in whatever process runs it: the gate (when not passed already), then evaluation."""
    text, info, rules, bindings, max_rows = payload
    if info is None:
        from sco_kg.sparql import gate

        info = gate.check(text, **rules)
    result, overflow = evaluate(target, text, info, bindings, max_rows)
    if info.form == "SELECT" and info.ordered:  # replace() costs ~10 us: only when something changes
        result = replace(result, ordered=True)
    return result, overflow


def _in_thread(fn: Callable[[], _T], timeout: float) -> _T:
    """Return ``fn()`` run in a daemon thread; raise :class:`QueryTimeout` when it is not done after ``timeout``
    seconds (the query is abandoned, still running: pyoxigraph cannot be interrupted)."""
    import _thread  # the threading module's start-up cost is not needed for one thread (as a daemon thread)

    box: dict[str, Any] = {}
    done = _thread.allocate_lock()
    done.acquire()

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.release()

    _thread.start_new_thread(target, ())
    if not done.acquire(timeout=timeout):
        raise QueryTimeout(
            f"query ran longer than {timeout:g} s and was stopped (raise the timeout, or add LIMIT / narrow it)"
        )
    if "error" in box:
        raise box["error"]
    return box["value"]


def _isolated(target: Any, payload: tuple[Any, ...], limits: Limits, network: bool) -> tuple[Result, bool]:
    if limits.isolation == "process":
        from sco_kg.engine import workers

        return workers.run_once(
            _job, payload, limits.timeout, memory_limit=limits.memory_limit, network=network, state=target,
            limit_hint="--memory-limit",
        )  # fmt: skip
    if limits.isolation == "thread" and limits.timeout is not None:
        return _in_thread(lambda: _job(target, payload), limits.timeout)
    return _job(target, payload)


def _finish(result: Result, overflow: bool, limits: Limits) -> Result:
    if overflow and not limits.truncate:
        raise QueryError(
            f"the query returned more than {limits.max_rows} rows (the row cap): add LIMIT, or raise --max-rows"
        )
    return replace(result, truncated=True) if overflow else result


def _gate(text: str, allow_update: bool, allow_service: tuple[str, ...]) -> QueryInfo:
    from sco_kg.sparql import gate  # rdflib's SPARQL parser: imported only for text from a user

    return gate.check(text, allow_update=allow_update, allow_service=allow_service)


def _trusted_info(text: str, limits: Limits) -> QueryInfo:
    info = lexer.outline(text)
    if not info.services:
        return info
    from urllib.parse import urlsplit

    refused = [s for s in info.services if s.startswith("?") or urlsplit(s).hostname not in limits.allow_service]
    if refused:  # a federated canned query runs only with its host allowed (--allow-service), as any query
        raise QueryRejected(
            f"SERVICE <{refused[0]}> is refused: federated queries are off (allow its host with --allow-service HOST)"
        )
    return info


def _names_graphs(text: str, info: QueryInfo) -> bool:
    """Return whether ``text`` may read a named graph: it says ``GRAPH`` or names its dataset (FROM, FROM NAMED).

    A query that does neither sees the default graph only (SPARQL 1.1 §13), so a store without the named graphs
    gives it the same answer.
    """
    if info.has_dataset_clause:
        return True
    return "GRAPH" in text.upper() and any(tok.is_kw("GRAPH") for tok in lexer.tokenize(text))


def _check_limits(limits: Limits, engine: str) -> None:
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    if limits.max_rows is not None and limits.max_rows < 0:
        raise UsageError(f"max_rows must be 0 or more, got {limits.max_rows}")
    if limits.timeout is not None and not limits.timeout > 0:
        raise UsageError(f"timeout must be a positive number of seconds, got {limits.timeout}")


def run(
    text: str,
    source: Source | None = None,
    limits: Limits | None = None,
    *,
    engine: Engine = "oxigraph",
    bindings: Mapping[str, Term] | None = None,
    allow_update: bool = False,
    target: Any = None,
    trusted: bool = False,
) -> Result:
    """Return the result of any SPARQL text on the dataset of ``source``, after the gate, within the limits.

    The gate (what the query may do) is decided before anything runs; the query then runs as
    ``limits.isolation`` says: by default in a forked worker process that is killed on the deadline, bounded
    in memory and (unless ``limits.allow_service`` lets a SERVICE through) without network.

    Args:
        text: a SPARQL 1.1 query (or update, when ``allow_update``).
        source: what the dataset holds (:class:`~sco_kg.dataset.Source`; the shipped dataset with inference
            when ``None``).
        limits: timeout, row cap, memory, isolation and allowed SERVICE hosts (:class:`Limits` when ``None``).
        engine: ``"oxigraph"`` (default) or ``"rdflib"``.
        bindings: values for variables, as RDF terms (bound as VALUES / initBindings).
        allow_update: run an update on an in-memory copy of the dataset (nothing is ever written to disk).
        target: a pyoxigraph ``Store`` or rdflib ``Dataset`` to query instead of the one ``source`` names.
        trusted: the text is one of the catalogue's own queries (:func:`run_canned`): it is described by the
            lexer instead of parsed by the gate (the same verdict, tested for every canned query; it keeps
            rdflib off the CLI read path). Never set it for text that comes from a user. On the shipped dataset
            (no ``with_files``, no ``store_dir``, no ``target``) with the oxigraph engine and no SERVICE, such a
            query runs in a thread with the deadline instead of a forked worker (``"process"`` isolation
            becomes ``"thread"``): its text and data are the project's own and bounded, and a fork costs more
            than the query. A query that names no graph then reads a store of the default graph alone.

    Raises:
        QueryRejected: the gate refuses the text (SERVICE, LOAD, remote FROM, update).
        QueryTimeout: the query ran out of time (its worker was killed).
        MemoryLimitExceeded: the query needed more memory than ``limits.memory_limit``.
        QueryError: a syntax error (with line and column), an evaluation error, or too many rows.
    """
    limits = limits or Limits()
    _check_limits(limits, engine)
    info = _trusted_info(text, limits) if trusted else _gate(text, allow_update, limits.allow_service)
    src = source or Source()
    embedded = target is None and src.store_dir is None and not src.with_files
    if target is None:
        if engine == "oxigraph":
            target = cached_store(src, named_graphs=not trusted or info.is_update or _names_graphs(text, info))
        else:
            if src.store_dir is not None:
                raise UsageError("--store works with the oxigraph engine only")
            target = cached_dataset(src)
    if info.is_update:
        import pyoxigraph as ox

        target = copy_store(target) if isinstance(target, ox.Store) else _copy_dataset(target)
    if trusted and embedded and engine == "oxigraph" and limits.isolation == "process" and not info.services:
        # A canned query on the shipped dataset: the project's own text (checked by the catalogue's tests) on its
        # own data (every canned query answers in milliseconds, and grows the process by a few MiB at most), so
        # a forked, memory-bounded, network-less worker guards against nothing here; the deadline stays.
        limits = replace(limits, isolation="thread")
    payload: tuple[Any, ...] = (text, info, {}, dict(bindings or {}), limits.max_rows)
    result, overflow = _isolated(target, payload, limits, network=bool(info.services))
    return _finish(result, overflow, limits)


async def run_in_pool(
    pool: WorkerPool,
    text: str,
    limits: Limits | None = None,
    *,
    bindings: Mapping[str, Term] | None = None,
    trusted: bool = False,
    wait: float | None = None,
    info: QueryInfo | None = None,
) -> Result:
    """Return the result of ``text`` run by a worker of ``pool`` (the server's), whose state is the store.

    The gate runs in the worker too, so neither it nor the query ever runs on the caller's event loop; a
    deadline kills and replaces the worker. The pool's workers have no network: SERVICE is refused.
    ``wait``: seconds to wait for a free worker (:class:`~sco_kg.engine.errors.PoolBusy` after that).
    ``info``: the gate's verdict on exactly ``text``, when the caller has it already (the worker then does not
    parse the text again).
    """
    limits = limits or Limits()
    _check_limits(limits, "oxigraph")
    if info is None and trusted:
        info = _trusted_info(text, Limits())  # else, without info: the gate runs in the worker
    payload = (text, info, {"allow_update": False, "allow_service": ()}, dict(bindings or {}), limits.max_rows)
    result, overflow = await pool.run_async(_job, payload, limits.timeout, wait=wait)
    return _finish(result, overflow, limits)


def run_here(
    target: Any,
    text: str,
    limits: Limits | None = None,
    *,
    info: QueryInfo | None = None,
    bindings: Mapping[str, Term] | None = None,
    trusted: bool = False,
) -> Result:
    """Return the result of ``text`` on ``target``, evaluated in this thread now, read-only.

    For a caller that is itself the isolated, killable unit (a serving process of ``sco-kg serve``, whose
    :class:`~sco_kg.server.guard.QueryGuard` keeps the deadline and the memory limit): no deadline here, the
    row cap of ``limits``. ``info``: the gate's verdict on exactly ``text`` when the caller has it; otherwise
    the gate (or, ``trusted``, the lexer) describes it first. SERVICE is refused, updates too.
    """
    limits = limits or Limits()
    _check_limits(limits, "oxigraph")
    if info is None:
        info = _trusted_info(text, Limits()) if trusted else _gate(text, False, ())
    if info.is_update:
        raise QueryRejected("SPARQL Update is not allowed here: this is a read-only query")
    result, overflow = _job(target, (text, info, {}, dict(bindings or {}), limits.max_rows))
    return _finish(result, overflow, limits)


#: the result formats pyoxigraph writes itself, byte for byte as :meth:`Result.serialize` (tests/test_prefork.py
#: compares them on every canned query)
RESULT_FORMATS = ("json", "xml", "csv", "tsv")


def writes_itself(info: QueryInfo, fmt: str) -> bool:
    """Whether :func:`serialized_here` gives the bytes of ``Result.serialize(fmt)`` for this query: SELECT in
    every result format, ASK in JSON and XML (CSV and TSV define no boolean; ours ends the line, pyoxigraph not)."""
    if info.is_update or fmt not in RESULT_FORMATS:
        return False
    return info.form == "SELECT" or (info.form == "ASK" and fmt in ("json", "xml"))


def serialized_here(target: Any, text: str, info: QueryInfo, fmt: str) -> bytes:
    """Return the answer of a SELECT or ASK ``text`` on the pyoxigraph ``target``, written by pyoxigraph itself.

    The same bytes as ``run_here(...).serialize(fmt)`` without building Python terms: for a caller that knows
    the result fits the row cap (a server answering a query it ran before on the same read-only store). No
    row cap and no deadline here. ``fmt``: one of :data:`RESULT_FORMATS`.
    """
    import pyoxigraph as ox

    if not writes_itself(info, fmt):
        raise UsageError(f"pyoxigraph does not write {info.form} results as {fmt} the way Result.serialize does")
    formats = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
               "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}  # fmt: skip
    try:
        body: bytes = target.query(text, **_query_options(target, info)).serialize(format=formats[fmt])
    except SyntaxError as exc:
        raise _syntax_error(exc) from None
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        raise QueryError(f"query failed: {' '.join(str(exc).split())}") from None
    return body


def run_canned(
    name: str,
    params: Mapping[str, str | Term] | None = None,
    source: Source | None = None,
    limits: Limits | None = None,
    *,
    engine: Engine = "oxigraph",
    target: Any = None,
) -> Result:
    """Return the result of the canned query ``name`` with ``params`` (raw strings are type-checked).

    Raises:
        UsageError: unknown query name (closest names suggested), unknown/missing/ill-typed parameter.
        QueryTimeout, QueryError: as for :func:`run`.
    """
    from sco_kg.sparql import catalog

    q = catalog.get(name)
    return run(
        q.text, source, limits, engine=engine, bindings=bind_params(q, params or {}), target=target, trusted=True
    )


def select(
    name: str,
    params: Mapping[str, str | Term] | None = None,
    source: Source | None = None,
    *,
    engine: Engine = "oxigraph",
) -> list[dict[str, Term]]:
    """Return the solutions of canned query ``name`` as a list of dicts from variable name to :class:`Term`."""
    return run_canned(name, params, source, engine=engine).bindings
