"""Benchmark: the query gate (``sco_kg.sparql.gate.check``) at 1 KB, 64 KB and 1 MB (issue 13, SECURITY.md T17).

Three bodies at each size, each timed in this process (median of ``--runs``, fewer at 1 MB):

* ``realistic``: a SELECT over the project's vocabulary with PREFIX declarations, FROM, a UNION of blocks
  with OPTIONAL, FILTER (comparisons with ``<``, strings holding ``<``, ``>`` and quotes), comments naming
  SERVICE, ORDER BY; accepted;
* ``realistic-escapes``: the same with a ``\\u`` escape in a string of each block, so that the gate parses
  the text twice (as rdflib and as Oxigraph read escapes): its worst case for an accepted query;
* ``adversarial``: ``ASK { a.a.a… }``, the body that took the old token check 45 s at 64 KB; refused;
* ``service-after-values``: ``SELECT * WHERE { VALUES ?x { … } SERVICE <http://127.0.0.1:1/x> {…} }``, the
  SERVICE after a long VALUES block; refused.

It prints each median and the ratio of one size step to the previous (64× and 16× more text; a linear gate
shows ratios near 64 and 16). The report goes to ``bench/out/gate.json`` (``SCO_KG_BENCH_OUT`` moves it).

Usage::

    python -m bench.gate              # 1 KB, 64 KB, 1 MB
    python -m bench.gate --max-kb 64  # stop at 64 KB (the smoke size)
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from bench._util import OUT, Stats, environment, markdown_table, write_report
from sco_kg.errors import QueryError, QueryRejected
from sco_kg.sparql import gate

SIZES_KB = (1, 64, 1024)

PROLOGUE = """PREFIX sco: <https://w3id.org/sco-kg/ontology/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?doc ?label ?n
FROM <https://w3id.org/sco-kg/graph/inferred>
WHERE {
"""
BLOCK = """  {{ # block {i}: a comment with SERVICE <http://x/> and "quotes" that mean nothing
    ?doc a sco:Article{i} ; skos:prefLabel ?label ; sco:position ?n .
    OPTIONAL {{ ?doc sco:partOf ?part . ?part skos:notation "{notation} {i}" }}
    FILTER(?n < {i} && STR(?label) != "a < b > 'c' \\"d\\"" && LANG(?label) = "en")
  }}
"""
EPILOGUE = "}\nORDER BY ?n ?label\n"


def realistic(size: int, notation: str = "§") -> str:
    """Return an accepted SELECT of about ``size`` characters."""
    parts = [PROLOGUE]
    total = len(PROLOGUE) + len(EPILOGUE)
    i = 0
    while total < size:
        block = ("  UNION\n" if i else "") + BLOCK.format(i=i, notation=notation)
        parts.append(block)
        total += len(block)
        i += 1
    return "".join(parts) + EPILOGUE


def realistic_escapes(size: int) -> str:
    """Return :func:`realistic` with a ``\\u`` escape in a string of each block."""
    return realistic(size, notation="\\u00a7")


def adversarial(size: int) -> str:
    """Return ``ASK { a.a.a… }`` of ``size`` characters."""
    return "ASK { " + "a." * ((size - 8) // 2) + " }"


def service_after_values(size: int) -> str:
    """Return a SELECT whose SERVICE comes after a VALUES block filling ``size`` characters."""
    head, tail = "SELECT * WHERE { VALUES ?x { ", " } SERVICE <http://127.0.0.1:1/x> { ?s ?p ?x } }"
    n = max(1, (size - len(head) - len(tail)) // 8)
    return head + " ".join(f'"v{i % 10000:04d}"' for i in range(n)) + tail


BODIES: dict[str, tuple[Callable[[int], str], str]] = {
    "realistic": (realistic, "accepted"),
    "realistic-escapes": (realistic_escapes, "accepted"),
    "adversarial": (adversarial, "refused"),
    "service-after-values": (service_after_values, "refused"),
}


def outcome(text: str) -> str:
    """Return what the gate says: ``accepted``, ``refused`` (QueryRejected) or ``error`` (syntax)."""
    try:
        gate.check(text)
    except QueryRejected:
        return "refused"
    except QueryError:
        return "error"
    return "accepted"


def time_gate(text: str, runs: int) -> Stats:
    """Return the statistics of ``runs`` calls of the gate on ``text``."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        outcome(text)
        samples.append(time.perf_counter() - start)
    return Stats.of(samples)


def main(argv: list[str] | None = None) -> int:
    """Time the gate and print a table; return 0."""
    assert __doc__ is not None
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per body below 1 MB (1 at 1 MB)")
    ap.add_argument("--max-kb", type=int, default=1024, help="largest size in KB")
    args = ap.parse_args(argv)
    sizes = [kb for kb in SIZES_KB if kb <= args.max_kb]
    rows = []
    report: dict[str, object] = {"environment": environment(), "results": {}}
    for name, (make, expected) in BODIES.items():
        previous: float | None = None
        for kb in sizes:
            text = make(kb * 1024)
            got = outcome(text)
            # The adversarial body is not SPARQL at all: a syntax error is a refusal too.
            if got != expected and not (expected == "refused" and got == "error"):
                raise SystemExit(f"{name} at {kb} KB: expected {expected}, the gate said {got}")
            stats = time_gate(text, 1 if kb >= 1024 else args.runs)
            ratio = f"{stats.median / previous:.1f}×" if previous else "—"
            rows.append([name, f"{kb} KB", f"{len(text):,}", got, stats.ms(), ratio])
            report["results"][f"{name}/{kb}KB"] = {"chars": len(text), "outcome": got, "seconds": stats}  # type: ignore[index]
            previous = stats.median
    print(markdown_table(["body", "size", "chars", "gate says", "median (min–max)", "× previous size"], rows))
    out = OUT / "gate.json"
    write_report(out, report)
    print(f"report: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
