"""Differential tests against Apache Jena ARQ, an engine nobody here wrote (issue 13).

Every canned query (parameters at their defaults, bound as sco-kg binds them: the VALUES block of
:func:`sco_kg.bind_values` for Jena, the server and pyoxigraph, ``initBindings`` on rdflib) and 230
generated ad-hoc queries (:mod:`tests.sparql_gen`) run on Jena over ``sco-kg export -f nq -g all`` (every
graph, the inferred ones included; see :mod:`tests.jena` for the dataset and the normalisation) and on sco-kg:
the Python API on both engines, the CLI ``sco-kg sparql --format json`` on both engines (every canned query and
every 8th generated one: a CLI call costs a process start, 0.1-0.5 s), and the server's ``/sparql`` (every query).
Rows are compared as bags.

Known differences, each checked to be exactly what it claims (the answer equals pyoxigraph's own answer on a
plain store loaded with the same quads), so that nothing else can hide behind them; both are pyoxigraph's
(Oxigraph 0.5.13), not sco-kg's:

* ``several FROM``: pyoxigraph evaluates a default graph made of several graphs (``FROM <a> FROM <b>``) as a
  bag, not as their RDF merge: a triple in both graphs matches twice (not fixed here).
* ``zero-length path``: for ``<c> p* ?y`` where ``<c>`` occurs nowhere in the data, SPARQL 1.1 (18.4,
  ZeroLengthPath) gives ``?y = <c>``; Jena and rdflib do, pyoxigraph gives no row.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

import sco_kg
from sco_kg.reasoning import materialize as closure
from sco_kg.sparql import catalog
from sco_kg.sparql.params import bind_params, bind_values
from tests import jena, sparql_gen
from tests.conftest import serve_subprocess

pytestmark = pytest.mark.slow  # a JVM per query batch and the rdflib engine: minutes (docs/how-to/develop.md)

CANNED = [q for q in catalog.all_queries() if not q.federated]
GENERATED = sparql_gen.generate(230)
TEXTS = [bind_values(q.text, bind_params(q, {})) for q in CANNED] + GENERATED
NAMES = [f"canned:{q.name}" for q in CANNED] + [f"gen:{i:03d}" for i in range(len(GENERATED))]
CLI_EVERY = 8


def _need_jena() -> None:
    import os

    why = jena.missing()
    if why is None:
        return
    if os.environ.get("SCO_KG_REQUIRE_SYSTEM_TOOLS") == "1":
        pytest.fail(why + " (SCO_KG_REQUIRE_SYSTEM_TOOLS=1: CI must not skip)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every graph of the dataset as N-Quads, written by the CLI's exporter."""
    out = tmp_path_factory.mktemp("jena") / "all.nq"
    cmd = [sys.executable, "-m", "sco_kg.cli", "export", "-f", "nq", "-g", "all", "-o", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    return out


@pytest.fixture(scope="module")
def jena_answers(exported: Path, tmp_path_factory: pytest.TempPathFactory) -> list[jena.Answer]:
    """Jena's answers to every query, from one JVM."""
    _need_jena()
    batch = jena.run_queries(exported, TEXTS, tmp_path_factory.mktemp("jena-q"), jena.default_cache())
    print(f"\nJena: {len(TEXTS)} queries in one JVM, {batch.seconds:.1f} s")
    return batch.answers


@pytest.fixture(scope="module")
def plain_store() -> ox.Store:
    """The materialised dataset in a plain pyoxigraph store (no default graph: the union flag applies)."""
    store = ox.Store()
    store.bulk_load(path=str(closure.materialized_path()), format=ox.RdfFormat.N_QUADS)
    return store


def _known(path: str, text: str) -> str | None:
    """Return the known difference a query may show on ``path`` (see the module docstring), if any."""
    if path.startswith(("api-oxigraph", "cli-oxigraph", "server")) and len(re.findall(r"\bFROM <", text)) >= 2:
        return "several FROM"
    if path.startswith(("api-oxigraph", "cli-oxigraph", "server")) and re.search(r"\)[*?] \?y", text):
        return "zero-length path"
    return None


def _compare(path: str, answers: list[jena.Answer | None], jena_answers: list[jena.Answer], plain: ox.Store) -> str:
    derived = "oxigraph" in path or path == "server"
    equal, explained, unexplained = 0, Counter[str](), []
    for name, text, ours, theirs in zip(NAMES, TEXTS, answers, jena_answers, strict=True):
        if ours is None:
            continue
        assert theirs.error is None, f"{name}: Jena cannot run it: {theirs.error}"
        a, b = jena.bag(ours, derived), jena.bag(theirs, derived)
        if a == b:
            equal += 1
            continue
        why = _known(path, text)
        own = _pyoxigraph_answer(plain, text)
        if why is not None and jena.bag(own, derived) == a:
            explained[why] += 1
        else:
            unexplained.append(f"{name} [{why or 'unknown'}]: {jena.describe_difference(a, b)}\n{text[-300:]}")
    total = equal + sum(explained.values()) + len(unexplained)
    summary = f"{path}: {total} queries, {equal} equal, explained {dict(explained)}, unexplained {len(unexplained)}"
    print("\n" + summary)
    assert not unexplained, summary + "\n" + "\n".join(unexplained[:10])
    return summary


def _pyoxigraph_answer(store: ox.Store, text: str) -> jena.Answer:
    flag = {} if re.search(r"\bFROM\b", text) else {"use_default_graph_as_union": True}
    res: Any = store.query(text, **flag)  # type: ignore[arg-type]
    return jena.parse_results_json(res.serialize(format=ox.QueryResultsFormat.JSON))


def _api(engine: str) -> list[jena.Answer | None]:
    out: list[jena.Answer | None] = []
    for q in CANNED:  # bound as sco-kg binds them on each engine
        out.append(jena.parse_results_json(sco_kg.query(q.name, engine=engine).serialize("json")))  # type: ignore[arg-type]
    for text in GENERATED:
        out.append(jena.parse_results_json(sco_kg.run(text, engine=engine).serialize("json")))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_python_api_agrees_with_jena(engine, jena_answers, plain_store):
    _compare(f"api-{engine}", _api(engine), jena_answers, plain_store)


def _cli(engine: str, index: int, tmp: Path) -> jena.Answer:
    if index < len(CANNED):  # parameters bound by the CLI itself (initBindings on rdflib, VALUES on pyoxigraph)
        args = ["query", CANNED[index].name]
    else:
        qfile = tmp / "q.rq"
        qfile.write_text(TEXTS[index], encoding="utf-8")
        args = ["sparql", "-f", str(qfile)]
    cmd = [sys.executable, "-m", "sco_kg.cli", *args, "--format", "json", "--engine", engine]
    proc = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    return jena.parse_results_json(proc.stdout)


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_cli_agrees_with_jena(engine, jena_answers, plain_store, tmp_path):
    picked = [i < len(CANNED) or (i - len(CANNED)) % CLI_EVERY == 0 for i in range(len(TEXTS))]
    answers = [_cli(engine, i, tmp_path) if keep else None for i, keep in enumerate(picked)]
    summary = _compare(f"cli-{engine}", answers, jena_answers, plain_store)
    assert f"{sum(picked)} queries" in summary


def _post(base: str, text: str) -> jena.Answer:
    req = urllib.request.Request(
        base + "sparql",
        data=urllib.parse.urlencode({"query": text}).encode(),
        headers={"Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 200
        return jena.parse_results_json(r.read())


def test_server_agrees_with_jena(jena_answers, plain_store):
    with serve_subprocess() as (_proc, base):
        answers: list[jena.Answer | None] = [_post(base, t) for t in TEXTS]
    _compare("server", answers, jena_answers, plain_store)


def test_generated_queries_cover_the_grammar(jena_answers):
    """The generated set is at least 200 queries, uses every construct named in the issue, and mostly has rows."""
    assert len(GENERATED) >= 200 and len(set(GENERATED)) == len(GENERATED)
    body = "\n".join(t.split("PREFIX owl: <http://www.w3.org/2002/07/owl#>\n", 1)[1] for t in GENERATED)
    for word in ("FROM <", "FROM NAMED", "GRAPH ?g", "OPTIONAL", "GROUP BY", "COUNT(", "DATATYPE(", "LANG(",
                 ")+", "DISTINCT", "FILTER", "UNION", "MINUS", "BIND(", "ASK"):  # fmt: skip
        assert word in body, word
    for path in (r"\w/\^?(sco|org|skos|rdf|rdfs|dcterms):", r" \^(sco|org|skos|rdf|rdfs|dcterms):", r"\w\|(sco|org)"):
        assert re.search(path, body), path  # sequence, inverse and alternative paths
    answers = jena_answers[len(CANNED) :]
    with_rows = sum(1 for a in answers if a.rows or a.boolean)
    assert with_rows >= 0.7 * len(answers), f"only {with_rows} of {len(answers)} generated queries match anything"


def test_canned_queries_all_return_rows_on_jena(jena_answers):
    assert len(CANNED) >= 25, len(CANNED)  # the loop sees the catalogue
    for name, answer in zip(NAMES[: len(CANNED)], jena_answers[: len(CANNED)], strict=True):
        assert answer.error is None and answer.rows, f"{name}: {answer}"


def test_jena_sees_the_default_graph_as_a_set_and_honours_from(exported, tmp_path):
    """The oracle and the fixed engine agree with counts taken from the file itself: COUNT(*) over the default
    graph is the number of distinct triples (not of quads), FROM one graph gives that graph's size, and FROM
    NAMED alone leaves the default graph empty."""
    inferred = "https://w3id.org/sco-kg/graph/inferred"
    quads = list(ox.parse(path=str(exported), format=ox.RdfFormat.N_QUADS))
    triples = {(q.subject, q.predicate, q.object) for q in quads}
    in_inferred = sum(1 for q in quads if getattr(q.graph_name, "value", None) == inferred)
    assert len(triples) < len(quads)  # the point of the test: some triple is in two graphs
    texts = ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
             f"SELECT (COUNT(*) AS ?n) FROM <{inferred}> WHERE {{ ?s ?p ?o }}",
             f"SELECT (COUNT(*) AS ?n) FROM NAMED <{inferred}> WHERE {{ ?s ?p ?o }}"]  # fmt: skip
    expected = [len(triples), in_inferred, 0]
    _need_jena()
    batch = jena.run_queries(exported, texts, tmp_path, jena.default_cache())
    assert [int(a.rows[0]["n"]["value"]) for a in batch.answers] == expected
    for engine in ("oxigraph", "rdflib"):
        ours = [json.loads(sco_kg.run(t, engine=engine).serialize("json")) for t in texts]
        assert [int(doc["results"]["bindings"][0]["n"]["value"]) for doc in ours] == expected, engine
