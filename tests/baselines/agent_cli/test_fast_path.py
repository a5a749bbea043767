"""The fast path: one streamed model call, no sandbox; the client's tools come back."""

from __future__ import annotations

import json

import aiohttp
from janus_baseline_agent_cli.app import FIRST_REASONING

from tests.baselines.agent_cli.conftest import (
    janus_events,
    reasoning_lines,
    replayed,
    usage_of,
    user,
)
from tests.baselines.agent_cli.replay import call, calls
from tests.baselines.agent_cli.spy_sandbox import SpySandbox
from tests.gateway.sse_client import stream_chat

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


async def test_a_greeting_is_answered_in_one_streamed_call_without_a_sandbox(start):
    setup = start("Hello there, how can I help?", sandbox="spy")
    received = await stream_chat(
        setup.gateway, user("Hello!", stream=True, stream_options={"include_usage": True})
    )
    assert received.done and not received.errors
    assert received.content.strip() == "Hello there, how can I help?"
    assert janus_events(received) == [
        {
            "event": "route",
            "payload": {"path": "fast", "reason": "a greeting", "decided_by": "rules"},
        }
    ]
    first, route = reasoning_lines(received)[:2]
    assert first == FIRST_REASONING  # before the route is decided: the client hears at once
    assert route.startswith("Route: fast path (rules): a greeting")
    assert SpySandbox.calls == []
    (request,) = replayed().requests
    assert request["stream"] is True and request["messages"][-1]["content"] == "Hello!"
    usage = usage_of(received)
    assert usage["completion_tokens"] > 0 and usage["sandbox_seconds"] == 0
    assert usage["janus_metered"]["sandbox_seconds"] == 0


async def test_client_tools_come_back_as_streamed_tool_calls(start):
    setup = start(calls(call("get_weather", city="Paris")), sandbox="spy")
    body = user(
        "What is the weather in Paris?",
        stream=True,
        tools=[WEATHER_TOOL],
        tool_choice="auto",
    )
    received = await stream_chat(setup.gateway, body)
    assert received.done and not received.errors
    fragments = [
        fragment
        for c in received.chunks
        if c["choices"]
        for fragment in c["choices"][0]["delta"].get("tool_calls") or []
    ]
    assert fragments and all(f["index"] == 0 for f in fragments)
    assert fragments[0]["id"].startswith("call_") and fragments[0]["type"] == "function"
    assert fragments[0]["function"]["name"] == "get_weather"
    arguments = "".join(f["function"].get("arguments", "") for f in fragments)
    assert json.loads(arguments) == {"city": "Paris"}
    finishes = [c["choices"][0]["finish_reason"] for c in received.chunks if c["choices"]]
    assert finishes[-1] == "tool_calls"
    assert janus_events(received)[0]["payload"]["path"] == "fast"
    (request,) = replayed().requests
    assert request["tools"] == [WEATHER_TOOL] and request["tool_choice"] == "auto"
    assert SpySandbox.calls == []


async def test_client_tools_come_back_as_tool_calls_without_streaming(start):
    setup = start(calls(call("get_weather", city="Oslo")), sandbox="spy")
    body = user("Weather in Oslo?", tools=[WEATHER_TOOL])
    async with (
        aiohttp.ClientSession() as session,
        session.post(setup.gateway + "/v1/chat/completions", json=body) as response,
    ):
        answer = await response.json()
    assert response.status == 200, answer
    (choice,) = answer["choices"]
    assert choice["finish_reason"] == "tool_calls"
    (tool_call,) = choice["message"]["tool_calls"]
    assert tool_call["function"]["name"] == "get_weather"
    assert json.loads(tool_call["function"]["arguments"]) == {"city": "Oslo"}
    assert choice["message"]["reasoning_content"].startswith("Route: fast path")
    assert answer["usage"]["total_tokens"] > 0 and answer["usage"]["sandbox_seconds"] == 0
    assert SpySandbox.calls == []


async def test_when_the_rules_are_unsure_the_model_decides(start):
    setup = start("fast", "Dear Sam, thank you for the lovely evening.", sandbox="spy")
    prompt = "Please write a short thank-you note to my friend Sam for the dinner last night."
    received = await stream_chat(setup.gateway, user(prompt, stream=True))
    assert received.done and not received.errors
    assert janus_events(received)[0]["payload"] == {
        "path": "fast",
        "reason": "the model judged a direct answer enough",
        "decided_by": "model",
    }
    assert received.content.strip() == "Dear Sam, thank you for the lovely evening."
    classification, answer = replayed().requests
    assert classification["max_tokens"] == 3 and "stream" not in classification
    assert classification["messages"][-1]["content"] == prompt
    assert answer["messages"][-1]["content"] == prompt
    assert SpySandbox.calls == []


async def test_history_and_images_reach_the_model_as_sent(start):
    setup = start("A red dot.", sandbox="spy")
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": [{"type": "text", "text": "What is in it?"}, image]},
    ]
    body = {"model": "janus", "stream": True, "messages": messages}
    received = await stream_chat(setup.gateway, body)
    assert received.content.strip() == "A red dot."
    (request,) = replayed().requests
    assert request["messages"] == messages
    assert SpySandbox.calls == []
