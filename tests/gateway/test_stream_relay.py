"""The stream relay against a scripted competitor on a real socket."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp

from tests.gateway.sse_client import chat_body, stream_chat
from tests.scripted_competitor import (
    DONE,
    FOREVER,
    answer,
    chunk,
    cut_after,
    echo_stream,
    sse,
)


async def test_relays_chunks_in_order_and_ends_with_done(live):
    _, url = live.competitor(
        sse(chunk(role="assistant"), chunk("Hel"), chunk("lo"), chunk(finish="stop"), DONE)
    )
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert received.status == 200
    assert received.headers["Content-Type"].startswith("text/event-stream")
    assert received.content == "Hello"
    assert received.chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert received.done and not received.errors


async def test_keepalive_before_the_first_token(live):
    _, url = live.competitor(sse(0.7, chunk("late"), DONE))
    gateway = live.gateway({"a": url}, default="a", keepalive_interval_s=0.2)
    received = await stream_chat(gateway, chat_body())
    first_chunk_at = received.event_times[0]
    assert len([t for t in received.pings if t < first_chunk_at]) >= 2
    assert received.content == "late" and received.done


async def test_keepalive_during_a_stall_between_tokens(live):
    _, url = live.competitor(sse(chunk("a"), 0.8, chunk("b"), DONE))
    gateway = live.gateway({"a": url}, default="a", keepalive_interval_s=0.2)
    received = await stream_chat(gateway, chat_body())
    first, second = received.event_times[0], received.event_times[1]
    assert len([t for t in received.pings if first < t < second]) >= 2
    assert received.content == "ab"


async def test_no_keepalive_when_chunks_flow_faster_than_the_interval(live):
    _, url = live.competitor(sse(*[step for _ in range(5) for step in (chunk("x"), 0.05)], DONE))
    gateway = live.gateway({"a": url}, default="a", keepalive_interval_s=1.0)
    received = await stream_chat(gateway, chat_body())
    assert received.pings == []
    assert received.content == "xxxxx"


async def test_cut_stream_ends_with_in_band_error_and_done(live):
    _, url = live.competitor(cut_after(chunk("par"), chunk("tial")))
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert received.status == 200
    assert received.content == "partial"
    assert len(received.errors) == 1
    assert received.errors[0]["code"] == "competitor_failed"
    assert received.done


async def test_malformed_chunk_after_answer_started_is_reported_in_band(live):
    _, url = live.competitor(sse(chunk("ok"), b"data: {not json}\n\n", chunk("never"), DONE))
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert received.content == "ok"
    assert "malformed chunk" in received.errors[0]["message"]
    assert received.events[-2:] == [{"error": received.errors[0]}, "[DONE]"]


async def test_chunk_with_wrong_shape_is_malformed(live):
    _, url = live.competitor(sse(chunk("ok"), b'data: {"choices": "nope"}\n\n', DONE))
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert "choices" in received.errors[0]["message"]
    assert received.done


async def test_missing_done_is_an_error_not_a_silent_close(live):
    _, url = live.competitor(sse(chunk("all"), chunk(finish="stop")))
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert received.content == "all"
    assert "[DONE]" in received.errors[0]["message"]
    assert received.done


async def test_competitor_error_event_mid_stream_is_relayed_in_band(live):
    error = b'data: {"error": {"message": "model crashed", "type": "server_error"}}\n\n'
    _, url = live.competitor(sse(chunk("so"), error, DONE))
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert "model crashed" in received.errors[0]["message"]
    assert received.done


async def test_500_before_first_byte_falls_back_to_next_competitor(live):
    broken, broken_url = live.competitor(answer({"error": {"message": "boom"}}, status=500))
    healthy, healthy_url = live.competitor(sse(chunk("from b"), DONE))
    gateway = live.gateway({"a": broken_url, "b": healthy_url}, default="a", fallbacks=("b",))
    received = await stream_chat(gateway, chat_body())
    assert received.content == "from b" and received.done and not received.errors
    assert len(broken.requests) == 1 and len(healthy.requests) == 1


async def test_429_before_first_byte_falls_back_to_next_competitor(live):
    _, busy_url = live.competitor(answer({"error": {"message": "slow down"}}, status=429))
    _, healthy_url = live.competitor(sse(chunk("ok"), DONE))
    gateway = live.gateway({"a": busy_url, "b": healthy_url}, default="a", fallbacks=("b",))
    received = await stream_chat(gateway, chat_body())
    assert received.content == "ok" and not received.errors


async def test_failure_after_keepalive_but_before_answer_still_falls_back(live):
    _, slow_broken_url = live.competitor(cut_after(0.5))
    _, healthy_url = live.competitor(sse(chunk("rescued"), DONE))
    gateway = live.gateway(
        {"a": slow_broken_url, "b": healthy_url},
        default="a",
        fallbacks=("b",),
        keepalive_interval_s=0.1,
    )
    received = await stream_chat(gateway, chat_body())
    assert received.pings, "keep-alives were sent while the first competitor stalled"
    assert received.content == "rescued" and not received.errors


async def test_no_fallback_once_the_answer_started(live):
    _, first_url = live.competitor(cut_after(chunk("half")))
    second, second_url = live.competitor(sse(chunk("other"), DONE))
    gateway = live.gateway({"a": first_url, "b": second_url}, default="a", fallbacks=("b",))
    received = await stream_chat(gateway, chat_body())
    assert received.content == "half"
    assert received.errors and received.done
    assert second.requests == []


async def test_all_candidates_failing_before_first_byte_is_a_502(live):
    _, url = live.competitor(answer({"error": {"message": "down"}}, status=503))
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert received.status == 502
    assert json.loads(received.raw)["error"]["code"] == "competitor_failed"


async def test_unreachable_competitor_is_a_502(live, unused_tcp_port):
    gateway = live.gateway({"a": f"http://127.0.0.1:{unused_tcp_port}"}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert received.status == 502
    message = json.loads(received.raw)["error"]["message"]
    assert message == "competitor 'a' is unreachable: Connection refused", message
    # why, never where: the competitor's address stays the operator's business
    assert "127.0.0.1" not in message and str(unused_tcp_port) not in message


async def test_non_sse_answer_to_a_stream_request_is_a_failure(live):
    _, url = live.competitor(answer({"choices": []}))
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert received.status == 502
    assert "application/json" in json.loads(received.raw)["error"]["message"]


async def test_client_disconnect_cancels_the_upstream_promptly(live):
    competitor, url = live.competitor(sse(chunk("first"), FOREVER))
    gateway = live.gateway({"a": url}, default="a", keepalive_interval_s=30)
    async with aiohttp.ClientSession() as session:
        response = await session.post(gateway + "/v1/chat/completions", json=chat_body())
        await response.content.readuntil(b"\n\n")
        response.close()  # drop the connection, as a browser tab closing would
        closed_at = time.monotonic()
    assert await asyncio.to_thread(competitor.disconnected.wait, 5)
    assert competitor.disconnected_at - closed_at < 1.0


async def test_stall_past_the_deadline_ends_with_a_504_in_band(live):
    _, url = live.competitor(sse(chunk("slow"), FOREVER))
    gateway = live.gateway({"a": url}, default="a", request_timeout_s=0.5)
    received = await stream_chat(gateway, chat_body())
    assert received.content == "slow"
    assert received.errors[0]["code"] == "deadline_exceeded"
    assert received.done


async def test_deadline_before_any_byte_is_an_http_504(live):
    _, url = live.competitor(sse(FOREVER))
    gateway = live.gateway({"a": url}, default="a", request_timeout_s=0.3, keepalive_interval_s=10)
    received = await stream_chat(gateway, chat_body())
    assert received.status == 504
    assert json.loads(received.raw)["error"]["type"] == "timeout_error"


async def test_huge_chunk_is_relayed_intact(live):
    big = "x" * (3 * 1024 * 1024)
    _, url = live.competitor(sse(chunk("a"), chunk(big), chunk("z"), DONE))
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert received.content == "a" + big + "z"
    assert not received.errors


async def test_chunk_beyond_the_event_limit_is_refused(live):
    _, url = live.competitor(sse(chunk("a"), chunk("y" * 8192), DONE))
    gateway = live.gateway({"a": url}, default="a", max_event_bytes=4096)
    received = await stream_chat(gateway, chat_body())
    assert received.content == "a"
    assert "larger than 4096 bytes" in received.errors[0]["message"]


async def test_usage_chunk_keeps_its_place_before_done(live):
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    _, url = live.competitor(
        sse(chunk("hi"), chunk(finish="stop"), chunk(choices=[], usage=usage), DONE)
    )
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body(stream_options={"include_usage": True}))
    last_chunk = received.events[-2]
    assert last_chunk["choices"] == [] and last_chunk["usage"] == usage
    assert received.events[-1] == "[DONE]"


async def test_unknown_fields_reach_the_competitor_untouched(live):
    competitor, url = live.competitor(echo_stream())
    gateway = live.gateway({"a": url}, default="a")
    body = chat_body(
        tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        tool_choice="auto",
        response_format={"type": "json_object"},
        n=1,
        stop=["\n"],
        seed=7,
        stream_options={"include_usage": True},
        some_future_field={"nested": [1, 2]},
    )
    body["messages"] = [
        {"role": "developer", "content": "be brief"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}},
            ],
        },
    ]
    received = await stream_chat(gateway, body)
    assert competitor.requests == [body]
    assert json.loads(received.content) == body


async def test_multiline_and_named_events_are_understood(live):
    pretty = json.dumps(json.loads(chunk("multi")[6:]), indent=2).encode()
    multiline = b"".join(b"data: " + line + b"\n" for line in pretty.split(b"\n")) + b"\n"
    _, url = live.competitor(
        sse(
            b": upstream comment\n\n",
            b"event: message\n" + multiline,
            b"retry: 100\r\n" + chunk("!").replace(b"\n", b"\r\n"),
            DONE,
        )
    )
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert received.content == "multi!"
    assert not received.errors and received.done


async def test_shutdown_ends_open_streams_in_band_after_the_grace_period(live):
    _, url = live.competitor(sse(chunk("before shutdown"), FOREVER))
    gateway = live.gateway({"a": url}, default="a", shutdown_grace_s=0.3)
    reading = asyncio.create_task(stream_chat(gateway, chat_body()))
    await asyncio.sleep(0.3)
    await asyncio.to_thread(live.stop_all)
    received = await reading
    assert received.content == "before shutdown"
    assert received.errors[0]["code"] == "gateway_shutting_down"
    assert received.done


async def test_streams_that_finish_within_the_grace_period_are_untouched(live):
    _, url = live.competitor(sse(chunk("slow"), 0.6, chunk(" but done"), DONE))
    gateway = live.gateway({"a": url}, default="a", shutdown_grace_s=5)
    reading = asyncio.create_task(stream_chat(gateway, chat_body()))
    await asyncio.sleep(0.3)
    await asyncio.to_thread(live.stop_all)
    received = await reading
    assert received.content == "slow but done" and not received.errors
