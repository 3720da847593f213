"""``sco-kg mcp``: the Model Context Protocol server for AI assistants (read-only; stdio or loopback HTTP)."""

from __future__ import annotations

import argparse

from sco_kg.cli.commands._common import add_read_options, port_number, source_of
from sco_kg.errors import UsageError

HELP = "serve the graph to AI assistants over the Model Context Protocol (stdio, or HTTP on loopback)"
DESCRIPTION = """Serve the knowledge graph to an AI assistant over the Model Context Protocol (needs the 'mcp' extra).

Read-only. Tools: list_queries, run_query, sparql, describe, cite, verify_quote, explain; resources: the source
text and the ontology. By default the server speaks MCP on stdin/stdout (the client starts it); with --http it
serves streamable HTTP at http://127.0.0.1:PORT/mcp (loopback only).

examples:
  sco-kg mcp
  sco-kg mcp --http --port 8808
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``mcp``."""
    p.add_argument("--http", action="store_true", help="serve streamable HTTP on 127.0.0.1 instead of stdio")
    p.add_argument("--port", type=port_number(1), default=8808, help="port of --http (default 8808)")
    add_read_options(p, store=False)


def run(args: argparse.Namespace) -> int:
    """Run the MCP server until the client disconnects (stdio) or it is interrupted (HTTP)."""
    import importlib.util

    if importlib.util.find_spec("mcp") is None:
        raise UsageError("the MCP server needs the 'mcp' extra: pip install 'sco-kg[mcp]'")
    from sco_kg.mcp import serve

    serve(source_of(args), "streamable-http" if args.http else "stdio", args.port)
    return 0
