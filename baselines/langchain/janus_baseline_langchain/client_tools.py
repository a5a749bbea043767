"""Client-supplied tools: the model's tool calls go back to the client to execute.

When the request defines ``tools``, the client runs an agent loop of its own and this
competitor is one model step of it: the agent and its platform tools stay out, the
client's tools are bound to the model, and the model's calls are returned as OpenAI tool
calls (indexed deltas when streaming, ``finish_reason: "tool_calls"``).
"""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

from langchain_core.messages.tool import ToolCallChunk
from langchain_openai import ChatOpenAI

from janus_baseline_langchain.answer import Answer
from janus_baseline_langchain.request import ChatJob


async def run_client_tools(job: ChatJob, answer: Answer, model: ChatOpenAI) -> None:
    bound = model.bind_tools(
        job.client_tools, tool_choice=job.tool_choice, parallel_tool_calls=job.parallel_tool_calls
    )
    called, finish_reason = False, None
    chunks = bound.astream(job.messages)
    async with aclosing(chunks):
        async for chunk in chunks:
            await answer.content(str(chunk.text))
            for position, part in enumerate(chunk.tool_call_chunks):
                called = True
                await answer.tool_call(openai_delta(part, position))
            answer.add_usage(chunk.usage_metadata)
            finish_reason = chunk.response_metadata.get("finish_reason") or finish_reason
    await answer.finish(finish_reason or ("tool_calls" if called else "stop"))


def openai_delta(part: ToolCallChunk, position: int) -> dict[str, Any]:
    """LangChain's tool-call chunk as OpenAI's streamed ``tool_calls[]`` item."""
    index = part.get("index")
    delta: dict[str, Any] = {
        "index": position if index is None else index,
        "function": {"arguments": part.get("args") or ""},
    }
    if part.get("id"):
        delta["id"] = part["id"]
        delta["type"] = "function"
    if part.get("name"):
        delta["function"]["name"] = part["name"]
    return delta
