"""Talk to a remote SPARQL 1.1 store: run queries there (SPARQLWrapper) and push the dataset into it.

This module owns the client side of the SPARQL 1.1 Protocol and the Graph Store HTTP Protocol:

* :func:`run_sparql` sends a query through **SPARQLWrapper** and returns the same :class:`sco_kg.query.Result`
  as a local run, so every output format of ``sco-kg query``/``sparql`` works unchanged with ``--endpoint``.
  The gate (:mod:`sco_kg.sparql.gate`) applies as locally (no SERVICE unless allowed, no update).
* :func:`push` loads quads into a store, one named graph at a time, through the Graph Store HTTP Protocol
  (PUT/POST of N-Triples), falling back to SPARQL 1.1 Update ``INSERT DATA`` when the store has no Graph Store
  endpoint; in batches (a blank node's triples always travel together); then it counts the triples of each
  graph on the remote side and compares.

Every request names the project in its User-Agent, has a timeout, and is retried with exponential backoff
(honouring ``Retry-After``) on 429 and 503. Everything that goes wrong becomes one :class:`RemoteError` line:
unreachable, an error status (with the first line of the server's message), HTML instead of results, an empty
200. Credentials come from the environment (``--password-env``/``--token-env``), never from argv, and are
never printed. This module does not import rdflib.
"""

from __future__ import annotations

from sco_kg.remote.client import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    Auth,
    auth_from_env,
    count_triples,
    http_client_errors,
    parse_results_json,
    rewrite_services,
    run_sparql,
)
from sco_kg.remote.push import DEFAULT_BATCH, PushReport, batches, derive_urls, push

__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_BATCH",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "Auth",
    "PushReport",
    "auth_from_env",
    "batches",
    "count_triples",
    "derive_urls",
    "http_client_errors",
    "parse_results_json",
    "push",
    "rewrite_services",
    "run_sparql",
]
