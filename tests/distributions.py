"""Building and installing throw-away plugin distributions for tests.

Each is a real setuptools distribution declaring ``janus`` entry points, installed with
``pip --target`` into its own directory, never into the running environment: a test puts
that directory on ``PYTHONPATH`` (subprocesses) or ``sys.path`` (in-process).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

PYPROJECT = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"
"""


def build_distribution(root: Path, name: str, version: str, modules: dict[str, str]) -> Path:
    package = root / name
    package.mkdir()
    (package / "pyproject.toml").write_text(PYPROJECT)
    entry_points = "".join(
        f"    {module.removesuffix('_plugin')} = {module}\n" for module in modules
    )
    (package / "setup.cfg").write_text(
        textwrap.dedent(f"""\
            [metadata]
            name = {name}
            version = {version}

            [options]
            py_modules = {", ".join(modules)}

            [options.entry_points]
            janus =
            """)
        + entry_points
    )
    for module, source in modules.items():
        (package / f"{module}.py").write_text(source)
    return package


def install_distribution(package: Path, target: Path) -> Path:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(package),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    target.chmod(0o755)  # readable by others, as installations are (jails run as other uids)
    return target


def listed_after_install(source: Path, tmp_path: Path, entry_point: str) -> dict:
    """Copy the plugin distribution at ``source``, pip-install it into a scratch directory
    and return its row of ``janus plugins --json`` as seen by a fresh process."""
    package = shutil.copytree(source, tmp_path / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    target = install_distribution(package, tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": str(target), "JANUS_PLUGINS": entry_point}
    result = subprocess.run(
        [sys.executable, "-m", "janus", "plugins", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (row,) = [row for row in json.loads(result.stdout) if row["name"] == entry_point]
    return row
