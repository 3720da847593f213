"""Store profiles: what differs between Oxigraph, Jena (Fuseki/TDB2), Virtuoso, GraphDB and any other store.

A :class:`Profile` says where a store keeps its Graph Store and Update endpoints relative to the query
endpoint, which HTTP auth scheme its stock write endpoints use, whether its default graph is the union of
the named graphs (and how to make it so), and whether canned-query parameters must be written into the query
text (:mod:`sco_kg.remote.inline`). ``--store-type auto`` (the default) asks the store: one GET of the query
endpoint for its SPARQL 1.1 Service Description (parsed with pyoxigraph's Turtle/RDF-XML parser) and its
``Server`` header.
"""

from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass

from sco_kg.errors import UsageError
from sco_kg.version import __version__

STORE_TYPES = ("auto", "oxigraph", "jena", "virtuoso", "graphdb", "generic")
SD = "http://www.w3.org/ns/sparql-service-description#"
USER_AGENT = f"sco-kg/{__version__} (https://w3id.org/sco-kg/)"


@dataclass(frozen=True)
class Profile:
    """How to talk to one kind of store."""

    name: str
    auth_scheme: str = "basic"
    inline_params: bool = False
    insert_template: bool = False  # INSERT { … } WHERE {} instead of INSERT DATA (writes._update_text)
    max_update_batch: int | None = None  # triples per Update request, whatever --batch-size says
    default_graph_hint: str = "make the store's default graph the union of its named graphs"

    def urls(self, endpoint: str, authed: bool) -> tuple[str, str]:
        """Return ``(graph store URL, update URL)`` derived from the query ``endpoint``."""
        if self.name == "virtuoso":
            base = re.sub(r"/sparql(-auth)?/?$", "", endpoint)
            if authed:
                return base + "/sparql-graph-crud-auth", base + "/sparql-auth"
            return base + "/sparql-graph-crud", base + "/sparql"
        if self.name == "graphdb":
            m = re.match(r"^(.*/repositories/[^/?#]+)", endpoint)
            base = m.group(1) if m else endpoint
            return base + "/rdf-graphs/service", base + "/statements"
        if self.name == "jena":
            m = re.match(r"^(.*)/(query|sparql)/?$", endpoint)
            if m:  # Fuseki: /ds/query -> /ds/data and /ds/update
                return m.group(1) + "/data", m.group(1) + "/update"
            return endpoint, endpoint  # the dataset URL takes every operation
        m = re.match(r"^(.*)/(query|sparql)/?$", endpoint)  # Oxigraph's layout; generic stores guess it
        if m:
            return m.group(1) + "/store", m.group(1) + "/update"
        return endpoint, endpoint


PROFILES: dict[str, Profile] = {
    "oxigraph": Profile(
        "oxigraph",
        default_graph_hint="start the server with 'oxigraph serve --union-default-graph'",
    ),
    "jena": Profile(
        "jena",
        default_graph_hint="set tdb2:unionDefaultGraph true on the dataset (Fuseki configuration), or query "
        "TDB2 with 'tdb2.tdbquery --set tdb:unionDefaultGraph=true'",
    ),
    "virtuoso": Profile(
        "virtuoso",
        auth_scheme="digest",
        inline_params=True,
        insert_template=True,
        max_update_batch=500,  # SP031: "generated SQL text has exceeded 10000 lines" at ~1,500 triples
        default_graph_hint="query without FROM: Virtuoso's default graph is then every graph it holds",
    ),
    "graphdb": Profile(
        "graphdb",
        default_graph_hint="GraphDB's default graph is the union of all graphs unless the query uses FROM",
    ),
    "generic": Profile("generic"),
}


def get(name: str) -> Profile:
    """Return the profile named ``name`` (not ``auto``: see :func:`resolve`).

    Raises:
        UsageError: an unknown store type.
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(f"--store-type {name!r}: expected one of {', '.join(STORE_TYPES)}") from None


@dataclass(frozen=True)
class Detection:
    """What a store says about itself: a profile name, its ``Server`` header, and the Service Description's
    ``sd:UnionDefaultGraph`` feature (``None``: no description)."""

    name: str
    server: str = ""
    union_default_graph: bool | None = None


def detect(endpoint: str, timeout: float = 10.0, auth: object = None) -> Detection:
    """Return what the store at ``endpoint`` is, from one GET of its Service Description (``generic`` if unsure).

    Never raises: an unreachable store is detected as ``generic`` and the real request reports the error.
    """
    from sco_kg.remote.auth import Auth, open_request

    req = urllib.request.Request(endpoint, method="GET")
    req.add_header("Accept", "text/turtle, application/rdf+xml;q=0.8")
    req.add_header("User-Agent", USER_AGENT)
    try:
        with open_request(req, timeout, auth if isinstance(auth, Auth) else None) as resp:
            server = resp.headers.get("Server", "") or ""
            ctype = (resp.headers.get("Content-Type", "") or "").split(";")[0].strip().lower()
            body = resp.read(1 << 20)
    except Exception as exc:  # detection is advisory: the push itself reports errors
        headers = getattr(exc, "headers", None)
        server = (headers.get("Server", "") if headers is not None else "") or ""
        return Detection(_name_from_server(server), server)
    return Detection(_name_from_server(server), server, _union_feature(body, ctype, endpoint))


def _name_from_server(server: str) -> str:
    s = server.lower()
    for needle, name in (("virtuoso", "virtuoso"), ("oxigraph", "oxigraph"), ("fuseki", "jena"),
                         ("jena", "jena"), ("graphdb", "graphdb")):  # fmt: skip
        if needle in s:
            return name
    return "generic"


def _union_feature(body: bytes, ctype: str, base: str) -> bool | None:
    """Return whether a Service Description declares ``sd:UnionDefaultGraph`` (``None``: not a description)."""
    import pyoxigraph as ox

    formats = {"text/turtle": ox.RdfFormat.TURTLE, "application/rdf+xml": ox.RdfFormat.RDF_XML}
    fmt = formats.get(ctype)
    if fmt is None:
        return None
    try:
        triples = list(ox.parse(body, format=fmt, base_iri=base))
    except (SyntaxError, ValueError):
        return None
    services = {t.subject for t in triples if t.predicate.value == SD + "endpoint"}
    if not services:
        return None
    return any(
        t.subject in services and t.predicate.value == SD + "feature" and t.object.value == SD + "UnionDefaultGraph"
        for t in triples
    )


def resolve(store_type: str | None, endpoint: str, timeout: float = 10.0, auth: object = None) -> Detection:
    """Return the detection for ``--store-type`` (``auto``/``None``: ask the store; else the named profile)."""
    if store_type in (None, "auto"):
        return detect(endpoint, timeout, auth)
    get(store_type)
    return Detection(store_type)


def derive_urls(
    endpoint: str,
    store: str | None = None,
    update: str | None = None,
    profile: Profile | None = None,
    authed: bool = False,
) -> tuple[str, str]:
    """Return the Graph Store and Update URLs: ``--store``/``--update`` when given, else the profile's layout."""
    store_url, update_url = (profile or PROFILES["generic"]).urls(endpoint, authed)
    return store or store_url, update or update_url
