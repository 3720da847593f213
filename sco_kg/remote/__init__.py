"""Talk to a remote SPARQL 1.1 store: run queries there (SPARQLWrapper) and push the dataset into it.

* :mod:`~sco_kg.remote.client`: :func:`run_sparql` sends a query and returns the same
  :class:`sco_kg.engine.results.Result` as a local run; :func:`count_triples`; :func:`rewrite_services`.
* :mod:`~sco_kg.remote.auth`: :class:`Auth` (Basic, Digest, bearer), :func:`auth_from_env`, one opener per request.
* :mod:`~sco_kg.remote.profiles`: store profiles (oxigraph, jena, virtuoso, graphdb, generic) and detection
  from the Service Description.
* :mod:`~sco_kg.remote.push`: :func:`push` through staging graphs and one atomic switch per graph, exact counts,
  the default-graph check; :mod:`~sco_kg.remote.writes` its requests; :mod:`~sco_kg.remote.skolem` stable
  blank-node IRIs; :mod:`~sco_kg.remote.inline` parameters written into the query text.

Every request names the project in its User-Agent, has a timeout, and is retried with exponential backoff
(honouring ``Retry-After``) on 429 and 503. Everything that goes wrong becomes one :class:`RemoteError` line
that names the option to fix. Credentials come from the environment (``--password-env``/``--token-env``), never
from argv, and are never printed. This package does not import rdflib.
"""

from __future__ import annotations

from sco_kg.remote.auth import Auth, auth_from_env
from sco_kg.remote.client import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    count_triples,
    http_client_errors,
    parse_results_json,
    rewrite_services,
    run_sparql,
)
from sco_kg.remote.profiles import STORE_TYPES, Detection, Profile, detect
from sco_kg.remote.push import STAGING, push
from sco_kg.remote.skolem import GENID, skolemise
from sco_kg.remote.writes import DEFAULT_BATCH, PushReport, batches, derive_urls

__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_BATCH",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "GENID",
    "STAGING",
    "STORE_TYPES",
    "USER_AGENT",
    "Auth",
    "Detection",
    "Profile",
    "PushReport",
    "auth_from_env",
    "batches",
    "count_triples",
    "derive_urls",
    "detect",
    "http_client_errors",
    "parse_results_json",
    "push",
    "rewrite_services",
    "run_sparql",
    "skolemise",
]
