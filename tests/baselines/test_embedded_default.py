"""`janus run` with no configuration at all: both baselines, the embedded model, an answer."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.core.clirun import free_port, janus_env

pytestmark = pytest.mark.slow

SAFETY_TIMEOUT_S = 60.0  # never a performance threshold: start-up loads two baselines


@pytest.fixture
def embedded_janus(tmp_path: Path):
    """`python -m janus run` in an empty directory, with a home of its own and no config."""
    port = free_port()
    log = (tmp_path / "janus.log").open("w")
    env = janus_env(HOME=str(tmp_path))
    process = subprocess.Popen(
        [sys.executable, "-m", "janus", "run", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=log,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SAFETY_TIMEOUT_S
    while True:
        assert process.poll() is None, (tmp_path / "janus.log").read_text()
        try:
            urllib.request.urlopen(base_url + "/health", timeout=2).close()
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            assert time.monotonic() < deadline, (tmp_path / "janus.log").read_text()
            time.sleep(0.1)
    yield base_url, tmp_path / "janus.log"
    process.send_signal(signal.SIGTERM)
    process.wait(SAFETY_TIMEOUT_S)
    log.close()


def test_the_embedded_default_serves_both_baselines_on_the_local_model(embedded_janus):
    base_url, log = embedded_janus
    with urllib.request.urlopen(base_url + "/v1/models", timeout=10) as response:
        models = [model["id"] for model in json.loads(response.read())["data"]]
    assert models == ["janus", "baseline-agent-cli", "baseline-langchain"]

    body = json.dumps(
        {"model": "janus", "stream": True, "messages": [{"role": "user", "content": "Hello!"}]}
    ).encode()
    request = urllib.request.Request(
        base_url + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json"}
    )
    chunks = []
    with urllib.request.urlopen(request, timeout=SAFETY_TIMEOUT_S) as response:
        for line in response:
            if line.startswith(b"data: {"):
                chunks.append(json.loads(line[6:]))
    deltas = [c["choices"][0]["delta"] for c in chunks if c.get("choices")]
    # the agent-cli baseline answered (after a first reasoning line)
    assert any(d.get("janus", {}).get("event") == "route" for d in deltas)
    assert "".join(d.get("content") or "" for d in deltas).strip()
    text = log.read_text()
    assert "auto → local embedded model" in text
    assert "competitor baseline-agent-cli (plugin baseline-agent-cli) is up" in text
