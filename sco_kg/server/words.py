"""The words of the interface in the three languages of the SCO's documents, read from ``words/*.json``.

``words/en.json``, ``zh.json`` and ``ru.json`` each hold ``language_name`` and the ``ui`` words (the same
keys in every language: tests/test_server.py checks it); ``words/graphs.json`` names the project's named
graphs (compact IRIs → short names).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sco_kg.rdf import iri
from sco_kg.server.conneg import LANGS


def _read(name: str) -> Any:
    return json.loads(resources.files("sco_kg.server").joinpath("words").joinpath(name).read_text(encoding="utf-8"))


def _expand(compact: str) -> str:
    prefix, _, local = compact.partition(":")
    return iri.PREFIXES[prefix] + local


_FILES: dict[str, Any] = {lang: _read(f"{lang}.json") for lang in LANGS}

#: language → word key → text.
UI: dict[str, dict[str, str]] = {lang: dict(data["ui"]) for lang, data in _FILES.items()}
#: language → its own name (``中文``).
LANG_NAMES: dict[str, str] = {lang: str(data["language_name"]) for lang, data in _FILES.items()}
#: named-graph IRI → short name (``text``, ``inferred``…).
GRAPH_NAMES: dict[str, str] = {_expand(k): v for k, v in _read("graphs.json").items()}
