"""Run the real ``janus`` command line in a subprocess, as a user would.

Shared by the CLI and plugin tests. The environment is scrubbed of ``JANUS_CONFIG`` and
``JANUS_PLUGINS`` so that only what a test sets explicitly can influence the outcome.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# A safety net against a hung child, never a performance threshold: the embedded default
# starts two jailed baselines and a model, which on a 2-core machine at load 12 took more
# than 20 s (a CI run timed out at that), so the net sits far above any healthy start.
SAFETY_TIMEOUT_S = 180.0


# The embedded default keeps its data under ~/.local/share/janus: give the children a home
# of their own so tests never write to the real one.
_HOME = tempfile.mkdtemp(prefix="janus-test-home-")
_SCRUBBED = ("JANUS_CONFIG", "JANUS_PLUGINS", "CHUTES_API_KEY")


def janus_env(pythonpath: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env["HOME"] = _HOME
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(pythonpath), env.get("PYTHONPATH", "")) if p
        )
    env.update(extra)
    return env


def run_janus(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "janus", *args],
        cwd=cwd,
        env=janus_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT_S,
        check=False,
    )


def stderr_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return result.stderr.splitlines()


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit code 2 and one ``Error:`` line with every fragment in it, last on stderr.

    Start-up log lines may precede it (a config is fully loaded before a port is bound);
    the error itself is a single line and there is no traceback.
    """
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = stderr_lines(result)
    assert [line for line in lines if line.startswith("Error")] == lines[-1:], lines
    line = lines[-1]
    assert line.startswith("Error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        return json.loads(response.read())


class Running:
    """A ``janus`` process started in the background."""

    def __init__(self, process: subprocess.Popen[str], base_url: str) -> None:
        self.process = process
        self.base_url = base_url
        self.stderr = ""

    def wait_healthy(self) -> dict[str, Any]:
        """Poll ``GET /health`` until it answers; fail at once if the process dies."""
        deadline = time.monotonic() + SAFETY_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                _, err = self.process.communicate()
                raise AssertionError(f"janus exited with {self.process.returncode}: {err}")
            try:
                return get_json(f"{self.base_url}/health")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum`` and return the exit code; stderr is kept in ``self.stderr``."""
        self.process.send_signal(signum)
        _, self.stderr = self.process.communicate(timeout=SAFETY_TIMEOUT_S)
        return self.process.returncode


@contextmanager
def running_janus(
    *args: str, port: int, cwd: Path, env: dict[str, str] | None = None
) -> Iterator[Running]:
    process = subprocess.Popen(
        [sys.executable, "-m", "janus", *args],
        cwd=cwd,
        env=janus_env() if env is None else env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield Running(process, f"http://127.0.0.1:{port}")
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
