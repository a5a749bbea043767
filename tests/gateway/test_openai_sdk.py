"""Conformance: the official ``openai`` SDK, sync and async, against the gateway."""

from __future__ import annotations

import openai
import pytest

from tests.scripted_competitor import DONE, answer, chunk, completion, cut_after, sse

USAGE = {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}
MESSAGES = [{"role": "user", "content": "Say hello"}]


@pytest.fixture
def gateway(live):
    _, streaming = live.competitor(
        sse(
            chunk(role="assistant"),
            chunk(reasoning="thinking"),
            chunk("Hel"),
            chunk("lo"),
            chunk(finish="stop"),
            chunk(choices=[], usage=USAGE),
            DONE,
        )
    )
    _, plain = live.competitor(answer(completion("Hello")))
    _, broken = live.competitor(answer({"error": {"message": "down"}}, status=500))
    return live.gateway(
        {"streamer": streaming, "plain": plain, "broken": broken}, default="streamer"
    )


def client(gateway: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway + "/v1", api_key="unused", max_retries=0)


def async_client(gateway: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=gateway + "/v1", api_key="unused", max_retries=0)


def test_sync_non_stream(gateway):
    reply = client(gateway).chat.completions.create(model="plain", messages=MESSAGES)
    assert reply.choices[0].message.content == "Hello"
    assert reply.usage.total_tokens == 5


def test_sync_stream_with_usage(gateway):
    stream = client(gateway).chat.completions.create(
        model="janus", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    reasoning = [
        c.choices[0].delta.model_extra.get("reasoning_content")
        for c in chunks
        if c.choices and c.choices[0].delta.model_extra
    ]
    assert text == "Hello" and "thinking" in reasoning
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 6


async def test_async_non_stream(gateway):
    reply = await async_client(gateway).chat.completions.create(model="plain", messages=MESSAGES)
    assert reply.choices[0].message.content == "Hello"


async def test_async_stream_with_usage(gateway):
    stream = await async_client(gateway).chat.completions.create(
        model="streamer", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = [c async for c in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello"
    assert chunks[-1].usage.prompt_tokens == 4


def test_models_list(gateway):
    assert [m.id for m in client(gateway).models.list()] == ["janus", "streamer", "plain", "broken"]


def test_unknown_model_raises_not_found_with_code(gateway):
    with pytest.raises(openai.NotFoundError) as caught:
        client(gateway).chat.completions.create(model="nope", messages=MESSAGES)
    assert caught.value.status_code == 404 and caught.value.code == "model_not_found"


def test_schema_error_raises_bad_request_with_param(gateway):
    with pytest.raises(openai.BadRequestError) as caught:
        client(gateway).chat.completions.create(model="plain", messages=[])
    assert caught.value.status_code == 400 and caught.value.param == "messages"


def test_competitor_failure_raises_a_502_status_error(gateway):
    with pytest.raises(openai.APIStatusError) as caught:
        client(gateway).chat.completions.create(model="broken", messages=MESSAGES)
    assert caught.value.status_code == 502 and caught.value.code == "competitor_failed"


async def test_async_stream_error_before_first_byte_raises(gateway):
    with pytest.raises(openai.APIStatusError) as caught:
        await async_client(gateway).chat.completions.create(
            model="broken", messages=MESSAGES, stream=True
        )
    assert caught.value.status_code == 502


def test_in_band_error_surfaces_as_an_sdk_error(live):
    _, url = live.competitor(cut_after(chunk("partial")))
    gateway = live.gateway({"cut": url})
    stream = client(gateway).chat.completions.create(model="cut", messages=MESSAGES, stream=True)
    received = []
    with pytest.raises(openai.APIError) as caught:
        for part in stream:
            received.append(part.choices[0].delta.content)
    assert received == ["partial"] and "competitor 'cut'" in caught.value.message
