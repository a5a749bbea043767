"""Routing: rules for the obvious cases, the model when unsure, the agent on any doubt."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import httpx
import openai
import pytest
from janus_baseline_agent_cli.answer import Usage
from janus_baseline_agent_cli.routing import by_rules, classify


def ask(text: str, **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}], **extra}


@pytest.mark.parametrize(
    ("body", "path", "reason"),
    [
        (ask("Hello!"), "fast", "a greeting"),
        (ask("hi there, how are you?"), "fast", "a greeting"),
        (ask("What is the capital of France?"), "fast", "a short question"),
        (ask("Explain photosynthesis briefly"), "fast", "a short question"),
        (ask("Plot sin(x) between 0 and 10"), "agent", "mentions 'plot'"),
        (ask("Build me a small website"), "agent", "mentions 'build'"),
        (ask("Read this CSV and give me the mean"), "agent", "mentions 'csv'"),
        (ask("What is 1234 * 5678?"), "agent", "a computation"),
        (ask("Why does this fail?\n```\nprint(1/0)\n```"), "agent", "contains code"),
        (ask("Hi! Plot my data"), "agent", "mentions 'plot'"),
        (ask("Weather?", tools=[{"type": "function"}]), "fast", "its own tools"),
        (
            {"messages": [{"role": "user", "content": "x"}, {"role": "tool", "content": "1"}]},
            "fast",
            "results of its own tools",
        ),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "Summarise"},
                            {"type": "file", "file": {"file_data": "data:text/plain;base64,eA=="}},
                        ],
                    }
                ]
            },
            "agent",
            "attached file",
        ),
    ],
)
def test_rules_decide_the_obvious_cases(body, path, reason):
    decision = by_rules(body)
    assert decision is not None and decision.decided_by == "rules"
    assert decision.path == path and reason in decision.reason


def test_rules_leave_the_unclear_cases_to_the_model():
    essay = "Write a warm note to my neighbour thanking her for looking after the cat " * 3
    assert by_rules(ask(essay)) is None
    assert by_rules(ask("My neighbour looked after the cat all week")) is None


class FakeClient:
    """Just enough of ``AsyncOpenAI`` for the classifier."""

    def __init__(self, reply: str | None = None, error: Exception | None = None, delay=0.0):
        self.reply, self.error, self.delay = reply, error, delay
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))

    async def create(self, **request: Any) -> Any:
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        usage = SimpleNamespace(model_dump=lambda: {"prompt_tokens": 7, "completion_tokens": 1})
        message = SimpleNamespace(content=self.reply)
        return SimpleNamespace(choices=[SimpleNamespace(message=message)], usage=usage)


@pytest.mark.parametrize(
    ("client", "path", "decided_by"),
    [
        (FakeClient("fast"), "fast", "model"),
        (FakeClient(" Agent."), "agent", "model"),
        (FakeClient("perhaps"), "agent", "default"),
        (FakeClient(None), "agent", "default"),
        (
            FakeClient(error=openai.APIConnectionError(request=httpx.Request("POST", "http://x"))),
            "agent",
            "default",
        ),
        (FakeClient("fast", delay=5), "agent", "default"),
    ],
)
async def test_the_classifier_decides_and_any_doubt_goes_to_the_agent(client, path, decided_by):
    usage = Usage()
    decision = await classify("some request", client, "m", timeout_s=0.1, usage=usage)
    assert (decision.path, decision.decided_by) == (path, decided_by)
    if decided_by == "model":
        assert usage.prompt_tokens == 7
