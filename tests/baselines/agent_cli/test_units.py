"""The baseline's small parts: settings, attachments, line splitting, collected answers."""

from __future__ import annotations

import base64

import pytest
from janus_baseline_agent_cli.agent_events import LineSplitter
from janus_baseline_agent_cli.answer import CollectedAnswer
from janus_baseline_agent_cli.attachments import extract_attachments
from janus_baseline_agent_cli.settings import Settings


def test_settings_come_from_the_environment_and_bad_values_name_the_variable():
    settings = Settings.from_environment(
        {
            "JANUS_BASELINE_MODEL": "big-model",
            "JANUS_BASELINE_AGENT_TIMEOUT_S": "120",
            "JANUS_BASELINE_AGENT": "aider --yes",
            "JANUS_BASELINE_ARTIFACT_GRACE_S": "0",
        }
    )
    assert settings.model == "big-model" and settings.agent_command == "aider --yes"
    assert settings.agent_timeout_s == 120 and settings.agent_time_budget_s == 108
    assert settings.artifact_grace_s == 0
    assert Settings.from_environment({}).agent_timeout_s == 300
    for name, value in (("AGENT_TIMEOUT_S", "0"), ("ROUTER_TIMEOUT_S", "soon")):
        with pytest.raises(ValueError, match=f"JANUS_BASELINE_{name}"):
            Settings.from_environment({f"JANUS_BASELINE_{name}": value})


def test_attachments_become_files_in_the_workspace():
    csv = base64.b64encode(b"a,b\n1,2\n").decode()
    png = base64.b64encode(b"\x89PNG").decode()
    image = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}}
    messages = [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Chart these"},
                {"type": "file", "file": {"filename": "my data.csv", "file_data": csv}},
                image,
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ],
        },
    ]
    conversation, files = extract_attachments(messages)
    assert files == {"inputs/1-my_data.csv": b"a,b\n1,2\n", "inputs/2-image.png": b"\x89PNG"}
    parts = conversation[1]["content"]
    assert parts[0] == {"type": "text", "text": "Chart these"}
    assert parts[1]["text"] == "[attachment saved as /workspace/inputs/1-my_data.csv (8 bytes)]"
    assert parts[2] == image  # the model may still see it
    assert "inputs/2-image.png" in parts[3]["text"]
    assert parts[4]["image_url"]["url"] == "https://example.com/a.png"
    assert conversation[0] == messages[0]


def test_lines_are_reassembled_from_arbitrary_pieces():
    splitter = LineSplitter()
    assert splitter.feed('{"event": "a"}\n{"ev') == ['{"event": "a"}']
    assert splitter.feed('ent": "b"}\n\nplain') == ['{"event": "b"}', ""]
    assert splitter.close() == ["plain"] and splitter.close() == []


async def test_a_collected_answer_merges_tool_call_fragments():
    answer = CollectedAnswer()
    await answer.delta(
        tool_calls=[
            {"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": ""}}
        ]
    )
    await answer.delta(tool_calls=[{"index": 0, "function": {"arguments": '{"a":'}}])
    await answer.delta(tool_calls=[{"index": 0, "function": {"arguments": " 1}"}}])
    await answer.delta(finish_reason="tool_calls")
    assert answer.tool_calls == {
        0: {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    }
    assert answer.finish_reason == "tool_calls"
