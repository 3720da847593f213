"""Errors of sco-kg: each carries a one-line message that names the file or term and the fix.

The CLI prints ``str(error)`` on stderr and exits with ``error.exit_code``; no traceback reaches the user.
"""

from __future__ import annotations


class ScoKgError(Exception):
    """Base class: a problem the user can act on. ``exit_code`` is 1 (data/runtime) unless said otherwise."""

    exit_code = 1


class UsageError(ScoKgError):
    """Bad command-line usage or a bad parameter value (exit code 2)."""

    exit_code = 2


class DataFileError(ScoKgError):
    """A data, ontology or query file is missing, unreadable or malformed."""


class CatalogError(ScoKgError):
    """A canned query file has a malformed header or does not match its header."""


class QueryError(ScoKgError):
    """A SPARQL query cannot be parsed, is refused, or fails while running."""


class QueryRejected(QueryError):
    """A query asks for something the policy forbids (SERVICE, LOAD, remote FROM, UPDATE)."""

    exit_code = 2


class QueryTimeout(QueryError):
    """A query ran past its wall-clock budget."""


class ReasoningError(ScoKgError):
    """The OWL 2 RL closure could not be computed or its input was refused."""


class ValidationFailed(ScoKgError):
    """The data does not pass validation (OWL RL consistency, SHACL or QA checks)."""


class RemoteError(ScoKgError):
    """A remote SPARQL endpoint could not be reached or answered something unusable."""
