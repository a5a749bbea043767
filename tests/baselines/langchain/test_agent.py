"""The agent through a gateway: platform tools, streamed events, artifacts, recovery."""

from __future__ import annotations

import hashlib

import aiohttp

from tests.baselines.langchain.reading import ask, janus_events, reasoning, usage
from tests.baselines.langchain.scripting import call, model_requests, script, tool_results
from tests.gateway.sse_client import stream_chat


def echo_last_tool_result(request) -> str:
    return f"The result is {tool_results(request)[-1]}"


async def test_a_calculation_uses_the_calculator_and_answers_exactly(start, monkeypatch):
    expression = "1/3 + 1/6 + 0.1 + 0.2"
    script(monkeypatch, call("calculator", expression=expression), echo_last_tool_result)
    gateway, _ = start()
    received = await stream_chat(gateway, ask("What is 1/3 + 1/6 + 0.1 + 0.2?"))
    assert received.done and not received.errors, received.raw
    assert received.content.strip() == "The result is 0.8"
    assert {chunk["model"] for chunk in received.chunks} == {"lc"}  # the id asked for
    events = janus_events(received)
    assert [name for name, _ in events] == ["tool_start", "tool_end"]
    assert events[0][1]["tool"] == "calculator"
    assert events[0][1]["input"] == {"expression": "1/3 + 1/6 + 0.1 + 0.2"}
    assert events[1][1]["status"] == "success" and events[1][1]["output"] == "0.8"
    assert "calculator" in reasoning(received)
    # Usage is what the two model calls reported, which the platform metered as well.
    reported = usage(received)
    metered = reported["janus_metered"]
    assert (reported["prompt_tokens"], reported["completion_tokens"]) == (
        metered["prompt_tokens"],
        metered["completion_tokens"],
    )
    assert len(model_requests()) == 2 and reported["prompt_tokens"] > 0


# A bar chart as a PNG, written with the standard library only (the sandbox has nothing
# else); it prints the file's sha256 so the test can follow the bytes end to end.
CHART_PROGRAM = """\
import hashlib, pathlib, struct, zlib

values, width, height = [3, 7, 5, 9], 80, 50


def pixel(x, y):
    return (30, 120, 200) if height - y <= values[x // 20] * 5 else (255, 255, 255)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


rows = b"".join(
    b"\\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
)
png = (
    b"\\x89PNG\\r\\n\\x1a\\n"
    + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(rows))
    + chunk(b"IEND", b"")
)
pathlib.Path("/workspace/artifacts").mkdir(exist_ok=True)
pathlib.Path("/workspace/artifacts/chart.png").write_bytes(png)
print(hashlib.sha256(png).hexdigest())
"""


def chart_script(monkeypatch) -> None:
    script(
        monkeypatch,
        call("python", code=CHART_PROGRAM),
        call("write_artifact", name="chart.png"),
        "Here is your chart.",
    )


async def download(url: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.read()


async def test_a_chart_is_an_artifact_downloadable_through_the_gateway(
    start, monkeypatch, workspaces
):
    chart_script(monkeypatch)
    gateway, _ = start()
    received = await stream_chat(gateway, ask("Make a bar chart of 3, 7, 5, 9."))
    assert received.done and not received.errors, received.raw
    events = janus_events(received)
    assert [name for name, _ in events] == [
        "tool_start",
        "sandbox_start",
        "tool_end",
        "tool_start",
        "artifact",
        "tool_end",
        "sandbox_end",
    ]
    printed_sha256 = events[2][1]["output"].strip()
    (artifact,) = [payload for name, payload in events if name == "artifact"]
    assert artifact["display_name"] == "chart.png" and artifact["mime_type"] == "image/png"
    assert artifact["url"].startswith(gateway + "/v1/artifacts/")
    status, data = await download(artifact["url"])
    assert status == 200 and data.startswith(b"\x89PNG\r\n\x1a\n")
    assert hashlib.sha256(data).hexdigest() == artifact["sha256"] == printed_sha256
    assert len(data) == artifact["size_bytes"]
    assert received.content.strip() == "Here is your chart."
    assert "sandbox_seconds" in usage(received)
    assert list(workspaces.iterdir()) == []  # the sandbox was terminated


async def test_a_non_stream_answer_lists_the_artifact_in_the_message(
    start, monkeypatch, workspaces
):
    """The gateway reads a non-stream answer's artifacts only once the answer is complete,
    after the baseline terminated its sandbox: the bytes must not depend on it."""
    chart_script(monkeypatch)
    gateway, _ = start()
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            gateway + "/v1/chat/completions", json=ask("Make a chart.", stream=False)
        ) as response,
    ):
        assert response.status == 200, await response.text()
        body = await response.json()
    message = body["choices"][0]["message"]
    assert body["model"] == "lc"
    assert message["content"].strip() == "Here is your chart."
    assert "python" in message["reasoning_content"]
    (artifact,) = message["artifacts"]
    status, data = await download(artifact["url"])
    assert status == 200 and hashlib.sha256(data).hexdigest() == artifact["sha256"]
    assert body["usage"]["total_tokens"] > 0
    assert list(workspaces.iterdir()) == []


async def test_a_tool_failure_is_reported_and_the_agent_recovers(start, monkeypatch):
    script(
        monkeypatch,
        call("python", code="print(1 / 0)"),
        call("python", code="print(6 * 7)"),
        echo_last_tool_result,
    )
    gateway, _ = start()
    received = await stream_chat(gateway, ask("Compute something."))
    assert received.done and not received.errors, received.raw
    ends = [payload for name, payload in janus_events(received) if name == "tool_end"]
    assert [end["status"] for end in ends] == ["error", "success"]
    assert "python failed: exit code 1" in reasoning(received)
    assert "ZeroDivisionError" in reasoning(received)
    # The model saw the failure, and what it did next worked.
    assert "ZeroDivisionError" in tool_results(model_requests()[1])[0]
    assert received.content.strip() == "The result is 42"


async def test_web_search_goes_through_the_platform_search(start, monkeypatch, searxng):
    script(monkeypatch, call("web_search", query="moon tides"), echo_last_tool_result)
    gateway, _ = start()
    received = await stream_chat(gateway, ask("Why are there tides?"))
    assert received.done and not received.errors, received.raw
    assert [r["query"]["q"] for r in searxng.requests] == ["moon tides"]
    assert "https://example.org/tides" in received.content


async def test_the_whole_conversation_and_its_images_reach_the_model(start, monkeypatch):
    script(monkeypatch, "A red square.")
    gateway, _ = start()
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    conversation = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi! How can I help?"},
        {"role": "user", "content": [{"type": "text", "text": "What is this?"}, image]},
    ]
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            gateway + "/v1/chat/completions",
            json={"model": "lc", "messages": conversation, "temperature": 0.25},
        ) as response,
    ):
        body = await response.json()
    assert body["choices"][0]["message"]["content"].strip() == "A red square."
    (request,) = model_requests()
    sent = request["messages"]
    assert sent[0]["role"] == "system" and "tools" in sent[0]["content"]  # the agent's prompt
    assert sent[1:] == conversation
    assert request["temperature"] == 0.25
    assert {tool["function"]["name"] for tool in request["tools"]} == {
        "python",
        "shell",
        "web_search",
        "calculator",
        "write_artifact",
    }


async def test_write_artifact_creates_a_file_from_content(start, monkeypatch):
    script(monkeypatch, call("write_artifact", name="notes.md", content="# Notes\n"), "Done.")
    gateway, _ = start()
    received = await stream_chat(gateway, ask("Write me notes."))
    assert received.done and not received.errors, received.raw
    (artifact,) = [payload for name, payload in janus_events(received) if name == "artifact"]
    assert (artifact["display_name"], artifact["mime_type"]) == ("notes.md", "text/markdown")
    assert await download(artifact["url"]) == (200, b"# Notes\n")
