"""The fast path: one streamed model call with the whole conversation.

History, images (as content parts) and the client's ``tools`` / ``tool_choice`` go to the
model as they came. Tool calls come back to the client as OpenAI tool-call deltas with
``finish_reason: "tool_calls"``: they are the client's tools, so the client runs them.
"""

from __future__ import annotations

from typing import Any

import openai

from janus_baseline_agent_cli.answer import Answer, Usage

# Request fields passed on to the model as the client sent them.
FORWARDED = (
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "response_format",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "reasoning_effort",
    "user",
)


async def fast_path(
    body: dict[str, Any], client: openai.AsyncOpenAI, model: str, answer: Answer, usage: Usage
) -> None:
    options = {name: body[name] for name in FORWARDED if name in body}
    stream = await client.chat.completions.create(
        model=model,
        messages=body["messages"],
        stream=True,
        stream_options={"include_usage": True},
        extra_body=options,
    )
    finish_reason: str | None = None
    async for chunk in stream:
        if chunk.usage is not None:
            usage.add(chunk.usage.model_dump())
        for choice in chunk.choices:
            delta = _delta(choice.delta)
            if delta:
                await answer.delta(**delta)
            finish_reason = choice.finish_reason or finish_reason
    await answer.finish(finish_reason or "stop")


def _delta(delta: Any) -> dict[str, Any]:
    """The parts of a model delta the client gets: text, reasoning, tool-call fragments."""
    out: dict[str, Any] = {}
    if delta.content:
        out["content"] = delta.content
    reasoning = (delta.model_extra or {}).get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        out["reasoning_content"] = reasoning
    if delta.tool_calls:
        out["tool_calls"] = [call.model_dump(exclude_none=True) for call in delta.tool_calls]
    return out
