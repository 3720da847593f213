"""sco-kg: the 2001 Declaration of the Shanghai Cooperation Organization as a knowledge graph.

The public API (everything else is internal):

* :class:`Source` names what the dataset holds (inference on or off, outside facts on or off, your own files,
  or an on-disk store); every function below takes one (default: the shipped dataset with inference).
* :func:`load` returns the dataset as an rdflib ``Dataset``; :func:`open_store` as a pyoxigraph ``Store``;
  :func:`summary` as triples per graph and instances per class (:class:`Summary`).
* :func:`query` runs a canned query by name with typed parameters; :func:`run` runs any SPARQL text; both go
  through the one query boundary (the gate, the limits) and return a :class:`Result`. :func:`select` returns
  a canned query's solutions as dicts of :class:`Term`.
* :class:`Limits` is a query's budget (timeout, row cap); errors are :class:`ScoKgError` subclasses.

Importing this package is cheap: each public name is imported on first use (PEP 562), and rdflib, owlrl and
pyoxigraph only by the functions that need them.
"""

from __future__ import annotations

from sco_kg.version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads any name TYPE_CHECKING so)

if TYPE_CHECKING:
    from sco_kg.dataset import Source, Summary, load, open_store, summary
    from sco_kg.engine.limits import Limits
    from sco_kg.engine.results import Result
    from sco_kg.engine.run import run, select
    from sco_kg.engine.run import run_canned as query
    from sco_kg.errors import QueryError, QueryRejected, QueryTimeout, ScoKgError, UsageError
    from sco_kg.rdf.term import Term

# Where each public name lives: imported on first use (PEP 562), so that ``import sco_kg.cli`` (``sco-kg --help``)
# does not pay for the query engine, and each name costs only the modules it needs.
_LAZY = {
    "Source": ("sco_kg.dataset", "Source"),
    "Summary": ("sco_kg.dataset", "Summary"),
    "load": ("sco_kg.dataset", "load"),
    "open_store": ("sco_kg.dataset", "open_store"),
    "summary": ("sco_kg.dataset", "summary"),
    "Limits": ("sco_kg.engine.limits", "Limits"),
    "Result": ("sco_kg.engine.results", "Result"),
    "run": ("sco_kg.engine.run", "run"),
    "select": ("sco_kg.engine.run", "select"),
    "query": ("sco_kg.engine.run", "run_canned"),
    "QueryError": ("sco_kg.errors", "QueryError"),
    "QueryRejected": ("sco_kg.errors", "QueryRejected"),
    "QueryTimeout": ("sco_kg.errors", "QueryTimeout"),
    "ScoKgError": ("sco_kg.errors", "ScoKgError"),
    "UsageError": ("sco_kg.errors", "UsageError"),
    "Term": ("sco_kg.rdf.term", "Term"),
}


def __getattr__(name: str) -> object:
    """Return the public name ``name``, importing the module that defines it on first use."""
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'sco_kg' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(where[0]), where[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Return the public names (with the lazy ones, for completion in a shell or notebook)."""
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Limits",
    "QueryError",
    "QueryRejected",
    "QueryTimeout",
    "Result",
    "ScoKgError",
    "Source",
    "Summary",
    "Term",
    "UsageError",
    "__version__",
    "load",
    "open_store",
    "query",
    "run",
    "select",
    "summary",
]
