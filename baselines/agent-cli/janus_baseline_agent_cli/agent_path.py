"""The agent path: a sandbox, the agent pack, the CLI agent, its artifacts, cleanup.

1. Create a sandbox and announce ``sandbox_start``.
2. Write the agent pack, the ``janus_agent`` package, the conversation and attachments.
3. Run the pack's bootstrap with ``exec_stream``: it runs the agent (``janus-agent``, or
   ``JANUS_BASELINE_AGENT``), then announces ``/workspace/artifacts/*``. The request's
   platform token travels in the exec's environment, never on a command line.
4. Stream the agent's JSON lines to the client as they come (``agent_events``).
5. Announce ``sandbox_end``, answer with the agent's answer and the artifact links.
6. Always terminate the sandbox (``reaper``): also on error, timeout and disconnect.

The whole run is bounded by ``agent_timeout_s``; the agent is told a slightly smaller
time budget so that it normally ends by itself, with an answer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import os
import shlex
import time
from dataclasses import dataclass
from typing import Any

from janus.competitor.platform import Platform
from janus_baseline_agent_cli.agent_events import AgentEvents, AgentReport, LineSplitter
from janus_baseline_agent_cli.answer import Answer, Usage, announce
from janus_baseline_agent_cli.pack import BOOTSTRAP, AgentPack
from janus_baseline_agent_cli.reaper import SandboxReaper
from janus_baseline_agent_cli.settings import Settings

log = logging.getLogger("janus_baseline_agent_cli")

STDERR_TAIL_CHARS = 2000


class AgentFailed(Exception):
    """The agent ended without an answer; the message says why."""


@dataclass(frozen=True)
class AgentPath:
    pack: AgentPack
    settings: Settings
    reaper: SandboxReaper

    async def __call__(
        self,
        platform: Platform,
        platform_url: str,
        messages: list[dict[str, Any]],
        model: str,
        answer: Answer,
        usage: Usage,
    ) -> None:
        started = time.monotonic()
        sandbox_id: str | None = None
        keep_for = 0.0
        try:
            try:
                async with asyncio.timeout(self.settings.agent_timeout_s):
                    sandbox_id = await self._create(platform)
                    await self._started(answer, sandbox_id)
                    report = await self._run(platform, sandbox_id, messages, model, answer, usage)
            except TimeoutError:
                await self._timed_out(answer, sandbox_id, started)
                return
            if report.artifacts:  # the gateway reads them from the sandbox while relaying
                keep_for = self.settings.artifact_grace_s
            await _finished(answer, sandbox_id, report, started)
        finally:
            if sandbox_id is not None:
                await self.reaper.terminate(platform_url, platform.token, sandbox_id, keep_for)

    async def _create(self, platform: Platform) -> str:
        timeout = self.settings.agent_timeout_s
        return await platform.create_sandbox(
            ttl_seconds=math.ceil(timeout + self.settings.artifact_grace_s + 60),
            limits={"wall_timeout_s": timeout + 5, "cpu_seconds": math.ceil(timeout)},
        )

    async def _started(self, answer: Answer, sandbox_id: str) -> None:
        agent = _agent_name(self.settings.agent_command)
        version = self.pack.version
        await announce(
            answer,
            "sandbox_start",
            {"sandbox_id": sandbox_id, "agent": agent, "pack": version},
            f"Sandbox {sandbox_id} started: running {agent} with agent pack {version}.\n",
        )

    async def _timed_out(self, answer: Answer, sandbox_id: str | None, started: float) -> None:
        if sandbox_id is not None:
            await _sandbox_end(answer, sandbox_id, "timeout", started)
        await answer.content(
            f"I could not finish: the agent's time limit of {self.settings.agent_timeout_s:g} s "
            "ran out, so the run was stopped and its sandbox terminated."
        )
        await answer.finish()

    async def _run(
        self,
        platform: Platform,
        sandbox_id: str,
        messages: list[dict[str, Any]],
        model: str,
        answer: Answer,
        usage: Usage,
    ) -> AgentReport:
        files = self.pack.files_for(messages)
        await asyncio.gather(
            *(platform.write_file(sandbox_id, path, data) for path, data in files.items())
        )
        env = {
            "JANUS_PLATFORM_TOKEN": platform.token,
            "JANUS_AGENT_MODEL": model,
            "JANUS_AGENT_TIME_BUDGET_S": f"{self.settings.agent_time_budget_s:g}",
        }
        if self.settings.agent_command:
            env["JANUS_AGENT_COMMAND"] = self.settings.agent_command
        events = AgentEvents(answer, usage, functools.partial(platform.artifact_url, sandbox_id))
        lines = LineSplitter()
        stderr = ""
        exit_code: int | None = None
        started = time.monotonic()
        try:
            async for output in platform.exec_stream(
                sandbox_id,
                ["sh", BOOTSTRAP],
                env=env,
                timeout_seconds=self.settings.agent_timeout_s + 5,
            ):
                kind = output.get("type")
                if kind == "stdout":
                    for line in lines.feed(output.get("data", "")):
                        await events.line(line)
                elif kind == "stderr":
                    stderr = (stderr + output.get("data", ""))[-STDERR_TAIL_CHARS:]
                elif kind == "exit":
                    exit_code = output.get("exit_code")
        finally:
            usage.sandbox_seconds += time.monotonic() - started
        for line in lines.close():
            await events.line(line)
        return _complete(events.report, exit_code, stderr, sandbox_id)


async def _finished(answer: Answer, sandbox_id: str, report: AgentReport, started: float) -> None:
    failed = report.answer is None
    await _sandbox_end(answer, sandbox_id, "failed" if failed else "finished", started)
    if failed:
        raise AgentFailed(report.error or "the agent ended without an answer")
    await answer.content(final_content(report))
    await answer.finish()


def _complete(
    report: AgentReport, exit_code: int | None, stderr: str, sandbox_id: str
) -> AgentReport:
    """Fill in what a silent agent left out: a missing answer or a missing reason."""
    if exit_code != 0:
        log.warning("agent in %s exited with %s; stderr ends: %s", sandbox_id, exit_code, stderr)
    if report.answer is None and report.error is None:
        if exit_code == 0:
            report.answer = "The agent finished without giving a final answer."
        else:
            last = stderr.strip().splitlines()[-1:] or [""]
            report.error = f"the agent exited with code {exit_code} {last[0]}".rstrip()
    return report


def _agent_name(command: str | None) -> str:
    """How the agent is named in events: its program, not the whole command line."""
    if not command:
        return "janus-agent"
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return os.path.basename(words[0]) if words else command


async def _sandbox_end(answer: Answer, sandbox_id: str, reason: str, started: float) -> None:
    seconds = round(time.monotonic() - started, 3)
    await announce(
        answer,
        "sandbox_end",
        {"sandbox_id": sandbox_id, "reason": reason, "seconds": seconds},
        f"Sandbox {sandbox_id} done ({reason}) after {seconds:.1f} s.\n",
    )


def final_content(report: AgentReport) -> str:
    """The agent's answer, then a link to every artifact (images shown inline)."""
    text = report.answer or ""
    if not report.artifacts:
        return text
    links = []
    for artifact in report.artifacts:
        name, url = artifact["display_name"], artifact["url"]
        link = f"![{name}]({url})" if artifact["type"] == "image" else f"[{name}]({url})"
        links.append(f"- {link} ({artifact['size_bytes']} bytes)")
    return f"{text}\n\n**Files**\n" + "\n".join(links)
