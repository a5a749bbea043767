"""Keep-alives during slow tools, and sandboxes that never outlive their request."""

from __future__ import annotations

import asyncio
import itertools
import time

import aiohttp
import pytest

from janus.sse import SSEParser
from tests.baselines.langchain.conftest import COMPETITOR
from tests.baselines.langchain.reading import ask, janus_events
from tests.baselines.langchain.scripting import call, script
from tests.gateway.sse_client import stream_chat

MAX_GAP_S = 2.0


@pytest.mark.slow
async def test_keep_alives_fill_the_gaps_of_a_slow_tool(start, monkeypatch, platform_tokens):
    """Talks to the baseline directly, with the platform headers a gateway would send: the
    gateway writes keep-alives of its own and does not relay a competitor's, so through it
    this test could not tell whether the baseline kept its connection alive."""
    script(monkeypatch, call("shell", command="sleep 5; echo slept"), "Done.")
    gateway, baseline = start()
    headers = {
        "X-Janus-Platform-Url": gateway + "/platform",
        "X-Janus-Platform-Token": platform_tokens.mint(COMPETITOR, "req-slow", time.time() + 60),
    }
    received = await stream_chat(baseline, ask("Take your time."), headers=headers)
    assert received.done and not received.errors, received.raw
    assert ("tool_end", "success") in [(n, p.get("status")) for n, p in janus_events(received)]
    moments = sorted([0.0, *received.event_times, *received.pings])
    assert moments[-1] >= 5.0
    assert max(later - earlier for earlier, later in itertools.pairwise(moments)) <= MAX_GAP_S


async def wait_until_empty(directory, timeout_s: float = 10.0) -> list:
    deadline = time.monotonic() + timeout_s
    while True:
        left = list(directory.iterdir())
        if not left or time.monotonic() > deadline:
            return left
        await asyncio.sleep(0.1)


async def test_the_sandbox_is_terminated_when_the_client_goes_away(start, monkeypatch, workspaces):
    script(monkeypatch, call("shell", command="sleep 60"), "never")
    gateway, _ = start()
    parser = SSEParser()
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway + "/v1/chat/completions", json=ask("Wait.")) as response,
    ):
        async for data in response.content.iter_any():
            events = [e.data for e in parser.feed(data)]
            if any(b'"sandbox_start"' in event for event in events):
                break
    assert list(workspaces.iterdir())  # it was running when the client left
    assert await wait_until_empty(workspaces) == []


async def test_a_request_past_its_deadline_fails_in_band_and_frees_its_sandbox(
    start, monkeypatch, workspaces
):
    script(monkeypatch, call("shell", command="sleep 60"), "never")
    gateway, _ = start(request_timeout_s=1.5)
    received = await stream_chat(gateway, ask("Wait."))
    assert received.done
    (error,) = received.errors
    assert "no answer within 1.5 s" in error["message"]
    assert await wait_until_empty(workspaces) == []


async def test_an_agent_that_never_stops_calling_tools_gives_up_in_band(start, monkeypatch):
    script(monkeypatch, call("calculator", expression="1 + 1"))
    gateway, _ = start(max_tool_rounds=2)
    received = await stream_chat(gateway, ask("Loop forever."))
    assert received.done
    (error,) = received.errors
    assert "no final answer after 2 tool rounds" in error["message"]
    assert [n for n, _ in janus_events(received)].count("tool_end") == 2
