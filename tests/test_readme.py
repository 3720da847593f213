"""README.md stays what docs/readme/ assembles, and its test command is the one CI runs."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _builder():
    spec = importlib.util.spec_from_file_location("build_readme", ROOT / "docs" / "build_readme.py")
    if spec is None or spec.loader is None:
        pytest.skip("docs/build_readme.py not present")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_is_assembled_from_docs():
    assert (ROOT / "README.md").read_text(encoding="utf-8") == _builder().build(), "run: python docs/build_readme.py"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    commands = [ln for ln in first_block.splitlines() if ln and not ln.startswith("#")]
    assert len(commands) == 2
    assert commands[0].endswith("pip install . && sco-kg query signatories")
    test_command = commands[1].split(" && ", 2)[2]  # after creating and activating the venv
    assert test_command == "pip install -e '.[test]' && python -m pytest -q"
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_command_named_in_the_readme_exists():
    from sco_kg.cli import COMMANDS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    used = set(re.findall(r"`sco-kg ([a-z]+)", readme))
    assert used and used <= set(COMMANDS), used - set(COMMANDS)


def test_every_canned_query_named_in_the_readme_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = set(re.findall(r"sco-kg query ([a-z][a-z0-9-]+)", readme)) - {"NAME"}
    names = {n for n in names if f"unknown query '{n}'" not in readme}  # the documented error example
    existing = {p.stem for p in (ROOT / "queries").glob("*.rq")}
    assert names and names <= existing, names - existing
