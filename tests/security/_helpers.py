"""Helpers of the security tests: a loopback HTTP server that counts hits, and running the CLI in a subprocess.

Every test that could make the stack reach out points it at :class:`HitServer` (127.0.0.1, port 0) and asserts
``server.hits == []``: nothing touches the internet, and a request that should never be made is counted.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent.parent
TEST_DATA = TESTS_DIR / "data"


class HitServer:
    """A loopback HTTP server on a free port that records every request path and answers with ``body``."""

    def __init__(self, body: bytes = b"", content_type: str = "text/plain") -> None:
        """Start serving in a daemon thread."""
        self.hits: list[str] = []
        self.body = body
        self.content_type = content_type
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.hits.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", outer.content_type)
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/x") -> str:
        """Return the URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        """Stop the server."""
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def hit_server() -> Iterator[HitServer]:
    """A loopback server that counts hits (answers ``200`` with a tiny JSON-LD context)."""
    server = HitServer(b'{"@context": {"p": "http://example.org/p"}}', "application/ld+json")
    try:
        yield server
    finally:
        server.close()


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``sco-kg ARGS`` in a fresh interpreter (the audit hook is installed there, as for a user)."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("SCO_KG_SANDBOX", None)
    full_env.pop("SCO_KG_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "sco_kg.cli", *args],
        cwd=cwd, env=full_env, input=stdin.decode() if stdin is not None else None,
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def isolated_env(tmp_path: Path) -> dict[str, str]:
    """Return TMPDIR and SCO_KG_CACHE inside ``tmp_path`` so that the rest of ``tmp_path`` is *outside* the
    sandbox's temp and cache directories (files there are allowed only when named)."""
    (tmp_path / "tmpdir").mkdir(exist_ok=True)
    return {"TMPDIR": str(tmp_path / "tmpdir"), "SCO_KG_CACHE": str(tmp_path / "cache")}


def run_python(
    code: str, cwd: Path | None = None, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -c code`` in a fresh interpreter (audit hooks cannot be removed, so never in-process)."""
    env = {k: v for k, v in {**os.environ, **(env or {})}.items() if k not in ("SCO_KG_SANDBOX", "SCO_KG_DEBUG")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    """Return the CLI's error line, asserting there is exactly one and no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("sco-kg"), lines[0]
    return lines[0]
