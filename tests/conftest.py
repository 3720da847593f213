"""Shared fixtures: the dataset (asserted, reasoned), the fast store, and helpers for system tools.

A test that needs a system package (chromium, rapper, dot) calls :func:`require_tool`; it skips with a reason
where the tool is absent, except when ``SCO_KG_REQUIRE_SYSTEM_TOOLS=1`` (set by ``.ci/run``), where a missing
tool fails the test so CI never passes by skipping.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import sco_kg
from sco_kg import paths
from sco_kg.dataset import Source

TESTS_DIR = Path(__file__).resolve().parent
TEST_DATA = TESTS_DIR / "data"


def require_tool(name: str, package: str) -> str:
    """Return the path of executable ``name``, or skip (fail in CI) naming the Debian ``package``."""
    found = shutil.which(name)
    if found:
        return found
    msg = f"{name} not found: install the Debian package '{package}'"
    if os.environ.get("SCO_KG_REQUIRE_SYSTEM_TOOLS") == "1":
        pytest.fail(msg + " (SCO_KG_REQUIRE_SYSTEM_TOOLS=1: CI must not skip)")
    pytest.skip(msg)


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve_subprocess(*args: str, env: dict[str, str] | None = None, startup: float = 60) -> Iterator[tuple]:
    """Run ``sco-kg serve --port FREE --quiet ARGS`` in a subprocess; yield ``(process, base URL)`` once
    ``ASK {}`` answers 200; stop it with SIGINT afterwards (killed if it does not exit within 20 s)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sco_kg.cli", "serve", "--port", str(port), "--quiet", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + startup
    while True:
        try:
            with urllib.request.urlopen(base + "sparql?query=ASK%7B%7D", timeout=2) as r:
                if r.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError):
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            _, err = proc.communicate()
            pytest.fail(f"sco-kg serve did not start: {err.decode()[-500:]}")
        time.sleep(0.1)
    try:
        yield proc, base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.fixture(scope="session")
def asserted():
    """The rdflib Dataset of ontology + data, without inference."""

    return sco_kg.load(Source(inferred=False))


@pytest.fixture(scope="session")
def reasoned():
    """The rdflib Dataset with the shipped OWL 2 RL closure in scog:inferred."""

    return sco_kg.load(Source(inferred=True))


@pytest.fixture(scope="session")
def source_text() -> str:
    """The raw text of the source document."""
    from sco_kg.textlayer import read_source

    return read_source()


@pytest.fixture()
def data_copy(tmp_path, monkeypatch) -> Path:
    """A writable copy of ontology/, data/, queries/, shapes/ as SCO_KG_ROOT (for deliberately broken data)."""
    root = paths.resource_root()
    for sub in ("ontology", "data", "queries", "shapes"):
        if (root / sub).exists():
            shutil.copytree(root / sub, tmp_path / sub)
    monkeypatch.setenv("SCO_KG_ROOT", str(tmp_path))
    monkeypatch.setenv("SCO_KG_CACHE", str(tmp_path / "cache"))
    return tmp_path
