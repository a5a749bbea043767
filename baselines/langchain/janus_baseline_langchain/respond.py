"""One request from start to end: which path answers it, and the resources it owns.

The model's HTTP client, the sandbox and the deadline belong to the request and are
released however it ends — answered, failed, timed out, or cancelled because the client
went away (aiohttp cancels the handler).
"""

from __future__ import annotations

import asyncio

import openai

from janus.competitor.platform import Platform
from janus_baseline_langchain.agent import AgentGaveUp, run_agent
from janus_baseline_langchain.answer import Answer
from janus_baseline_langchain.client_tools import run_client_tools
from janus_baseline_langchain.model import chat_model
from janus_baseline_langchain.request import ChatJob
from janus_baseline_langchain.sandbox import SandboxSession
from janus_baseline_langchain.settings import Settings
from janus_baseline_langchain.tools import ToolContext


async def respond(
    job: ChatJob, answer: Answer, platform: Platform, settings: Settings, model_name: str
) -> None:
    async with (
        asyncio.timeout(settings.request_timeout_s),
        chat_model(platform, model_name, settings, job.sampling) as model,
    ):
        if job.client_tools:
            await run_client_tools(job, answer, model)
            return
        sandbox = SandboxSession(platform, settings.sandbox_ttl_s)
        try:
            await run_agent(job, answer, ToolContext(platform, sandbox, settings), model)
        finally:
            await sandbox.close()


# Failures of the run rather than of this code: logged without a traceback.
EXPECTED_FAILURES = (TimeoutError, openai.APIError, AgentGaveUp)


def failure_message(exc: Exception, settings: Settings) -> str:
    """What the client is told when answering failed."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {settings.request_timeout_s:g} s"
    if isinstance(exc, openai.APIError):
        return f"platform inference failed: {exc.message}"
    if isinstance(exc, AgentGaveUp):
        return f"the agent gave up: {exc}"
    return f"{type(exc).__name__}: {exc}"
