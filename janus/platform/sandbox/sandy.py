"""The ``sandy`` sandbox backend: the same API, served by a remote Sandy.

Sandy's documented endpoints (``/api/sandboxes``, ``/{id}/exec``, ``/{id}/files/write``,
``/{id}/files/read``, ``/{id}/terminate``, bearer key) cover text; bytes travel through
``exec`` and ``base64`` instead, as Sandy's ``files/read`` answers text only. Sandy has no
streaming exec, so a stream here is the whole output at once. Of the limits, only the wall
timeout is ours to enforce (``timeoutMs``); CPU, memory and the rest are whatever the Sandy
deployment gives its sandboxes, so they are not reported as ours.

Ownership and TTLs are kept here, as for ``local``: competitors never see Sandy's ids.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import os
import shlex
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import aiohttp
from pydantic import Field

from janus.config import ConfigError
from janus.errors import JanusError
from janus.hookspecs import hookimpl
from janus.platform.backends import BackendContext
from janus.platform.sandbox.models import (
    CreateRequest,
    ExecEvent,
    ExecExit,
    ExecOutput,
    ExecRequest,
)
from janus.platform.sandbox.paths import (
    WORKSPACE,
    artifact_path,
    file_not_found,
    file_too_large,
    mime_type,
)
from janus.platform.sandbox.registry import (
    Sandbox,
    SandboxRegistry,
    new_sandbox_id,
    sandbox_not_found,
    sweep_expired,
)
from janus.platform.sandbox.settings import SandboxSettings

# Extra time Sandy gets past a command's own timeout to answer before we give up on it.
EXEC_GRACE_S = 30.0
# An exit status of our read command meaning "no such file" (not one ``head`` uses).
MISSING_FILE_STATUS = 44
# Base64 per exec when writing bytes: commands travel as one argv string, capped at 128 KiB.
WRITE_CHUNK_BYTES = 48 * 1024


@dataclass(eq=False, kw_only=True)
class SandySandbox(Sandbox):
    remote_id: str

    def reported_limits(self) -> dict[str, Any]:
        return {"wall_timeout_s": self.limits.wall_timeout_s}


class _Gone(Exception):
    """Sandy answered 404: the remote sandbox no longer exists."""


class SandySandboxBackend:
    class Settings(SandboxSettings):
        """``[platform.sandbox.sandy]``: where Sandy is comes from the environment."""

        base_url_env: str = "SANDY_BASE_URL"
        api_key_env: str = "SANDY_API_KEY"
        request_timeout_s: float = Field(60.0, gt=0)  # for everything but exec

    def __init__(self, settings: Settings, context: BackendContext) -> None:
        self.settings = settings
        self._base_url = _required_env(settings.base_url_env).rstrip("/")
        self._headers = {"Authorization": f"Bearer {_required_env(settings.api_key_env)}"}
        self._registry: SandboxRegistry[SandySandbox] = SandboxRegistry(
            settings.max_sandboxes, settings.max_sandboxes_per_competitor
        )
        self._session: aiohttp.ClientSession | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._sweeper = asyncio.create_task(
            sweep_expired(self._registry, self.settings.sweep_interval_s, self._destroy)
        )

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for sandbox in self._registry:
            with contextlib.suppress(JanusError):  # if Sandy cannot, its own TTL will
                await self._destroy(sandbox)
        if self._session is not None:
            await self._session.close()

    def describe(self) -> str:
        return f"remote Sandy at {self._base_url}"

    async def create(self, owner: str, request: CreateRequest) -> SandySandbox:
        settings = self.settings
        self._registry.check_capacity(owner)
        try:
            answer = await self._call("POST", "", body={})
        except _Gone:
            raise _sandy_failed("creating a sandbox answered 404 (wrong base URL?)") from None
        remote_id = answer.get("sandboxId") or answer.get("id")
        if not isinstance(remote_id, str) or not remote_id:
            raise _sandy_failed("Sandy created a sandbox but sent no sandboxId")
        sandbox = SandySandbox(
            id=new_sandbox_id(),
            owner=owner,
            limits=request.limits.resolve(settings.default_limits, settings.max_limits),
            env=request.env,
            ttl_seconds=settings.ttl(request.ttl_seconds),
            remote_id=remote_id,
        )
        try:
            self._registry.add(sandbox)
        except JanusError:
            with contextlib.suppress(JanusError, _Gone):
                await self._call("POST", f"/{remote_id}/terminate")
            raise
        return sandbox

    def get(self, owner: str, sandbox_id: str) -> SandySandbox:
        return self._registry.get(owner, sandbox_id)

    async def exec(
        self, owner: str, sandbox_id: str, request: ExecRequest
    ) -> AsyncGenerator[ExecEvent, None]:
        sandbox = self._registry.get(owner, sandbox_id)
        timeout = request.timeout(sandbox.limits.wall_timeout_s)
        command = request.command
        with self._registry.in_use(sandbox):
            started = time.monotonic()
            answer = await self._exec(
                sandbox,
                command if isinstance(command, str) else shlex.join(command),
                timeout,
                env={**sandbox.env, **request.env},
                cwd=str(WORKSPACE / request.cwd) if request.cwd else str(WORKSPACE),
            )
            elapsed = time.monotonic() - started
        limit = self.settings.max_output_bytes
        stdout, stdout_truncated = _truncate(str(answer.get("stdout") or ""), limit)
        stderr, stderr_truncated = _truncate(str(answer.get("stderr") or ""), limit)
        if stdout:
            yield ExecOutput("stdout", stdout)
        if stderr:
            yield ExecOutput("stderr", stderr)
        yield ExecExit(
            exit_code=int(answer.get("exitCode", 0)),
            duration_seconds=round(elapsed, 3),
            # Sandy's answer does not say; a command that used its whole allowance was cut.
            timed_out=elapsed >= timeout,
            stdout_truncated=stdout_truncated,
            stderr_truncated=stderr_truncated,
        )

    async def write_file(
        self, owner: str, sandbox_id: str, path: PurePosixPath, data: bytes
    ) -> None:
        sandbox = self._registry.get(owner, sandbox_id)
        self.settings.check_file_size(data)
        quoted = shlex.quote(str(path))
        await self._run(sandbox, f"mkdir -p -- {shlex.quote(str(path.parent))}")
        try:
            text = data.decode()
        except UnicodeDecodeError:
            await self._run(sandbox, f": > {quoted}")
            encoded = base64.b64encode(data).decode()
            for start in range(0, len(encoded), WRITE_CHUNK_BYTES):
                chunk = encoded[start : start + WRITE_CHUNK_BYTES]
                await self._run(sandbox, f"printf %s {chunk} | base64 -d >> {quoted}")
            return
        await self._on(
            sandbox, "POST", "/files/write", body={"path": str(WORKSPACE / path), "content": text}
        )

    async def read_file(self, owner: str, sandbox_id: str, path: PurePosixPath) -> bytes:
        sandbox = self._registry.get(owner, sandbox_id)
        return await self._read(sandbox, path, self.settings.max_file_bytes)

    async def read_artifact(
        self, owner: str, sandbox_id: str, path: str, max_bytes: int
    ) -> tuple[bytes, str]:
        relative = artifact_path(path)
        data = await self._read(self._registry.get(owner, sandbox_id), relative, max_bytes)
        return data, mime_type(relative)

    async def terminate(self, owner: str, sandbox_id: str) -> None:
        await self._destroy(self._registry.get(owner, sandbox_id))

    async def _destroy(self, sandbox: SandySandbox) -> None:
        sandbox.closed = True
        try:
            await self._call("POST", f"/{sandbox.remote_id}/terminate")
        except _Gone:
            pass
        finally:
            self._registry.remove(sandbox)

    async def _read(self, sandbox: SandySandbox, path: PurePosixPath, max_bytes: int) -> bytes:
        """Exact bytes, through ``base64`` (``files/read`` would answer text only)."""
        quoted = shlex.quote(str(path))
        answer = await self._exec(
            sandbox,
            f"test -f {quoted} || exit {MISSING_FILE_STATUS}; "
            f"head -c {max_bytes + 1} -- {quoted} | base64 -w0",
            self.settings.request_timeout_s,
        )
        status = int(answer.get("exitCode", 0))
        if status == MISSING_FILE_STATUS:
            raise file_not_found(path)
        if status != 0:
            raise _sandy_failed(f"reading {WORKSPACE / path} failed: {answer.get('stderr')}")
        try:
            data = base64.b64decode(str(answer.get("stdout") or ""), validate=True)
        except binascii.Error:
            raise _sandy_failed(f"reading {WORKSPACE / path} gave no valid base64") from None
        if len(data) > max_bytes:
            raise file_too_large(path, max_bytes)
        return data

    async def _run(self, sandbox: SandySandbox, command: str) -> None:
        """A helper command of ours, which must succeed."""
        answer = await self._exec(sandbox, command, self.settings.request_timeout_s)
        if int(answer.get("exitCode", 0)) != 0:
            raise _sandy_failed(f"'{command[:80]}' failed: {answer.get('stderr')}")

    async def _exec(
        self,
        sandbox: SandySandbox,
        command: str,
        wall_timeout_s: float,
        env: dict[str, str] | None = None,
        cwd: str = str(WORKSPACE),
    ) -> dict[str, Any]:
        body = {
            "command": command,
            "cwd": cwd,
            "env": env or {},
            "timeoutMs": int(wall_timeout_s * 1000),
        }
        return await self._on(
            sandbox, "POST", "/exec", body=body, answer_within_s=wall_timeout_s + EXEC_GRACE_S
        )

    async def _on(
        self, sandbox: SandySandbox, method: str, path: str, **kwargs: Any
    ) -> dict[str, Any]:
        """Call an endpoint of one remote sandbox; if Sandy lost it, so have we."""
        try:
            return await self._call(method, f"/{sandbox.remote_id}{path}", **kwargs)
        except _Gone:
            self._registry.remove(sandbox)
            raise sandbox_not_found(sandbox.id) from None

    async def _call(
        self, method: str, path: str, body: Any = None, answer_within_s: float | None = None
    ) -> dict[str, Any]:
        assert self._session is not None, "Sandy called before start()"
        url = f"{self._base_url}/api/sandboxes{path}"
        limit = aiohttp.ClientTimeout(total=answer_within_s or self.settings.request_timeout_s)
        try:
            async with self._session.request(
                method, url, json=body, headers=self._headers, timeout=limit
            ) as response:
                text = await response.text()
        except TimeoutError:
            raise JanusError(
                f"Sandy did not answer {method} {path} in time.",
                status=504,
                type="timeout_error",
                code="sandbox_backend_timeout",
            ) from None
        except aiohttp.ClientError as exc:
            raise _sandy_failed(f"cannot reach Sandy: {exc}") from None
        if response.status == 404:
            raise _Gone
        if response.status >= 400:
            raise _sandy_failed(f"Sandy answered {response.status}: {text[:300]}")
        try:
            answer = json.loads(text) if text.strip() else {}
        except ValueError:
            raise _sandy_failed("Sandy answered with something other than JSON") from None
        return answer if isinstance(answer, dict) else {}


def _required_env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ConfigError(f"platform.sandbox.sandy: the environment variable {name} is not set")
    return value


def _truncate(text: str, limit: int) -> tuple[str, bool]:
    raw = text.encode()
    if len(raw) <= limit:
        return text, False
    return raw[:limit].decode(errors="ignore"), True


def _sandy_failed(message: str) -> JanusError:
    return JanusError(
        f"The sandbox service failed: {message}",
        status=502,
        type="upstream_error",
        code="sandbox_backend_failed",
    )


@hookimpl
def register_sandbox_backends(register):
    register("sandy", SandySandboxBackend)
