"""What a component spends through ``call.services`` is metered against its caller."""

from __future__ import annotations

from tests.marketplace.client import call, metric
from tests.marketplace.echo_component import Summariser
from tests.platform.conftest import platform_settings
from tests.platform.scripted_inference import ScriptedInferencePlugin


async def test_inference_a_component_uses_is_metered_against_the_caller(
    live, tmp_path, platform_tokens, token
):
    gateway = live.gateway(
        {}, platform=platform_settings(tmp_path), plugins=(ScriptedInferencePlugin(), Summariser())
    )
    status, body = await call(gateway, "/platform/components/summarise/", token, {})
    assert status == 200, body
    assert body == {"summary": "scripted: three little words"}
    tokens = "janus_platform_inference_tokens_total"
    prompt = {"competitor": "tester", "model": "scripted-model", "kind": "prompt"}
    completion = {**prompt, "kind": "completion"}
    assert await metric(gateway, tokens, **prompt) == 3
    assert await metric(gateway, tokens, **completion) == 4
