"""Validation of the ontology and data: OWL RL consistency, SHACL shapes, and ontology QA queries.

Three kinds of check, each reported per check with the resources that fail it:

1. ``consistency``: owlrl's clash reports (``agent-ont#ErrorMessage`` nodes: disjoint classes sharing an
   individual, ``owl:Nothing`` members, …). The verdict comes from the shipped manifest or the closure
   cache when they match every input hash (:func:`sco_kg.reasoning.materialize.owlrl_clashes`); otherwise owlrl runs.
2. ``shacl``: the shapes in ``shapes/*.ttl`` run by pySHACL over the union of the asserted graphs plus
   the helper triples of :func:`validation_graph` (named graphs, source length and allow-list made
   visible to SHACL).
3. ``qa``: the queries ``queries/checks/*-violation.rq``, which must return no rows (run on pyoxigraph).

This module reads files and never writes data; it imports rdflib and pySHACL inside its functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sco_kg import paths
from sco_kg.errors import DataFileError, UsageError
from sco_kg.io.allow_list import allow_list_path, read_allow_list
from sco_kg.rdf import iri

if TYPE_CHECKING:
    from rdflib import Dataset, Graph

KINDS: tuple[str, ...] = ("consistency", "shacl", "qa")
VALIDATION_NS = iri.BASE + "validation/"
# Link properties checked against the allow-list, and the helper properties that mirror them.
LINK_PROPERTIES: dict[str, str] = {
    "http://www.w3.org/2002/07/owl#sameAs": "sameAs",
    "http://www.w3.org/2004/02/skos/core#exactMatch": "exactMatch",
    "http://www.w3.org/2004/02/skos/core#closeMatch": "closeMatch",
}


@dataclass(frozen=True)
class Failure:
    """One failing resource: what it is, and why it fails."""

    resource: str
    message: str


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check (one owlrl run, one SHACL shape, or one QA query)."""

    name: str
    kind: str
    description: str
    failures: tuple[Failure, ...] = ()

    @property
    def ok(self) -> bool:
        """Return whether the check passed."""
        return not self.failures


@dataclass(frozen=True)
class Report:
    """All check results of one validation run."""

    checks: tuple[CheckResult, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Return whether every check passed."""
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> int:
        """Return the number of failures over all checks."""
        return sum(len(c.failures) for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "ok": self.ok,
            "failures": self.failures,
            "checks": [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "description": c.description,
                    "ok": c.ok,
                    "failures": [{"resource": f.resource, "message": f.message} for f in c.failures],
                }
                for c in self.checks
            ],
        }

    def to_json(self) -> str:
        """Return the report as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        """Return a readable report: one line per check, then each failure with its resource."""
        lines = []
        for c in self.checks:
            mark = "PASS" if c.ok else "FAIL"
            extra = "" if c.ok else f" ({len(c.failures)} failure{'s' if len(c.failures) != 1 else ''})"
            lines.append(f"{mark}  {c.kind:<11}  {c.name}: {c.description}{extra}")
            for f in c.failures:
                lines.append(f"        {f.resource}: {f.message}")
        n = len(self.checks)
        failed = sum(1 for c in self.checks if not c.ok)
        if self.ok:
            lines.append(f"all {n} checks passed")
        else:
            lines.append(f"{failed} of {n} checks failed ({self.failures} failures)")
        return "\n".join(lines)


def _show(term: Any) -> str:
    """Return a term compacted for the report (prefixed name, or the literal's text)."""
    from rdflib import URIRef

    if isinstance(term, URIRef) or (isinstance(term, str) and term.startswith(("http://", "https://"))):
        return iri.compact(str(term))
    return str(term)


# --------------------------------------------------------------------------------------------------
# 1. OWL RL consistency
# --------------------------------------------------------------------------------------------------


def check_consistency(with_files: Sequence[Path] = ()) -> CheckResult:
    """Return the owlrl consistency check: one failure per clash, naming the resources involved."""
    from sco_kg.reasoning import materialize

    clashes = materialize.owlrl_clashes(list(with_files))
    failures = []
    for c in clashes:
        names = [iri.compact(r) for r in c.get("resources", [])]
        message = str(c.get("message", ""))
        for r in c.get("resources", []):
            message = message.replace(r, iri.compact(r))
        failures.append(Failure(resource=", ".join(names) or "(dataset)", message=message))
    return CheckResult(
        name="owl-rl-consistency",
        kind="consistency",
        description="owlrl finds no clash (disjoint classes sharing an individual, owl:Nothing members, …)",
        failures=tuple(failures),
    )


# --------------------------------------------------------------------------------------------------
# 2. SHACL
# --------------------------------------------------------------------------------------------------


def validation_graph(ds: Dataset) -> Graph:
    """Return the SHACL data graph: the union of ``ds``'s graphs plus the helper triples of shapes/data.ttl."""
    from rdflib import RDF, Graph, Literal, URIRef
    from rdflib.namespace import XSD

    v = VALIDATION_NS
    g = Graph()
    for t in ds.triples((None, None, None)):
        g.add(t)
    for ctx in ds.graphs():
        name = str(ctx.identifier)
        if name.startswith(iri.GRAPH_ASSERTION):
            g.add((URIRef(name), RDF.type, URIRef(v + "AssertionGraphName")))
            for subject in set(ctx.subjects(RDF.type, None)):
                g.add((subject, URIRef(v + "typedIn"), URIRef(name)))
        if name == iri.GRAPH_ONTOLOGY:
            continue
        for prop, local in LINK_PROPERTIES.items():
            for s, o in ctx.subject_objects(URIRef(prop)):
                if isinstance(o, URIRef) and not str(o).startswith(iri.BASE):
                    g.add((s, URIRef(v + local), o))
    allow_list = allow_list_path()
    for row in read_allow_list(allow_list) if allow_list.exists() else []:
        allowed = LINK_PROPERTIES.get(row.relation_iri)
        if allowed:
            g.add((URIRef(row.entity), URIRef(v + "allowed" + allowed[0].upper() + allowed[1:]), URIRef(row.external)))
    source = paths.source_text()
    if source.exists():
        length = Literal(len(source.read_text(encoding="utf-8")), datatype=XSD.nonNegativeInteger)
        context = URIRef(iri.TEXT_CONTEXT)
        ref = URIRef(iri.PREFIXES["nif"] + "referenceContext")
        for unit in set(g.subjects(ref, context)):
            g.add((unit, URIRef(v + "sourceLength"), length))
    return g


def shapes_graph() -> Graph:
    """Return the union of the SHACL shapes files ``shapes/*.ttl``."""
    from rdflib import Graph

    from sco_kg.io.inputs import parse_error_message

    files = sorted(paths.shapes_dir().glob("*.ttl"))
    if not files:
        raise DataFileError(f"{paths.shapes_dir()}: no SHACL shapes (*.ttl) found")
    g = Graph()
    for f in files:
        try:
            g.parse(f, format="turtle")
        except Exception as exc:  # rdflib raises many exception types for bad syntax
            raise DataFileError(parse_error_message(f, exc)) from None
    return g


def check_shacl(ds: Dataset) -> list[CheckResult]:
    """Return one result per node shape of ``shapes/*.ttl`` (pySHACL, SPARQL constraints enabled)."""
    from pyshacl import validate as shacl_validate
    from rdflib import RDF, RDFS, Namespace

    sh = Namespace("http://www.w3.org/ns/shacl#")
    shapes = shapes_graph()
    data = validation_graph(ds)
    _conforms, results, _text = shacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False
    )
    node_shapes = sorted(set(shapes.subjects(RDF.type, sh.NodeShape)), key=str)
    parent: dict[Any, Any] = {}
    for ns in node_shapes:
        for pred in (sh.property, sh.sparql):
            for child in shapes.objects(ns, pred):
                parent[child] = ns
    per_shape: dict[Any, list[Failure]] = {ns: [] for ns in node_shapes}
    for result in results.subjects(RDF.type, sh.ValidationResult):
        source = results.value(result, sh.sourceShape)
        shape = source if source in per_shape else parent.get(source, source)
        focus = results.value(result, sh.focusNode)
        message = results.value(result, sh.resultMessage)
        value = results.value(result, sh.value)
        text = _compact_iris(str(message)) if message is not None else "fails the shape"
        if value is not None and _show(value) not in text:
            text += f" (value: {_show(value)})"
        per_shape.setdefault(shape, []).append(Failure(resource=_show(focus), message=text))
    out = []
    for shape, failures in per_shape.items():
        label = shapes.value(shape, RDFS.label)
        name = str(shape).removeprefix(VALIDATION_NS).removesuffix("Shape")
        out.append(
            CheckResult(
                name=_kebab(name),
                kind="shacl",
                description=str(label) if label else str(shape),
                failures=tuple(sorted(set(failures), key=lambda f: (f.resource, f.message))),
            )
        )
    return out


_IRI_IN_TEXT = re.compile(r"https?://[^\s<>\"'(),;]+")


def _compact_iris(text: str) -> str:
    """Return ``text`` with every http(s) IRI in it written as a prefixed name where possible."""
    return _IRI_IN_TEXT.sub(lambda m: iri.compact(m.group(0)).strip("<>"), text)


def _kebab(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("-")
        out.append(ch.lower())
    return "".join(out)


# --------------------------------------------------------------------------------------------------
# 3. QA queries
# --------------------------------------------------------------------------------------------------


def check_files() -> list[Path]:
    """Return the QA queries ``queries/checks/*-violation.rq`` in name order."""
    files = sorted((paths.queries_dir() / "checks").glob("*-violation.rq"))
    if not files:
        raise DataFileError(f"{paths.queries_dir() / 'checks'}: no *-violation.rq checks found")
    return files


def _header(text: str) -> dict[str, str]:
    head = {}
    for line in text.splitlines():
        if not line.startswith("#+"):
            break
        key, _, value = line[2:].strip().partition(":")
        head[key.strip()] = value.strip()
    return head


def check_qa(with_files: Sequence[Path] = ()) -> list[CheckResult]:
    """Return one result per QA query; each row it returns is a failure naming the resources in the row."""
    from sco_kg.dataset import open_store

    st = open_store(inferred=False, with_files=tuple(with_files))
    out = []
    for path in check_files():
        text = path.read_text(encoding="utf-8")
        head = _header(text)
        try:
            rows = list(st.query(text))  # type: ignore[arg-type]  # a SELECT gives QuerySolutions
        except (SyntaxError, ValueError, OSError) as exc:
            raise DataFileError(f"{path}: cannot run the check: {exc}") from None
        failures = []
        for row in rows:
            cells = [_show(getattr(t, "value", t)) for t in row if t is not None]
            failures.append(
                Failure(
                    resource=cells[0] if cells else "?", message=" ".join(cells[1:]) or head.get("summary", path.stem)
                )
            )
        out.append(
            CheckResult(
                name=path.stem.removesuffix("-violation"),
                kind="qa",
                description=head.get("summary", path.stem),
                failures=tuple(failures),
            )
        )
    return out


# --------------------------------------------------------------------------------------------------


def validate(with_files: Sequence[Path] = (), kinds: Sequence[str] = KINDS) -> Report:
    """Return the validation report of the ontology and data (plus the user's ``with_files``).

    Args:
        with_files: the user's RDF files, validated together with the shipped data.
        kinds: which kinds of check to run: ``consistency``, ``shacl``, ``qa``.
    """
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise UsageError(f"unknown check kind(s) {', '.join(unknown)} (use: {', '.join(KINDS)})")
    results: list[CheckResult] = []
    if "consistency" in kinds:
        results.append(check_consistency(with_files))
    if "shacl" in kinds:
        from sco_kg.dataset import load

        results.extend(check_shacl(load(inferred=False, with_files=list(with_files))))
    if "qa" in kinds:
        results.extend(check_qa(with_files))
    return Report(checks=tuple(results))
