"""The agent: LangChain's ``create_agent`` with the platform tools, streamed as events.

The graph is built per request (about 2 ms) because its model carries the request's
platform token; the tools are shared and get the request through ``ToolRuntime``.
"""

from __future__ import annotations

from contextlib import aclosing

from langchain.agents import create_agent
from langchain_openai import ChatOpenAI
from langgraph.errors import GraphRecursionError

from janus_baseline_langchain.answer import Answer
from janus_baseline_langchain.events import EventTranslator
from janus_baseline_langchain.request import ChatJob
from janus_baseline_langchain.tools import TOOLS, ToolContext

SYSTEM_PROMPT = """\
You are a helpful assistant with tools:
- python and shell run in a private sandbox (no network, Python standard library only);
  files in /workspace persist while you work on this request.
- web_search searches the web.
- calculator does exact arithmetic: use it for every calculation.
- write_artifact gives the user a file (a chart, a report, data): save it under
  /workspace/artifacts first, or pass its content.
Use tools when they help, then answer directly. The user sees your final answer, not the
tool results, so put everything that matters in it."""


class AgentGaveUp(Exception):
    """The agent used up its tool rounds without a final answer."""


async def run_agent(job: ChatJob, answer: Answer, context: ToolContext, model: ChatOpenAI) -> None:
    agent = create_agent(model, TOOLS, system_prompt=SYSTEM_PROMPT, context_schema=ToolContext)
    translator = EventTranslator(answer)
    rounds = context.settings.max_tool_rounds
    # Each tool round is two graph steps (model, then tools), plus the final model call.
    config = {"recursion_limit": 2 * rounds + 1}
    events = agent.astream_events({"messages": job.messages}, config, context=context, version="v2")
    try:
        async with aclosing(events):
            async for event in events:
                await translator.handle(event)
    except GraphRecursionError:
        raise AgentGaveUp(f"no final answer after {rounds} tool rounds") from None
    seconds = context.sandbox.seconds
    sandbox_id = await context.sandbox.close()
    if sandbox_id is not None:
        answer.sandbox_seconds = seconds
        await answer.event(
            "sandbox_end", f"(sandbox {sandbox_id} terminated)\n", sandbox_id=sandbox_id
        )
    await answer.finish("stop")
