"""The Model Context Protocol server of sco-kg (layer 8): ``sco-kg mcp`` (stdio, or streamable HTTP on loopback).

:func:`build_server` returns the SDK's ``MCPServer`` with the tools and resources; :func:`serve` runs it.
Needs the ``mcp`` extra (``pip install 'sco-kg[mcp]'``).
"""

from __future__ import annotations

from sco_kg.mcp.server import MAX_INPUT_CHARS, ONTOLOGY_URI, TEXT_URI, build_server, serve

__all__ = ["MAX_INPUT_CHARS", "ONTOLOGY_URI", "TEXT_URI", "build_server", "serve"]
