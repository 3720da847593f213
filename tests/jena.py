"""Apache Jena ARQ as an independent oracle for the differential tests (issue 13).

Debian's ``libapache-jena-java`` (Jena 4.5) puts the jars in ``/usr/share/java``; its build relocated Jena's
shaded Xerces classes to ``xerces.*`` but left their message bundles under ``org/apache/jena/ext/xerces/…``,
so :func:`classpath` copies the bundles to the package path the classes look in (``TOOLS.md`` 3.4), in a
cache directory, and puts that directory first on the class path.

JVM cost: ``arq.sparql`` runs one query per JVM (about 1.1 s each here, most of it JVM start and Jena's
initialisation, and it reads the data again every time). :func:`run_queries` instead starts ONE JVM that
loads the data once and runs every query (``tests/data/jena/JenaBatch.java``, launched as a single source file
by the JDK, ``java File.java``; about 1 s of in-memory compilation, then milliseconds per query).

The dataset Jena answers on: the N-Quads file's named graphs, and as default graph Jena's *union graph*
of them, which is a set (``arq.sparql --data FILE.nq`` would instead use the file's own default graph, empty
for the export). A query's ``FROM`` / ``FROM NAMED`` replace that dataset as SPARQL says.

Comparison (:func:`bag`): rows are compared as bags (a ``Counter``) of tuples of normalised terms, with the
variable names. Normalisations, each applied to BOTH sides alike:

* blank nodes become one placeholder (compared up to renaming only in that they are blank nodes);
* simple literals have no datatype (``xsd:string`` dropped), language tags are lower-cased (BCP 47 is
  case-insensitive);
* numeric literals (integer, decimal, float, double and the derived integer types) are compared by value
  and datatype: the lexical form is replaced by the canonical value (``"1.50"`` and ``"1.5"`` are equal),
  decimals with more than 15 fractional digits rounded to 15 (the precision of decimal division differs);
* ``derived_integers=True`` (for pyoxigraph's store, which keeps ``xsd:nonNegativeInteger`` and the other
  types derived from ``xsd:integer`` as ``xsd:integer``; see ``tests/test_engines.py``) maps those datatypes,
  as datatypes of literals and as IRIs (``DATATYPE(?x)``), to ``xsd:integer``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import time
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

JAVA_DIR = Path(os.environ.get("SCO_KG_JENA_JARS", "/usr/share/java"))
JENA_JARS = [
    f"jena-{n}.jar"
    for n in ("arq", "base", "cmds", "core", "dboe-base", "dboe-index", "dboe-storage", "dboe-trans-data",
              "dboe-transaction", "iri", "rdfconnection", "shacl", "shex", "tdb", "tdb2")
]  # fmt: skip
DEPENDENCY_JARS = [
    f"{n}.jar"
    for n in ("commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
              "dexx.collection", "gson", "guava", "httpclient", "httpcore", "httpclient-cache", "commons-logging",
              "jackson-core", "jackson-databind", "jackson-annotations", "jsonld-java", "jakarta.json-api",
              "protobuf", "thrift", "slf4j-api", "slf4j-simple", "titanium-json-ld")
]  # fmt: skip
RUNNER = Path(__file__).parent / "data" / "jena" / "JenaBatch.java"
BUNDLE_DIRS = ("org/apache/jena/ext/xerces/impl/msg/", "org/apache/jena/ext/xerces/impl/xpath/regex/")

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
DERIVED_INTEGERS = frozenset(
    XSD + n
    for n in ("nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger", "long", "int",
              "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")
)  # fmt: skip
DECIMALS = frozenset({XSD + "integer", XSD + "decimal"}) | DERIVED_INTEGERS
FLOATS = frozenset({XSD + "double", XSD + "float"})
# XPath leaves the precision of decimal division implementation-defined (at least 18 digits): Oxigraph keeps 18
# fractional digits, Jena 24, so AVG gives 4086.905660377358490566 on one and …490566037736 on the other.
DECIMAL_DIGITS = 15


class JenaMissing(Exception):
    """Java, the JDK's source launcher or the Jena jars are not installed."""


def missing() -> str | None:
    """Return why Jena cannot run here (what to install), or ``None`` when it can."""
    if shutil.which("java") is None or shutil.which("javac") is None:  # javac: the JDK runs JenaBatch.java
        return "java/javac not found: install the Debian packages 'default-jdk-headless libapache-jena-java'"
    absent = [j for j in JENA_JARS + DEPENDENCY_JARS if not (JAVA_DIR / j).is_file()]
    if absent:
        return f"{JAVA_DIR / absent[0]} not found: install the Debian package 'libapache-jena-java'"
    return None


def classpath(cache: Path) -> str:
    """Return Jena's class path, with the resource-bundle fix built under ``cache`` (once).

    Raises:
        JenaMissing: java or a jar is missing.
    """
    why = missing()
    if why:
        raise JenaMissing(why)
    fix = cache / "jena-bundle-fix"
    marker = fix / ".complete"
    if not marker.is_file():
        with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
            for name in jar.namelist():
                if name.startswith(BUNDLE_DIRS) and name.endswith(".properties"):
                    target = fix / "xerces" / name.removeprefix("org/apache/jena/ext/xerces/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
        marker.write_text("ok\n")
    return os.pathsep.join([str(fix), *(str(JAVA_DIR / j) for j in JENA_JARS + DEPENDENCY_JARS)])


def default_cache() -> Path:
    """Return ``~/.cache/sco-kg-tests`` (or ``$SCO_KG_TEST_CACHE``)."""
    return Path(os.environ.get("SCO_KG_TEST_CACHE", Path.home() / ".cache" / "sco-kg-tests"))


@dataclass
class Answer:
    """One engine's answer to one query: ``vars`` and ``rows`` (SELECT), ``boolean`` (ASK) or an ``error``."""

    vars: tuple[str, ...] = ()
    rows: list[dict[str, dict[str, str]]] = field(default_factory=list)
    boolean: bool | None = None
    error: str | None = None


@dataclass
class Batch:
    """The answers of one JVM run and what it cost."""

    answers: list[Answer]
    seconds: float


def run_queries(data: Path, queries: Sequence[str], workdir: Path, cache: Path, timeout: float = 900) -> Batch:
    """Return Jena's answers to ``queries`` on the N-Quads file ``data``, all in one JVM.

    Raises:
        JenaMissing: Jena cannot run here.
        RuntimeError: the JVM failed as a whole (its stderr in the message).
    """
    cp = classpath(cache)
    workdir.mkdir(parents=True, exist_ok=True)
    files = []
    for i, text in enumerate(queries):
        path = workdir / f"q{i:04d}.rq"
        path.write_text(text, encoding="utf-8")
        for stale in (path.with_suffix(".rq.json"), path.with_suffix(".rq.err")):
            stale.unlink(missing_ok=True)
        files.append(path)
    start = time.monotonic()
    cmd = ["java", "-Dfile.encoding=UTF-8", "-Xss8m", "-cp", cp, str(RUNNER), str(data), *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"Jena failed (exit {proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    answers = []
    for path in files:
        err = path.with_suffix(".rq.err")
        if err.is_file():
            answers.append(Answer(error=err.read_text(encoding="utf-8")))
            continue
        answers.append(parse_results_json(path.with_suffix(".rq.json").read_bytes()))
    return Batch(answers, seconds)


def parse_results_json(body: bytes | str) -> Answer:
    """Return the :class:`Answer` of a SPARQL 1.1 Query Results JSON document."""
    doc = json.loads(body)
    if "boolean" in doc:
        return Answer(boolean=bool(doc["boolean"]))
    return Answer(vars=tuple(doc["head"].get("vars", ())), rows=list(doc["results"]["bindings"]))


def _number(value: str, datatype: str) -> str:
    if datatype in FLOATS:
        try:
            f = float(value)
        except ValueError:
            return value
        return "NaN" if math.isnan(f) else repr(f)
    try:
        d = Decimal(value)
    except InvalidOperation:
        return value
    if not d.is_finite():
        return value
    if d == d.to_integral_value():
        return str(int(d))
    if datatype == XSD + "decimal" and d.as_tuple().exponent < -DECIMAL_DIGITS:  # type: ignore[operator]
        d = d.quantize(Decimal(1).scaleb(-DECIMAL_DIGITS))
    return str(d.normalize())


def term_key(cell: dict[str, Any] | None, derived_integers: bool = False) -> tuple[str, ...] | None:
    """Return the normalised comparison key of one results-JSON term (see the module docstring)."""
    if cell is None:
        return None
    kind, value = cell["type"], cell["value"]
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        if derived_integers and value in DERIVED_INTEGERS:
            value = XSD + "integer"
        return ("uri", value)
    lang = cell.get("xml:lang")
    if lang:
        return ("literal", value, "", lang.lower())
    datatype = cell.get("datatype") or ""
    if datatype in (XSD_STRING, RDF_LANGSTRING):
        datatype = ""
    if derived_integers and datatype in DERIVED_INTEGERS:
        datatype = XSD + "integer"
    if datatype in DECIMALS or datatype in FLOATS:
        value = _number(value, datatype)
    return ("literal", value, datatype, "")


def bag(answer: Answer, derived_integers: bool = False) -> Any:
    """Return what two answers must share to be equal: the boolean, or the variables and a bag of rows."""
    if answer.error is not None:
        return ("error",)
    if answer.boolean is not None:
        return ("ask", answer.boolean)
    rows = Counter(tuple(term_key(r.get(v), derived_integers) for v in answer.vars) for r in answer.rows)
    return ("select", tuple(sorted(answer.vars)), rows)


def describe_difference(ours: Any, theirs: Any, limit: int = 3) -> str:
    """Return a short text saying how two :func:`bag` values differ (for assertion messages and reports)."""
    if ours[0] != theirs[0] or ours[0] != "select":
        return f"ours {str(ours)[:300]} / Jena {str(theirs)[:300]}"
    if ours[1] != theirs[1]:
        return f"variables differ: ours {ours[1]} / Jena {theirs[1]}"
    extra = list((ours[2] - theirs[2]).items())[:limit]
    lacking = list((theirs[2] - ours[2]).items())[:limit]
    n_ours, n_theirs = sum(ours[2].values()), sum(theirs[2].values())
    return f"{n_ours} rows vs Jena {n_theirs}; only ours: {extra}; only Jena's: {lacking}"
