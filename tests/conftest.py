"""Shared fixtures: the dataset (asserted, reasoned), the fast store, and helpers for system tools.

A test that needs a system package (chromium, rapper, dot) calls :func:`require_tool`; it skips with a reason
where the tool is absent, except when ``SCO_KG_REQUIRE_SYSTEM_TOOLS=1`` (set by ``.ci/run``), where a missing
tool fails the test so CI never passes by skipping.

The same switch covers every other skip: with ``SCO_KG_REQUIRE_SYSTEM_TOOLS=1`` the hooks below turn a skipped
test (``pytest.skip``, ``pytest.importorskip``, a ``skipif`` marker) and a skipped module (a module-level
``importorskip``) into a failure, except a test marked ``@pytest.mark.ci_may_skip(reason=...)``: a skip that is
right in CI too (CI runs as root, so "root reads files whatever their mode" stays a skip there).
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
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

import sco_kg
from sco_kg import paths
from sco_kg.dataset import Source

TESTS_DIR = Path(__file__).resolve().parent
TEST_DATA = TESTS_DIR / "data"
NO_SKIP = "SCO_KG_REQUIRE_SYSTEM_TOOLS"


def no_skip() -> bool:
    """Return True when CI's no-skip switch is on (``SCO_KG_REQUIRE_SYSTEM_TOOLS=1``)."""
    return os.environ.get(NO_SKIP) == "1"


def _skip_reason(longrepr: object) -> str:
    """Return the reason of a skip report (its longrepr is ``(path, line, "Skipped: why")``)."""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Under the no-skip switch, report a skipped test as failed unless it is marked ``ci_may_skip``."""
    report = yield
    if not (report.skipped and no_skip()) or hasattr(report, "wasxfail"):
        return report
    allowed = item.get_closest_marker("ci_may_skip")
    if allowed is not None:
        if str(allowed.kwargs.get("reason", "")).strip():
            return report
        report.outcome = "failed"
        report.longrepr = "@pytest.mark.ci_may_skip needs reason=...: say why CI may skip this test"
        return report
    report.outcome = "failed"
    report.longrepr = f"skipped under {NO_SKIP}=1 (CI must not skip): {_skip_reason(report.longrepr)}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """Under the no-skip switch, report a skipped module (module-level ``importorskip``) as a collection error."""
    report = yield
    if report.skipped and no_skip():
        report.outcome = "failed"
        report.longrepr = f"module skipped under {NO_SKIP}=1 (CI must not skip): {_skip_reason(report.longrepr)}"
    return report


def require_tool(name: str, package: str) -> str:
    """Return the path of executable ``name``, or skip (fail in CI) naming the Debian ``package``."""
    found = shutil.which(name)
    if found:
        return found
    msg = f"{name} not found: install the Debian package '{package}'"
    if no_skip():
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
def server_store():  # type: ignore[no-untyped-def]
    """The dataset the server serves: asserted + inferred, from the shipped closure (tests only read it)."""
    return sco_kg.open_store(Source(inferred=True))


@pytest.fixture(scope="module")
def client(server_store):  # type: ignore[no-untyped-def]
    """A Starlette TestClient on an app serving ``server_store`` with the default limits."""
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from sco_kg.server import ServerConfig, create_app

    with TestClient(create_app(server_store, ServerConfig(quiet=True))) as c:
        yield c


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


@pytest.fixture(scope="session", autouse=True)
def closure_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One closure cache (``SCO_KG_CACHE``) for the whole run, shared by every test and the processes they start.

    A cache entry is keyed by the hash of every input file and of the reasoner's version
    (:mod:`sco_kg.reasoning.materialize`), so sharing is safe: a test that breaks the data gets its own entry,
    and every test that needs the closure of the same inputs (the data with ``tests/data/later-members.ttl``,
    a broken copy made twice alike) computes it once per run. Nothing is written to the developer's
    ``~/.cache/sco-kg``. Tests about the cache itself (tests/test_closure.py, tests/test_faults.py) set a
    cache of their own.
    """
    target = tmp_path_factory.mktemp("closure-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCO_KG_CACHE", str(target))
        yield target


@pytest.fixture()
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closure_cache: Path) -> Path:
    """A writable copy of ontology/, data/, queries/, shapes/ as SCO_KG_ROOT (for deliberately broken data).

    The copy keeps the shipped closure (data/build/), trusted while its inputs are unchanged; a closure of the
    broken inputs goes to the run's shared cache (:func:`closure_cache`), so tests that break the data alike
    and re-infer share it. A test about owlrl or the cache itself sets a cache of its own.
    """
    root = paths.resource_root()
    for sub in ("ontology", "data", "queries", "shapes"):
        if (root / sub).exists():
            shutil.copytree(root / sub, tmp_path / sub)
    monkeypatch.setenv("SCO_KG_ROOT", str(tmp_path))
    monkeypatch.setenv("SCO_KG_CACHE", str(closure_cache))
    return tmp_path
