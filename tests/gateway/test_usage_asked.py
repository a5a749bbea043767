"""The gateway asks competitors for usage itself and keeps it from clients that did not ask,
so every streamed request a competitor sees has one shape (the bench's included)."""

from __future__ import annotations

from tests.gateway.sse_client import chat_body, stream_chat
from tests.scripted_competitor import DONE, chunk, sse

USAGE = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}


def with_usage():
    """Test double: usage on the last content chunk and in a usage-only chunk."""
    return sse(
        chunk("hi"),
        chunk(" there", finish="stop", usage=USAGE),
        chunk(choices=[], usage=USAGE),
        DONE,
    )


async def test_a_client_that_did_not_ask_gets_no_usage_but_the_competitor_was_asked(live):
    competitor, url = live.competitor(with_usage())
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body(stream_options={"other": 1}))
    assert received.content == "hi there" and received.done
    assert not any("usage" in chunk for chunk in received.chunks)
    assert competitor.requests[0]["stream_options"] == {"other": 1, "include_usage": True}


async def test_a_client_that_asked_gets_the_usage_and_both_requests_look_alike(live):
    competitor, url = live.competitor(with_usage())
    gateway = live.gateway({"a": url}, default="a")
    asked = await stream_chat(gateway, chat_body(stream_options={"include_usage": True}))
    assert asked.events[-2]["usage"] == USAGE and asked.chunks[-2]["usage"] == USAGE
    await stream_chat(gateway, chat_body())
    with_option, without = competitor.requests
    assert with_option == without  # the competitor cannot tell who asked
