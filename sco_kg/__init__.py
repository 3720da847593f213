"""sco-kg: the 2001 Declaration of the Shanghai Cooperation Organization as a knowledge graph.

Public API (everything else is internal):

* :func:`load` returns the dataset as an rdflib ``Dataset`` (ontology, data, provenance graphs; optionally the
  OWL 2 RL closure in its own graph).
* :func:`summary` returns triples per graph and instances per class.
* :mod:`sco_kg.namespaces` holds every IRI as a Python name.

Importing this package is cheap: rdflib and owlrl are imported only by the functions that need them, so the
command line's read path (pyoxigraph) never pays for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Summary", "__version__", "load", "summary"]

if TYPE_CHECKING:
    from sco_kg.load import Summary, load, summary


def __getattr__(name: str) -> Any:
    # Lazy re-exports (PEP 562): `import sco_kg` must not import rdflib. The submodule `sco_kg.load` shares its
    # name with the function; importing it binds the (callable) module, so `sco_kg.load(...)` calls load().
    if name in ("load", "summary", "Summary"):
        import importlib

        module = importlib.import_module("sco_kg.load")
        return module if name == "load" else getattr(module, name)
    raise AttributeError(f"module 'sco_kg' has no attribute {name!r}")
