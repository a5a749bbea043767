"""Grading code answers in a platform sandbox, never in the bench process.

The bench opens the gateway's Sandy-compatible sandbox API with the admin key, which the
platform meters as ``janus-bench`` (so grading never counts as the competitor's cost). A
fresh sandbox per answer: the answer's code cannot see other answers, the tests are
deleted before it runs (``sandbox_harness``), and the sandbox is terminated afterwards
whatever happened.
"""

from __future__ import annotations

import json
import os
import secrets
from importlib import resources
from pathlib import Path

import aiohttp

from janus_bench.checks import CodeResult
from janus_bench.platform import PlatformService

SANDBOXES = "/platform/sandbox/api/sandboxes"
HARNESS_PATH = ".janus_bench/harness.py"
JOB_PATH = ".janus_bench/job.json"
SANDBOX_TTL_S = 600
EXEC_MARGIN_S = 10.0
MAX_EXEC_S = 300.0
DEFAULT_ADMIN_KEY_ENV = "JANUS_ADMIN_KEY"


class SandboxUnavailable(Exception):
    """The platform sandbox cannot be used (no key, refused, unreachable)."""


def find_platform_key(explicit: str | None = None, environ=os.environ) -> str | None:
    """The key that opens the platform for the bench: given, else ``$JANUS_ADMIN_KEY`` (or
    the variable ``[competition] admin_key_env`` names), else the key file the gateway
    wrote under the data directory of the configuration ``janus run`` would use here."""
    if explicit:
        return explicit
    from janus.config import ConfigError, resolve_config
    from janus.gateway.admin import admin_key_path

    if configured := environ.get(DEFAULT_ADMIN_KEY_ENV, "").strip():
        return configured
    try:
        config, _ = resolve_config(None, environ)
    except ConfigError:
        return None
    if configured := environ.get(config.competition.admin_key_env, "").strip():
        return configured
    path: Path = admin_key_path(config)
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


class SandboxRunner:
    """``run_code`` for ``checks.CheckContext``: one fresh sandbox per call."""

    def __init__(self, session: aiohttp.ClientSession, platform_url: str, key: str) -> None:
        self._sandboxes = PlatformService(session, platform_url, SANDBOXES, key, SandboxUnavailable)
        self._harness = resources.files("janus_bench").joinpath("sandbox_harness.py").read_text()

    async def check_available(self) -> None:
        """Create and terminate one sandbox: a run that needs sandboxes fails at the start,
        not after every coding answer was collected."""
        sandbox = await self._sandboxes.call("POST", "", json={"ttl_seconds": 60})
        await self._sandboxes.call("POST", f"/{sandbox['id']}/terminate")

    async def __call__(
        self, language: str, code: str, tests: str, timeout_s: float = 10.0
    ) -> CodeResult:
        return await self.run(language, code, tests, timeout_s)

    async def run(
        self, language: str, code: str, tests: str, timeout_s: float = 10.0
    ) -> CodeResult:
        if language != "python":
            return CodeResult(0, 0, f"language {language!r} is not supported")
        sandbox = await self._sandboxes.call("POST", "", json={"ttl_seconds": SANDBOX_TTL_S})
        one = f"/{sandbox['id']}"
        nonce = secrets.token_hex(16)
        job = {"nonce": nonce, "code": code, "tests": tests, "timeout_s": timeout_s}
        try:
            await self._write(one, HARNESS_PATH, self._harness)
            await self._write(one, JOB_PATH, json.dumps(job))
            outcome = await self._sandboxes.call(
                "POST",
                one + "/exec",
                json={
                    "command": ["python3", "-I", "/workspace/" + HARNESS_PATH],
                    "timeout_seconds": min(MAX_EXEC_S, timeout_s + EXEC_MARGIN_S),
                },
            )
        finally:
            try:
                await self._sandboxes.call("POST", one + "/terminate")
            except SandboxUnavailable:
                pass  # it expires on its own
        return _result(outcome, nonce)

    async def _write(self, sandbox: str, path: str, content: str) -> None:
        body = {"path": path, "content": content}
        await self._sandboxes.call("POST", sandbox + "/files/write", json=body)


def _result(outcome: dict, nonce: str) -> CodeResult:
    """Only the line that starts with the nonce is believed; anything else the answer
    printed (or a harness killed by the answer) gives no passes."""
    for line in reversed(str(outcome.get("stdout", "")).splitlines()):
        if line.startswith(nonce + " "):
            try:
                result = json.loads(line[len(nonce) + 1 :])
                return CodeResult(int(result["passed"]), int(result["total"]), result["detail"])
            except (ValueError, KeyError, TypeError):
                break
    how = "timed out" if outcome.get("timed_out") else f"exit code {outcome.get('exit_code')}"
    return CodeResult(0, 1, f"the grading harness produced no result ({how})")
