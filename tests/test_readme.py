"""README.md is a short landing page whose first block holds the two commands, and its test command is CI's.

The rest of the documentation lives in docs/ (tests/test_docs.py checks its links, commands and queries,
README.md included).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAX_BYTES = 15 * 1024


def _first_commands() -> list[str]:
    readme = README.read_text(encoding="utf-8")
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    return [ln for ln in first_block.splitlines() if ln and not ln.startswith("#")]


def test_readme_is_a_landing_page_of_at_most_15_kb():
    size = len(README.read_bytes())
    assert 2_000 < size <= MAX_BYTES, f"README.md is {size} bytes; move details into docs/"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_command():
    commands = _first_commands()
    assert len(commands) == 2
    assert commands[0].endswith("pip install . && sco-kg query signatories")
    test_command = commands[1].split(" && ", 2)[2]  # after creating and activating the venv
    assert test_command == "pip install -e '.[test]' && python -m pytest -q"
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_two_commands_come_before_anything_else():
    readme = README.read_text(encoding="utf-8")
    first_block = readme.index("```bash")
    assert readme.count("\n## ", 0, first_block) == 0, "a section comes before the two commands"
    assert readme.index(_first_commands()[0]) < readme.index("## ")


def test_readme_tours_the_cli_python_and_the_server_with_its_extra_and_screenshot():
    readme = README.read_text(encoding="utf-8")
    tour = readme.split("## A five-minute tour", 1)[1].split("\n## ", 1)[0]
    assert "$ sco-kg query " in tour and "import sco_kg" in tour
    assert "pip install '.[server]' && sco-kg serve" in tour
    assert "](docs/screenshot-resource.png)" in tour and (ROOT / "docs" / "screenshot-resource.png").is_file()
    assert "](docs/index.md)" in readme
