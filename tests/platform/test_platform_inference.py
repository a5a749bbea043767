"""Platform inference through the gateway: tokens, metering, and ``usage.janus_metered``."""

from __future__ import annotations

import time

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.sse_client import chat_body, stream_chat
from tests.platform.conftest import platform_settings
from tests.platform.scripted_inference import ScriptedInference, ScriptedInferencePlugin
from tests.scripted_competitor import SELF_REPORTED_USAGE, via_platform


@pytest.fixture
def gateway(live, tmp_path, platform_tokens):
    _, url = live.competitor(via_platform("count these four words"))
    return live.gateway(
        {"a": url},
        default="a",
        platform=platform_settings(tmp_path),
        plugins=(ScriptedInferencePlugin(),),
    )


async def call(gateway: str, path: str, token: str | None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.request("POST" if "json" in kwargs else "GET", gateway + path, **kwargs) as r,
    ):
        return r.status, await r.json(content_type=None)


def metric(text: str, name: str, **labels) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


async def test_platform_refuses_calls_without_a_live_token(gateway, platform_tokens):
    expired = platform_tokens.mint("a", "old", time.time() - 1)
    for token in (None, "nonsense", expired):
        status, body = await call(gateway, "/platform/v1/models", token)
        assert status == 401
        assert body["error"]["code"] == "invalid_platform_token"


async def test_platform_models_and_completion_with_a_token(gateway, token):
    status, body = await call(gateway, "/platform/v1/models", token)
    assert status == 200 and [m["id"] for m in body["data"]] == ["scripted-model"]
    status, body = await call(
        gateway,
        "/platform/v1/chat/completions",
        token,
        json={"model": "scripted-model", "messages": [{"role": "user", "content": "hi there"}]},
    )
    assert status == 200
    assert body["choices"][0]["message"]["content"] == "scripted: hi there"
    assert body["usage"]["prompt_tokens"] == 2


async def test_platform_stream_hides_usage_unless_asked(gateway, token):
    async def events(stream_options):
        body = {
            "model": "m",
            "stream": True,
            "messages": [{"role": "user", "content": "x y"}],
            **stream_options,
        }
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as s:
            async with s.post(gateway + "/platform/v1/chat/completions", json=body) as r:
                return (await r.read()).decode()

    plain = await events({})
    with_usage = await events({"stream_options": {"include_usage": True}})
    assert '"usage"' not in plain and plain.rstrip().endswith("data: [DONE]")
    assert '"choices":[],"usage"' in with_usage.replace(" ", "")


async def test_metered_usage_is_added_beside_the_competitors_own(gateway):
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway + "/v1/chat/completions", json=chat_body(stream=False)) as response,
    ):
        answer = await response.json()
    usage = answer["usage"]
    assert {k: usage[k] for k in SELF_REPORTED_USAGE} == SELF_REPORTED_USAGE
    metered = usage["janus_metered"]
    assert metered["competitor"] == "a"
    assert metered["prompt_tokens"] == 4  # what the platform counted, not the 1 claimed
    assert metered["models"] == {
        "scripted-model": {"prompt_tokens": 4, "completion_tokens": 5, "calls": 1}
    }


async def test_metered_usage_is_added_to_the_streamed_usage_chunk(gateway):
    received = await stream_chat(gateway, chat_body(stream_options={"include_usage": True}))
    usage_chunk = received.chunks[-1]
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"]["completion_tokens"] == 1
    assert usage_chunk["usage"]["janus_metered"]["prompt_tokens"] == 4


async def test_each_competitor_gets_its_own_token_bound_to_the_request(
    live, tmp_path, platform_tokens
):
    competitor, url = live.competitor(via_platform())
    gateway = live.gateway(
        {"a": url}, platform=platform_settings(tmp_path), plugins=(ScriptedInferencePlugin(),)
    )
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            gateway + "/v1/chat/completions",
            json=chat_body("a", stream=False),
            headers={"X-Request-Id": "bound-1"},
        )
        await response.read()
    grant = platform_tokens.verify(competitor.headers[0]["X-Janus-Platform-Token"])
    # Bound to the gateway's id of the request, never to the one the client chose.
    assert (grant.competitor_id, grant.request_id) == ("a", response.headers["X-Janus-Request-Id"])
    assert grant.request_id != "bound-1"
    assert grant.expires_at > time.time()


async def test_platform_spending_is_exported_as_metrics(gateway):
    async with aiohttp.ClientSession() as session:
        await (
            await session.post(gateway + "/v1/chat/completions", json=chat_body(stream=False))
        ).read()
        text = await (await session.get(gateway + "/metrics")).text()
    assert (
        metric(
            text,
            "janus_platform_inference_tokens_total",
            competitor="a",
            model="scripted-model",
            kind="prompt",
        )
        == 4
    )
    assert ScriptedInference.requests[0]["messages"][0]["content"] == "count these four words"
