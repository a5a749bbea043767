"""Without Podman the container tests skip on a workstation but fail under CI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.containers.fixtures import ROOT


@pytest.mark.parametrize(("ci", "outcome"), [("true", "1 error"), ("", "1 skipped")])
def test_a_missing_podman_fails_under_ci_and_skips_elsewhere(tmp_path, ci, outcome):
    env = {**os.environ, "CI": ci, "PATH": str(tmp_path)}  # no podman on this PATH
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/containers/test_container_competitors.py",
            "-k",
            "configured_container_streams",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert outcome in done.stdout, done.stdout[-2000:]  # an error at setup fails the run
    assert done.returncode == (1 if ci else 0)
    if ci:
        assert "container tests cannot run under CI: podman is not installed" in done.stdout
