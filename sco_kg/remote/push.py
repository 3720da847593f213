"""Push quads into a remote store without ever leaving it worse than before, then verify exact counts.

:func:`push` works in two phases:

1. **Staging.** Every graph's triples go into a fresh temporary graph
   (``https://w3id.org/sco-kg/.well-known/push/RUN/N``), in batches, through the Graph Store HTTP Protocol
   (POST of N-Triples) or SPARQL 1.1 Update (``INSERT DATA``; the fallback when the store has no Graph Store
   endpoint). Nothing the user can see has changed yet.
2. **Switching.** Per graph, ONE Update request: ``MOVE <staging> TO <graph>`` (``--replace``) or
   ``ADD <staging> TO <graph> ; DROP GRAPH <staging>``. Each graph is therefore either wholly old or wholly new,
   and when a request fails the error names exactly which graphs are new, which are still old, and that all
   others were not touched; staging graphs are dropped (or named, if the store is gone).

Blank nodes are skolemised first (:mod:`sco_kg.remote.skolem`): the same data gives the same IRIs, so pushing
twice changes nothing, and Virtuoso accepts the ``INSERT DATA``. The verification then compares exact counts:
after ``--replace`` each graph holds exactly the pushed triples; after an add, what it held before plus the
pushed triples it did not have (counted on the staging graph before the switch). Finally one ``ASK`` without
``GRAPH`` tells whether the store's default graph shows the data (what ``sco-kg query --endpoint`` sees).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence

from sco_kg.errors import RemoteError, UsageError
from sco_kg.rdf import iri
from sco_kg.rdf.canon import union
from sco_kg.rdf.term import Quad
from sco_kg.remote import profiles
from sco_kg.remote.auth import Auth, for_profile
from sco_kg.remote.client import (
    COUNT_CHUNK,
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    count_triples,
    run_sparql,
)
from sco_kg.remote.skolem import skolemise
from sco_kg.remote.writes import (
    DEFAULT_BATCH,
    PushReport,
    _graph_ref,
    _name,
    _NoGraphStore,
    _Progress,
    _update_text,
    batches,
    derive_urls,
    push_gsp,
    push_update,
)

STAGING = iri.BASE + ".well-known/push/"

__all__ = ["DEFAULT_BATCH", "STAGING", "PushReport", "batches", "derive_urls", "push"]


def _names(graphs: Sequence[str]) -> str:
    return " ".join(iri.compact(g) if g else "default-graph" for g in graphs) or "none"


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
    store_type: str | None = "auto",
    skolem: bool = True,
    strict: bool = False,
    on_request: Callable[[int], None] | None = None,
) -> PushReport:
    """Load ``quads`` into a remote store through staging graphs and one atomic switch per graph; verify.

    Args:
        quads: canonical quads (from :func:`sco_kg.export.select`).
        endpoint: the store's SPARQL query endpoint (used for the counts and the default-graph check).
        store_url, update_url: its Graph Store and Update endpoints (default: the store profile's layout).
        target_graph: put everything into this one graph instead of keeping the named graphs.
        replace: replace each graph (``MOVE``) instead of adding to it (``ADD``).
        auth: credentials (the profile picks Basic or Digest unless ``auth.scheme`` was chosen).
        batch_size: triples per staging request (a blank node's triples are never split).
        progress: draw a progress bar on stderr.
        timeout, retries, backoff: as for :func:`sco_kg.remote.client.run_sparql`.
        method: ``auto`` (Graph Store Protocol, falling back to Update), ``gsp`` or ``update`` (for staging).
        verify: count the triples of each graph remotely afterwards and compare exactly.
        store_type: a profile name of :mod:`sco_kg.remote.profiles`, or ``auto`` (ask the store).
        skolem: write blank nodes as stable ``/.well-known/genid/`` IRIs (idempotent pushes).
        strict: fail when the store's default graph does not show the pushed data.
        on_request: called with the number of requests made so far after each one (progress, tests).

    Raises:
        RemoteError: a request failed (the message says which graphs are new, old or untouched), the remote
            counts differ, or (``strict``) the default graph does not show the data.
    """
    if batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {batch_size}")
    if method not in ("auto", "gsp", "update"):
        raise UsageError(f"unknown push method {method!r} (auto, gsp or update)")
    start = time.monotonic()
    found = profiles.resolve(store_type, endpoint, timeout, auth)
    profile = profiles.get(found.name)
    auth = for_profile(auth, profile.auth_scheme)
    store_url, update_url = derive_urls(endpoint, store_url, update_url, profile, authed=auth is not None)
    data = union(quads) if target_graph is not None else list(quads)
    if skolem:
        data = skolemise(data)
    by_graph: dict[str, list[Quad]] = {}
    for q in data:
        graph = target_graph if target_graph is not None else (q[3].value if q[3] is not None else "")
        by_graph.setdefault(graph, []).append(q)
    by_graph = {g: list(dict.fromkeys((s, p, o, None) for s, p, o, _ in ts)) for g, ts in sorted(by_graph.items())}
    report = PushReport(expected={g: len(ts) for g, ts in by_graph.items()}, store_type=profile.name,
                        server=found.server, default_graph_hint=profile.default_graph_hint)  # fmt: skip
    common = {"auth": auth, "timeout": timeout, "retries": retries, "backoff": backoff}
    run_id = uuid.uuid4().hex[:16]
    staging = {g: f"{STAGING}{run_id}/{i}" for i, g in enumerate(by_graph)}
    if method == "update" and profile.max_update_batch:
        batch_size = min(batch_size, profile.max_update_batch)
    plan = [(g, batches(ts, batch_size)) for g, ts in by_graph.items()]
    bar = _Progress(sum(len(b) for _, b in plan) + len(plan), progress)
    use = "update" if method == "update" else "gsp"

    def done() -> None:
        report.requests += 1
        if on_request is not None:
            on_request(report.requests)

    def update(text: str) -> None:
        try:
            push_update(endpoint, update_url, text, **common)  # type: ignore[arg-type]
        except RemoteError as exc:
            if any(f"HTTP {code} " in str(exc) for code in (404, 405)):
                raise RemoteError(
                    f"{exc} (no SPARQL Update endpoint there: give --update URL, or the store's layout with "
                    f"--store-type {'|'.join(profiles.STORE_TYPES[1:])})"
                ) from None
            raise
        done()

    staged: list[str] = []
    if verify and not replace:
        report.before = _counts(endpoint, list(by_graph), common)
    # Phase 1: staging. Nothing visible changes.
    try:
        for graph, graph_batches in plan:
            tmp = staging[graph]
            staged.append(graph)
            for batch in graph_batches:
                if use == "gsp":
                    try:
                        push_gsp(store_url, tmp, batch, False, **common)  # type: ignore[arg-type]
                        done()
                    except _NoGraphStore as exc:
                        if method == "gsp":
                            raise RemoteError(
                                f"{store_url}: no Graph Store Protocol there ({exc}): give --store URL, "
                                "--store-type, or --method update"
                            ) from None
                        use = "update"
                if use == "update":
                    update(_update_text(tmp, batch, profile.insert_template))
                bar.step(iri.compact(graph) if graph else "default graph")
        overlap = {} if replace or not verify else _overlap(endpoint, staging, common)
    except RemoteError as exc:
        bar.close()
        left = _cleanup(update, [staging[g] for g in staged])
        raise RemoteError(
            f"push failed while staging {_name(staged[-1]) if staged else 'the data'}: nothing on the store "
            f"changed, all {len(by_graph)} graphs are old; {left}: {exc}"
        ) from None
    # Phase 2: one atomic request per graph.
    for graph in by_graph:
        tmp = staging[graph]
        if replace:
            text = f"MOVE SILENT GRAPH <{tmp}> TO {_graph_ref(graph)}"
        else:
            text = f"ADD SILENT GRAPH <{tmp}> TO {_graph_ref(graph)} ;\nDROP SILENT GRAPH <{tmp}>"
        try:
            update(text)
        except RemoteError as exc:
            bar.close()
            rest = [g for g in by_graph if g not in report.graphs_written]
            left = _cleanup(update, [staging[g] for g in rest])
            raise RemoteError(
                f"push failed at {_name(graph)} after {len(report.graphs_written)} of {len(plan)} graphs: "
                f"new: {_names(report.graphs_written)}; old (unchanged): {_names(rest)} "
                f"({_name(graph)} is switched by one atomic request, so it is old, or new if the store applied "
                f"it before failing); every other graph on the store untouched; {left}: {exc}"
            ) from None
        report.graphs_written.append(graph)
        bar.step(iri.compact(graph) if graph else "default graph")
    bar.close()
    report.method = "Graph Store HTTP Protocol" if use == "gsp" else "SPARQL 1.1 Update"
    report.stale_staging = _drop_stale_staging(endpoint, update, run_id, common)
    if verify:
        _verify(report, endpoint, replace, overlap, common)
        report.default_graph_ok = _default_graph_shows(endpoint, by_graph, common)
        if strict and report.default_graph_ok is False:
            raise RemoteError(
                f"pushed and verified, but the store's default graph does not show the data (--strict): "
                f"{profile.default_graph_hint}"
            )
    report.seconds = time.monotonic() - start
    return report


def _counts(endpoint: str, graphs: list[str], common: dict) -> dict[str, int]:
    return count_triples(endpoint, graphs, common["timeout"], common["retries"], common["backoff"], common["auth"])


def _overlap(endpoint: str, staging: dict[str, str], common: dict) -> dict[str, int]:
    """Return, per graph, how many staged triples the graph already holds (an add does not add them again)."""
    out: dict[str, int] = {}
    pairs = [(g, t) for g, t in staging.items() if g]
    for i in range(0, len(pairs), COUNT_CHUNK):
        chunk = pairs[i : i + COUNT_CHUNK]
        values = " ".join(f"(<{g}> <{t}>)" for g, t in chunk)
        text = (
            f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES (?g ?t) {{ {values} }} GRAPH ?t {{ ?s ?p ?o }} "
            "FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?g"
        )
        res = run_sparql(endpoint, text, **common)
        found = {row[0].value: int(row[1].value) for row in res.rows if row[0] is not None and row[1] is not None}
        out.update({g: found.get(g, 0) for g, _ in chunk})
    return out


def _drop_stale_staging(endpoint: str, update: Callable[[str], None], run_id: str, common: dict) -> int:
    """Drop staging graphs that an earlier push left behind when the store died under it; return how many.

    (Its error named them.) A push running at the same time would lose its staging graphs and fail its
    verification, never silently.
    """
    text = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGING}")) }}'
    try:
        res = run_sparql(endpoint, text, **common)
        stale = [
            r[0].value for r in res.rows
            if r[0] is not None and r[0].value.startswith(STAGING) and not r[0].value.startswith(f"{STAGING}{run_id}/")
        ]  # fmt: skip
        if stale:
            update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in stale))
    except RemoteError:
        return 0  # housekeeping only: the verification that follows reports a failing store
    return len(stale)


def _cleanup(update: Callable[[str], None], graphs: list[str]) -> str:
    """Drop the staging graphs left behind; return what the error message should say about them."""
    if not graphs:
        return "no staging graph left"
    try:
        update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
    except RemoteError:
        return f"staging graphs left on the store (drop them with DROP GRAPH): {_names(graphs)}"
    return "staging graphs dropped"


def _verify(report: PushReport, endpoint: str, replace: bool, overlap: dict[str, int], common: dict) -> None:
    try:
        report.remote = _counts(endpoint, list(report.expected), common)
    except RemoteError as exc:
        n = len(report.expected)
        raise RemoteError(f"pushed all {n} graphs but could not verify them on the store: {exc}") from None
    wrong = []
    for g, n in report.expected.items():
        want = n if replace else report.before.get(g, 0) + n - overlap.get(g, 0)
        # the default graph may be the union of all graphs: at least what was added
        ok = report.remote.get(g, 0) >= n if not g and not replace else report.remote.get(g, 0) == want
        if not ok:
            wrong.append((g, want))
    if wrong:
        g, want = wrong[0]
        raise RemoteError(
            f"push verification failed: graph {_name(g)} has {report.remote.get(g, 0)} triples on the store, "
            f"expected {want} ({len(wrong)} graph(s) differ)"
        )


def _default_graph_shows(endpoint: str, by_graph: dict[str, list[Quad]], common: dict) -> bool | None:
    """Return whether an ``ASK`` without ``GRAPH`` finds a pushed triple of a named graph (``None``: none to ask)."""
    for graph, triples in by_graph.items():
        if graph and triples:
            s, p, o, _ = triples[0]
            res = run_sparql(endpoint, f"ASK {{ {s.n3()} {p.n3()} {o.n3()} }}", **common)
            return bool(res.boolean)
    return None
