"""The upstream backend against a fake OpenAI-compatible provider on a real socket."""

from __future__ import annotations

import json

import aiohttp
import pytest
from aiohttp import web

from janus.config import ConfigError
from janus.platform.backends import BackendContext
from janus.platform.inference.upstream import UpstreamInference
from tests.platform.conftest import platform_settings
from tests.scripted_competitor import DONE, chunk, completion

TOOL_CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}


class FakeProvider:
    """Test double: an OpenAI-compatible provider that records what it was sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict, str]] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_get("/v1/models", self.models)
        return app

    async def models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "provider/model-a"}]})

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append((body, request.headers.get("Authorization", "")))
        if body["model"] == "provider/broken":
            return web.json_response({"error": {"message": "no such model"}}, status=404)
        if not body.get("stream"):
            answer = completion(
                "", usage={"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}
            )
            answer["choices"][0]["message"] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [TOOL_CALL],
            }
            answer["model"] = body["model"]
            return web.json_response(answer)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(chunk("Bonjour"))
        usage = {"prompt_tokens": 7, "completion_tokens": 1, "total_tokens": 8}
        await response.write(chunk(choices=[], usage=usage, model=body["model"]))
        await response.write(DONE)
        return response


@pytest.fixture
def provider(live, monkeypatch):
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-provider-secret")
    fake = FakeProvider()
    return fake, live.serve(fake.app())


@pytest.fixture
def gateway(live, tmp_path, provider, platform_tokens):
    _, url = provider
    return live.gateway(
        {},
        platform=platform_settings(
            tmp_path,
            inference={
                "backend": "upstream",
                "upstream": {
                    "base_url": url + "/v1",
                    "api_key_env": "FAKE_PROVIDER_KEY",
                    "aliases": {"fast": "provider/model-a", "gone": "provider/broken"},
                },
            },
        ),
    )


async def post(gateway: str, token: str, body: dict) -> tuple[int, bytes]:
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.post(gateway + "/platform/v1/chat/completions", json=body) as response,
    ):
        return response.status, await response.read()


async def test_tool_calls_pass_through_with_the_provider_key_and_alias(gateway, token, provider):
    fake, _ = provider
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    status, raw = await post(
        gateway,
        token,
        {
            "model": "fast",
            "tools": tools,
            "tool_choice": "auto",
            "messages": [{"role": "user", "content": "weather in Paris?"}],
        },
    )
    answer = json.loads(raw)
    assert status == 200 and answer["choices"][0]["message"]["tool_calls"] == [TOOL_CALL]
    sent, authorization = fake.requests[0]
    assert sent["model"] == "provider/model-a" and sent["tools"] == tools
    assert authorization == "Bearer sk-provider-secret"


async def test_streams_always_ask_the_provider_for_usage(gateway, token, provider):
    fake, _ = provider
    status, raw = await post(
        gateway,
        token,
        {"model": "fast", "stream": True, "messages": [{"role": "user", "content": "hi"}]},
    )
    assert status == 200 and b"Bonjour" in raw and b'"usage"' not in raw
    assert fake.requests[0][0]["stream_options"] == {"include_usage": True}


async def test_provider_refusal_keeps_its_status(gateway, token):
    status, raw = await post(
        gateway, token, {"model": "gone", "messages": [{"role": "user", "content": "hi"}]}
    )
    assert status == 404 and b"no such model" in raw


async def test_models_lists_aliases_and_provider_models(gateway, token):
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.get(gateway + "/platform/v1/models") as response,
    ):
        models = [m["id"] for m in (await response.json())["data"]]
    assert models == ["fast", "gone", "provider/model-a"]


async def test_missing_key_stops_start_up_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_KEY", raising=False)
    backend = UpstreamInference(
        UpstreamInference.Settings(api_key_env="NOT_SET_KEY"), BackendContext(tmp_path)
    )
    with pytest.raises(ConfigError, match=r"\$NOT_SET_KEY is not set"):
        await backend.start()
