"""``sco-kg serve``: the linked-data server (SPARQL endpoint, resource pages, dumps) on a loopback port."""

from __future__ import annotations

import argparse
import sys

from sco_kg.cli.commands._common import add_read_options, byte_count, port_number, positive_float, positive_int
from sco_kg.errors import ScoKgError, UsageError

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing at start-up
if TYPE_CHECKING:
    import socket

HELP = "serve the graph over HTTP: SPARQL endpoint, dereferenceable IRIs, HTML pages"
DESCRIPTION = """Serve the knowledge graph over HTTP (Starlette + uvicorn; needs the 'server' extra).

  /                     home page: counts, entry points, timeline, search
  /sparql               SPARQL 1.1 Protocol endpoint (read-only; service description without a query)
  /queries, /queries/N  the canned-query catalogue and its queries with ?param=value
  /query                query page (canned queries or your own SPARQL, results as a table)
  /id/..., /ontology/   every IRI under https://w3id.org/sco-kg/ with content negotiation
  /text                 the full text, each sentence with the statements it backs
  /.well-known/void     VoID + DCAT dataset description; /dumps/sco-kg.{ttl,jsonld,nq,nt,trig,rdf}

example:
  sco-kg serve --port 8000
  curl -H 'Accept: text/turtle' http://127.0.0.1:8000/id/state/kazakhstan
"""
SERVER_MODULES = ("starlette", "uvicorn", "jinja2")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``serve``."""
    from sco_kg.engine.limits import DEFAULT_TIMEOUT

    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1, loopback only)")
    p.add_argument("--port", type=port_number(0), default=8000, help="TCP port (default: 8000; 0 picks a free one)")
    p.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="public URL that https://w3id.org/sco-kg/ maps onto (default: the URL of each request)",
    )
    p.add_argument("--quiet", action="store_true", help="do not log each request to stderr")
    p.add_argument(
        "--timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"wall-clock limit of one query in seconds, the same default as every command (default: "
        f"{DEFAULT_TIMEOUT:g}; a public server may want less)",
    )
    p.add_argument(
        "--max-rows",
        type=positive_int,
        default=10_000,
        metavar="N",
        help="rows (or triples) a query may return; more are cut and flagged (default: 10000)",
    )
    p.add_argument(
        "--memory-limit",
        type=byte_count,
        default=1 << 30,
        metavar="SIZE",
        help="stop a query whose worker grows by more than SIZE (suffixes k, M, G; 0 = no limit; default 1G); "
        "the client gets 422",
    )
    p.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        metavar="N",
        help="worker processes that answer requests (default: the number of CPUs, at most 4); a worker whose "
        "query overruns its time or memory limit is replaced",
    )
    p.add_argument(
        "--threads",
        type=positive_int,
        default=4,
        metavar="N",
        help="queries one worker process runs at once (default: 4); when all are busy for the time limit, 503",
    )
    add_read_options(p)


def _bind(host: str, port: int) -> socket.socket:
    """Return a listening socket on ``host:port``, or raise a one-line error (port in use, bad address)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ScoKgError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ScoKgError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def missing_server_modules() -> list[str]:
    """Return the modules of the 'server' extra that are not installed."""
    import importlib.util

    return [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]


def run(args: argparse.Namespace) -> int:
    """Start the server and block until interrupted; return the exit code."""
    missing = missing_server_modules()
    if missing:
        raise ScoKgError(
            f"the server needs the 'server' extra (missing: {', '.join(missing)}): pip install 'sco-kg[server]'"
        )
    base = args.base_url
    if base is not None and not base.startswith(("http://", "https://")):
        raise UsageError(f"--base-url must be an http(s) URL, got {base!r}")
    if args.with_format is not None:
        if not args.with_files:
            raise UsageError("--with-format names the format of the --with files: give --with FILE too")
        from sco_kg.io.inputs import format_extension

        format_extension(args.with_format)  # an unknown format is a usage error before anything is loaded
    import uvicorn

    from sco_kg.cli.commands._common import source_of
    from sco_kg.dataset import copy_store, open_store
    from sco_kg.server import ServerConfig, create_app, prefork

    source = source_of(args)
    data = open_store(source)
    import os

    processes = args.workers or min(4, os.cpu_count() or 1)
    if prefork.AVAILABLE and source.store_dir is not None:
        data = copy_store(data)  # an on-disk store's background threads do not survive the fork of the workers
    config = ServerConfig(
        base_url=base, timeout=args.timeout, max_rows=args.max_rows, quiet=args.quiet, inferred=args.inferred,
        source=source, memory_limit=args.memory_limit or None, workers=args.threads,
        processes=processes if prefork.AVAILABLE else 0,
    )  # fmt: skip
    app = create_app(data, config)
    sock = _bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    if not args.quiet:
        shown = f"[{host}]" if ":" in host else host
        print(f"sco-kg: serving http://{shown}:{port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    with sock:
        if config.processes:
            prefork.prepare()
            supervisor = prefork.Supervisor(
                lambda retire: prefork.serve_worker(app, sock, retire), config.processes,
                grace=config.timeout + 2, quiet=args.quiet,
            )  # fmt: skip
            return supervisor.run()
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, server_header=False, lifespan="off")
        )
        server.run(sockets=[sock])
    return 0
