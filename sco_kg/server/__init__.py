"""The linked-data server: a SPARQL 1.1 Protocol endpoint, dereferenceable IRIs and HTML pages (Starlette).

Modules by concern (lowest first): :mod:`errors` (HTTP statuses), :mod:`conneg` (RFC 9110 negotiation),
:mod:`links` (IRI ⇄ URL, which IRIs may be links), :mod:`words` (UI words from ``words/*.json``),
:mod:`site` (the store, its query copy, indexes, the exporter's quads), :mod:`web` (request helpers,
rendering), :mod:`views` (page data), :mod:`diagrams` (SVG), :mod:`protocol` (``/sparql``), :mod:`queries`
(canned queries, query page), :mod:`pages` (resources, text, search), :mod:`void` (VoID, dumps) and
:mod:`app` (``create_app``). It never imports :mod:`sco_kg.cli`.
"""

from __future__ import annotations

from sco_kg.server.app import create_app
from sco_kg.server.conneg import (
    GRAPH_ALIASES,
    GRAPH_MEDIA,
    HTML,
    LANGS,
    RESULT_MEDIA,
    choose_media,
    negotiate,
    parse_accept,
    preferred_language,
)
from sco_kg.server.errors import HttpError
from sco_kg.server.links import iri_to_path, path_to_iri
from sco_kg.server.site import ServerConfig, Site

__all__ = [
    "GRAPH_ALIASES",
    "GRAPH_MEDIA",
    "HTML",
    "LANGS",
    "RESULT_MEDIA",
    "HttpError",
    "ServerConfig",
    "Site",
    "choose_media",
    "create_app",
    "iri_to_path",
    "negotiate",
    "parse_accept",
    "path_to_iri",
    "preferred_language",
]
