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

Importing this package is cheap: rdflib, owlrl and pyoxigraph are imported only by the functions that need them.
"""

from __future__ import annotations

from sco_kg.dataset import Source, Summary, load, open_store, summary
from sco_kg.engine.limits import Limits
from sco_kg.engine.results import Result
from sco_kg.engine.run import run, select
from sco_kg.engine.run import run_canned as query
from sco_kg.errors import QueryError, QueryRejected, QueryTimeout, ScoKgError, UsageError
from sco_kg.rdf.term import Term
from sco_kg.version import __version__

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
