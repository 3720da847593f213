"""Every bad input of issue 9 gets a one-line message and exit 1/2 (CLI) or a 4xx with a short body (server).

The tables below are the source of ``docs/bad-inputs.md`` (each row's id appears there; a test checks it).
A CLI row is ``(id, argv, exit code, text the error line contains)``; ``{d}`` is a directory of bad files.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

import sco_kg
from sco_kg.cli import main
from sco_kg.dataset import Source
from sco_kg.errors import DataFileError, UsageError
from sco_kg.io.inputs import DEFAULT_MAX_INPUT_BYTES, max_input_bytes
from sco_kg.io.rdflib_parse import parse_into
from sco_kg.sparql import catalog
from sco_kg.sparql.params import bind_params

DOC = Path(__file__).resolve().parent.parent / "docs" / "bad-inputs.md"

# (id, argv, exit code, substring of the one-line error or None: success or any one-line message)
CLI_CASES = [
    # --- usage / argument types
    ("no-command", [], 2, "usage"),
    ("unknown-command", ["frobnicate"], 2, "invalid choice"),
    ("unknown-option", ["stats", "--bogus"], 2, "unrecognized arguments"),
    ("choice-format", ["sparql", "--format", "yaml", "ASK {}"], 2, "invalid choice"),
    ("choice-lang", ["query", "signatories", "--lang", "fr"], 2, "invalid choice"),
    ("choice-engine", ["sparql", "--engine", "jena", "ASK {}"], 2, "invalid choice"),
    ("choice-graph", ["export", "--graph", "everything"], 2, "invalid choice"),
    ("float-timeout-text", ["sparql", "--timeout", "soon", "ASK {}"], 2, "expected a number of seconds"),
    ("float-timeout-negative", ["sparql", "--timeout", "-1", "ASK {}"], 2, "positive"),
    ("float-timeout-nan", ["sparql", "--timeout", "nan", "ASK {}"], 2, "positive"),
    ("float-timeout-inf", ["sparql", "--timeout", "inf", "ASK {}"], 2, "positive"),
    ("int-max-rows-text", ["sparql", "--max-rows", "many", "ASK {}"], 2, "expected a whole number"),
    ("int-max-rows-negative", ["sparql", "--max-rows", "-5", "ASK {}"], 2, "0 or more"),
    ("size-max-bytes-text", ["sparql", "--max-bytes", "12Q", "ASK {}"], 2, "expected a size in bytes"),
    ("int-port-range", ["serve", "--port", "70000"], 2, "port must be 0-65535"),
    ("int-port-text", ["serve", "--port", "http"], 2, "not a port number"),
    ("float-serve-timeout", ["serve", "--timeout", "0"], 2, "positive"),
    ("int-serve-max-rows", ["serve", "--max-rows", "0"], 2, "must be 1 or more"),
    ("url-base-url", ["serve", "--base-url", "example.org", "--port", "0"], 2, "--base-url must be an http(s) URL"),
    ("url-endpoint-scheme", ["sparql", "--endpoint", "ftp://example.org/sparql", "ASK {}"], 2, None),
    ("url-push-endpoint", ["push", "--endpoint", "not a url"], 2, None),
    ("int-push-batch", ["push", "--endpoint", "http://127.0.0.1:9/sparql", "--batch-size", "x"], 2, "invalid int"),
    ("keyvalue-param", ["query", "signatories", "--param", "lang"], 2, "expected KEY=VALUE"),
    ("keyvalue-param-twice", ["query", "signatories", "--param", "lang=en", "--param", "lang=zh"], 2, "given twice"),
    ("query-name-unknown", ["query", "signatorys"], 2, "signatories"),
    ("param-unknown", ["query", "signatories", "--param", "colour=red"], 2, "unknown parameter"),
    ("sparql-both-text-and-file", ["sparql", "ASK {}", "-f", "{d}/ok.rq"], 2, "not both"),
    ("sparql-neither", ["sparql"], 2, "either as an argument"),
    ("store-with-no-inference", ["sparql", "--store", "{d}", "--no-inference", "ASK {}"], 2, "cannot be combined"),
    ("export-frame-format", ["export", "--frame", "entity", "--format", "ttl"], 2, "needs --format jsonld"),
    ("export-output-directory", ["export", "-o", "{d}"], 2, "is a directory"),
    ("export-output-unwritable", ["export", "-o", "/proc/sco-kg/out.ttl"], 1, None),
    ("format-graph-for-select", ["sparql", "--format", "turtle", "ASK {}"], 2, "CONSTRUCT/DESCRIBE"),
    ("format-table-for-construct", ["sparql", "--format", "csv", "CONSTRUCT WHERE { ?s a ?c } LIMIT 1"], 2, "graph"),
    # --- files
    ("file-missing", ["sparql", "--with", "{d}/missing.ttl", "ASK {}"], 1, "file not found"),
    ("file-directory", ["sparql", "--with", "{d}", "ASK {}"], 1, "not a regular file"),
    ("file-device", ["sparql", "--with", "/dev/zero", "ASK {}"], 1, "not a regular file"),
    ("file-unknown-extension", ["sparql", "--with", "{d}/data.xyz", "ASK {}"], 1, "unknown RDF format"),
    ("file-empty-ttl", ["sparql", "--no-inference", "--with", "{d}/empty.ttl", "ASK {}"], 0, None),
    ("file-empty-jsonld", ["sparql", "--no-inference", "--with", "{d}/empty.jsonld", "ASK {}"], 1, "malformed JSON"),
    ("file-empty-rdf", ["sparql", "--no-inference", "--with", "{d}/empty.rdf", "ASK {}"], 1, "malformed RDF/XML"),
    ("file-not-utf8", ["sparql", "--no-inference", "--with", "{d}/latin1.ttl", "ASK {}"], 1, None),
    (
        "file-huge",
        ["sparql", "--no-inference", "--max-bytes", "1k", "--with", "{d}/big.nt", "ASK {}"],
        1,
        "big.nt: 7180 bytes is over",
    ),
    ("file-store-missing", ["sparql", "--store", "{d}/nostore", "ASK {}"], 1, "no such store"),
    ("file-store-not-a-store", ["sparql", "--store", "{d}", "ASK {}"], 1, "not an Oxigraph store"),
    ("query-file-missing", ["sparql", "-f", "{d}/missing.rq"], 1, "query file not found"),
    ("query-file-not-utf8", ["sparql", "-f", "{d}/latin1.rq"], 1, "not UTF-8"),
    ("query-file-empty", ["sparql", "-f", "{d}/empty.rq"], 1, "empty SPARQL query"),
    # --- malformed SPARQL
    ("sparql-syntax-keyword", ["sparql", "SELEKT * WHERE { ?s ?p ?o }"], 1, None),
    ("sparql-unterminated-string", ["sparql", 'SELECT * WHERE { ?s ?p "open }'], 1, "syntax error"),
    ("sparql-unbalanced-braces", ["sparql", "SELECT * WHERE { ?s ?p ?o "], 1, "syntax error"),
    ("sparql-undefined-prefix", ["sparql", "SELECT * WHERE { ?s nope:p ?o }"], 1, "syntax error"),
    ("sparql-bad-iri", ["sparql", "SELECT * WHERE { <a b> ?p ?o }"], 1, "syntax error"),
    ("sparql-empty", ["sparql", ""], 1, "empty SPARQL query"),
    ("sparql-comment-only", ["sparql", "# nothing"], 1, "empty SPARQL query"),
    ("sparql-group-by-missing", ["sparql", "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"], 1, None),
    ("sparql-bind-rebinds", ["sparql", "SELECT * WHERE { ?s ?p ?o BIND(1 AS ?o) }"], 1, None),
    ("sparql-update-refused", ["sparql", "DELETE WHERE { ?s ?p ?o }"], 2, "refused"),
    (
        "sparql-service-refused",
        ["sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"],
        2,
        "SERVICE",
    ),
    ("sparql-nul", ["sparql", "ASK { \x00 }"], 1, None),
]

# --------------------------------------------------------------------------- malformed RDF, every input format

E = "http://example.org/"
RDFXML_HEAD = f'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{E}">'
RDF_CASES: dict[str, dict[str, str]] = {
    "ttl": {
        "truncated": f'@prefix ex: <{E}> .\nex:a ex:p "unterminated',
        "wrong-format": RDFXML_HEAD + "</rdf:RDF>",
        "invalid-iri": f'<{E}a b> <{E}p> "v" .',
        "literal-subject": f'"lit" <{E}p> "v" .',
        "bad-escape": f'<{E}a> <{E}p> "\\q" .',
    },
    "nt": {
        "truncated": f'<{E}a> <{E}p> "v',
        "wrong-format": f"@prefix ex: <{E}> . ex:a ex:p ex:b .",
        "invalid-iri": f'<{E}a b> <{E}p> "v" .',
        "literal-subject": f'"lit" <{E}p> "v" .',
        "bad-escape": f'<{E}a> <{E}p> "\\q" .',
    },
    "nq": {
        "truncated": f'<{E}a> <{E}p> "v" <{E}g',
        "wrong-format": '{"@id": "http://example.org/a"}',
        "invalid-iri": f'<{E}a b> <{E}p> "v" <{E}g> .',
        "literal-subject": f'"lit" <{E}p> "v" <{E}g> .',
        "bad-escape": f'<{E}a> <{E}p> "\\q" <{E}g> .',
    },
    "trig": {
        "truncated": f"@prefix ex: <{E}> .\nex:g {{ ex:a ex:p ex:b ",
        "wrong-format": '<?xml version="1.0"?><x/>',
        "invalid-iri": f'<{E}g> {{ <{E}a b> <{E}p> "v" . }}',
        "literal-subject": f'<{E}g> {{ "lit" <{E}p> "v" . }}',
        "bad-escape": f'<{E}g> {{ <{E}a> <{E}p> "\\q" . }}',
    },
    "rdf": {
        "truncated": RDFXML_HEAD + f'<rdf:Description rdf:about="{E}a"><ex:p>v</ex:p>',
        "wrong-format": f"@prefix ex: <{E}> . ex:a ex:p ex:b .",
        "invalid-iri": RDFXML_HEAD + f'<rdf:Description rdf:about="{E}a b"><ex:p>v</ex:p></rdf:Description></rdf:RDF>',
        "bad-escape": RDFXML_HEAD
        + f'<rdf:Description rdf:about="{E}a"><ex:p>&bogus;</ex:p></rdf:Description></rdf:RDF>',
    },
    "jsonld": {
        "truncated": f'{{"@id": "{E}a", "{E}p": "v"',
        "wrong-format": f"@prefix ex: <{E}> . ex:a ex:p ex:b .",
        "literal-subject": f'{{"@id": 5, "{E}p": "v"}}',
        "bad-escape": f'{{"@id": "{E}a", "{E}p": "\\q"}}',
    },
}
# Not expressible: a literal subject in RDF/XML (rdf:about takes an IRI). JSON-LD drops an invalid IRI by
# its algorithm (0 triples, no error): tested below as accepted-and-dropped.
RDF_ROWS = [(f"rdf-{ext}-{kind}", ext, kind) for ext, kinds in RDF_CASES.items() for kind in kinds]

# --------------------------------------------------------------------------- canned query parameters

BAD_VALUES = {
    "wrong-type": {"iri": "not an iri", "integer": "nineteen", "lang": "english!", "string": None},
    "empty": "",
    "huge": "a" * 5000,
    "quotes": 'x" } #',
    "braces": "{ ?s ?p ?o }",
    "newline": "a\nb",
    "nul": "a\x00b",
    "invalid-utf8": "caf\udce9",
}
# Outcome per (type, kind): True = accepted as one literal (string parameters only), False = refused (exit 2).
STRING_ACCEPTS = {"empty", "quotes", "braces", "newline"}
PARAMS = [(q.name, name, spec.type) for q in catalog.all_queries() for name, spec in q.params.items()]
REPRESENTATIVE = {t: next(p for p in PARAMS if p[2] == t) for t in ("iri", "integer", "lang", "string")}
PARAM_ROWS = [
    (f"param-{type_}-{kind}", REPRESENTATIVE[type_][0], REPRESENTATIVE[type_][1], type_, kind)
    for kind in BAD_VALUES
    for type_ in REPRESENTATIVE
    if not (kind == "wrong-type" and type_ == "string")
]

# --------------------------------------------------------------------------- HTTP
# (id, method, URL, headers, body, status)
HTTP_CASES = [
    ("method-delete-sparql", "DELETE", "/sparql", {}, None, 405),
    ("method-put-sparql", "PUT", "/sparql", {}, b"ASK {}", 405),
    ("method-post-resource", "POST", "/id/state/china", {}, b"x", 405),
    ("method-delete-home", "DELETE", "/", {}, None, 405),
    ("missing-query-post", "POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, b"", 400),
    ("missing-canned-param-value", "GET", "/queries/inferred-facts?resource=", {}, None, 400),
    ("two-query-params", "GET", "/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D", {}, None, 400),
    (
        "query-in-url-and-body",
        "POST",
        "/sparql?query=ASK%20%7B%7D",
        {"Content-Type": "application/sparql-query"},
        b"ASK {}",
        400,
    ),
    ("content-type-text-plain", "POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}", 415),
    ("content-type-json", "POST", "/sparql", {"Content-Type": "application/json"}, b'{"query": "ASK {}"}', 415),
    ("content-type-missing", "POST", "/sparql", {}, b"query=ASK%20%7B%7D", 400),
    ("body-not-utf8", "POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"ASK { \xff }", 400),
    ("accept-unsupported-sparql", "GET", "/sparql?query=ASK%20%7B%7D", {"Accept": "image/png"}, None, 406),
    ("accept-unsupported-resource", "GET", "/id/state/china", {"Accept": "application/pdf"}, None, 406),
    ("format-unknown", "GET", "/sparql?query=ASK%20%7B%7D&format=yaml", {}, None, 406),
    ("percent-invalid", "GET", "/sparql?query=%ZZ", {}, None, 400),
    ("percent-invalid-utf8", "GET", "/sparql?query=ASK%20%7B%C3%28%7D", {}, None, 400),
    ("percent-invalid-path", "GET", "/id/state/%C3%28", {}, None, 404),
    ("dotdot-path", "GET", "/id/../../etc/passwd", {}, None, 404),
    ("dotdot-encoded", "GET", "/id/%2e%2e/%2e%2e/etc/passwd", {}, None, 404),
    ("dotdot-static", "GET", "/static/../server.py", {}, None, 404),
    ("dotdot-static-encoded", "GET", "/static/%2e%2e/server.py", {}, None, 404),
    ("unknown-resource", "GET", "/id/state/atlantis", {"Accept": "text/turtle"}, None, 404),
    ("unknown-resource-html", "GET", "/id/state/atlantis", {"Accept": "text/html"}, None, 404),
    ("unknown-canned-query", "GET", "/queries/no-such-query", {}, None, 404),
    ("canned-param-wrong-type", "GET", "/queries/timeline?from=nineteen", {}, None, 400),
    ("canned-param-huge", "GET", "/queries/search-text?phrase=" + "a" * 5000, {}, None, 400),
    ("canned-param-nul", "GET", "/queries/search-text?phrase=%00", {}, None, 400),
    ("canned-param-unknown", "GET", "/queries/signatories?colour=red", {}, None, 400),
    ("canned-param-bad-iri", "GET", "/queries/inferred-facts?resource=%3E%20.%20%3Fs", {}, None, 400),
    ("sparql-syntax-error", "GET", "/sparql?query=SELEKT", {}, None, 400),
    ("sparql-update-via-query", "GET", "/sparql?query=CLEAR%20ALL", {}, None, 403),
    (
        "sparql-service",
        "GET",
        "/sparql?query=SELECT%20*%20%7B%20SERVICE%20%3Chttp%3A%2F%2F127.0.0.1%3A9%2F%3E%20%7B%3Fs%20%3Fp%20%3Fo%7D%7D",
        {},
        None,
        400,
    ),
    ("default-graph-uri-not-iri", "GET", "/sparql?query=ASK%20%7B%7D&default-graph-uri=not%20an%20iri", {}, None, 400),
    ("dump-unknown", "GET", "/dumps/sco-kg.exe", {}, None, 404),
    ("diagram-unknown", "GET", "/diagrams/nothing.svg", {}, None, 404),
]


# =========================================================================== fixtures


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the bad files the CLI rows name."""
    d = tmp_path_factory.mktemp("bad")
    (d / "ok.rq").write_text("ASK {}")
    for name in ("empty.ttl", "empty.jsonld", "empty.rdf", "empty.rq"):
        (d / name).write_text("")
    (d / "latin1.ttl").write_bytes(b'<http://e/a> <http://e/p> "caf\xe9" .\n')
    (d / "latin1.rq").write_bytes(b'ASK { ?s ?p "caf\xe9" }')
    (d / "data.xyz").write_text("x")
    (d / "big.nt").write_text("".join(f'<http://e/s{i}> <http://e/p> "{i}" .\n' for i in range(200)))
    for ext, kinds in RDF_CASES.items():
        for kind, text in kinds.items():
            (d / f"{kind}.{ext}").write_text(text)
    (d / "unreadable.ttl").write_text("<http://e/a> <http://e/p> 1 .")
    return d


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Return (exit code, stdout, stderr) of ``sco-kg ARGV`` run in-process."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(err: str) -> str:
    """Assert ``err`` is one line from sco-kg (no traceback, no internal error) and return it."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("sco-kg"), err
    assert "Traceback" not in err and "internal error" not in err, err
    return lines[0]


# =========================================================================== CLI


@pytest.mark.parametrize(("case", "argv", "code", "text"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_bad_input(case: str, argv: list[str], code: int, text: str | None, bad_dir: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    got, out, err = run_main([a.replace("{d}", str(bad_dir)) for a in argv], capsys)
    assert got == code, (case, err)
    if case == "no-command":
        assert "usage: sco-kg" in err  # the help, on stderr
        return
    if code == 0:  # stderr has only the line naming the graphs read (issue 17: it left stdout)
        assert err.startswith("graphs: ") and err.count("\n") == 1 and out.splitlines()[0] == "true"
        return
    line = assert_one_line(err)
    if text is not None:
        assert text in line, line


@pytest.mark.ci_may_skip(reason="CI runs as root, and root reads files whatever their mode")
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode")
def test_cli_unreadable_file(bad_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = bad_dir / "unreadable.ttl"
    f.chmod(0)
    try:
        code, _, err = run_main(["sparql", "--no-inference", "--with", str(f), "ASK {}"], capsys)
    finally:
        f.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert code == 1
    assert "cannot read file" in assert_one_line(err)


@pytest.mark.parametrize(("case", "ext", "kind"), RDF_ROWS, ids=[r[0] for r in RDF_ROWS])
def test_rdf_malformed(case: str, ext: str, kind: str, bad_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Both paths refuse with the same one line: the CLI (pyoxigraph store) and rdflib's loader."""
    from rdflib import Dataset

    path = bad_dir / f"{kind}.{ext}"
    code, _, err = run_main(["sparql", "--no-inference", "--with", str(path), "ASK {}"], capsys)
    assert code == 1, err
    line = assert_one_line(err)
    assert str(path) in line
    with pytest.raises(DataFileError, match="^" + re.escape(str(path))) as info:
        parse_into(Dataset(), path, "http://example.org/user")
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_rdf_jsonld_invalid_iri_dropped(bad_dir: Path) -> None:
    path = bad_dir / "invalid-iri-dropped.jsonld"
    path.write_text(f'{{"@id": "{E}a b", "{E}p": "v"}}')
    res = sco_kg.run("ASK { ?s <http://example.org/p> ?o }", Source(inferred=False, with_files=[path]))
    assert res.boolean is False  # the JSON-LD algorithm drops a node whose @id is not an IRI


# =========================================================================== canned query parameters


@pytest.mark.parametrize(("case", "name", "param", "type_", "kind"), PARAM_ROWS, ids=[r[0] for r in PARAM_ROWS])
def test_param_bad_value(case: str, name: str, param: str, type_: str, kind: str,
                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    raw = BAD_VALUES[kind]
    value = raw[type_] if isinstance(raw, dict) else raw
    q = catalog.get(name)
    accepted = type_ == "string" and kind in STRING_ACCEPTS
    if accepted:
        assert bind_params(q, {param: value})[param].value == value
    else:
        with pytest.raises(UsageError, match=param):
            bind_params(q, {param: value})
    code, out, err = run_main(
        ["query", name, "--no-inference", "--format", "csv", "--param", f"{param}={value}"], capsys
    )
    if accepted:
        assert code == 0, err
        assert out.splitlines()[0] == ",".join(q.columns)
    else:
        assert code == 2
        assert param in assert_one_line(err)


def test_param_every_query_every_type_refuses_wrong_type() -> None:
    typed = [(name, param, type_) for name, param, type_ in PARAMS if type_ != "string"]
    assert {t for _, _, t in typed} == {"lang", "iri", "integer"}, PARAMS  # the loop sees every typed kind
    for name, param, type_ in typed:
        for kind in ("wrong-type", "empty", "huge", "nul", "invalid-utf8", "braces"):
            raw = BAD_VALUES[kind]
            value = raw[type_] if isinstance(raw, dict) else raw
            with pytest.raises(UsageError, match=f"^parameter '{param}': "):
                bind_params(catalog.get(name), {param: value})


# =========================================================================== HTTP


@pytest.fixture(scope="module")
def client() -> Iterator:  # type: ignore[type-arg]
    """A TestClient on the asserted dataset; server exceptions become responses (a 500 fails the test)."""
    from starlette.testclient import TestClient

    pass
    from sco_kg.server import ServerConfig, create_app

    with TestClient(create_app(sco_kg.open_store(Source(inferred=False)), ServerConfig(quiet=True)),
                    raise_server_exceptions=False) as c:  # fmt: skip
        yield c


@pytest.mark.parametrize(("case", "method", "url", "headers", "body", "status"), HTTP_CASES,
                         ids=[c[0] for c in HTTP_CASES])  # fmt: skip
def test_http_bad_request(case: str, method: str, url: str, headers: dict[str, str], body: bytes | None,
                          status: int, client) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    r = client.request(method, url, headers=headers, content=body)
    assert r.status_code == status, (case, r.status_code, r.text[:300])
    assert r.text.strip(), case
    assert "Traceback" not in r.text
    media = r.headers["content-type"].split(";")[0]
    assert media in ("text/plain", "application/json", "text/html"), media
    if "Accept" not in headers:
        # A client that does not ask for HTML gets the message as one or a few lines of plain text (a canned
        # query answers in result formats only, so ask it for JSON results).
        accept = "application/sparql-results+json" if url.startswith("/queries/") else "text/plain"
        plain = client.request(method, url, headers={**headers, "Accept": accept}, content=body)
        assert plain.status_code == status
        assert plain.headers["content-type"].startswith("text/plain"), (case, plain.headers["content-type"])
        assert 0 < len(plain.text.strip().splitlines()) <= 3 and "<html" not in plain.text


# =========================================================================== the table in docs/


def test_doc_lists_every_case() -> None:
    text = DOC.read_text(encoding="utf-8")
    ids = [c[0] for c in CLI_CASES] + [r[0] for r in RDF_ROWS] + [r[0] for r in PARAM_ROWS] + [c[0] for c in HTTP_CASES]
    missing = [i for i in ids if f"`{i}`" not in text]
    assert not missing, f"docs/bad-inputs.md lacks rows: {missing}"
    assert len(set(ids)) == len(ids)  # every case id names one case


def test_max_bytes_applies_to_one_call_only(bad_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--max-bytes`` of one in-process ``main()`` call does not leak into the next one."""
    big = str(bad_dir / "big.nt")
    assert run_main(["sparql", "--no-inference", "--max-bytes", "1k", "--with", big, "ASK {}"], capsys)[0] == 1
    code, out, err = run_main(["sparql", "--no-inference", "--with", big, "ASK {}"], capsys)
    assert (code, out.splitlines()[0]) == (0, "true") and err.startswith("graphs: ") and err.count("\n") == 1
    assert max_input_bytes() == DEFAULT_MAX_INPUT_BYTES


def _write_doc() -> None:  # pragma: no cover - run by hand: python tests/test_bad_inputs.py
    """Rewrite docs/bad-inputs.md from the tables above with the outcomes the current code gives."""
    import contextlib
    import io
    import tempfile

    class F:
        def mktemp(self, name: str) -> Path:
            return Path(tempfile.mkdtemp(prefix="bad-"))

    d = bad_dir._fixture_function(F())  # type: ignore[attr-defined]

    def cli(argv: list[str]) -> tuple[int, str]:
        err = io.StringIO()
        raw = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(raw):
            code = main(argv)
        raw.flush()
        raw.seek(0)
        text = raw.read()
        lines = [line for line in err.getvalue().splitlines() if line.strip()]
        msg = lines[-1] if lines else (text.strip().splitlines() or [""])[0]
        if argv == []:
            msg = "prints the usage and the list of commands on stderr"
        return code, msg.replace(str(d), "DIR")

    def cell(s: str, n: int = 150) -> str:
        s = s.replace("|", "\\|").replace("\n", " ")
        return s if len(s) <= n else s[: n - 1] + "…"

    def shown_argv(argv: list[str]) -> str:
        parts = []
        for a in argv:
            a = a.replace("{d}", "DIR")
            if a == "":
                a = "''"
            elif any(c in a for c in " {}*?<>\"'#\n\x00"):
                a = "'" + a.replace("\x00", "\\0").replace("\n", "\\n") + "'"
            parts.append(a)
        return "sco-kg " + " ".join(parts)

    out = [
        "# Bad inputs and what they get",
        "",
        "Every row is a test case of `tests/test_bad_inputs.py` (the id in the first column is the test id), run",
        "against the code as committed; the message column is the real output (paths shortened to `DIR`). The",
        "rule: the CLI prints **one line** on stderr and exits **2** for bad usage or a bad parameter value and **1**",
        "for bad data or a runtime failure; the server answers a **4xx** with a short plain-text body (HTML only",
        "for a browser that asks for it), never a traceback and never a 500. The security threats T1–T15 are in",
        "`tests/security/` (see `docs/explanation/security.md`). Regenerate this page with",
        "`python tests/test_bad_inputs.py` after changing a table or a message.",
        "",
        "## Command line: arguments, files, SPARQL",
        "",
        "Test: `test_cli_bad_input[<id>]` (and `test_cli_unreadable_file`: a file without read permission gets",
        "`cannot read file: Permission denied`, exit 1; skipped when run as root).",
        "",
        "| id | command | exit | message |",
        "|---|---|---|---|",
    ]
    for cid, argv, _code, _text in CLI_CASES:
        got, msg = cli([a.replace("{d}", str(d)) for a in argv])
        out.append(f"| `{cid}` | `{cell(shown_argv(argv), 110)}` | {got} | {cell(msg)} |")
    out += [
        "",
        "## Malformed RDF, every input format",
        "",
        "`sco-kg sparql --no-inference --with DIR/<kind>.<ext> 'ASK {}'` (the pyoxigraph path), and the same file",
        "through rdflib's loader (`parse_into`, used by `--engine rdflib`, the closure and `validate`): both",
        "refuse with the same line, because user files are pre-parsed by pyoxigraph's strict parser and RDF/XML is",
        "checked for well-formedness first (rdflib alone accepts `<a b>`, literal subjects and `\\q` in some formats).",
        "Not expressible, so not tried: a literal subject in RDF/XML. JSON-LD with an invalid `@id` is not an error:",
        "the JSON-LD algorithm drops the node (0 triples; `test_rdf_jsonld_invalid_iri_dropped`).",
        "Test: `test_rdf_malformed[<id>]`.",
        "",
        "| id | file | exit | message |",
        "|---|---|---|---|",
    ]
    for cid, ext, kind in RDF_ROWS:
        got, msg = cli(["sparql", "--no-inference", "--with", str(d / f"{kind}.{ext}"), "ASK {}"])
        sample = RDF_CASES[ext][kind]
        out.append(f"| `{cid}` | `{kind}.{ext}`: `{cell(sample, 70)}` | {got} | {cell(msg)} |")
    out += [
        "",
        "## Canned query parameters",
        "",
        "One query per parameter type (`iri`, `integer`, `lang`, `string`), each with every kind of bad value,",
        "through `bind_params` and `sco-kg query NAME --param P=VALUE`;",
        "`test_param_every_query_every_type_refuses_wrong_type` "
        "repeats the refusals for every parameter of every canned query. A `string` parameter takes any text that is",
        "valid Unicode without NUL and at most 4096 characters, as **one literal** (quotes, braces and newlines cannot",
        "change the query: T6 in `tests/security/test_sec_query.py`). Test: `test_param_bad_value[<id>]`.",
        "",
        "| id | query / parameter | value | exit | message |",
        "|---|---|---|---|---|",
    ]
    for cid, name, param, type_, kind in PARAM_ROWS:
        raw = BAD_VALUES[kind]
        value = raw[type_] if isinstance(raw, dict) else raw
        got, msg = cli(["query", name, "--no-inference", "--format", "csv", "--param", f"{param}={value}"])
        if got == 0:
            msg = "accepted: bound as one literal; prints the CSV header and the rows that match it"
        shown = value if len(value) < 30 else value[:12] + f"… ({len(value)} chars)"
        shown = shown.replace("\x00", "\\0").replace("\n", "\\n").replace("\udce9", "\\xe9 (lone surrogate)")
        out.append(f"| `{cid}` | {name} / {param} ({type_}) | `{cell(shown, 40)}` | {got} | {cell(msg)} |")
    out += [
        "",
        "## HTTP (`sco-kg serve`)",
        "",
        "Sent with Starlette's test client to `create_app()` over the asserted data. The body column is the",
        "plain-text body (a browser that prefers HTML gets the same message in an HTML error page). Test:",
        "`test_http_bad_request[<id>]`; body size limits (413/414) are in `tests/security/test_sec_parsing.py`",
        "(T9) and `tests/test_server.py`.",
        "",
        "| id | request | status | body |",
        "|---|---|---|---|",
    ]
    from starlette.testclient import TestClient

    pass
    from sco_kg.server import ServerConfig, create_app

    with TestClient(
        create_app(sco_kg.open_store(Source(inferred=False)), ServerConfig(quiet=True)), raise_server_exceptions=False
    ) as c:
        for cid, method, url, headers, body, _status in HTTP_CASES:
            h = dict(headers)
            if "Accept" not in h:
                h["Accept"] = "application/sparql-results+json" if url.startswith("/queries/") else "text/plain"
            r = c.request(method, url, headers=h, content=body)
            req = f"{method} {url if len(url) < 70 else url[:60] + '…'}"
            if headers:
                req += " " + " ".join(f"{k}: {v}" for k, v in headers.items())
            if body:
                req += f" body {body[:30]!r}"
            out.append(f"| `{cid}` | `{cell(req, 120)}` | {r.status_code} | {cell(r.text.strip(), 130)} |")
    DOC.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"wrote {DOC} ({len(out)} lines)")


if __name__ == "__main__":
    _write_doc()
