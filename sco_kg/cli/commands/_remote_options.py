"""The options of every command that talks to a remote store (``push``, ``query``/``sparql --endpoint``).

ONE definition, so ``--user``, ``--password-env``, ``--token-env``, ``--auth`` and ``--store-type`` mean the same
everywhere; :func:`auth_of` and :func:`store_type_of` turn them into what :mod:`sco_kg.remote` takes (stdlib
only at import time: ``--help`` stays cheap).
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing at start-up
if TYPE_CHECKING:
    from sco_kg.remote.auth import Auth

STORE_TYPES = ("auto", "oxigraph", "jena", "virtuoso", "graphdb", "generic")  # = sco_kg.remote.STORE_TYPES


def add_remote_options(p: argparse.ArgumentParser) -> None:
    """Add the store options: credentials (from the environment), the auth scheme and the store type."""
    g = p.add_argument_group("remote store")
    g.add_argument("--user", metavar="U", help="user name for HTTP Basic or Digest authentication")
    g.add_argument("--password-env", metavar="VAR", help="environment variable that holds the password")
    g.add_argument("--token-env", metavar="VAR", help="environment variable that holds a bearer token")
    g.add_argument("--auth", choices=("basic", "digest"), default=None,
                   help="HTTP auth scheme for --user (default: the store type's; Virtuoso: digest)")  # fmt: skip
    g.add_argument("--store-type", choices=STORE_TYPES, default="auto",
                   help="the store's endpoint layout, auth scheme and quirks (default: auto, asked from the "
                   "store's service description)")  # fmt: skip


def auth_of(args: argparse.Namespace) -> Auth | None:
    """Return the credentials the options name (secrets read from the environment; the scheme from --auth,
    else from a named --store-type, else decided once the store is known).

    Raises:
        UsageError: inconsistent options, or a variable that is not set.
    """
    from sco_kg.remote import profiles
    from sco_kg.remote.auth import auth_from_env, for_profile

    auth = auth_from_env(args.user, args.password_env, args.token_env, args.auth)
    if args.store_type != "auto":  # a named store type picks the scheme unless --auth did
        auth = for_profile(auth, profiles.get(args.store_type).auth_scheme)
    return auth


def check_remote_only(args: argparse.Namespace) -> None:
    """Refuse store options without ``--endpoint`` (a local run would silently ignore them).

    Raises:
        UsageError: ``--user``/``--token-env``/``--auth``/``--store-type`` given without ``--endpoint``.
    """
    from sco_kg.errors import UsageError

    if getattr(args, "endpoint", None):
        return
    given = [o for o, v in (("--user", args.user), ("--password-env", args.password_env),
                            ("--token-env", args.token_env), ("--auth", args.auth)) if v]  # fmt: skip
    if args.store_type != "auto":
        given.append("--store-type")
    if given:
        raise UsageError(f"{', '.join(given)}: only with --endpoint (a remote store)")
