"""Shared fixtures: the dataset (asserted, reasoned), the fast store, and helpers for system tools.

A test that needs a system package (chromium, rapper, dot) calls :func:`require_tool`; it skips with a reason
where the tool is absent, except when ``SCO_KG_REQUIRE_SYSTEM_TOOLS=1`` (set by ``.ci/run``), where a missing
tool fails the test so CI never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from sco_kg import paths

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


@pytest.fixture(scope="session")
def asserted():
    """The rdflib Dataset of ontology + data, without inference."""
    from sco_kg import load

    return load(inferred=False)


@pytest.fixture(scope="session")
def reasoned():
    """The rdflib Dataset with the shipped OWL 2 RL closure in scog:inferred."""
    from sco_kg import load

    return load(inferred=True)


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
