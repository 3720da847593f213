"""The wheel ships ontology/, data/ and queries/ and works outside the checkout (STYLE.md, pypa/hatch#1627)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from sco_kg import paths

REPO = Path(__file__).resolve().parent.parent


def test_resources_are_found():
    root = paths.resource_root()
    assert (root / "ontology" / "sco.ttl").is_file()
    assert paths.source_text().is_file()
    assert paths.data_files(), "no data/*.trig"
    assert paths.queries_dir().is_dir()


@pytest.mark.slow
def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path):
    """Build the wheel, install it (no deps, no index) in a new venv, and run `sco-kg stats` from it."""
    if not (REPO / "pyproject.toml").exists():
        pytest.skip("not a source checkout")
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("sco_kg-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    # Dependencies come from the running environment (no network in tests): expose its site-packages by a
    # plain path entry, which does not process the editable install's .pth hook.
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SCO_KG_ROOT", "PYTHONPATH")}
    env["SCO_KG_CACHE"] = str(tmp_path / "cache")
    where = subprocess.run(
        [str(py), "-c", "import sco_kg.paths as p; print(p.resource_root())"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    ).stdout.strip()
    assert where.startswith(str(env_dir)) and where.endswith("_resources"), where
    for args in (["stats"], ["stats", "--no-inference"]):
        proc = subprocess.run(
            [str(env_dir / "bin" / "sco-kg"), *args], capture_output=True, text=True, cwd=tmp_path, env=env
        )
        assert proc.returncode == 0, proc.stderr
        assert "sco:State" in proc.stdout and "scog:provenance" in proc.stdout
        assert ("scog:inferred" in proc.stdout) == ("--no-inference" not in args)
