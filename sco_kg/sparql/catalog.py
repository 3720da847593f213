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
the file and line. ``python -m sco_kg.dev.golden --readme`` writes ``queries/README.md``;
``--regenerate-golden`` rewrites ``tests/golden/*.csv`` (review the diff). Nothing here evaluates a query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sco_kg import paths
from sco_kg.errors import CatalogError, QueryError, ScoKgError, UsageError
from sco_kg.rdf import iri
from sco_kg.sparql import lexer
from sco_kg.sparql.header import HeaderError, parse_header, split_header
from sco_kg.sparql.params import Param

HEADER_KEYS = ("summary", "description", "params", "columns", "tags")
PARAM_KEYS = ("type", "default", "description")
PARAM_TYPES = ("iri", "string", "literal", "integer", "lang")
MAX_NAME_LENGTH = 100
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
        return bool(lexer.outline(self.text).services)

    @property
    def ordered(self) -> bool:
        """Return whether the query has an ORDER BY (so its rows come in a defined order)."""
        return lexer.outline(self.text).ordered


# ------------------------------------------------------------------------------------ header parser


# ---------------------------------------------------------------------------------------- validation


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
    except HeaderError as exc:
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
        # The catalogue's own texts are trusted: the lexer describes them (no rdflib on the CLI read path);
        # tests/test_catalog.py checks that the gate, on a parse, says the same of every canned query.
        info = lexer.outline(text)
    except QueryError as exc:
        raise _fail(path, f"not a canned query: {exc}") from None
    if any(t.startswith("?") for t in info.services):
        raise _fail(path, "SERVICE with a variable is not allowed in a canned query")
    if info.form == "UPDATE":
        raise _fail(path, "a canned query cannot be an update")
    for pfx, ns in info.prefixes.items():
        if iri.PREFIXES.get(pfx) != ns:
            want = f"<{iri.PREFIXES[pfx]}>" if pfx in iri.PREFIXES else "not a project prefix"
            raise _fail(path, f"PREFIX {pfx}: <{ns}> differs from sco_kg/rdf/iri.py PREFIXES ({want})")
    used_vars = set(lexer.variables(lexer.tokenize(text)))
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
            from sco_kg.sparql.params import parse_param

            try:
                parse_param(pname, ptype, str(default))
            except ScoKgError as exc:
                raise _fail(path, f"bad default: {exc}") from None
        params[pname] = Param(pname, ptype, default, pdesc)
    if params:
        try:
            lexer.where_brace(text)
        except QueryError as exc:
            raise _fail(path, str(exc)) from None
    columns = _str_list(meta.get("columns", []), "columns", path)
    tags = _str_list(meta.get("tags", []), "tags", path)
    if info.form == "SELECT":
        projected = lexer.projection(text)
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


_PARSED: dict[Path, tuple[tuple[int, int, int], Query]] = {}


def load_file(path: Path) -> Query:
    """Return the :class:`Query` in ``path`` (parsed once while the file's size and mtime stay the same: a page
    that lists the catalogue reads it on every request).

    Raises:
        CatalogError: the file cannot be read or does not pass the checks.
    """
    try:
        st = path.stat()
    except OSError as exc:
        raise _fail(path, f"cannot read: {exc.strerror or exc}") from None
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    known = _PARSED.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    query = _read(path)
    _PARSED[path] = (stamp, query)
    return query


def _read(path: Path) -> Query:
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")  # a byte-order mark is accepted
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
    # The name is checked before it touches the file system (a 300-character name is not a file-name error).
    if len(name) > MAX_NAME_LENGTH or not NAME_RE.match(name) or not (directory / f"{name}.rq").is_file():
        import difflib

        shown = name if len(name) <= MAX_NAME_LENGTH else name[:MAX_NAME_LENGTH] + "…"
        close = difflib.get_close_matches(name[:MAX_NAME_LENGTH], names(directory), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else " (run 'sco-kg queries' for the list)"
        raise UsageError(f"unknown query {shown!r}{hint}")
    return load_file(directory / f"{name}.rq")


# --------------------------------------------------------------------------------- README and golden


def readme(queries: list[Query] | None = None) -> str:
    """Return the text of ``queries/README.md``: one section per canned query, generated from the headers."""
    queries = all_queries() if queries is None else queries
    out = [
        "# Canned queries",
        "",
        "Generated from the `#+` headers by `python -m sco_kg.dev.golden --readme`; do not edit by hand",
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
