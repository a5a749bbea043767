"""``janus-guardrail-pii`` is a real distribution: built, installed, listed by ``janus``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.distributions import install_distribution

SOURCE = Path(__file__).parents[2] / "plugins" / "janus-guardrail-pii"


def test_installed_with_pip_it_is_a_janus_plugin(tmp_path):
    package = shutil.copytree(SOURCE, tmp_path / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    target = install_distribution(package, tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": str(target), "JANUS_PLUGINS": "guardrail-pii"}
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
    (row,) = [row for row in json.loads(result.stdout) if row["name"] == "guardrail-pii"]
    assert row == {
        "name": "guardrail-pii",
        "version": "0.1.0",
        "hooks": ["register_guardrails"],
        "builtin": False,
    }
