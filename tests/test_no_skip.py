"""CI's no-skip switch (issue 12): with SCO_KG_REQUIRE_SYSTEM_TOOLS=1 every skip fails, except ``ci_may_skip``.

The hooks of tests/conftest.py run in a child pytest on a tiny generated test directory, once without and once
with the switch; the child's outcomes are read from its JUnit XML report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import NO_SKIP, TESTS_DIR

TINY = """
import pytest

def test_passes():
    assert 1 + 1 == 2

def test_explicit_skip():
    pytest.skip("no reason in CI")

def test_importorskip():
    pytest.importorskip("sco_kg_no_such_module")

@pytest.mark.skipif(True, reason="condition true")
def test_skipif():
    pass

@pytest.mark.ci_may_skip(reason="right in CI too")
@pytest.mark.skipif(True, reason="root reads files whatever their mode")
def test_allowed_skip():
    pass

@pytest.mark.ci_may_skip
def test_allowed_without_reason():
    pytest.skip("a marker without a reason does not count")

@pytest.mark.xfail(reason="known", strict=True)
def test_xfail():
    assert False
"""

MODULE_SKIP = """
import pytest

pytest.importorskip("sco_kg_no_such_module")

def test_never_collected():
    pass
"""

CONFTEST = "from tests.conftest import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401\n"
INI = (
    "[pytest]\naddopts = --strict-markers -p no:cacheprovider\n"
    "markers =\n    ci_may_skip(reason): a skip that is right in CI too\n"
)


def run_child(tmp_path: Path, switch: str | None) -> dict[str, str]:
    """Run pytest on the tiny directory; return test id → outcome (passed/failed/skipped/error)."""
    work = tmp_path / f"child-{switch}"
    work.mkdir()
    (work / "pytest.ini").write_text(INI)
    (work / "conftest.py").write_text(CONFTEST)
    (work / "test_tiny.py").write_text(TINY)
    (work / "test_module_skip.py").write_text(MODULE_SKIP)
    env = {k: v for k, v in os.environ.items() if k != NO_SKIP}
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS_DIR.parent), env.get("PYTHONPATH", "")])
    if switch is not None:
        env[NO_SKIP] = switch
    report = work / "report.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--continue-on-collection-errors", f"--junitxml={report}", "."],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1, 2), proc.stdout + proc.stderr
    outcomes: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = case.get("name") or ""
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        key = name or (case.get("classname") or "")
        outcomes[key] = kinds[0] if kinds else "passed"
        if kinds:
            found = case.find(kinds[0])
            assert found is not None
            outcomes[key + ":message"] = found.get("message", "") + "\n" + (found.text or "")
    return outcomes


@pytest.mark.slow
def test_without_the_switch_skips_stay_skips(tmp_path: Path) -> None:
    got = run_child(tmp_path, None)
    assert got["test_passes"] == "passed"
    for name in ("test_explicit_skip", "test_importorskip", "test_skipif", "test_allowed_skip"):
        assert got[name] == "skipped", (name, got)
    assert got["test_allowed_without_reason"] == "skipped"
    assert got["test_xfail"] == "skipped"  # JUnit reports an expected failure as skipped
    assert got["test_module_skip"] == "skipped" and "test_never_collected" not in got
    assert [k for k, v in got.items() if v in ("error", "failure")] == []


@pytest.mark.slow
def test_with_the_switch_every_skip_fails_but_ci_may_skip(tmp_path: Path) -> None:
    got = run_child(tmp_path, "1")
    assert got["test_passes"] == "passed"
    for name, why in (
        ("test_explicit_skip", "no reason in CI"),
        ("test_importorskip", "sco_kg_no_such_module"),
        ("test_skipif", "condition true"),
    ):
        assert got[name] in ("failure", "error"), (name, got)  # JUnit: a failed setup (skipif) is an error
        assert f"skipped under {NO_SKIP}=1 (CI must not skip): Skipped: " in got[name + ":message"], got
        assert why in got[name + ":message"]
    assert got["test_allowed_skip"] == "skipped"
    assert got["test_allowed_without_reason"] == "failure"  # skipped in its call phase: a failure
    assert "needs reason=" in got["test_allowed_without_reason:message"]
    assert got["test_xfail"] == "skipped"  # an expected failure is not a skip
    # The module-level importorskip becomes a collection error naming the missing module.
    assert got["test_module_skip"] == "error" and got["test_skipif"] == "error"
    assert {k for k, v in got.items() if v == "error"} == {"test_module_skip", "test_skipif"}
    assert f"module skipped under {NO_SKIP}=1 (CI must not skip)" in got["test_module_skip:message"]
    assert "sco_kg_no_such_module" in got["test_module_skip:message"] and "test_never_collected" not in got


@pytest.mark.slow
@pytest.mark.parametrize("value", ["0", ""])
def test_other_values_do_not_switch(tmp_path: Path, value: str) -> None:
    got = run_child(tmp_path, value)
    assert got["test_explicit_skip"] == "skipped" and got["test_skipif"] == "skipped"
    assert got["test_module_skip"] == "skipped"
