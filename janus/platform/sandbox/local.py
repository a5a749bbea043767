"""The ``local`` sandbox backend: bubblewrap on the gateway's own host.

A sandbox is a private workspace directory; each command runs in a fresh bubblewrap jail
around it (see ``bwrap``), so nothing but files outlives a command, and killing the jail
ends every process the command started. Commands run as asyncio subprocesses and files
are moved in worker threads: nothing here blocks the event loop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pydantic import Field

from janus.config import ConfigError
from janus.hookspecs import hookimpl
from janus.platform.backends import BackendContext
from janus.platform.sandbox import bwrap, workspace
from janus.platform.sandbox.bwrap import Jail, Tools, command_line
from janus.platform.sandbox.models import CreateRequest, ExecEvent, ExecRequest
from janus.platform.sandbox.paths import WORKSPACE, artifact_path, mime_type
from janus.platform.sandbox.process import stream_process
from janus.platform.sandbox.registry import (
    Sandbox,
    SandboxRegistry,
    new_sandbox_id,
    sandbox_not_found,
    sweep_expired,
)
from janus.platform.sandbox.settings import SandboxSettings

PROBE_TIMEOUT_S = 30.0


@dataclass(eq=False, kw_only=True)
class LocalSandbox(Sandbox):
    workspace: Path
    uid: int | None  # the host uid its commands run as, when the gateway runs as root
    processes: set[asyncio.subprocess.Process] = field(default_factory=set)
    # Held to start a command or write a file, and to begin termination: once removal of
    # the workspace has begun, nothing new can start in it.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class LocalSandboxBackend:
    class Settings(SandboxSettings):
        """``[platform.sandbox.local]``."""

        bwrap: str = "bwrap"
        # When the gateway runs as root, sandbox slot N runs as host uid and gid
        # uid_base + N (N < max_sandboxes): a range no host account uses.
        uid_base: int = Field(200_000, ge=1000)

    def __init__(self, settings: Settings, context: BackendContext) -> None:
        self.settings = settings
        self._root = context.data_dir / "workspaces"
        self._platform_socket = context.platform_socket
        self._as_root = os.geteuid() == 0
        self._registry: SandboxRegistry[LocalSandbox] = SandboxRegistry(settings.max_sandboxes)
        self._tools: Tools | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._tools = await asyncio.to_thread(Tools.find, self.settings.bwrap)
        # Sandboxes do not outlive the gateway: workspaces left by a crash go now.
        await asyncio.to_thread(_reset, self._root)
        await self._probe(self._tools)
        self._sweeper = asyncio.create_task(
            sweep_expired(self._registry, self.settings.sweep_interval_s, self._destroy)
        )

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for sandbox in self._registry:
            await self._destroy(sandbox)

    def describe(self) -> str:
        users = "one unprivileged uid per sandbox" if self._as_root else "user namespaces"
        return f"local bubblewrap sandboxes in {self._root} ({users})"

    async def create(self, owner: str, request: CreateRequest) -> LocalSandbox:
        settings = self.settings
        sandbox_id = new_sandbox_id()
        sandbox = LocalSandbox(
            id=sandbox_id,
            owner=owner,
            limits=request.limits.resolve(settings.default_limits, settings.max_limits),
            env=request.env,
            ttl_seconds=settings.ttl(request.ttl_seconds),
            workspace=self._root / sandbox_id,
            uid=self._free_uid(),
        )
        self._registry.add(sandbox)
        try:
            await asyncio.to_thread(workspace.create, sandbox.workspace, sandbox.uid)
        except BaseException:
            self._registry.remove(sandbox)
            raise
        self._open_platform_socket()
        return sandbox

    def get(self, owner: str, sandbox_id: str) -> LocalSandbox:
        return self._registry.get(owner, sandbox_id)

    async def exec(
        self, owner: str, sandbox_id: str, request: ExecRequest
    ) -> AsyncGenerator[ExecEvent, None]:
        sandbox = self._registry.get(owner, sandbox_id)
        assert self._tools is not None, "exec before start()"
        timeout = request.timeout(sandbox.limits.wall_timeout_s)
        argv = command_line(
            self._tools,
            Jail(sandbox.workspace, sandbox.uid, sandbox.limits, self._platform_socket),
            request.argv,
            {**sandbox.env, **request.env},
            request.cwd or str(WORKSPACE),
            timeout,
        )
        with self._registry.in_use(sandbox):
            async with sandbox.lock:
                if sandbox.closed:
                    raise sandbox_not_found(sandbox.id)
                process = await asyncio.create_subprocess_exec(
                    *argv,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
                sandbox.processes.add(process)
            try:
                events = stream_process(
                    process, bwrap.kill, timeout, self.settings.max_output_bytes
                )
                async with aclosing(events):
                    async for event in events:
                        yield event
            finally:
                sandbox.processes.discard(process)

    async def write_file(
        self, owner: str, sandbox_id: str, path: PurePosixPath, data: bytes
    ) -> None:
        sandbox = self._registry.get(owner, sandbox_id)
        self.settings.check_file_size(data)
        async with sandbox.lock:
            if sandbox.closed:
                raise sandbox_not_found(sandbox.id)
            await asyncio.to_thread(workspace.write, sandbox.workspace, path, data, sandbox.uid)

    async def read_file(self, owner: str, sandbox_id: str, path: PurePosixPath) -> bytes:
        sandbox = self._registry.get(owner, sandbox_id)
        return await asyncio.to_thread(
            workspace.read, sandbox.workspace, path, self.settings.max_file_bytes
        )

    async def read_artifact(
        self, owner: str, sandbox_id: str, path: str, max_bytes: int
    ) -> tuple[bytes, str]:
        sandbox = self._registry.get(owner, sandbox_id)
        relative = artifact_path(path)
        data = await asyncio.to_thread(workspace.read, sandbox.workspace, relative, max_bytes)
        return data, mime_type(relative)

    async def terminate(self, owner: str, sandbox_id: str) -> None:
        await self._destroy(self._registry.get(owner, sandbox_id))

    async def _destroy(self, sandbox: LocalSandbox) -> None:
        """Kill every command of the sandbox, then remove its workspace."""
        async with sandbox.lock:
            sandbox.closed = True
        running = list(sandbox.processes)
        for process in running:
            if process.returncode is None:
                bwrap.kill(process)
        await asyncio.gather(*(process.wait() for process in running))
        try:
            await asyncio.to_thread(workspace.remove, sandbox.workspace)
        finally:
            self._registry.remove(sandbox)

    def _free_uid(self) -> int | None:
        if not self._as_root:
            return None
        self._registry.check_capacity()  # then a slot is free: one per possible sandbox
        used = {sandbox.uid for sandbox in self._registry}
        base = self.settings.uid_base
        return next(base + n for n in range(self.settings.max_sandboxes) if base + n not in used)

    def _open_platform_socket(self) -> None:
        """Let sandbox uids connect to the platform socket (connecting needs write
        permission, and the socket is created 0755). Its directory stays private to the
        gateway, so on the host this opens it to nobody else."""
        if self._as_root and self._platform_socket and os.path.exists(self._platform_socket):
            os.chmod(self._platform_socket, 0o666)

    async def _probe(self, tools: Tools) -> None:
        """Run ``true`` in a jail once, so that a host where bubblewrap cannot create
        namespaces fails at start-up with bubblewrap's own explanation."""
        probe = self._root / "probe"
        uid = self.settings.uid_base if self._as_root else None
        await asyncio.to_thread(workspace.create, probe, uid)
        try:
            jail = Jail(probe, uid, self.settings.default_limits, None)
            process = await asyncio.create_subprocess_exec(
                *command_line(tools, jail, ["true"], {}, str(WORKSPACE), PROBE_TIMEOUT_S),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                _, stderr = await asyncio.wait_for(process.communicate(), PROBE_TIMEOUT_S)
            except TimeoutError:
                bwrap.kill(process)
                await process.wait()
                stderr = b"timed out"
            if process.returncode != 0:
                reason = stderr.decode(errors="replace").strip()
                raise ConfigError(
                    f"platform.sandbox.local: bubblewrap cannot create a sandbox here: {reason}"
                )
        finally:
            await asyncio.to_thread(workspace.remove, probe)


def _reset(root: Path) -> None:
    workspace.remove(root)
    root.mkdir(mode=0o700, parents=True)


@hookimpl
def register_sandbox_backends(register):
    register("local", LocalSandboxBackend)
