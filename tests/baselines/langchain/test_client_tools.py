"""Tools the client defines come back to the client as OpenAI tool calls."""

from __future__ import annotations

import json

import openai
import pytest

from tests.baselines.langchain.scripting import call, model_requests, script

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
QUESTION = [{"role": "user", "content": "Weather in Paris?"}]


@pytest.fixture
def client(start, monkeypatch) -> openai.AsyncOpenAI:
    script(monkeypatch, call("get_weather", city="Paris"))
    gateway, _ = start()
    return openai.AsyncOpenAI(base_url=gateway + "/v1", api_key="unused")


def assert_only_the_clients_tools_reached_the_model() -> None:
    (request,) = model_requests()
    assert [tool["function"]["name"] for tool in request["tools"]] == ["get_weather"]
    assert request["tool_choice"] == "required"


async def test_streamed_tool_calls_are_indexed_deltas(client):
    stream = await client.chat.completions.create(
        model="lc",
        messages=QUESTION,
        tools=[WEATHER_TOOL],
        tool_choice="required",
        stream=True,
    )
    calls: dict[int, dict] = {}
    finish_reasons, extras = [], []
    async for chunk in stream:
        for choice in chunk.choices:
            delta = choice.delta
            extras += [key for key in ("janus", "reasoning_content") if getattr(delta, key, None)]
            for part in delta.tool_calls or []:
                entry = calls.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
                entry["id"] = part.id or entry["id"]
                entry["name"] += part.function.name or ""
                entry["arguments"] += part.function.arguments or ""
            if choice.finish_reason:
                finish_reasons.append(choice.finish_reason)
    await client.close()
    assert list(calls) == [0] and calls[0]["name"] == "get_weather"
    assert calls[0]["id"].startswith("call_")
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris"}
    assert finish_reasons == ["tool_calls"]
    assert extras == []  # the agent's events stay out: the client is running the loop
    assert_only_the_clients_tools_reached_the_model()


async def test_non_stream_tool_calls_are_in_the_message(client):
    completion = await client.chat.completions.create(
        model="lc", messages=QUESTION, tools=[WEATHER_TOOL], tool_choice="required"
    )
    await client.close()
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    (tool_call,) = choice.message.tool_calls
    assert tool_call.type == "function" and tool_call.function.name == "get_weather"
    assert json.loads(tool_call.function.arguments) == {"city": "Paris"}
    assert completion.usage.total_tokens > 0
    assert_only_the_clients_tools_reached_the_model()
