"""The query page (issue 17, web half): YASGUI vendored and shipped, CSP, canned queries one click away with only
their SPARQL, results on GET URLs, predeclared prefixes, the CLI's error line, IRI and label in one cell, sorting."""

from __future__ import annotations

import hashlib
import html
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest

import sco_kg
from sco_kg.errors import ScoKgError
from sco_kg.rdf import iri
from sco_kg.server.queries import body, fold_labels, predeclare, sort_view, unshift
from sco_kg.sparql import catalog

pytest.importorskip("starlette")
from starlette.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
STATIC = REPO / "sco_kg" / "server" / "static"
VENDORED = ["yasgui/yasgui.min.js", "yasgui/yasgui.min.css", "yasgui/LICENSE", "yasgui/README.md", "query.js"]


def _table(page: str) -> str:
    return page.split('<table class="results">')[1].split("</table>")[0]


def _error(page: str) -> str:
    found = re.findall(r'<p class="error" role="alert">([^<]*)</p>', page)
    assert len(found) == 1, page[-2000:]
    return html.unescape(found[0])


def test_yasgui_vendored_pinned_with_licence_and_served(client: TestClient) -> None:
    readme = (STATIC / "yasgui" / "README.md").read_text()
    assert "@zazuko/yasgui 4.6.2" in readme
    for name in ("yasgui.min.js", "yasgui.min.css"):
        digest = hashlib.sha256((STATIC / "yasgui" / name).read_bytes()).hexdigest()
        assert f"`{name}`" in readme and digest in readme, name  # the note's hash is the file's
        r = client.get(f"/static/yasgui/{name}")
        assert r.status_code == 200 and r.content == (STATIC / "yasgui" / name).read_bytes()
    assert "MIT License" in (STATIC / "yasgui" / "LICENSE").read_text()
    assert "url(" not in (STATIC / "yasgui" / "yasgui.min.css").read_text()  # no web fonts or images from elsewhere


def test_only_the_query_page_may_run_scripts_and_only_its_own(client: TestClient) -> None:
    page = client.get("/query")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'none'" in csp and "unsafe" not in csp
    assert len(page.headers.get_list("content-security-policy")) == 1
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts == ["http://testserver/static/yasgui/yasgui.min.js", "http://testserver/static/query.js"]
    assert "<script>" not in page.text and " on" + "click=" not in page.text  # nothing inline: 'self' suffices
    for other in ("/", "/text", "/id/state/china", "/queries"):
        r = client.get(other, headers={"Accept": "text/html"})
        assert "script-src 'none'" in r.headers["content-security-policy"], other


def test_canned_queries_one_click_away_with_only_their_sparql(client: TestClient) -> None:
    page = client.get("/query")
    links = re.findall(r'<nav class="canned".*?</nav>', page.text, re.S)[0]
    for q in catalog.all_queries():
        assert f'href="http://testserver/query?name={q.name}"' in links, q.name
    sig = client.get("/query", params={"name": "signatories"})
    text = sig.text.split("<textarea")[1].split("</textarea>")[0]
    assert "#+" not in text and "sco:isSignatoryOf" in text
    assert 'name="p_lang" value="en"' in sig.text and 'id="results"' not in sig.text
    q = catalog.get("signatories")
    assert body(q.text).startswith("PREFIX") and all(not ln.startswith("#+") for ln in body(q.text).splitlines())


def test_canned_run_on_a_get_url_with_parameters(client: TestClient) -> None:
    ru = client.get("/query", params={"name": "signatories", "run": "1", "p_lang": "ru"})
    assert ru.status_code == 200
    table = _table(ru.text)
    assert table.count("<tr>") == 1 + 6 and "Казахстан" in table
    # the editor's unchanged text comes back with the form: still the canned query, with its parameters
    text = body(catalog.get("signatories").text)
    again = client.get("/query", params={"name": "signatories", "run": "1", "p_lang": "ru", "query": text})
    assert (
        _table(again.text).split("<tbody>")[1] == table.split("<tbody>")[1]
        and "queries/signatories?lang=ru&amp;format=csv" in again.text
    )


def test_adhoc_query_on_a_get_url_with_the_project_prefixes_predeclared(client: TestClient) -> None:
    q = "SELECT ?state WHERE { ?state sco:isSignatoryOf document:declaration-2001 ; a sco:State }"
    r = client.get("/query", params={"query": q})
    assert r.status_code == 200
    table = _table(r.text)
    assert table.count("<tr>") == 1 + 6
    for name in ("china", "kazakhstan", "kyrgyzstan", "russia", "tajikistan", "uzbekistan"):
        assert f'<code class="iri">state:{name}</code>' in table  # IRI and label in one cell
    assert ">People&#39;s Republic of China</a><br>" in table
    # a query's own PREFIX line wins over the predeclared one
    own = client.get("/query", params={"query": "PREFIX sco: <http://example.org/x#> SELECT (sco:a AS ?v) {}"})
    assert "http://example.org/x#a" in _table(own.text)
    # the download link carries the predeclared text, so /sparql answers it too
    csv_href = re.findall(r'<a href="([^"]+format=csv)">', r.text)[0].replace("&amp;", "&")
    csv = client.get(csv_href.replace("http://testserver", ""))
    assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == 1 + 6
    # the starter text of an empty editor runs as it is
    starter = html.unescape(client.get("/query").text.split("<textarea")[1].split(">", 1)[1].split("</textarea>")[0])
    assert starter.startswith(iri.sparql_prefixes())
    ran = client.get("/query", params={"query": starter})
    assert ran.status_code == 200 and "sco:State" in _table(ran.text)


@pytest.mark.parametrize(
    "text",
    ["SELECT ?x\nWHERE { ?x ?p }", "SELECT ?x WHERE {\n  ?x nope:thing ?y }", "SELECT WHERE {"],
)
def test_errors_are_the_cli_line(client: TestClient, text: str) -> None:
    cli = subprocess.run([sys.executable, "-m", "sco_kg.cli", "sparql", text], capture_output=True, text=True)
    assert cli.returncode != 0 and cli.stderr.count("\n") == 1, cli.stderr
    r = client.get("/query", params={"query": text})
    assert r.status_code == 400
    assert _error(r.text) == cli.stderr.strip().removeprefix("sco-kg: error: ")


def test_update_refused_on_the_page(client: TestClient) -> None:
    r = client.get("/query", params={"query": "DROP ALL"})
    assert r.status_code == 403 and "read-only" in _error(r.text)


def test_sorting_by_a_column(client: TestClient) -> None:
    q = "SELECT ?state WHERE { ?state sco:isSignatoryOf document:declaration-2001 ; a sco:State }"
    up = client.get("/query", params={"query": q, "sort": "state"})
    down = client.get("/query", params={"query": q, "sort": "-state"})
    labels_up = re.findall(r'<code class="iri">(state:[a-z]+)</code>', _table(up.text))
    labels_down = re.findall(r'<code class="iri">(state:[a-z]+)</code>', _table(down.text))
    assert labels_down == labels_up[::-1] and len(labels_up) == 6
    assert labels_up[0] == "state:kyrgyzstan"  # "Kyrgyz Republic" sorts first by its label
    assert 'aria-sort="descending"' in down.text
    assert "sort=state" in re.findall(r'<a class="sort" href="([^"]+)"', down.text)[0]  # the header flips it back


def test_sort_view_numbers_and_fold_labels() -> None:
    def lit(text: str, dt: str = "") -> dict:
        return {"kind": "literal", "text": text, "lang": "", "datatype": dt}

    def node(text: str) -> dict:
        return {"kind": "iri", "text": text, "href": "", "iri": "urn:" + text, "compact": text, "external": True}

    view = {"kind": "select", "columns": ["n"], "rows": [[lit("10", "xsd:integer")], [lit("9", "xsd:integer")], [None]]}
    assert [r[0] and r[0]["text"] for r in sort_view(view, "n")["rows"]] == ["9", "10", None]
    assert sort_view(view, "nope") is view
    table = {"kind": "select", "columns": ["s", "label"], "rows": [[node("China"), lit("China")], [node("Iran"), None]]}
    folded = fold_labels(table)
    assert folded["columns"] == ["s"] and folded["folded"] == [("label", "s")]
    other = {"kind": "select", "columns": ["s", "label"], "rows": [[node("China"), lit("PRC")]]}
    assert fold_labels(other) is other


def test_predeclare_and_unshift_agree_with_the_engine() -> None:
    text = "SELECT ?s WHERE {\n ?s rdfs:label ?l"
    with pytest.raises(ScoKgError) as alone:
        sco_kg.run(text, target=ox.Store(), limits=sco_kg.Limits(isolation="none"))
    with pytest.raises(ScoKgError) as prefixed:
        sco_kg.run(predeclare(text), target=ox.Store(), limits=sco_kg.Limits(isolation="none"))
    assert "line 2" in str(alone.value) and unshift(str(prefixed.value)) == str(alone.value)


def test_the_wheel_ships_the_editor(tmp_path: Path) -> None:
    if not (REPO / "pyproject.toml").exists():
        pytest.skip("not a source checkout")
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(tmp_path),
        str(REPO),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    with zipfile.ZipFile(next(tmp_path.glob("sco_kg-*.whl"))) as whl:
        names = set(whl.namelist())
        for rel in VENDORED:
            assert f"sco_kg/server/static/{rel}" in names, rel
        assert whl.read("sco_kg/server/static/yasgui/yasgui.min.js") == (STATIC / "yasgui/yasgui.min.js").read_bytes()
