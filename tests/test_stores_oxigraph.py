"""Oxigraph (``oxigraph serve``) as a real store: detection, the default-graph check, idempotent pushes, a crash
in the middle of a --replace push, and the remote options every remote command shares.

The canned queries remote = local on Oxigraph are in tests/test_remote.py; this file adds what issue 15 asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import sco_kg
from bench.stores import Oxigraph
from sco_kg import export, remote
from sco_kg.cli import main
from sco_kg.engine.limits import Limits
from sco_kg.errors import RemoteError
from sco_kg.rdf import iri
from sco_kg.remote.inline import inline_bindings
from sco_kg.sparql import catalog
from sco_kg.sparql.params import bind_params
from tests.test_remote import _normalise
from tests.test_stores_virtuoso import changed_data, check_crash_report

pytestmark = pytest.mark.network_loopback


@pytest.fixture()
def oxigraph(tmp_path) -> Iterator[Oxigraph]:
    """An on-disk Oxigraph with a union default graph, stopped after the test."""
    server = Oxigraph(tmp_path / "db")
    server.start()
    yield server
    server.stop()


def test_oxigraph_detected_with_its_union_feature(tmp_path):
    """The Service Description says sd:UnionDefaultGraph exactly when the server runs --union-default-graph."""
    for union in (True, False):
        server = Oxigraph(tmp_path / f"db-{union}", union_default_graph=union)
        server.start()
        try:
            found = remote.detect(server.endpoint)
        finally:
            server.stop()
        assert found.name == "oxigraph" and found.server.startswith("Oxigraph/")
        assert found.union_default_graph is union


def test_default_graph_check_warns_and_strict_fails(tmp_path, capsys):
    """Quirk worked around: without --union-default-graph Oxigraph's default graph is empty, so every query gets 0
    rows; push says so and how to fix it (exit 0), and --strict makes it an error (exit 1)."""
    server = Oxigraph(tmp_path / "db", union_default_graph=False)
    server.start()
    try:
        base = ["push", "--endpoint", server.endpoint, "--select", "provenance", "--replace"]
        assert main(base) == 0
        captured = capsys.readouterr()
        assert "verified:" in captured.out and "--union-default-graph" in captured.err
        assert main([*base, "--strict"]) == 1
        err = capsys.readouterr().err
        assert "default graph does not show the data (--strict)" in err and len(err.strip().splitlines()) == 1
    finally:
        server.stop()


def test_push_twice_without_replace_changes_nothing(oxigraph):
    """Skolemised blank nodes: the second add finds every triple there (exact counts); with --keep-blank-nodes the
    same push adds the blank-node triples again, and the exact verification still holds."""
    quads = export.select("ontology")
    first = remote.push(quads, oxigraph.endpoint)
    second = remote.push(quads, oxigraph.endpoint)
    assert second.before == second.remote == first.remote
    (g,) = first.remote
    genids = remote.run_sparql(oxigraph.endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} "
                               f"FILTER(STRSTARTS(STR(?s), '{remote.GENID}')) }}")  # fmt: skip
    with_bnodes = int(genids.rows[0][0].value)
    assert with_bnodes > 50
    raw = remote.push(quads, oxigraph.endpoint, skolem=False)
    assert raw.remote[g] > first.remote[g]  # blank nodes are new nodes every time


def test_skolem_iris_are_stable_and_come_back_as_blank_nodes(oxigraph):
    """The same data gives the same genid IRIs (canonical labels); answers turn them back into blank nodes."""
    quads = export.select("ontology")
    a, b = remote.skolemise(quads), remote.skolemise(list(reversed(quads)))
    assert sorted(a) == sorted(b) and not any(t.kind == "bnode" for q in a for t in q if t is not None)
    remote.push(quads, oxigraph.endpoint, replace=True)
    s, p, _o, _ = next(q for q in quads if q[0].kind == "uri" and q[2].kind == "bnode")
    rows = remote.run_sparql(oxigraph.endpoint, f"SELECT ?o WHERE {{ {s.n3()} {p.n3()} ?o }}").rows
    assert rows and all(r[0].kind == "bnode" for r in rows)


def test_inlined_parameters_give_the_same_rows_as_values(tmp_path):
    """For every canned query with parameters, the text with the values written in (Virtuoso's form) gives the
    local engine the same rows as the VALUES form; where inlining would change the query it is not done."""
    inlined = 0
    for name in catalog.names():
        q = catalog.get(name)
        if not q.params or "federated" in q.tags:
            continue
        bindings = bind_params(q, {})
        text = inline_bindings(q.text, bindings)
        if text is None:
            continue
        inlined += 1
        a = sco_kg.run(q.text, None, Limits(), bindings=bindings)
        b = sco_kg.run(text, None, Limits())
        assert _normalise(a) == _normalise(b), name
    assert inlined >= 20
    assert inline_bindings("SELECT ?x WHERE { ?s ?p ?x }", {"x": export.Term.uri("https://example.org/")}) is None


def test_oxigraph_replace_survives_a_crash(tmp_path: Path):
    """SIGKILL Oxigraph during the switches of a --replace push and restart it on the same directory: every graph
    is whole, exactly the graphs the error calls new are new, and the staging graphs it names are there."""
    server = Oxigraph(tmp_path / "db")
    server.start()
    try:
        old = remote.push(export.select("all"), server.endpoint, replace=True).remote
        kill_at = len(old) + 3

        def crash(n: int) -> None:
            if n == kill_at:
                server.stop(kill=True)

        with pytest.raises(RemoteError, match="unreachable") as exc:
            remote.push(changed_data(), server.endpoint, replace=True, on_request=crash, retries=0)
        server.start()
        check_crash_report(str(exc.value), server.endpoint, old, switched=3)
        again = remote.push(changed_data(), server.endpoint, replace=True)  # converges, drops the leftovers
        assert again.stale_staging == len(old) - 3 and again.remote == {g: n + 1 for g, n in old.items()}
        left = remote.run_sparql(server.endpoint, f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "
                                 f"'{remote.STAGING}')) }}")  # fmt: skip
        assert left.boolean is False
    finally:
        server.stop()


def test_oxigraph_crash_while_staging_leaves_every_graph_old(tmp_path: Path):
    """SIGKILL during staging: nothing the user sees changed (the ontology graph keeps all its triples)."""
    server = Oxigraph(tmp_path / "db")
    server.start()
    try:
        old = remote.push(export.select("all"), server.endpoint, replace=True).remote

        def crash(n: int) -> None:
            if n == 10:
                server.stop(kill=True)

        with pytest.raises(RemoteError, match=r"nothing on the store changed, all \d+ graphs are old") as exc:
            remote.push(changed_data(), server.endpoint, replace=True, on_request=crash, retries=0)
        assert "staging graphs left on the store" in str(exc.value)
        server.start()
        assert remote.count_triples(server.endpoint, list(old)) == old
        assert old[iri.GRAPH_ONTOLOGY] > 1000
    finally:
        server.stop()


@pytest.mark.parametrize("command", [["query", "signatories"], ["sparql", "ASK {}"], ["push"]])
def test_every_remote_command_has_the_auth_options(command, capsys):
    """query, sparql and push share --user/--password-env/--token-env/--auth/--store-type (one definition)."""
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--user", "--password-env", "--token-env", "--auth", "--store-type"):
        assert option in out


def test_store_options_without_endpoint_are_refused(capsys):
    """A local run would ignore a login: --user without --endpoint is a usage error (exit 2)."""
    assert main(["query", "signatories", "--user", "alice"]) == 2
    assert "--user: only with --endpoint" in capsys.readouterr().err


def test_query_bearer_token_reaches_the_store(oxigraph, monkeypatch, capsys):
    """``sparql --endpoint --token-env`` (oxigraph ignores the header; the query still answers), and an unset
    variable is a usage error before anything is sent."""
    monkeypatch.setenv("SCO_KG_TEST_TOKEN", "tok")
    assert main(["sparql", "ASK {}", "--endpoint", oxigraph.endpoint, "--token-env", "SCO_KG_TEST_TOKEN",
                 "--format", "json"]) == 0  # fmt: skip
    assert '"boolean":true' in capsys.readouterr().out.replace(" ", "")
    monkeypatch.delenv("SCO_KG_TEST_TOKEN")
    assert main(["sparql", "ASK {}", "--endpoint", oxigraph.endpoint, "--token-env", "SCO_KG_TEST_TOKEN"]) == 2
