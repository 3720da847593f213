"""Where the ontology, data and queries are, for a wheel install and for a source checkout.

A wheel ships them under ``sco_kg/_resources/``; an editable install or a checkout uses the repository root
(hatchling's editable installs do not expose force-included files: pypa/hatch#1627). Nothing here parses RDF.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_RESOURCES = _PACKAGE_DIR / "_resources"
_REPO_ROOT = _PACKAGE_DIR.parent

SOURCE_TEXT_NAME = "declaration-2001-06-15.txt"


def resource_root() -> Path:
    """Return the directory that holds ``ontology/``, ``data/`` and ``queries/``.

    ``SCO_KG_ROOT`` overrides the lookup (used by tests that work on a broken copy of the data).
    """
    override = os.environ.get("SCO_KG_ROOT")
    if override:
        return Path(override)
    if (_RESOURCES / "ontology").is_dir():
        return _RESOURCES
    return _REPO_ROOT


def ontology_dir() -> Path:
    """Return the ontology directory."""
    return resource_root() / "ontology"


def data_dir() -> Path:
    """Return the data directory."""
    return resource_root() / "data"


def queries_dir() -> Path:
    """Return the canned-query directory."""
    return resource_root() / "queries"


def shapes_dir() -> Path:
    """Return the directory of the SHACL shapes (``shapes/*.ttl``)."""
    return resource_root() / "shapes"


def source_text() -> Path:
    """Return the path of the source document (the news release text)."""
    return data_dir() / SOURCE_TEXT_NAME


def ontology_files() -> list[Path]:
    """Return the ontology's Turtle files in a stable order (aggregator first, then modules)."""
    root = ontology_dir()
    files = [root / "sco.ttl"] if (root / "sco.ttl").exists() else []
    files += sorted((root / "modules").glob("*.ttl"))
    return files


def data_files() -> list[Path]:
    """Return the asserted data files (TriG) in a stable order; generated artifacts are not included."""
    return sorted(p for p in data_dir().glob("*.trig"))


def closure_file() -> Path:
    """Return the path of the shipped materialised dataset (asserted + inferred, N-Quads)."""
    return data_dir() / "build" / "sco-kg-full.nq"


def closure_manifest() -> Path:
    """Return the path of the manifest of :func:`closure_file` (the hashes it was built from)."""
    return closure_file().parent / "manifest.json"


def cache_dir() -> Path:
    """Return the user's cache directory for closures of anything but the shipped data."""
    base = os.environ.get("SCO_KG_CACHE") or os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "sco-kg" if "SCO_KG_CACHE" not in os.environ else Path(base)
    return Path.home() / ".cache" / "sco-kg"
