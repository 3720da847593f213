"""The catalogue of canned queries: ``queries/*.rq`` files and their ``#+`` headers, as frozen dataclasses.

Each file is plain SPARQL 1.1 that opens with a grlc-style header in comments (STYLE.md, "Queries")::

    #+ summary: Member states that signed the declaration
    #+ description: One row per signatory, ordered by English label.
    #+ params:
    #+   lang: {type: lang, default: en, description: language of the labels}
    #+ columns: [state, label]
    #+ tags: [actors]

The header is parsed strictly, by a small parser for a subset of YAML (block mappings, flow mappings and
sequences, plain and quoted scalars): PyYAML costs ~40 ms to import, which the CLI read path cannot afford, and a
test checks that every header means the same to PyYAML. Bad syntax, an unknown key, a plain scalar that YAML would
read as something else than text or an integer (``yes``, ``1.5``, ``2001-06-15``: quote it), a parameter that the
query does not use, or ``columns`` that differ from the projected variables raise :class:`CatalogError` naming
the file and line. ``python -m sco_kg.catalog --readme`` writes ``queries/README.md``;
``--regenerate-golden`` rewrites ``tests/golden/*.csv`` (review the diff). Nothing here evaluates a query.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sco_kg import iri, paths, policy
from sco_kg.errors import CatalogError, QueryError, ScoKgError, UsageError

HEADER_KEYS = ("summary", "description", "params", "columns", "tags")
PARAM_KEYS = ("type", "default", "description")
PARAM_TYPES = ("iri", "string", "literal", "integer", "lang")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
GOLDEN_DIR = Path(__file__).resolve().parent.parent / "tests" / "golden"

# PyYAML reads some plain scalars as something else than text (YAML 1.1 booleans and nulls, numbers, dates).
# Such a scalar is refused unless it is a plain decimal integer, so that this parser and PyYAML always agree:
# the words below, and anything that starts like a number (a digit, a sign, a dot), must be quoted.
_YAML_WORDS = frozenset(
    [
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "~",
        "null",
        "Null",
        "NULL",
        "<<",
        "=",
    ]
)
_PLAIN_INT = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


@dataclass(frozen=True)
class Param:
    """A parameter of a canned query: its type (iri, string, literal, integer, lang) and default."""

    name: str
    type: str
    default: str | int | None = None
    description: str = ""


@dataclass(frozen=True)
class Query:
    """A canned query: the file's name (stem), header fields, and the full text (header comments included)."""

    name: str
    path: Path
    summary: str
    text: str
    form: str
    description: str = ""
    params: dict[str, Param] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def federated(self) -> bool:
        """Return whether the query calls a remote endpoint through SERVICE (it runs only with --allow-service)."""
        return bool(policy.analyse(self.text).services)

    @property
    def ordered(self) -> bool:
        """Return whether the query has an ORDER BY (so its rows come in a defined order)."""
        return any(t.is_kw("ORDER") for t in policy.tokenize(self.text))


# ------------------------------------------------------------------------------------ header parser


class _HeaderError(Exception):
    def __init__(self, line: int, msg: str) -> None:
        super().__init__(msg)
        self.line = line
        self.msg = msg


def _scalar(text: str, line: int, flow: bool) -> str | int:
    """Return a plain or quoted scalar (the whole of ``text``)."""
    text = text.strip()
    if not text:
        raise _HeaderError(line, 'empty value (YAML would read it as null): write "" or leave the key out')
    if text[0] == '"':
        if len(text) < 2 or not text.endswith('"'):
            raise _HeaderError(line, "unterminated double-quoted string")
        body = text[1:-1]
        out = []
        i = 0
        while i < len(body):
            ch = body[i]
            if ch == '"':
                raise _HeaderError(line, 'unescaped " inside a double-quoted string')
            if ch == "\\":
                nxt = body[i + 1 : i + 2]
                if nxt not in ('"', "\\", "n", "t"):
                    raise _HeaderError(line, f'unsupported escape \\{nxt} (use \\" \\\\ \\n \\t)')
                out.append({'"': '"', "\\": "\\", "n": "\n", "t": "\t"}[nxt])
                i += 2
                continue
            out.append(ch)
            i += 1
        return "".join(out)
    if text[0] == "'":
        if len(text) < 2 or not text.endswith("'"):
            raise _HeaderError(line, "unterminated single-quoted string")
        body = text[1:-1]
        if re.search(r"(?<!')'(?!')", body.replace("''", "")):
            raise _HeaderError(line, "unescaped ' inside a single-quoted string (write '')")
        return body.replace("''", "'")
    if text[0] in _INDICATORS:
        raise _HeaderError(line, f"a plain value cannot start with {text[0]!r}: quote it")
    if ": " in text or text.endswith(":") or " #" in text or "\t" in text:
        raise _HeaderError(line, f"value {text!r} contains ': ', ' #' or a tab: quote it")
    if flow and any(c in text for c in ",[]{}"):
        raise _HeaderError(line, f"value {text!r} contains a flow indicator: quote it")
    if _PLAIN_INT.match(text):
        return int(text)
    if text in _YAML_WORDS or text[0] in "0123456789+-.":
        raise _HeaderError(line, f"YAML would not read {text!r} as text: quote it")
    return text


def _split_flow(body: str, line: int) -> list[str]:
    """Split the inside of a flow collection at top-level commas (quotes respected, no nesting)."""
    items: list[str] = []
    buf: list[str] = []
    quote = ""
    for ch in body:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'" and not "".join(buf).strip():
            quote = ch
            buf.append(ch)
        elif ch in "[]{}":
            raise _HeaderError(line, "nested flow collections are not supported in the header")
        elif ch == ",":
            items.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    if quote:
        raise _HeaderError(line, "unterminated quoted string")
    items.append("".join(buf))
    if len(items) == 1 and not items[0].strip():
        return []
    if any(not it.strip() for it in items):
        raise _HeaderError(line, "empty item in a flow collection")
    return items


def _value(text: str, line: int) -> Any:
    """Return a flow sequence, a flow mapping or a scalar written on one line."""
    text = text.strip()
    if text.startswith("["):
        if not text.endswith("]"):
            raise _HeaderError(line, "a flow sequence must end with ] on the same line")
        return [_scalar(it, line, flow=True) for it in _split_flow(text[1:-1], line)]
    if text.startswith("{"):
        if not text.endswith("}"):
            raise _HeaderError(line, "a flow mapping must end with } on the same line")
        out: dict[str, Any] = {}
        for item in _split_flow(text[1:-1], line):
            key, sep, val = item.partition(": ")
            if not sep:
                raise _HeaderError(line, f"flow mapping item {item.strip()!r} is not 'key: value'")
            k = _key(key, line)
            if k in out:
                raise _HeaderError(line, f"duplicate key {k!r}")
            out[k] = _scalar(val, line, flow=True)
        return out
    return _scalar(text, line, flow=False)


def _key(text: str, line: int) -> str:
    key = text.strip()
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_\-]*$", key):
        raise _HeaderError(line, f"bad key {key!r}")
    return key


def parse_header(lines: list[tuple[int, str]]) -> dict[str, Any]:
    """Return the mapping written by header ``lines`` (line number, text after ``#+``).

    Raises:
        _HeaderError: the text is outside the supported YAML subset or is not valid YAML.
    """
    # Drop blank lines and full-line comments; tabs are not YAML indentation.
    items: list[tuple[int, int, str]] = []
    after_blank: set[int] = set()  # indexes of items that follow a blank line
    for no, text in lines:
        if "\t" in text[: len(text) - len(text.lstrip())]:
            raise _HeaderError(no, "tab in indentation")
        stripped = text.strip()
        if not stripped:
            after_blank.add(len(items))
        if not stripped or stripped.startswith("#"):
            continue
        items.append((no, len(text) - len(text.lstrip(" ")), text.rstrip()))
    pos = 0

    def block(indent: int) -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        while pos < len(items):
            no, ind, text = items[pos]
            if ind < indent:
                break
            if ind > indent:
                raise _HeaderError(no, "unexpected indentation")
            body = text.strip()
            if body.startswith("- ") or body == "-":
                raise _HeaderError(no, "block sequences are not supported: write [a, b]")
            m = re.match(r"^([^:\s\"'#]+):(?: (.*)|)$", body)
            if not m:
                raise _HeaderError(no, f"expected 'key: value', got {body!r}")
            key = _key(m.group(1), no)
            if key in out:
                raise _HeaderError(no, f"duplicate key {key!r}")
            rest = (m.group(2) or "").strip()
            pos += 1
            if rest:
                value = _value(rest, no)
                # A plain scalar may continue on more-indented lines (YAML folds them with spaces).
                while isinstance(value, str) and pos < len(items) and items[pos][1] > indent:
                    if rest[0] in "\"'":
                        raise _HeaderError(items[pos][0], "a quoted value must fit on one line")
                    if pos in after_blank:
                        # YAML would fold the blank line into a newline: keep a value's lines together.
                        raise _HeaderError(items[pos][0], "blank line inside a value: remove it")
                    cont = _scalar(items[pos][2], items[pos][0], flow=False)
                    if not isinstance(cont, str):
                        raise _HeaderError(items[pos][0], "YAML would fold this number into text: quote the value")
                    value = f"{value} {cont}"
                    pos += 1
                out[key] = value
            else:
                if pos < len(items) and items[pos][1] > indent:
                    out[key] = block(items[pos][1])
                else:
                    raise _HeaderError(no, f"key {key!r} has no value")
        return out

    result = block(0)
    return result


# ---------------------------------------------------------------------------------------- validation


def split_header(text: str) -> tuple[list[tuple[int, str]], int]:
    """Return the ``#+`` header lines of a query text (line number, content) and the number of header lines."""
    lines = text.split("\n")
    header: list[tuple[int, str]] = []
    for no, line in enumerate(lines, start=1):
        if not line.startswith("#+"):
            break
        content = line[2:]
        if content and content[0] != " ":
            raise CatalogError(f"line {no}: a header line is '#+ ' followed by text")
        header.append((no, content[1:] if content else ""))
    return header, len(header)


def _fail(path: Path, msg: str, line: int | None = None) -> CatalogError:
    where = f"{path}:{line}" if line else str(path)
    return CatalogError(f"{where}: {msg}")


def _str_list(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, f"'{key}' must be a list of names, e.g. [a, b]")
    return tuple(value)


def parse(text: str, path: Path) -> Query:
    """Return the :class:`Query` of a ``.rq`` file's ``text``.

    Raises:
        CatalogError: the header or the query does not pass the checks (the message names the file).
    """
    name = path.stem
    if not NAME_RE.match(name):
        raise _fail(path, "query file names are lower-case kebab-case (a-z, 0-9, -)")
    try:
        lines, _ = split_header(text)
    except CatalogError as exc:
        raise _fail(path, str(exc)) from None
    if not lines:
        raise _fail(path, "no '#+' header: the file must start with '#+ summary: ...'", 1)
    try:
        meta = parse_header(lines)
    except _HeaderError as exc:
        raise _fail(path, f"bad header: {exc.msg}", exc.line) from None
    unknown = [k for k in meta if k not in HEADER_KEYS]
    if unknown:
        raise _fail(path, f"unknown header key {unknown[0]!r} (allowed: {', '.join(HEADER_KEYS)})")
    summary = meta.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise _fail(path, "'summary' is required and must be text")
    description = meta.get("description", "")
    if not isinstance(description, str):
        raise _fail(path, "'description' must be text")
    try:
        # A federated canned query names its SERVICE endpoint; whether that host may be called is decided
        # when the query runs (--allow-service), not here. SERVICE ?var stays refused.
        from urllib.parse import urlsplit

        hosts = [urlsplit(t).hostname or "" for t in policy.analyse(text).services if not t.startswith("?")]
        info = policy.check(text, allow_service=hosts)
    except QueryError as exc:
        raise _fail(path, f"not a canned query: {exc}") from None
    if info.form == "UPDATE":
        raise _fail(path, "a canned query cannot be an update")
    for pfx, ns in info.prefixes.items():
        if iri.PREFIXES.get(pfx) != ns:
            want = f"<{iri.PREFIXES[pfx]}>" if pfx in iri.PREFIXES else "not a project prefix"
            raise _fail(path, f"PREFIX {pfx}: <{ns}> differs from sco_kg/iri.py PREFIXES ({want})")
    used_vars = set(policy.variables(policy.tokenize(text)))
    params: dict[str, Param] = {}
    raw_params = meta.get("params", {})
    if not isinstance(raw_params, dict):
        raise _fail(path, "'params' must be a mapping of parameter name to {type, default, description}")
    for pname, spec in raw_params.items():
        if not _VAR_NAME.match(pname):
            raise _fail(path, f"parameter name {pname!r} is not a SPARQL variable name")
        if not isinstance(spec, dict):
            raise _fail(path, f"parameter {pname!r} must be a mapping {{type: ..., default: ...}}")
        bad = [k for k in spec if k not in PARAM_KEYS]
        if bad:
            raise _fail(path, f"parameter {pname!r}: unknown key {bad[0]!r} (allowed: {', '.join(PARAM_KEYS)})")
        ptype = spec.get("type")
        if ptype not in PARAM_TYPES:
            raise _fail(path, f"parameter {pname!r}: type must be one of {', '.join(PARAM_TYPES)}")
        if pname not in used_vars:
            raise _fail(path, f"parameter {pname!r} is not used as ?{pname} in the query")
        pdesc = spec.get("description", "")
        if not isinstance(pdesc, str):
            raise _fail(path, f"parameter {pname!r}: description must be text")
        default = spec.get("default")
        if default is not None:
            from sco_kg.query import parse_param

            try:
                parse_param(pname, ptype, str(default))
            except ScoKgError as exc:
                raise _fail(path, f"bad default: {exc}") from None
        params[pname] = Param(pname, ptype, default, pdesc)
    if params:
        try:
            policy.where_brace(text)
        except QueryError as exc:
            raise _fail(path, str(exc)) from None
    columns = _str_list(meta.get("columns", []), "columns", path)
    tags = _str_list(meta.get("tags", []), "tags", path)
    if info.form == "SELECT":
        projected = policy.projection(text)
        if projected is None:
            raise _fail(path, "SELECT * is not allowed in a canned query: list the variables")
        if list(columns) != projected:
            raise _fail(path, f"columns {list(columns)} differ from the projected variables {projected}")
    elif info.form in ("CONSTRUCT", "DESCRIBE"):
        if columns != ("subject", "predicate", "object"):
            raise _fail(path, f"a {info.form} query has columns [subject, predicate, object]")
    elif columns:
        raise _fail(path, "an ASK query has no columns")
    return Query(
        name=name, path=path, summary=" ".join(summary.split()), text=text, form=info.form,
        description=" ".join(description.split()), params=params, columns=columns, tags=tags,
    )  # fmt: skip


def load_file(path: Path) -> Query:
    """Return the :class:`Query` in ``path``.

    Raises:
        CatalogError: the file cannot be read or does not pass the checks.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _fail(path, "not UTF-8 text") from None
    except OSError as exc:
        raise _fail(path, f"cannot read: {exc.strerror or exc}") from None
    return parse(text, path)


def query_files(directory: Path | None = None) -> list[Path]:
    """Return the canned query files (``queries/*.rq``, not ``queries/checks/``) sorted by name."""
    return sorted((directory or paths.queries_dir()).glob("*.rq"), key=lambda p: p.stem)


def names(directory: Path | None = None) -> list[str]:
    """Return the names of the canned queries."""
    return [p.stem for p in query_files(directory)]


def all_queries(directory: Path | None = None) -> list[Query]:
    """Return every canned query, parsed and checked, sorted by name.

    Raises:
        CatalogError: a file does not pass the checks (the first one found).
    """
    return [load_file(p) for p in query_files(directory)]


def get(name: str, directory: Path | None = None) -> Query:
    """Return the canned query ``name`` (only that file is read).

    Raises:
        UsageError: there is no such query; the message suggests the closest names.
    """
    directory = directory or paths.queries_dir()
    path = directory / f"{name}.rq"
    if not NAME_RE.match(name) or not path.is_file():
        import difflib

        known = names(directory)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else " (run 'sco-kg queries' for the list)"
        raise UsageError(f"unknown query {name!r}{hint}")
    return load_file(path)


# --------------------------------------------------------------------------------- README and golden


def readme(queries: list[Query] | None = None) -> str:
    """Return the text of ``queries/README.md``: one section per canned query, generated from the headers."""
    queries = all_queries() if queries is None else queries
    out = [
        "# Canned queries",
        "",
        "Generated from the `#+` headers by `python -m sco_kg.catalog --readme`; do not edit by hand",
        "(a test keeps this file equal to the headers). Run one with `sco-kg query NAME [--param k=v ...]`.",
        "",
        "| name | summary | parameters | columns | tags |",
        "|---|---|---|---|---|",
    ]
    for q in queries:
        ps = ", ".join(
            f"`{p.name}` ({p.type}{', default ' + repr(str(p.default)) if p.default is not None else ''})"
            for p in q.params.values()
        )
        out.append(
            f"| [`{q.name}`](#{q.name}) | {q.summary} | {ps or '–'} | {', '.join(q.columns) or '–'} | "
            f"{', '.join(q.tags) or '–'} |"
        )
    for q in queries:
        out += ["", f"## {q.name}", "", q.summary + ("" if q.summary.endswith(".") else "."), ""]
        if q.description:
            out += [q.description, ""]
        for p in q.params.values():
            default = f", default `{p.default}`" if p.default is not None else ", required"
            out.append(f"- parameter `{p.name}` ({p.type}{default}){': ' + p.description if p.description else ''}")
        out.append(f"- columns: {', '.join(f'`{c}`' for c in q.columns) or '–'}")
        out.append(f"- tags: {', '.join(q.tags) or '–'}")
        out.append(f"- file: [`{q.name}.rq`]({q.name}.rq)")
    return "\n".join(out) + "\n"


def golden_csv(q: Query) -> bytes:
    """Return the expected-result file content of ``q``: W3C CSV of its result with default parameters."""
    from sco_kg import query

    res = query.run(q.name, {}, limits=query.Limits(timeout=120, max_rows=None))
    if res.form == "ASK":
        return ("result\r\n" + ("true" if res.boolean else "false") + "\r\n").encode()
    if res.form in ("CONSTRUCT", "DESCRIBE"):
        rows = sorted(res.triples)
        lines = ["subject,predicate,object"] + [
            ",".join(query._csv_cell(t) if t.kind != "uri" else t.value for t in tr) for tr in rows
        ]
        return ("\r\n".join(lines) + "\r\n").encode()
    return res.serialize("csv")


def regenerate_golden(directory: Path = GOLDEN_DIR) -> list[str]:
    """Rewrite ``tests/golden/<name>.csv`` for every canned query and delete golden files without a query.

    Returns:
        The names of the files that changed (written or removed).
    """
    from sco_kg.atomic import atomic_write_bytes

    changed: list[str] = []
    # A federated query needs its remote endpoint; its expected result is kept by its own tests.
    queries = [q for q in all_queries() if not q.federated]
    for q in queries:
        target = directory / f"{q.name}.csv"
        data = golden_csv(q)
        if not target.exists() or target.read_bytes() != data:
            atomic_write_bytes(target, data)
            changed.append(target.name)
    keep = {f"{q.name}.csv" for q in queries}
    for stale in sorted(directory.glob("*.csv")):
        if stale.name not in keep:
            stale.unlink()
            changed.append(stale.name + " (removed)")
    return changed


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m sco_kg.catalog [--readme | --check | --regenerate-golden]``; return the exit code."""
    import argparse

    from sco_kg.atomic import atomic_write_text

    parser = argparse.ArgumentParser(prog="python -m sco_kg.catalog", description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--readme", action="store_true", help="write queries/README.md from the headers")
    group.add_argument("--check", action="store_true", help="parse every query and report problems")
    group.add_argument("--regenerate-golden", action="store_true", help="rewrite tests/golden/*.csv")
    args = parser.parse_args(argv)
    try:
        if args.readme:
            target = paths.queries_dir() / "README.md"
            atomic_write_text(target, readme())
            print(f"wrote {target}")
        elif args.check:
            qs = all_queries()
            print(f"{len(qs)} canned queries, all headers valid")
        else:
            changed = regenerate_golden()
            print("\n".join(f"updated {c}" for c in changed) or "golden files unchanged")
    except ScoKgError as exc:
        print(f"sco-kg: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
