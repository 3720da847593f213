"""Content negotiation: media types, ``Accept`` / ``Accept-Language`` parsing and the ``format`` parameter.

Proactive negotiation as RFC 9110 §12.5.1 (``Accept``, https://www.rfc-editor.org/rfc/rfc9110#section-12.5.1)
and §12.5.4 (``Accept-Language``) describe it: the most specific matching range gives an offered type its
q-value, ties go to the server's order. The ``format`` parameter (SPARQLWrapper's ``format=json``…) wins over
``Accept`` on the SPARQL endpoint.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sco_kg.server.errors import HttpError

LANGS = ("en", "zh", "ru")

HTML = "text/html"
TURTLE = "text/turtle"
JSONLD = "application/ld+json"
NTRIPLES = "application/n-triples"
RDFXML = "application/rdf+xml"
TRIG = "application/trig"
NQUADS = "application/n-quads"
RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"

# Representation extension -> media type (document URLs of a resource: ``…/kazakhstan.ttl``).
RDF_EXTENSIONS: dict[str, str] = {
    "ttl": TURTLE,
    "jsonld": JSONLD,
    "nt": NTRIPLES,
    "rdf": RDFXML,
    "trig": TRIG,
    "nq": NQUADS,
}
EXTENSION_OF = {media: ext for ext, media in RDF_EXTENSIONS.items()} | {HTML: "html"}
# Aliases a client may send in Accept (mapped onto the canonical media type we answer with).
MEDIA_ALIASES = {
    "application/xhtml+xml": HTML,
    "application/x-turtle": TURTLE,
    "application/turtle": TURTLE,
    "application/x-json+ld": JSONLD,
    "text/n-triples": NTRIPLES,
    "application/x-trig": TRIG,
    "text/x-nquads": NQUADS,
}
RESULT_MEDIA = (RESULTS_JSON, RESULTS_XML, CSV, TSV)
RESULT_ALIASES = {
    "application/json": RESULTS_JSON,
    "text/javascript": RESULTS_JSON,
    "application/javascript": RESULTS_JSON,
    "application/xml": RESULTS_XML,
    "text/xml": RESULTS_XML,
}
GRAPH_MEDIA = (TURTLE, JSONLD, NTRIPLES, RDFXML, TRIG, NQUADS)
GRAPH_ALIASES = {**MEDIA_ALIASES, "application/json": JSONLD, "application/xml": RDFXML, "text/xml": RDFXML}
# Values of the ``format`` parameter (SPARQLWrapper sends format=json, format=turtle, format=rdf+xml, …).
RESULT_FORMAT_NAMES = {"json": RESULTS_JSON, "xml": RESULTS_XML, "csv": CSV, "tsv": TSV, "srj": RESULTS_JSON}
GRAPH_FORMAT_NAMES = {
    "turtle": TURTLE,
    "ttl": TURTLE,
    "n3": TURTLE,
    "json-ld": JSONLD,
    "jsonld": JSONLD,
    "json": JSONLD,
    "nt": NTRIPLES,
    "ntriples": NTRIPLES,
    "n-triples": NTRIPLES,
    "xml": RDFXML,
    "rdf": RDFXML,
    "rdf+xml": RDFXML,
    "rdfxml": RDFXML,
    "trig": TRIG,
    "nq": NQUADS,
    "nquads": NQUADS,
    "n-quads": NQUADS,
}
FILE_EXTENSION_OF = {
    RESULTS_JSON: "srj",
    RESULTS_XML: "srx",
    CSV: "csv",
    TSV: "tsv",
    TURTLE: "ttl",
    JSONLD: "jsonld",
    NTRIPLES: "nt",
    RDFXML: "rdf",
    TRIG: "trig",
    NQUADS: "nq",
}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Return the media ranges of an ``Accept`` header with their q-values (``*/*`` when the header is absent).

    Malformed parts (no slash, bad q) are skipped, so a garbled header degrades to "anything".
    """
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in bits[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0) if q == q else 0.0  # NaN (q=nan) means "not acceptable"
        ranges.append((media, q))
    return ranges or [("*/*", 1.0)]


def negotiate(header: str | None, offered: Sequence[str], aliases: dict[str, str] | None = None) -> str | None:
    """Return the offered media type the client prefers, or ``None`` when nothing offered is acceptable.

    Args:
        header: the request's ``Accept`` header.
        offered: media types the server can produce, in the server's order of preference (ties go to it).
        aliases: other names of offered types (``application/json`` → JSON-LD), matched as exact types.

    Returns:
        One of ``offered``, or ``None`` (the caller answers 406).
    """
    aliases = aliases or {}
    best: tuple[float, int, int] | None = None
    choice: str | None = None
    ranges = parse_accept(header)
    for index, media in enumerate(offered):
        main = media.split("/")[0]
        q_value = -1.0
        specificity = -1
        for rng, q in ranges:
            target = aliases.get(rng, rng)
            if target == media:
                spec = 3 if rng == media else 2
            elif rng == f"{main}/*":
                spec = 1
            elif rng == "*/*":
                spec = 0
            else:
                continue
            if spec > specificity or (spec == specificity and q > q_value):
                specificity, q_value = spec, q
        if q_value <= 0:
            continue
        key = (q_value, specificity, -index)
        if best is None or key > best:
            best, choice = key, media
    return choice


def preferred_language(header: str | None) -> str:
    """Return ``en``, ``zh`` or ``ru``: the first of them that ``Accept-Language`` ranks highest (default ``en``)."""
    if not header:
        return "en"
    best, best_q = "en", 0.0
    for position, part in enumerate(header.split(",")):
        bits = [b.strip() for b in part.split(";")]
        tag = bits[0].lower().split("-")[0]
        q = 1.0
        for param in bits[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q != q:  # NaN
            q = 0.0
        q -= position * 1e-6  # earlier wins a tie
        if tag in LANGS and q > best_q:
            best, best_q = tag, q
    return best


def lang_matches(tag: str | None, lang: str) -> bool:
    """Return whether the language tag ``tag`` (``zh-Hans``, ``ru``…) belongs to ``lang`` (``zh``, ``ru``, ``en``)."""
    return bool(tag) and tag.lower().split("-")[0] == lang  # type: ignore[union-attr]


# Media type -> the name the one set of writers knows: ``Result.serialize`` (results, CONSTRUCT graphs) and
# ``sco_kg.export.serialize`` (documents; RDF/XML and N-Quads for CONSTRUCT too).
RESULT_WRITER = {RESULTS_JSON: "json", RESULTS_XML: "xml", CSV: "csv", TSV: "tsv"}
GRAPH_WRITER = {TURTLE: "turtle", NTRIPLES: "nt", JSONLD: "jsonld", TRIG: "trig"}
EXPORT_FORMAT = {TURTLE: "ttl", JSONLD: "jsonld", NTRIPLES: "nt", RDFXML: "xml", TRIG: "trig", NQUADS: "nq"}


def choose_media(form: str, accept: str | None, formats: Sequence[str]) -> str:
    """Return the answer's media type from the ``format`` parameter values or, without them, ``Accept``.

    Raises:
        HttpError: 406 when nothing acceptable can be produced.
    """
    return _choose_media(form, accept, tuple(formats))


@functools.lru_cache(maxsize=512)  # a few distinct Accept headers make most requests (refusals are not kept)
def _choose_media(form: str, accept: str | None, formats: tuple[str, ...]) -> str:
    graph = form == "graph"
    names = GRAPH_FORMAT_NAMES if graph else RESULT_FORMAT_NAMES
    aliases = GRAPH_ALIASES if graph else RESULT_ALIASES
    offered = GRAPH_MEDIA if graph else RESULT_MEDIA
    for value in formats:
        key = value.strip().lower()
        media = names.get(key) or aliases.get(key) or (key if key in offered else None)
        if media:
            return media
    if formats:
        raise HttpError(406, f"unknown format {formats[0]!r}: use one of {', '.join(sorted(names))}")
    media = negotiate(accept, offered, aliases)
    if media is None:
        raise HttpError(406, f"cannot answer in {accept!r}: this query can be answered in {', '.join(offered)}")
    return media
