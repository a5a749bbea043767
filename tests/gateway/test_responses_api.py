"""Conformance: the openai SDK's ``responses`` client against ``POST /v1/responses``.

The competitors are scripted chat-completions servers: the gateway must translate both
ways, so a competitor that knows only chat completions serves Responses API clients.
"""

from __future__ import annotations

import json

import openai
import pytest

from tests.gateway.test_artifacts import descriptor
from tests.scripted_competitor import DONE, answer, chunk, completion, cut_after, sse

USAGE = {
    "prompt_tokens": 7,
    "completion_tokens": 3,
    "total_tokens": 10,
    "completion_tokens_details": {"reasoning_tokens": 1},
}
STREAM = sse(
    chunk(role="assistant"),
    chunk(reasoning="Thinking "),
    chunk(reasoning="hard."),
    chunk("Hel"),
    chunk("lo"),
    chunk(finish="stop"),
    chunk(choices=[], usage=USAGE),
    DONE,
)


def tool_call_chunk(index: int, **call) -> bytes:
    return chunk(choices=[{"index": 0, "delta": {"tool_calls": [{"index": index, **call}]}}])


TOOL_STREAM = sse(
    tool_call_chunk(0, id="call_1", type="function", function={"name": "add", "arguments": ""}),
    tool_call_chunk(0, function={"arguments": '{"a": 1, '}),
    tool_call_chunk(0, function={"arguments": '"b": 2}'}),
    chunk(finish="tool_calls"),
    DONE,
)


@pytest.fixture
def servers(live):
    plain, plain_url = live.competitor(
        answer(
            {
                **completion("Hello"),
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": "Hello",
                            "reasoning_content": "Greeting.",
                        },
                        "finish_reason": "stop",
                    }
                ],
            }
        )
    )
    streamer, stream_url = live.competitor(STREAM)
    _, tools_url = live.competitor(TOOL_STREAM)
    _, cut_url = live.competitor(cut_after(chunk("Par"), chunk("tial")))
    _, long_url = live.competitor(
        answer(
            {
                **completion("Trunc"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "Trunc"},
                        "finish_reason": "length",
                    }
                ],
            }
        )
    )
    gateway = live.gateway(
        {
            "plain": plain_url,
            "streamer": stream_url,
            "tools": tools_url,
            "cut": cut_url,
            "long": long_url,
        },
        default="streamer",
        aliases={"old-plain": "plain"},
    )
    return gateway, plain, streamer


def client(gateway: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway + "/v1", api_key="unused", max_retries=0)


def async_client(gateway: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=gateway + "/v1", api_key="unused", max_retries=0)


def test_non_stream_answer_is_a_response_object(servers):
    gateway, plain, _ = servers
    response = client(gateway).responses.create(
        model="plain", input="Say hello", instructions="Be brief.", max_output_tokens=50
    )
    assert response.object == "response" and response.status == "completed"
    assert response.id.startswith("resp_") and response.model == "plain"
    assert response.output_text == "Hello"
    reasoning, message = response.output
    assert reasoning.type == "reasoning" and reasoning.content[0].text == "Greeting."
    assert message.type == "message" and message.role == "assistant"
    usage = response.usage
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (3, 2, 5)
    sent = plain.requests[-1]
    assert sent["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello"},
    ]
    assert sent["model"] == "plain" and sent["max_completion_tokens"] == 50
    assert "stream" not in sent


def test_message_items_and_content_parts_become_chat_messages(servers):
    gateway, plain, _ = servers
    image = "data:image/png;base64,iVBORw0KGgo="
    client(gateway).responses.create(
        model="old-plain",
        input=[
            {"role": "developer", "content": "Rules."},
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is this?"},
                    {"type": "input_image", "image_url": image, "detail": "low"},
                ],
            },
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "A dot."}],
            },
            {"type": "function_call", "call_id": "c1", "name": "look", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "red"},
            {"role": "user", "content": "And now?"},
        ],
    )
    sent = plain.requests[-1]
    assert sent["model"] == "plain"  # the alias was resolved
    assert sent["messages"] == [
        {"role": "system", "content": "Rules."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": image, "detail": "low"}},
            ],
        },
        {
            "role": "assistant",
            "content": "A dot.",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "look", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "red"},
        {"role": "user", "content": "And now?"},
    ]


def test_stream_events_in_order_with_reasoning_text_and_usage(servers):
    gateway, _, streamer = servers
    events = list(client(gateway).responses.create(model="janus", input="Hi", stream=True))
    types = [event.type for event in events]
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    reasoning = [e.delta for e in events if e.type == "response.reasoning_text.delta"]
    assert "".join(reasoning) == "Thinking hard."
    text = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(text) == "Hello"
    (done,) = [e for e in events if e.type == "response.output_text.done"]
    assert done.text == "Hello"
    assert types.index("response.reasoning_text.done") < types.index("response.output_text.delta")
    final = events[-1].response
    assert final.status == "completed" and final.output_text == "Hello"
    assert [item.type for item in final.output] == ["reasoning", "message"]
    assert final.usage.input_tokens == 7 and final.usage.output_tokens == 3
    assert final.usage.output_tokens_details.reasoning_tokens == 1
    sent = streamer.requests[-1]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_the_sdks_stream_helper_accepts_the_event_sequence(servers):
    gateway, _, _ = servers
    with client(gateway).responses.stream(model="streamer", input="Hi") as stream:
        deltas = [event.delta for event in stream if event.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == "Hello" and final.output_text == "Hello"


async def test_async_stream(servers):
    gateway, _, _ = servers
    stream = await async_client(gateway).responses.create(model="streamer", input="Hi", stream=True)
    events = [event async for event in stream]
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text == "Hello"


def test_streamed_tool_calls_become_function_call_items(servers):
    gateway, _, _ = servers
    tool = {"type": "function", "name": "add", "parameters": {"type": "object"}}
    with client(gateway).responses.stream(model="tools", input="1+2?", tools=[tool]) as stream:
        arguments = [e.delta for e in stream if e.type == "response.function_call_arguments.delta"]
        final = stream.get_final_response()
    assert "".join(arguments) == '{"a": 1, "b": 2}'
    (call,) = final.output
    assert call.type == "function_call" and call.call_id == "call_1" and call.name == "add"
    assert json.loads(call.arguments) == {"a": 1, "b": 2}


def test_a_failure_mid_stream_ends_with_response_failed(servers):
    gateway, _, _ = servers
    events = list(client(gateway).responses.create(model="cut", input="Hi", stream=True))
    types = [event.type for event in events]
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "Partial"
    assert types[-1] == "response.failed" and types.count("error") == 1
    (error,) = [e for e in events if e.type == "error"]
    assert error.code == "competitor_failed" and "competitor 'cut'" in error.message
    failed = events[-1].response
    assert failed.status == "failed" and failed.error.code == "competitor_failed"
    assert failed.output[0].content[0].text == "Partial"


def test_a_length_stop_is_an_incomplete_response(servers):
    gateway, _, _ = servers
    response = client(gateway).responses.create(model="long", input="Hi")
    assert response.status == "incomplete"
    assert response.incomplete_details.reason == "max_output_tokens"


def test_errors_are_in_the_openai_shape(servers):
    gateway, _, _ = servers
    sdk = client(gateway)
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.responses.create(model="nobody", input="Hi")
    assert caught.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(model="plain", input="Hi", previous_response_id="resp_1")
    assert caught.value.body["param"] == "previous_response_id"
    assert caught.value.body["code"] == "unsupported_parameter"
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(model="plain", input="Hi", tools=[{"type": "web_search"}])
    assert caught.value.body["param"] == "tools[0].type"
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(model="plain", input=[{"role": "user", "content": 3}])
    assert caught.value.body["param"] == "input[0].content"
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(model="plain", input="Hi", extra_body={"frobnicate": 1})
    assert caught.value.body["param"] == "frobnicate"
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(model="plain", input=[])
    assert caught.value.body["param"] == "input"


def test_janus_events_and_artifacts_reach_responses_clients(live):
    progress = {"event": "tool_start", "payload": {"tool": "python"}}
    artifact = {"event": "artifact", "payload": descriptor()}
    _, url = live.competitor(
        sse(
            chunk(choices=[{"index": 0, "delta": {"janus": progress}}]),
            chunk(choices=[{"index": 0, "delta": {"janus": artifact}}]),
            chunk("Made a dot."),
            chunk(finish="stop"),
            DONE,
        )
    )
    gateway = live.gateway({"maker": url})
    with client(gateway).responses.stream(model="maker", input="Draw") as stream:
        janus = [e for e in stream if e.type == "janus.event"]
        final = stream.get_final_response()
    assert [e.event for e in janus] == ["tool_start", "artifact"]
    (message,) = final.output
    (hosted,) = message.artifacts
    assert hosted["url"].startswith(gateway + "/v1/artifacts/")
    assert hosted["display_name"] == "dot.png" and final.output_text == "Made a dot."
