"""Virtuoso 7.2 (Debian's virtuoso-opensource) as a real store: push both ways, auth, replace under failure, queries.

A module fixture starts ``virtuoso-t`` with a virtuoso.ini of its own (bench/stores.py) in a temporary
directory: a fresh database, HTTP and SQL ports from free_port() on 127.0.0.1 (so the Debian package's own
service, if it runs, is never touched). Every Virtuoso quirk sco-kg works around has a test named after it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sco_kg
from bench.stores import Virtuoso
from sco_kg import export, remote
from sco_kg.cli import main
from sco_kg.engine.limits import Limits
from sco_kg.errors import RemoteError
from sco_kg.rdf import iri
from sco_kg.remote.auth import Auth
from sco_kg.remote.inline import inline_bindings
from sco_kg.sparql import catalog
from sco_kg.sparql.params import bind_params
from tests.conftest import require_tool
from tests.test_remote import _normalise

pytestmark = pytest.mark.network_loopback

DBA = Auth("dba", Virtuoso.PASSWORD)
DIGEST = Auth("dba", Virtuoso.PASSWORD, scheme="digest")
# Quirks that change results (not worked around; each has its own test below).
RESULT_QUIRKS = {"counts-by-class", "sco-members"}


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory) -> Iterator[Virtuoso]:
    """A running Virtuoso on loopback with an empty database."""
    require_tool("virtuoso-t", "virtuoso-opensource")
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pushed(virtuoso) -> remote.PushReport:
    """The dataset as local queries see it, pushed with --replace through the Graph Store Protocol (Digest)."""
    return remote.push(export.select("all"), virtuoso.endpoint, replace=True, auth=DBA)


def _local_counts(quads) -> dict[str, int]:
    out: dict[str, int] = {}
    for *_, g in set(remote.skolemise(quads)):
        out[g.value] = out.get(g.value, 0) + 1
    return out


def test_virtuoso_is_detected_from_its_service_description(virtuoso):
    """GET /sparql gives Virtuoso's Service Description (sd:UnionDefaultGraph) and its Server header."""
    found = remote.detect(virtuoso.endpoint)
    assert found.name == "virtuoso" and "Virtuoso" in found.server
    assert found.union_default_graph is True


def test_virtuoso_push_gsp_digest_exact_counts(pushed, virtuoso):
    """Stock layout: /sparql-graph-crud-auth + /sparql-auth with Digest (quirk: the stock auth endpoints accept only
    Digest); every graph holds exactly the local triples; the default graph shows them."""
    assert pushed.store_type == "virtuoso" and pushed.method == "Graph Store HTTP Protocol"
    expected = _local_counts(export.select("all"))
    assert pushed.remote == expected == pushed.expected
    assert pushed.default_graph_ok is True


def test_virtuoso_second_push_changes_nothing(pushed, virtuoso):
    """Blank nodes go as genid IRIs: pushing again WITHOUT --replace adds nothing (exact counts, before = after)."""
    again = remote.push(export.select("all"), virtuoso.endpoint, auth=DBA)
    assert again.before == again.remote == pushed.remote


def test_virtuoso_push_update_insert_template_quirk(virtuoso):
    """--method update. Quirks worked around: Virtuoso refuses ``"P5Y"^^xsd:duration`` in INSERT DATA (SR553), so
    the profile sends INSERT { } WHERE {}; and that form fails beyond ~1,500 triples (SP031, "generated SQL text
    has exceeded 10000 lines"), so its batches are capped at 500 triples."""
    g = "https://example.org/test/virtuoso-update"
    quads = [q for q in export.select("all") if q[0].value.startswith(iri.ID + "time/")]
    assert any(q[2].datatype == iri.PREFIXES["xsd"] + "duration" for q in quads)
    report = remote.push(quads, virtuoso.endpoint, target_graph=g, replace=True, auth=DBA, method="update")
    n = len(export.union(quads))
    assert report.method == "SPARQL 1.1 Update" and report.remote == {g: n}
    big = remote.push(export.select("ontology"), virtuoso.endpoint, target_graph=g, replace=True, auth=DBA,
                      method="update")  # fmt: skip
    assert big.requests >= -(-big.triples // 500) + 1  # staging batches of at most 500, then the MOVE
    with pytest.raises(RemoteError, match="SR553"):  # the quirk itself, still there in 7.2.5
        remote.push(quads, virtuoso.endpoint, target_graph=g, auth=DIGEST, method="update", store_type="generic",
                    update_url=virtuoso.url + "/sparql-auth", batch_size=5000)  # fmt: skip


def test_virtuoso_basic_against_digest_names_the_option(virtuoso):
    """Basic credentials sent to the Digest-only /sparql-auth: the error says --auth digest, not "wrong password".
    Quirk worked around: Virtuoso's 401 to Basic credentials has no challenge; one plain GET asks for it."""
    with pytest.raises(RemoteError, match=r"HTTP 401.*add --auth digest \(or --store-type virtuoso\)"):
        remote.push(export.select("provenance"), virtuoso.endpoint, auth=Auth("dba", "dba", scheme="basic"),
                    retries=0)  # fmt: skip
    with pytest.raises(RemoteError, match=r"HTTP 401.*check --user and the password"):
        remote.push(export.select("provenance"), virtuoso.endpoint, auth=Auth("dba", "wrong"), retries=0)


def test_virtuoso_default_layout_without_login_names_the_options(virtuoso):
    """Without credentials the anonymous endpoints refuse writes: the error names the options to fix."""
    with pytest.raises(RemoteError) as exc:
        remote.push(export.select("provenance"), virtuoso.endpoint, retries=0)
    assert "HTTP 403 forbidden" in str(exc.value) and "log in with --user/--password-env" in str(exc.value)
    assert "nothing on the store changed" in str(exc.value)


@pytest.mark.parametrize("name", [n for n in catalog.names() if "federated" not in catalog.get(n).tags])
def test_virtuoso_canned_query_equals_local(name, pushed, virtuoso):
    """Each offline canned query on Virtuoso equals the local result (two documented result quirks aside)."""
    q = catalog.get(name)
    bindings = bind_params(q, {})
    local = sco_kg.run(q.text, None, Limits(), bindings=bindings)
    there = remote.run_sparql(virtuoso.endpoint, q.text, bindings=bindings, inline=True, timeout=30, retries=0)
    if name in RESULT_QUIRKS:
        assert _normalise(there) != _normalise(local)  # a fixed Virtuoso makes this fail: drop the quirk then
        return
    assert _normalise(there) == _normalise(local)


def test_virtuoso_external_ids_values_hang_quirk(pushed, virtuoso):
    """Quirk worked around: with ?lang bound by a VALUES block (or BIND) next to the nested BIND(IF …) and FILTER,
    Virtuoso never answers ``external-ids`` (and after a few such queries nothing at all); the profile writes the
    parameter into the query as an RDF term, and it answers at once."""
    q = catalog.get("external-ids")
    bindings = bind_params(q, {})
    text = inline_bindings(q.text, bindings)
    assert text is not None and "VALUES ?lang" not in text and "?lang" not in text and '= "en"' in text
    there = remote.run_sparql(virtuoso.endpoint, q.text, bindings=bindings, inline=True, timeout=10, retries=0)
    assert len(there.rows) > 10


def test_virtuoso_ask_retval_quirk(pushed, virtuoso):
    """Quirk worked around: Virtuoso answers an ASK in JSON as a SELECT of ``__ASK_RETVAL`` = 1/0."""
    yes = remote.run_sparql(virtuoso.endpoint, f"ASK {{ ?s a <{iri.PREFIXES['sco']}State> }}")
    no = remote.run_sparql(virtuoso.endpoint, "ASK { <https://example.org/none> ?p ?o }")
    assert yes.boolean is True and no.boolean is False


def test_virtuoso_boolean_as_integer_quirk(pushed, virtuoso):
    """Quirk (not worked around: the client cannot know a column is boolean): ``sco-members`` shows
    ``BIND(EXISTS …)`` as 1/0 (xsd:integer) where the standard says true/false."""
    q = catalog.get("sco-members")
    there = remote.run_sparql(virtuoso.endpoint, q.text, bindings=bind_params(q, {}), inline=True)
    founding = {r["founding"].value for r in there.bindings}
    assert founding == {"1"} and {r["founding"].datatype for r in there.bindings} == {iri.PREFIXES["xsd"] + "integer"}


def test_virtuoso_system_graphs_in_default_graph_quirk(pushed, virtuoso):
    """Quirk (documented): Virtuoso's dataset includes its own system graphs, so ``counts-by-class`` shows extra
    classes; every local row is there, and every extra row's class is outside the project's graphs."""
    q = catalog.get("counts-by-class")
    bindings = bind_params(q, {})
    local = {tuple(t.value for t in r) for r in sco_kg.run(q.text, bindings=bindings).rows}
    there = {tuple(t.value for t in r) for r in remote.run_sparql(virtuoso.endpoint, q.text, bindings=bindings,
                                                                   inline=True).rows}  # fmt: skip
    remote_n = {cls: int(n) for cls, _label, n in there}
    differ = {cls for cls, _label, n in there} - {cls for cls, _label, n in local}
    differ |= {cls for cls, _label, n in local if remote_n.get(cls, 0) != int(n)}
    assert differ and all(remote_n.get(cls, 0) >= int(n) for cls, _label, n in local)
    for cls in differ:  # each extra instance is in a graph outside the project
        text = f"ASK {{ GRAPH ?g {{ ?x a <{cls}> }} FILTER(!STRSTARTS(STR(?g), '{iri.BASE}')) }}"
        assert remote.run_sparql(virtuoso.endpoint, text).boolean is True


def test_cli_query_with_digest_login(pushed, virtuoso, monkeypatch, capsys):
    """``query --endpoint …/sparql-auth --store-type virtuoso --user --password-env``: auth on every remote command."""
    monkeypatch.setenv("SCO_KG_TEST_VIRTUOSO_PW", Virtuoso.PASSWORD)
    assert main(["query", "signatories", "--format", "csv"]) == 0
    local = capsys.readouterr().out
    args = ["query", "signatories", "--format", "csv", "--endpoint", virtuoso.url + "/sparql-auth",
            "--store-type", "virtuoso", "--user", "dba", "--password-env", "SCO_KG_TEST_VIRTUOSO_PW"]  # fmt: skip
    assert main(args) == 0
    assert capsys.readouterr().out == local
    assert main([*args[:-1], "SCO_KG_UNSET_VARIABLE_X"]) == 2


def changed_data() -> list:
    """The dataset with one marker triple more in every graph: a graph's count tells old (n) from new (n + 1)."""
    quads = export.select("all")
    marker = (export.Term("uri", "https://example.org/marker"), export.Term("uri", "https://example.org/p"),
              export.Term("literal", "new", export.XSD_STRING))  # fmt: skip
    graphs = {q[3] for q in quads}
    return quads + [(*marker, g) for g in graphs]


def check_crash_report(msg: str, endpoint: str, old: dict[str, int], switched: int) -> None:
    """Check that after a crash every graph is whole and exactly the graphs the error calls new are new."""
    assert "new: " in msg and "; old (unchanged): " in msg, msg
    new_part, old_part = msg.split("new: ", 1)[1].split("; old (unchanged): ", 1)
    news, olds = new_part.split(), old_part.split(" (", 1)[0].split()
    assert len(news) == switched and len(news) + len(olds) == len(old)
    counts = remote.count_triples(endpoint, list(old))
    for g, n in old.items():
        name = iri.compact(g)
        assert counts[g] == (n + 1 if name in news else n), (g, counts[g], n)
    staging = msg.split("staging graphs left on the store (drop them with DROP GRAPH): ", 1)[1].split(": ", 1)[0]
    left = [t.strip("<>") for t in staging.split()]
    assert len(left) == len(olds)  # named exactly; still there, to be dropped
    assert remote.count_triples(endpoint, left) == {t: n for t, n in zip(left, counts_for(olds, old), strict=True)}


def counts_for(olds: list[str], old: dict[str, int]) -> list[int]:
    """Return the staged sizes (old count + the marker) of the graphs still old, in staging order."""
    by_name = {iri.compact(g): n for g, n in old.items()}
    return [by_name[name] + 1 for name in olds]


def test_virtuoso_replace_survives_a_crash(tmp_path):
    """Kill Virtuoso (SIGKILL) during the switches of a --replace push and restart it: every graph is whole, the
    graphs the error calls new are new, the others old, and the staging graphs it names are there to drop."""
    require_tool("virtuoso-t", "virtuoso-opensource")
    server = Virtuoso(tmp_path / "db")
    server.start()
    try:
        old = remote.push(export.select("all"), server.endpoint, replace=True, auth=DBA).remote
        kill_at = len(old) + 5  # one staging request per graph, then five switches (MOVE) done

        def crash(n: int) -> None:
            if n == kill_at:
                server.stop(kill=True)

        with pytest.raises(RemoteError, match="unreachable") as exc:
            remote.push(changed_data(), server.endpoint, replace=True, auth=DBA, on_request=crash, retries=0)
        server.start()
        check_crash_report(str(exc.value), server.endpoint, old, switched=5)
    finally:
        server.stop()


def test_virtuoso_long_values_quirk(virtuoso):
    """Quirk worked around: Virtuoso refuses a VALUES block of ~9,000 IRIs (SP030 "Too many arguments"), which
    counting the 8,600 graphs of the 1,000-document corpus needs; count_triples asks in chunks of 1,000."""
    graphs = [f"https://example.org/test/g{i}" for i in range(9000)]
    text = f"SELECT ?g WHERE {{ VALUES ?g {{ {' '.join(f'<{g}>' for g in graphs)} }} GRAPH ?g {{ ?s ?p ?o }} }}"
    with pytest.raises(RemoteError, match="SP030"):
        remote.run_sparql(virtuoso.endpoint, text, retries=0)
    counts = remote.count_triples(virtuoso.endpoint, [*graphs[:2500], iri.GRAPH_ONTOLOGY], retries=0)
    assert len(counts) == 2501 and set(list(counts.values())[:2500]) == {0}
