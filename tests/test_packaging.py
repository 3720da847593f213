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


def _imported_distributions() -> set[str]:
    """Return the third-party distributions the package imports anywhere (module level or lazily), lower case."""
    import ast

    names = {"yaml": "pyyaml", "sparqlwrapper": "sparqlwrapper"}
    stdlib = set(sys.stdlib_module_names)
    found: set[str] = set()
    for path in (REPO / "sco_kg").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            mods: list[str] = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                mods = [node.module]
            for mod in mods:
                top = mod.split(".")[0]
                if top not in stdlib and top not in ("sco_kg", "__future__"):
                    found.add(names.get(top.lower(), top.lower()))
    return found


def _requirement_names(reqs: list[str]) -> set[str]:
    import re

    return {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower() for r in reqs}


def test_runtime_dependencies_are_what_the_package_imports():
    """Issue 12: a runtime dependency the package never imports (PyYAML, pyld were test-only) is not one."""
    import tomllib

    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _requirement_names(meta["dependencies"])
    extras = meta["optional-dependencies"]
    optional = set().union(*(_requirement_names(v) for k, v in extras.items() if k != "test"))
    imported = _imported_distributions()
    assert {"rdflib", "pyoxigraph", "owlrl", "reasonable", "starlette", "mcp"} <= imported  # the scan works
    assert runtime - imported == set()  # nothing installed that the package does not use
    # every import is declared: at run time, or in the extra that the feature needs (server, fast, mcp, …)
    assert imported - runtime - optional - {"httptools", "uvloop"} == set()
    assert {"pyyaml", "pyld"}.isdisjoint(runtime)
