"""What ``sco-kg query`` says on stderr about defaults it used and about a statement without a sentence."""

from __future__ import annotations

import sys
from collections.abc import Mapping

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing at start-up
if TYPE_CHECKING:
    from sco_kg.dataset import Source
    from sco_kg.engine.results import Result
    from sco_kg.rdf.term import Term
    from sco_kg.sparql.catalog import Query

#: The canned queries that answer for one statement (subject, predicate, object parameters).
STATEMENT_QUERIES = ("supporting-sentences",)


def name_defaults(q: Query, given: Mapping[str, str]) -> list[str]:
    """Print (on stderr) and return the ``name=default`` of each parameter of ``q`` not given (``lang`` aside)."""
    used = [f"{p.name}={p.default}" for p in q.params.values() if p.name not in given and p.name != "lang"
            and p.default is not None]  # fmt: skip
    if used:
        print(f"sco-kg: {q.name}: using the default {', '.join(used)} (give --param NAME=VALUE to choose)",
              file=sys.stderr)  # fmt: skip
    return used


def statement_note(q: Query, bindings: Mapping[str, Term], result: Result, source: Source, engine: str) -> int:
    """Say on stderr why a statement query found no sentence; return the exit code (1: no such statement).

    An inferred statement has no sentence of its own: the note points to ``sco-kg explain``, which shows the
    rules and premises (and their sentences). A statement that is not in the dataset at all is an error.
    """
    from sco_kg.engine.limits import Limits
    from sco_kg.engine.run import run
    from sco_kg.rdf import iri

    if q.name not in STATEMENT_QUERIES or len(result) or result.form != "SELECT":
        return 0
    s, p, o = (bindings[k] for k in ("subject", "predicate", "object"))
    shown = " ".join(iri.compact(t.value) if t.kind == "uri" else t.n3() for t in (s, p, o))
    text = "SELECT ?g WHERE { GRAPH ?g { %s %s %s } }" % (s.n3(), p.n3(), o.n3())  # noqa: UP031
    found = run(text, source, Limits(timeout=None, isolation="thread"), engine=engine, trusted=True)  # type: ignore[arg-type]
    in_graphs = {row[0].value for row in found.rows if row[0] is not None}
    if in_graphs & set(iri.INFERRED_GRAPHS):
        note = (
            f"sco-kg: {shown} is inferred (OWL 2 RL), not stated by a sentence: "
            f"'sco-kg explain {shown}' shows the rules and the premises with their sentences"
        )
        print(note, file=sys.stderr)
        return 0
    if in_graphs:
        where = ", ".join(sorted(iri.compact(g) for g in in_graphs))
        print(f"sco-kg: {shown} is in the dataset but derives from no sentence (graph {where}): "
              f"see 'sco-kg explain {shown}'", file=sys.stderr)  # fmt: skip
        return 0
    print(f"sco-kg: error: no statement {shown} in the dataset (asserted or inferred)", file=sys.stderr)
    return 1
