"""With the real local model: ``janus run`` starts the baseline as a subprocess competitor
and a short prompt gets a streamed answer. The 135M-parameter model cannot call tools
reliably, so this checks only that a real model's tokens flow end to end."""

from __future__ import annotations

import pytest

from tests.core.clirun import free_port, get_json, janus_env, running_janus
from tests.gateway.sse_client import stream_chat

pytestmark = pytest.mark.slow

CONFIG = """\
[gateway]
port = {port}

[platform]
data_dir = "{data}"

[platform.inference]
backend = "local"

[[competitors]]
id = "baseline-langchain"
kind = "subprocess"
plugin = "baseline-langchain"

[routing]
default = "baseline-langchain"
"""


async def test_a_short_prompt_gets_a_streamed_answer_from_the_local_model(tmp_path):
    port = free_port()
    config = tmp_path / "janus.toml"
    config.write_text(CONFIG.format(port=port, data=tmp_path / "data"))
    env = janus_env(HOME=str(tmp_path))
    with running_janus("run", "--config", str(config), port=port, cwd=tmp_path, env=env) as janus:
        janus.wait_healthy()
        models = [model["id"] for model in get_json(janus.base_url + "/v1/models")["data"]]
        assert models == ["janus", "baseline-langchain"]
        received = await stream_chat(
            janus.base_url,
            {
                "model": "janus",
                "stream": True,
                "max_tokens": 24,
                "messages": [{"role": "user", "content": "Say hello in one short sentence."}],
            },
        )
        assert received.status == 200 and received.done, received.raw
        assert not received.errors, received.errors
        assert received.content.strip(), received.raw
        janus.stop()
