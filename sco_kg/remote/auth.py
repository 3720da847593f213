"""Credentials for a remote store and the one place that opens HTTP requests with them.

Three schemes: HTTP **Basic** (``--user`` + ``--password-env``, sent with every request), HTTP **Digest**
(RFC 7616; the same options plus ``--auth digest`` or a store profile that needs it, e.g. Virtuoso's stock
``/sparql-auth``: the password itself never travels, urllib's :class:`urllib.request.HTTPDigestAuthHandler`
answers the store's challenge) and a **bearer** token (``--token-env``). Secrets come from the environment,
never from argv, and are never printed (``repr`` hides them).

:func:`open_request` opens a request with a private opener (nothing is installed globally), so a Digest
exchange for one store never leaks into another.
"""

from __future__ import annotations

import base64
import os
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from sco_kg.errors import UsageError

SCHEMES = ("basic", "digest")
AUTO = "auto"  # no --auth given: the store profile decides (Basic unless it says otherwise)


@dataclass(frozen=True)
class Auth:
    """Credentials for a store: ``user`` + ``password`` (Basic or Digest, per ``scheme``) or a bearer ``token``."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    scheme: str = AUTO

    def header(self) -> str | None:
        """Return the value of the ``Authorization`` header sent up front, or ``None`` (Digest answers a challenge)."""
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None and self.scheme in ("basic", AUTO):
            raw = f"{self.user}:{self.password or ''}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        return None

    def with_scheme(self, scheme: str) -> Auth:
        """Return these credentials with another scheme (a token stays a token)."""
        if scheme not in SCHEMES:
            raise UsageError(f"--auth {scheme!r}: expected one of {', '.join(SCHEMES)}")
        if self.token or scheme == self.scheme:
            return self
        return Auth(self.user, self.password, None, scheme)


def auth_from_env(
    user: str | None = None,
    password_env: str | None = None,
    token_env: str | None = None,
    scheme: str | None = None,
) -> Auth | None:
    """Return the credentials named on the command line, reading secrets from environment variables.

    Args:
        user, password_env, token_env: the values of ``--user``, ``--password-env``, ``--token-env``.
        scheme: ``basic`` or ``digest`` (``--auth``); ``None`` means Basic unless a store profile says otherwise.

    Raises:
        UsageError: both a user and a token, a password without a user, a variable that is not set, an unknown
            scheme, or ``--auth`` without ``--user``.
    """
    if scheme is not None and scheme not in SCHEMES:
        raise UsageError(f"--auth {scheme!r}: expected one of {', '.join(SCHEMES)}")
    if token_env and (user or password_env):
        raise UsageError("give either --user/--password-env or --token-env, not both")
    if password_env and not user:
        raise UsageError("--password-env needs --user")
    if scheme is not None and not user:
        raise UsageError(f"--auth {scheme} needs --user (and --password-env)")
    if token_env:
        token = os.environ.get(token_env)
        if not token:
            raise UsageError(f"--token-env {token_env}: the environment variable is not set or empty")
        return Auth(token=token)
    if user:
        password = ""
        if password_env:
            if password_env not in os.environ:
                raise UsageError(f"--password-env {password_env}: the environment variable is not set")
            password = os.environ[password_env]
        return Auth(user=user, password=password, scheme=scheme or AUTO)
    return None


def for_profile(auth: Auth | None, scheme: str) -> Auth | None:
    """Return ``auth`` with the profile's ``scheme`` when the user did not choose one with ``--auth``."""
    if auth is None or auth.token or auth.scheme != AUTO:
        return auth
    return Auth(auth.user, auth.password, None, scheme)


def open_request(req: urllib.request.Request, timeout: float, auth: Auth | None) -> Any:
    """Open ``req`` with ``auth`` (Basic/bearer header up front, or a Digest handler) and return the response.

    Raises:
        urllib.error.HTTPError, urllib.error.URLError, OSError: as :func:`urllib.request.urlopen`.
    """
    handlers: list[urllib.request.BaseHandler] = []
    header = auth.header() if auth else None
    if header:
        req.add_header("Authorization", header)
    elif auth is not None and auth.scheme == "digest" and auth.user is not None:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, req.full_url, auth.user, auth.password or "")
        handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
    opener = urllib.request.build_opener(*handlers)
    return opener.open(req, timeout=timeout)


def challenge_hint(www_authenticate: str | None, auth: Auth | None) -> str:
    """Return what to change when a store answers 401 with the challenge ``www_authenticate``.

    The store names its scheme in ``WWW-Authenticate``; when it is not the one sent, say which option fixes it
    instead of blaming the password.
    """
    asked = (www_authenticate or "").split(None, 1)[0].lower() if www_authenticate else ""
    if auth is None:
        if asked:
            extra = " --auth digest" if asked == "digest" else ""
            return f"the store asks for HTTP {asked.capitalize()} authentication: give --user and --password-env{extra}"
        return "check --user/--password-env or --token-env"
    sent = "bearer" if auth.token else ("basic" if auth.scheme == AUTO else auth.scheme)
    if asked == "digest" and sent != "digest":
        return "the store asks for HTTP Digest authentication: add --auth digest (or --store-type virtuoso)"
    if asked == "basic" and sent != "basic":
        return "the store asks for HTTP Basic authentication: use --auth basic"
    if asked == "bearer" and sent != "bearer":
        return "the store asks for a bearer token: use --token-env"
    return "the store refused these credentials: check --user and the password in --password-env (or --token-env)"
