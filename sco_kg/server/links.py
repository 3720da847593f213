"""IRIs ⇄ URLs: where a project IRI lives on this server, and which IRIs may become links at all.

IRIs under ``https://w3id.org/sco-kg/`` map onto the server by path (``…/id/state/china`` →
``{base_url}id/state/china``). Any other IRI is a link only when it is ``http:`` or ``https:``: a
``javascript:`` or ``data:`` IRI (from a ``--with`` file) is shown as text, never as ``href``.
"""

from __future__ import annotations

import urllib.parse

from sco_kg.rdf import iri

_PATH_SAFE = "/-._~!$&'()*+,;=:@"
WEB_SCHEMES = ("http", "https")


def iri_to_path(value: str) -> str | None:
    """Return the server path (``/id/state/china``) of an IRI under the project base, or ``None``."""
    if not value.startswith(iri.BASE):
        return None
    return "/" + urllib.parse.quote(value[len(iri.BASE) :], safe=_PATH_SAFE)


def path_to_iri(path: str) -> str | None:
    """Return the IRI a server path denotes (the inverse of :func:`iri_to_path`), or ``None`` when unsafe.

    ``path`` is the decoded request path; ``..`` segments and control characters are refused.
    """
    rel = path[1:] if path.startswith("/") else path  # one slash only: "//x" is not "/x" (round trip)
    if any(seg in ("..", ".") for seg in rel.split("/")) or any(ord(c) < 0x21 or c in '<>"{}|\\^`' for c in rel):
        return None
    return iri.BASE + rel


def is_web_iri(value: str) -> bool:
    """Return whether ``value`` is an ``http(s)`` IRI, the only kind a page or picture may link to."""
    scheme, sep, _ = value.partition(":")
    return bool(sep) and scheme.lower() in WEB_SCHEMES


class Linker:
    """Turns IRIs into links on this server, keeping an explicitly chosen language."""

    def __init__(self, base: str, lang: str, explicit: bool) -> None:
        """Remember the base URL and the language."""
        self.base = base
        self.lang = lang
        self.explicit = explicit

    def url(self, path: str, lang: str | None = None, **params: str) -> str:
        """Return ``base + path`` with ``lang`` (when chosen) and ``params`` in the query string."""
        query = dict(params)
        if lang is not None:
            query["lang"] = lang
        elif self.explicit:
            query["lang"] = self.lang
        fragment = ""
        if "#" in path:
            path, fragment = path.split("#", 1)
            fragment = "#" + fragment
        qs = ("?" + urllib.parse.urlencode(query)) if query else ""
        return self.base + path.lstrip("/") + qs + fragment

    def iri(self, value: str) -> str:
        """Return where a click on ``value`` goes: its page here, the IRI itself (http/https), or ``""``.

        ``""`` means "no link": templates and pictures show the text without an anchor.
        """
        path = iri_to_path(value)
        if path is not None:
            return self.url(path)
        return value if is_web_iri(value) else ""
