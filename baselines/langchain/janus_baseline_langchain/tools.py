"""The agent's tools. Each goes through the platform; none runs code in this process.

Tools are plain module-level coroutines: what they need of the request (the platform, the
lazily created sandbox, the settings) arrives as LangChain's ``ToolRuntime`` context, so
adding a tool means writing one function and listing it in ``TOOLS``.

A failure the model can act on (a command that exits non-zero, a division by zero, a
platform error) is raised as ``ToolException``: LangChain hands its message back to the
model as an error result (``handle_tool_error=True``) and the agent carries on. Progress
the client should see (a sandbox started, an artifact made) is dispatched as a LangChain
custom event, so it reaches the answer in order with the tool's start and end.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

import aiohttp
from langchain.tools import ToolRuntime
from langchain_core.callbacks import adispatch_custom_event
from langchain_core.tools import BaseTool, StructuredTool, ToolException

from janus.competitor.platform import Platform, PlatformError
from janus_baseline_langchain import artifacts
from janus_baseline_langchain.calculator import CalculationError, calculate
from janus_baseline_langchain.sandbox import SandboxSession
from janus_baseline_langchain.settings import Settings

# Custom events the tools dispatch (see ``events.py`` for what they become).
SANDBOX_START = "sandbox_start"
ARTIFACT = "artifact"

_ARTIFACTS_DIR = PurePosixPath("artifacts")
_WORKSPACE = PurePosixPath("/workspace")


@dataclass
class ToolContext:
    """What the tools of one request share."""

    platform: Platform
    sandbox: SandboxSession
    settings: Settings


async def python(code: str, runtime: ToolRuntime[ToolContext]) -> str:
    """Run a Python 3 program in a sandbox and return what it prints.

    Standard library only, no network. Files in /workspace persist between calls within
    this conversation turn. To give the user a file, save it under /workspace/artifacts
    and then call write_artifact with its name.
    """
    context = runtime.context
    await _announce_sandbox(context)
    script = f".janus/{uuid.uuid4().hex}.py"
    await _platform_call(context.sandbox.write(script, code))
    return await _run(context, ["/usr/bin/python3", str(_WORKSPACE / script)])


async def shell(command: str, runtime: ToolRuntime[ToolContext]) -> str:
    """Run a shell command (/bin/sh) in the sandbox's /workspace and return its output.

    No network. The same sandbox as the python tool: files persist between calls.
    """
    context = runtime.context
    await _announce_sandbox(context)
    return await _run(context, command)


async def web_search(query: str, runtime: ToolRuntime[ToolContext]) -> str:
    """Search the web; returns the best results with title, URL and snippet."""
    settings = runtime.context.settings
    results = await _platform_call(runtime.context.platform.search(query, settings.search_results))
    if not results:
        return "No results."
    lines = []
    for rank, result in enumerate(results, 1):
        lines.append(f"{rank}. {result.get('title', '')} — {result.get('url', '')}")
        lines.append(f"   {result.get('snippet', '')}")
    return _clip("\n".join(lines), settings.max_tool_output_chars)


async def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression exactly (fractions, no rounding).

    Supports numbers, + - * / // % ** (or ^), parentheses and abs, min, max, round,
    floor, ceil. Use it for any arithmetic instead of computing in your head.
    """
    try:
        return calculate(expression)
    except CalculationError as exc:
        raise ToolException(str(exc)) from None


async def write_artifact(
    name: str,
    runtime: ToolRuntime[ToolContext],
    content: str | None = None,
    encoding: Literal["utf-8", "base64"] = "utf-8",
) -> str:
    """Give the user a file, attached to your answer.

    name: file name under /workspace/artifacts, e.g. "report.md" or "chart.png".
    content: the file's content; omit it to publish a file a python or shell call already
    saved under /workspace/artifacts.
    encoding: "utf-8" for text content, "base64" for binary content.
    """
    context = runtime.context
    path = str(_artifact_path(name))
    await _announce_sandbox(context)
    if content is not None:
        data = _decode(content, encoding)
        await _platform_call(context.sandbox.write(path, data))
    else:
        data = await _platform_call(context.sandbox.read(path))
    limit = context.settings.max_artifact_bytes
    if len(data) > limit:
        raise ToolException(f"{name} has {len(data)} bytes; artifacts are limited to {limit}")
    # Hashing and encoding megabytes is CPU work: off the event loop.
    descriptor = await asyncio.to_thread(artifacts.describe, name, data)
    await adispatch_custom_event(ARTIFACT, descriptor)
    return (
        f"{descriptor['display_name']} ({descriptor['size_bytes']} bytes, "
        f"{descriptor['mime_type']}) is attached to your answer for the user."
    )


TOOLS: list[BaseTool] = [
    StructuredTool.from_function(coroutine=function, handle_tool_error=True)
    for function in (python, shell, web_search, calculator, write_artifact)
]


async def _announce_sandbox(context: ToolContext) -> None:
    sandbox_id, created = await _platform_call(context.sandbox.acquire())
    if created:
        await adispatch_custom_event(SANDBOX_START, {"sandbox_id": sandbox_id})


async def _run(context: ToolContext, command: str | list[str]) -> str:
    settings = context.settings
    result = await _platform_call(context.sandbox.run(command, settings.tool_timeout_s))
    output = _clip(_output(result), settings.max_tool_output_chars)
    if result.get("timed_out"):
        raise ToolException(f"timed out after {settings.tool_timeout_s:g} s\n{output}")
    if result.get("exit_code"):
        raise ToolException(f"exit code {result['exit_code']}\n{output}")
    return output


def _output(result: dict[str, Any]) -> str:
    parts = [result.get("stdout") or ""]
    if result.get("stderr"):
        parts.append(f"[stderr]\n{result['stderr']}")
    return "\n".join(part for part in parts if part) or "(no output)"


async def _platform_call(awaitable: Any) -> Any:
    """Await a platform call; its failures become tool errors the model can read."""
    try:
        return await awaitable
    except PlatformError as exc:
        raise ToolException(str(exc)) from None
    except aiohttp.ClientError as exc:
        raise ToolException(f"the platform is unreachable: {exc}") from None


def _artifact_path(name: str) -> PurePosixPath:
    """``name`` as a path under ``artifacts/`` (relative to ``/workspace``)."""
    path = PurePosixPath(name)
    for prefix in (_WORKSPACE / _ARTIFACTS_DIR, _ARTIFACTS_DIR):
        if path.is_relative_to(prefix):
            path = path.relative_to(prefix)
            break
    if not name or path.is_absolute() or ".." in path.parts or path == PurePosixPath("."):
        raise ToolException(f"{name!r}: give a file name under /workspace/artifacts")
    return _ARTIFACTS_DIR / path


def _decode(content: str, encoding: str) -> bytes:
    if encoding == "utf-8":
        return content.encode()
    try:
        return base64.b64decode(content, validate=True)
    except binascii.Error:
        raise ToolException("content is not valid base64") from None


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… ({len(text) - limit} more characters)"
