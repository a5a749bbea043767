"""``docs/plugins.md``, followed step by step: scaffold, test, install, ``janus run``.

Installs go to a ``pip --target`` directory put on ``PYTHONPATH`` rather than into this
environment, which the rest of the suite shares.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from janus.testing import running_gateway
from tests.distributions import install_distribution

TUTORIAL = Path(__file__).parents[2] / "docs" / "plugins.md"


def janus(*args: str, cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "janus", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def tutorial_block(language: str, index: int = 0) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", TUTORIAL.read_text(), re.S)
    return blocks[index]


@pytest.fixture
def installed(tmp_path: Path) -> dict[str, str]:
    """Steps 1-3: scaffold, run the scaffolded test, install; the environment that sees it."""
    assert "janus plugin new guardrail no-swear --directory ." in tutorial_block("sh")
    result = janus("plugin", "new", "guardrail", "no-swear", "--directory", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    package = tmp_path / "janus-guardrail-no-swear"
    site = install_distribution(package, tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": str(site)}
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        capture_output=True,
        text=True,
        cwd=package,
        env=env,
        timeout=300,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout
    listed = janus("plugins", cwd=tmp_path, env=env)
    assert "janus-guardrail-no-swear" in listed.stdout, listed.stdout + listed.stderr
    return env


def test_janus_run_enforces_the_installed_guardrail(installed, tmp_path):
    with running_gateway("never sent") as upstream:
        config = tutorial_block("toml").replace("http://127.0.0.1:9000", upstream.competitor_url)
        (tmp_path / "janus.toml").write_text(config)
        server = subprocess.Popen(
            [sys.executable, "-m", "janus", "run", "--config", "janus.toml", "--port", "0"],
            cwd=tmp_path,
            env=installed,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url = _listening_url(server)
            body = {"model": "janus", "messages": [{"role": "user", "content": "a forbidden word"}]}
            status, answer = _post(url, body)
            assert status == 400 and answer["error"]["code"] == "blocked_word"
            assert upstream.requests == []
        finally:
            server.terminate()
            server.wait(30)


def test_a_typo_in_the_settings_stops_janus_run(installed, tmp_path):
    config = tutorial_block("toml").replace("blocked_words", "blocked_word")
    (tmp_path / "janus.toml").write_text(config)
    result = janus("run", "--config", "janus.toml", "--port", "0", cwd=tmp_path, env=installed)
    assert result.returncode == 2
    assert "no-swear" in result.stderr and "blocked_word" in result.stderr


def test_a_bad_name_is_one_line_and_exit_2(tmp_path):
    result = janus("plugin", "new", "guardrail", "Not A Name", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        len(result.stderr.strip().splitlines()) == 1 and "invalid guardrail name" in result.stderr
    )
    assert list(tmp_path.iterdir()) == []


def _listening_url(server: subprocess.Popen) -> str:
    for line in server.stderr:
        if match := re.search(r"listening on (http://\S+)", line):
            return match.group(1)
    raise AssertionError(f"janus run exited with {server.wait()}")


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + "/v1/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
