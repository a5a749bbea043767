"""The ``local`` sandbox backend: jails on the gateway's own host.

A sandbox is a private workspace (a size-capped volume), a host uid of its own and a cgroup
that bounds the memory (``/tmp`` included), processes and CPU of all its commands together.
Each command runs in a fresh jail around the workspace (see ``command`` and ``janus.jail``),
so nothing but files outlives a command, and killing the jail ends every process the
command started. Commands run as asyncio subprocesses and files are moved in worker
threads: nothing here blocks the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from janus.config import ConfigError
from janus.errors import JanusError
from janus.hookspecs import hookimpl
from janus.jail import volumes
from janus.jail.cgroups import CgroupLimits
from janus.jail.host import JailHost, Slot
from janus.jail.launch import kill
from janus.jail.uids import NoFreeUid
from janus.platform.backends import BackendContext
from janus.platform.sandbox import workspace
from janus.platform.sandbox.command import Helpers, command_spec
from janus.platform.sandbox.models import CreateRequest, ExecEvent, ExecRequest, Limits
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
SANDBOX_CPUS = 1.0  # a sandbox's processes together get at most one core's time


@dataclass(eq=False, kw_only=True)
class LocalSandbox(Sandbox):
    workspace: Path
    slot: Slot | None = None  # its uid and cgroup, once acquired
    processes: set[asyncio.subprocess.Process] = field(default_factory=set)
    # Held to start a command or write a file, and to begin termination: once removal of
    # the workspace has begun, nothing new can start in it.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def uid(self) -> int | None:
        return self.slot.uid if self.slot else None


class LocalSandboxBackend:
    class Settings(SandboxSettings):
        """``[platform.sandbox.local]``."""

        bwrap: str = "bwrap"

    def __init__(self, settings: Settings, context: BackendContext) -> None:
        self.settings = settings
        self._root = context.data_dir / "workspaces"
        self._platform_socket = context.platform_socket
        self._jail_config = context.jail
        self._registry: SandboxRegistry[LocalSandbox] = SandboxRegistry(
            settings.max_sandboxes, settings.max_sandboxes_per_competitor
        )
        self._host: JailHost | None = None
        self._helpers: Helpers | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # Sandboxes do not outlive the gateway: workspaces left by a crash go now.
        await asyncio.to_thread(_reset, self._root)
        self._host = await asyncio.to_thread(
            JailHost.open, self._jail_config, self._root, self.settings.bwrap, True
        )
        self._helpers = await asyncio.to_thread(Helpers.find)
        await self._probe()
        self._sweeper = asyncio.create_task(
            sweep_expired(self._registry, self.settings.sweep_interval_s, self._destroy)
        )

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for sandbox in self._registry:
            await self._destroy(sandbox)

    def describe(self) -> str:
        assert self._host is not None
        enforced = "limits NOT enforced" if self._host.unenforced else "cgroup limits"
        users = "one host uid per sandbox" if self._host.uids else "the gateway's uid"
        return f"local bubblewrap sandboxes in {self._root} ({users}, {enforced})"

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
        )
        self._registry.add(sandbox)  # counts against the quotas from now on
        try:
            sandbox.slot = await asyncio.to_thread(self._prepare, sandbox)
        except BaseException:
            self._registry.remove(sandbox)
            raise
        return sandbox

    def _prepare(self, sandbox: LocalSandbox) -> Slot:
        """The sandbox's uid, cgroup and workspace (blocking: runs in a worker thread)."""
        assert self._host is not None
        try:
            slot = self._host.acquire("sandbox", _cgroup_limits(sandbox.limits))
        except NoFreeUid as exc:
            raise JanusError(
                str(exc), status=503, type="server_error", code="no_free_uid"
            ) from None
        try:
            if self._host.volumes:
                volumes.create(sandbox.workspace, sandbox.limits.disk_mb, slot.uid or 0)
            workspace.create(sandbox.workspace, slot.uid)
        except BaseException:
            _free(sandbox, slot)
            raise
        return slot

    def get(self, owner: str, sandbox_id: str) -> LocalSandbox:
        return self._registry.get(owner, sandbox_id)

    async def exec(
        self, owner: str, sandbox_id: str, request: ExecRequest
    ) -> AsyncGenerator[ExecEvent, None]:
        sandbox = self._registry.get(owner, sandbox_id)
        assert self._host is not None and self._helpers is not None, "exec before start()"
        timeout = request.timeout(sandbox.limits.wall_timeout_s)
        spec = command_spec(
            self._helpers,
            sandbox.workspace,
            sandbox.limits,
            self._platform_socket,
            request.argv,
            {**sandbox.env, **request.env},
            request.cwd or str(WORKSPACE),
            timeout,
            cgroup_enforced=self._host.cgroups is not None,
        )
        with self._registry.in_use(sandbox):
            async with sandbox.lock:
                if sandbox.closed or sandbox.slot is None:
                    raise sandbox_not_found(sandbox.id)
                process = await self._host.launcher.spawn(
                    spec,
                    sandbox.slot.uid,
                    sandbox.slot.cgroup,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
                sandbox.processes.add(process)
            try:
                events = stream_process(process, kill, timeout, self.settings.max_output_bytes)
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
        """Kill every command of the sandbox, then free its workspace, cgroup and uid."""
        async with sandbox.lock:
            sandbox.closed = True
        running = list(sandbox.processes)
        for process in running:
            if process.returncode is None:
                kill(process)
        await asyncio.gather(*(process.wait() for process in running))
        try:
            await asyncio.to_thread(_free, sandbox, sandbox.slot)
        finally:
            self._registry.remove(sandbox)

    async def _probe(self) -> None:
        """Run ``true`` in a sandbox once, so that a host where bubblewrap cannot create
        its namespaces fails at start-up with bubblewrap's own explanation."""
        assert self._host is not None and self._helpers is not None
        probe = LocalSandbox(
            id="probe",
            owner="janus/probe",
            limits=self.settings.default_limits,
            env={},
            ttl_seconds=60,
            workspace=self._root / "probe",
        )
        probe.slot = await asyncio.to_thread(self._prepare, probe)
        try:
            spec = command_spec(
                self._helpers,
                probe.workspace,
                probe.limits,
                None,
                ["true"],
                {},
                str(WORKSPACE),
                PROBE_TIMEOUT_S,
                cgroup_enforced=self._host.cgroups is not None,
            )
            process = await self._host.launcher.spawn(
                spec,
                probe.uid,
                probe.slot.cgroup,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                _, stderr = await asyncio.wait_for(process.communicate(), PROBE_TIMEOUT_S)
            except TimeoutError:
                kill(process)
                await process.wait()
                stderr = b"timed out"
            if process.returncode != 0:
                reason = stderr.decode(errors="replace").strip()
                raise ConfigError(
                    f"platform.sandbox.local: bubblewrap cannot create a sandbox here: {reason}"
                )
        finally:
            await asyncio.to_thread(_free, probe, probe.slot)


def _cgroup_limits(limits: Limits) -> CgroupLimits:
    return CgroupLimits(memory_mb=limits.memory_mb, processes=limits.processes, cpus=SANDBOX_CPUS)


def _free(sandbox: LocalSandbox, slot: Slot | None) -> None:
    """Blocking: kill what is left in the cgroup, remove the workspace, free the uid."""
    try:
        if slot is not None:
            slot.release()
    finally:
        volumes.remove(sandbox.workspace)
        workspace.remove(sandbox.workspace)


def _reset(root: Path) -> None:
    if root.is_dir():
        for entry in root.iterdir():
            if entry.is_dir() and entry.is_mount():
                volumes.remove(entry)
    workspace.remove(root)
    root.mkdir(mode=0o700, parents=True)


@hookimpl
def register_sandbox_backends(register):
    register("local", LocalSandboxBackend)
