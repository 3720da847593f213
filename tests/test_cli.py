"""The command line: stats output, exit codes and one-line errors for bad input (issue 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sco_kg import paths
from sco_kg.cli import main


def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "stats" in out and "COMMAND" in out


def test_every_subcommand_has_help(capsys):
    from sco_kg.cli.main import COMMANDS, _command_module

    available = [c for c in COMMANDS if _command_module(c) is not None]
    assert "stats" in available
    for name in available:
        assert main([name, "--help"]) == 0, name
        assert "usage: sco-kg " + name in capsys.readouterr().out


def test_stats_asserted_table(capsys):
    assert main(["stats", "--no-inference"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["graph", "triples"]
    counts = {ln.split()[0]: int(ln.split()[1]) for ln in lines[2:] if ln and ln.split()[-1].isdigit()}
    for g in ("scog:ontology", "scog:text", "scog:provenance", "ag:*"):
        assert counts.get(g, 0) > 0, (g, out)
    assert "scog:inferred" not in counts
    assert counts["total"] == sum(v for k, v in counts.items() if k.startswith(("scog:", "ag:")))
    # Instances per class: the six states of the declaration.
    assert any(ln.split() == ["sco:State", "6"] for ln in lines), out


def test_unknown_subcommand_is_usage_error(capsys):
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "invalid choice: 'frobnicate'" in err


def test_unknown_option_is_usage_error(capsys):
    assert main(["stats", "--frobnicate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unrecognized arguments: --frobnicate" in err


def test_missing_data_file(data_copy, capsys):
    (data_copy / "data" / "text.trig").unlink()
    (data_copy / "data" / "declaration.trig").unlink()
    for f in (data_copy / "data").glob("*.trig"):
        f.unlink()
    assert main(["stats", "--no-inference"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"sco-kg: error: {data_copy / 'data'}: no data files (*.trig) found"


@pytest.mark.ci_may_skip(reason="CI runs as root, and root reads files whatever their mode")
@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_data_file(data_copy, capsys):
    target = data_copy / "data" / "text.trig"
    target.chmod(0)
    assert main(["stats", "--no-inference"]) == 1
    assert "cannot read file" in capsys.readouterr().err


def test_data_file_replaced_by_directory(data_copy, capsys):
    target = data_copy / "data" / "text.trig"
    target.unlink()
    target.mkdir()
    assert main(["stats", "--no-inference"]) == 1
    assert capsys.readouterr().err.strip() == f"sco-kg: error: {target}: not a regular file"


def test_malformed_turtle_names_file_and_line(data_copy, capsys):
    module = sorted((data_copy / "ontology" / "modules").glob("*.ttl"))[0]
    text = module.read_text(encoding="utf-8")
    lines = text.splitlines()
    lines.insert(len(lines) // 2, "sco:broken sco:is .")  # an object is missing
    module.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["stats", "--no-inference"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert str(module) in err and "line" in err and "malformed RDF" in err


def test_malformed_user_file_reports_line(tmp_path, capsys):
    bad = tmp_path / "mine.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b "unterminated .\n', encoding="utf-8")
    assert main(["stats", "--no-inference", "--with", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"sco-kg: error: {bad}: malformed RDF:") and "line 2" in err


def test_console_script_no_traceback(tmp_path):
    """The installed entry point prints one line and exits 2 on a bad option, without a traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "sco_kg.cli", "stats", "--with"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "SCO_KG_ROOT": str(paths.resource_root())},
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().endswith("(see 'sco-kg stats --help')")
    assert Path(paths.resource_root()).exists()
