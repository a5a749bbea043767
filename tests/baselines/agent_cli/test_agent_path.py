"""The agent path with real bubblewrap sandboxes: artifacts, lifecycle, limits, cleanup."""

from __future__ import annotations

import base64
import hashlib
import itertools
import shlex
import subprocess
import sys

import aiohttp
import pytest

from tests.baselines.agent_cli.conftest import (
    janus_events,
    reasoning_lines,
    replayed,
    usage_of,
    user,
)
from tests.baselines.agent_cli.replay import call, calls
from tests.gateway.sse_client import stream_chat

# The model's program: a CSV report and a PNG plot, with the standard library only.
REPORT_AND_PLOT = """\
import csv, struct, zlib

rows = [("x", "y")] + [(x, x * x) for x in range(10)]
with open("artifacts/report.csv", "w", newline="") as file:
    csv.writer(file).writerows(rows)

def chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

width, height = 40, 30
pixels = b"".join(
    b"\\x00" + bytes(0 if 29 - y == (x * x) // 54 else 255 for x in range(width))
    for y in range(height)
)
png = (
    b"\\x89PNG\\r\\n\\x1a\\n"
    + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(pixels))
    + chunk(b"IEND", b"")
)
with open("artifacts/plot.png", "wb") as file:
    file.write(png)
print("wrote report.csv and plot.png")
"""
PROMPT = "Create a CSV report of y = x^2 for x < 10 and plot it."


def expected_files(tmp_path) -> dict[str, bytes]:
    """What the program writes, run here with the same Python."""
    (tmp_path / "expected" / "artifacts").mkdir(parents=True)
    subprocess.run([sys.executable, "-c", REPORT_AND_PLOT], cwd=tmp_path / "expected", check=True)
    folder = tmp_path / "expected" / "artifacts"
    return {name: (folder / name).read_bytes() for name in ("report.csv", "plot.png")}


async def download(url: str) -> bytes:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.read()


async def test_the_agent_writes_artifacts_the_client_downloads_through_the_gateway(start, tmp_path):
    setup = start(
        calls(call("python", code=REPORT_AND_PLOT), content="I will write both files."),
        calls(call("finish", answer="Here are the report and the plot.")),
    )
    body = user(PROMPT, stream=True, stream_options={"include_usage": True})
    received = await stream_chat(setup.gateway, body)
    assert received.done and not received.errors, received.errors

    events = janus_events(received)
    assert [e["event"] for e in events] == [
        "route",
        "sandbox_start",
        "agent_start",
        "tool_start",
        "tool_end",
        "agent_end",
        "artifact",
        "artifact",
        "sandbox_end",
    ]
    assert events[0]["payload"]["path"] == "agent"
    assert events[4]["payload"]["ok"] is True and events[4]["payload"]["tool"] == "python"
    assert events[-1]["payload"]["reason"] == "finished"

    expected = expected_files(tmp_path)
    artifacts = {
        e["payload"]["display_name"]: e["payload"] for e in events if e["event"] == "artifact"
    }
    assert set(artifacts) == {"report.csv", "plot.png"}
    for name, descriptor in artifacts.items():
        assert descriptor["url"].startswith(setup.gateway + "/v1/artifacts/")
        data = await download(descriptor["url"])
        assert hashlib.sha256(data).hexdigest() == descriptor["sha256"]
        assert data == expected[name]
    assert artifacts["plot.png"]["mime_type"] == "image/png"
    assert artifacts["plot.png"]["type"] == "image"

    # The answer, then links that the gateway rewrote to its own copies.
    assert received.content.startswith("Here are the report and the plot.")
    assert f"![plot.png]({artifacts['plot.png']['url']})" in received.content
    assert f"[report.csv]({artifacts['report.csv']['url']})" in received.content

    usage = usage_of(received)
    assert usage["sandbox_seconds"] > 0 and usage["janus_metered"]["sandbox_seconds"] > 0
    assert usage["prompt_tokens"] > 0

    # What the agent inside the sandbox sent the model: the pack's prompt and tools.
    first = replayed().requests[0]
    assert first["model"] == "scripted-model"
    assert "/workspace/artifacts" in first["messages"][0]["content"]
    assert first["messages"][-1] == {"role": "user", "content": PROMPT}
    names = {tool["function"]["name"] for tool in first["tools"]}
    assert names == {"bash", "python", "read_file", "write_file", "list_files", "finish"}
    await setup.until_no_sandbox()  # after the artifact grace period


async def test_reasoning_content_carries_the_lifecycle_in_order(start):
    setup = start(
        calls(call("bash", command="echo hello > artifacts/hello.txt"), content="Writing."),
        "All done.",
    )
    received = await stream_chat(setup.gateway, user("Create a file saying hello", stream=True))
    assert received.done and not received.errors
    text = "".join(reasoning_lines(received))
    milestones = [
        "Route: agent path (rules)",
        "Sandbox sb_",
        "Agent janus-agent",
        "Writing.",
        "[step 1] bash: echo hello > artifacts/hello.txt",
        "[step 1] bash succeeded",
        "Agent finished after 2 steps (answered)",
        "Artifact: hello.txt (6 bytes)",
        "done (finished)",
    ]
    positions = [text.find(milestone) for milestone in milestones]
    assert -1 not in positions, (milestones, positions, text)
    assert positions == sorted(positions), text
    assert reasoning_lines(received)[1].startswith("Route: agent path")
    assert received.content.startswith("All done.")
    await setup.until_no_sandbox()


async def test_attached_files_are_in_the_workspace_for_the_tools(start):
    setup = start(calls(call("bash", command="cat inputs/1-sales.csv")), "Two rows.")
    data = base64.b64encode(b"month,total\njan,3\n").decode()
    attachment = {"type": "file", "file": {"filename": "sales.csv", "file_data": data}}
    body = {
        "model": "janus",
        "stream": True,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Sum this"}, attachment]}
        ],
    }
    received = await stream_chat(setup.gateway, body)
    assert received.done and not received.errors
    assert janus_events(received)[0]["payload"]["reason"] == "an attached file needs tools"
    (tool_end,) = [e for e in janus_events(received) if e["event"] == "tool_end"]
    assert tool_end["payload"]["output"].startswith("month,total\njan,3\n")
    user_message = replayed().requests[0]["messages"][-1]["content"]
    assert user_message[1]["text"].startswith("[attachment saved as /workspace/inputs/1-sales.csv")


async def test_tool_commands_never_see_the_platform_token(start):
    setup = start(calls(call("bash", command="env; cat /proc/self/environ")), "checked")
    received = await stream_chat(setup.gateway, user("Run env in a shell", stream=True))
    assert received.done and not received.errors
    (tool_end,) = [e for e in janus_events(received) if e["event"] == "tool_end"]
    output = tool_end["payload"]["output"]
    assert "PATH=" in output and "JANUS_PLATFORM_TOKEN" not in output and "jpt1." not in output
    assert "jpt1." not in received.raw.decode()


async def test_the_agent_time_limit_stops_the_run_and_terminates_the_sandbox(start):
    setup = start(agent="sleep 60", agent_timeout_s="2")
    received = await stream_chat(setup.gateway, user("Build a website", stream=True))
    assert received.done and not received.errors
    events = janus_events(received)
    assert [e["event"] for e in events] == ["route", "sandbox_start", "sandbox_end"]
    assert events[-1]["payload"]["reason"] == "timeout"
    assert "time limit of 2 s ran out" in received.content
    assert setup.live_sandboxes() == []  # terminated before the answer ended


async def test_a_client_disconnect_terminates_the_sandbox(start):
    setup = start(calls(call("bash", command="sleep 60")))
    body = user("Run a long python script", stream=True)
    async with (
        aiohttp.ClientSession() as session,
        session.post(setup.gateway + "/v1/chat/completions", json=body) as response,
    ):
        async for line in response.content:
            if b'"tool_start"' in line:
                break
        else:
            pytest.fail("the stream ended before the tool started")
        assert setup.live_sandboxes(), "the sandbox should exist while the tool runs"
    await setup.until_no_sandbox()


FOREIGN_AGENT = """\
import json, os, urllib.request
request = urllib.request.Request(
    os.environ["OPENAI_BASE_URL"] + "/chat/completions",
    data=json.dumps({"model": "m", "messages": [{"role": "user", "content": "ping"}]}).encode(),
    headers={"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"],
             "Content-Type": "application/json"},
)
text = json.load(urllib.request.urlopen(request))["choices"][0]["message"]["content"]
print("plain progress output")
open("artifacts/reply.txt", "w").write(text)
print(json.dumps({"event": "answer", "text": "The model said: " + text}))
"""


async def test_another_cli_agent_reaches_the_platform_over_http(start):
    command = "python3 -c " + shlex.quote(FOREIGN_AGENT)
    setup = start("pong", agent=command)
    async with (
        aiohttp.ClientSession() as session,
        session.post(setup.gateway + "/v1/chat/completions", json=user("Write a script")) as r,
    ):
        answer = await r.json()
    assert r.status == 200, answer
    message = answer["choices"][0]["message"]
    assert message["content"].startswith("The model said: pong")
    (artifact,) = message["artifacts"]
    assert artifact["display_name"] == "reply.txt"
    assert await download(artifact["url"]) == b"pong"
    assert "plain progress output" in message["reasoning_content"]
    assert "running python3 with agent pack v1" in message["reasoning_content"]
    assert answer["usage"]["sandbox_seconds"] > 0
    assert replayed().requests[0]["messages"] == [{"role": "user", "content": "ping"}]
    await setup.until_no_sandbox()


async def test_an_agent_that_fails_is_reported_in_band(start):
    setup = start(agent="echo 'something broke' >&2; exit 3")
    received = await stream_chat(setup.gateway, user("Compute pi", stream=True))
    assert received.done
    (error,) = received.errors
    assert "the agent exited with code 3 something broke" in error["message"]
    assert setup.live_sandboxes() == []


@pytest.mark.slow
async def test_a_long_tool_still_gives_the_client_something_every_two_seconds(start, token, live):
    setup = start(calls(call("bash", command="sleep 10")), "slept")
    headers = {
        "X-Janus-Platform-Url": setup.gateway + "/platform",
        "X-Janus-Platform-Token": token,
    }
    # Straight to the baseline: the gateway replaces competitors' keep-alives with its own.
    received = await stream_chat(
        setup.baseline, user("Run sleep in a shell", stream=True), headers=headers
    )
    assert received.done and not received.errors
    (tool_end,) = [e for e in janus_events(received) if e["event"] == "tool_end"]
    assert tool_end["payload"]["seconds"] >= 10
    arrivals = sorted(received.event_times + received.pings)
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert max(gaps) <= 2.0, max(gaps)
    assert arrivals[0] <= 2.0
