"""The ``container`` runtime: competitors from OCI images, run by Podman, with no network.

Each competitor runs in its own container (``podman.run_arguments``: ``--network none``,
read-only root, capped /tmp, no capabilities, an unprivileged user, cgroup limits). Its
network namespace holds only a loopback, and the gateway makes the two ways through:

- inbound: the gateway listens on a private unix socket (the pool reaches it there, like
  a subprocess competitor) and joins each connection to one it opens inside the
  container's namespace to ``127.0.0.1:$PORT``;
- outbound: it listens inside the namespace on ``127.0.0.1:<platform_port>`` and joins
  each connection to the platform's unix socket, so ``JANUS_PLATFORM_URL`` works with any
  HTTP client, and nothing else is reachable.

A container starts on its first connection (or with the gateway when ``keep_warm``), is
health-checked (``GET /health``), restarted with backoff after it dies, and stopped after
``idle_stop_s`` without traffic. Its output is kept (the last ``log_lines`` lines) for
``GET /v1/competitors/{id}/logs``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import os
from collections import deque
from pathlib import Path
from typing import Any

from janus.config import ConfigError, ContainerLimits, ContainersConfig
from janus.gateway.runtimes import cgroups, limits_probe, netns
from janus.gateway.runtimes.podman import (
    COMPETITOR_LABEL,
    GATEWAY_LABEL,
    ContainerSpec,
    Limits,
    PodmanError,
    podman,
    remove_labelled,
    run_arguments,
    running_pid,
)
from janus.gateway.runtimes.seccomp import write_profile
from janus.hookspecs import hookimpl
from janus.interfaces import DeployFailed, Deployment, RuntimeContext

log = logging.getLogger("janus.containers")

_MAX_BACKOFF_S = 30.0
_STABLE_AFTER_S = 60.0  # a container up this long has its crash count forgiven
_HEALTH_TIMEOUT_S = 5.0
_STOP_TIMEOUT_S = 3
_COUNTERS = ("cpu_seconds", "memory_bytes", "memory_peak_bytes", "pids")
KIND = "container"


@hookimpl
def register_runtimes(register):
    register(KIND, ContainerRuntime)


def instance_id(data_dir: str | os.PathLike[str]) -> str:
    """This gateway's identity on the container host: a hash of its data directory."""
    real = os.path.realpath(os.path.expanduser(str(data_dir)))
    return hashlib.sha256(real.encode()).hexdigest()[:12]


class ContainerRuntime:
    """Every container this gateway runs, by competitor id."""

    def __init__(self, context: RuntimeContext) -> None:
        self.settings: ContainersConfig = context.config.containers
        self.instance = context.instance
        self.platform_socket = context.platform_socket
        self.directory = os.path.join(context.runtime_dir, "containers")
        data_dir = Path(os.path.expanduser(context.config.platform.data_dir))
        # Present while this gateway may have containers: the next start cleans up after
        # a run that could not (killed), without asking Podman on every start.
        self._marker = data_dir / "containers.in-use"
        self._containers: dict[str, ContainerCompetitor] = {}
        self.seccomp_profile = Path(self.directory) / "seccomp.json"
        self._profile_ready = False
        # Configured competitors this runtime runs (it may also run submitted images).
        self._configured = [c.id for c in context.config.competitors if c.kind == KIND]

    async def prepare_launch(self) -> None:
        """Before the first container starts: note that containers may exist, and write
        the seccomp profile they run under."""
        self._marker.parent.mkdir(parents=True, exist_ok=True)
        self._marker.touch()
        if not self._profile_ready:
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, write_profile, self.settings.seccomp_default, self.seccomp_profile
                )
            except (OSError, ValueError, KeyError) as exc:
                raise DeployFailed(
                    f"containers.seccomp_default: cannot build the seccomp profile from "
                    f"{self.settings.seccomp_default}: {exc}"
                ) from None
            self._profile_ready = True

    async def start(self) -> None:
        """Remove the containers an earlier run of this gateway left behind, then check
        that Podman enforces the limits here (``limits_probe``)."""
        await self._remove_leftovers()
        await self._check_limits()

    async def _remove_leftovers(self) -> None:
        if not self._marker.exists():
            return
        try:
            names = await remove_labelled(GATEWAY_LABEL, self.instance, binary=self._binary)
        except PodmanError as exc:
            log.error("could not clean up earlier containers: %s", exc)
            return
        if names:
            log.warning("removed %d container(s) left by an earlier run: %s", len(names), names)
        self._marker.unlink(missing_ok=True)

    async def _check_limits(self) -> None:
        """Stop start-up (``ConfigError``) when a container's limits would not hold, unless
        ``containers.allow_unenforced_limits``. Without Podman at all nothing can run, so
        nothing is unlimited: only configured container competitors make that an error."""
        spec = ContainerSpec(
            name=f"janus-{self.instance}-limits-probe",
            image="",
            limits=limits_probe.PROBE_LIMITS,
            labels={GATEWAY_LABEL: self.instance},
            environment={},
            user=self.settings.user,
            oci_runtime=self.settings.oci_runtime,
            pull=self.settings.pull,
            seccomp_profile=str(self.seccomp_profile),
        )
        try:
            await self.prepare_launch()
            reason = await limits_probe.unenforced(
                spec,
                Path(self.directory) / "probe-root",
                binary=self._binary,
                timeout_s=self.settings.startup_timeout_s,
            )
        except limits_probe.PodmanMissing as exc:
            if self._configured:
                raise ConfigError(f"containers: {exc}; competitors {self._configured}") from None
            log.warning("submitted images cannot run: %s", exc)
            return
        except DeployFailed as exc:
            reason = str(exc)
        if reason is None:
            return
        message = f"containers: cannot enforce container limits with {self._binary} ({reason})"
        if not self.settings.allow_unenforced_limits:
            raise ConfigError(
                f"{message}. Make Podman enforce them (cgroups, oci_runtime), or set "
                "[containers] allow_unenforced_limits = true to run containers without them"
            )
        log.warning("%s: COMPETITOR CONTAINERS RUN WITHOUT ENFORCED LIMITS", message)

    async def deploy(self, competitor_id: str, image: str, limits: ContainerLimits) -> Deployment:
        current = self._containers.get(competitor_id)
        if current is not None and (current.image, current.limits) == (image, limits):
            return current.deployment
        if current is not None:
            await self.remove(competitor_id)
        container = ContainerCompetitor(self, competitor_id, image, limits)
        self._containers[competitor_id] = container
        await container.open()
        return container.deployment

    async def ensure_running(self, competitor_id: str) -> None:
        await self._get(competitor_id).ensure_running()

    async def remove(self, competitor_id: str) -> None:
        container = self._containers.pop(competitor_id, None)
        if container is not None:
            await container.close()

    async def logs(self, competitor_id: str, tail: int) -> list[str] | None:
        container = self._containers.get(competitor_id)
        return None if container is None else list(container.output)[-tail:]

    async def close(self) -> None:
        containers, self._containers = list(self._containers.values()), {}
        await asyncio.gather(*(container.close() for container in containers))
        if self._marker.exists():
            with contextlib.suppress(PodmanError):
                await remove_labelled(GATEWAY_LABEL, self.instance, binary=self._binary)
            self._marker.unlink(missing_ok=True)

    def deployed(self) -> list[str]:
        return list(self._containers)

    async def usage(self, competitor_id: str) -> dict[str, Any] | None:
        container = self._containers.get(competitor_id)
        return None if container is None else await container.usage()

    def _get(self, competitor_id: str) -> ContainerCompetitor:
        try:
            return self._containers[competitor_id]
        except KeyError:
            raise DeployFailed(f"'{competitor_id}' is not deployed") from None

    @property
    def _binary(self) -> str:
        return self.settings.podman


class ContainerCompetitor:
    """One competitor's container: its sockets, its process, its restarts, its output."""

    def __init__(
        self, runtime: ContainerRuntime, competitor_id: str, image: str, limits: ContainerLimits
    ) -> None:
        self.runtime = runtime
        self.id = competitor_id
        self.image = image
        self.limits = limits
        self.name = f"janus-{runtime.instance}-{competitor_id}"
        directory = os.path.join(runtime.directory, competitor_id)
        self.socket_path = os.path.join(directory, "competitor.sock")
        self.output: deque[str] = deque(maxlen=runtime.settings.log_lines)
        self._process: asyncio.subprocess.Process | None = None
        self._pid: int | None = None
        self._namespace: io.FileIO | None = None  # the running container's network
        self._started_at = 0.0
        self._lock = asyncio.Lock()
        self._server: asyncio.Server | None = None
        self._platform_server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._active = 0
        self._last_used = 0.0
        self._crashes = 0
        self._retry_at = 0.0
        self._expected_exit = False
        self._closed = False
        self._starts = 0

    @property
    def deployment(self) -> Deployment:
        settings = self.runtime.settings
        platform_url = (
            f"http://127.0.0.1:{settings.platform_port}/platform"
            if self.runtime.platform_socket
            else None
        )
        return Deployment(self.socket_path, platform_url)

    def spec(self) -> ContainerSpec:
        settings = self.runtime.settings
        environment = {"PORT": str(settings.port), "HOME": "/tmp"}
        if url := self.deployment.platform_url:
            environment["JANUS_PLATFORM_URL"] = url
        return ContainerSpec(
            name=self.name,
            image=self.image,
            limits=Limits(
                memory_mb=self.limits.memory_mb,
                cpus=self.limits.cpus,
                pids=self.limits.pids,
                tmp_mb=self.limits.tmp_mb,
            ),
            labels={GATEWAY_LABEL: self.runtime.instance, COMPETITOR_LABEL: self.id},
            environment=environment,
            user=settings.user,
            oci_runtime=settings.oci_runtime,
            pull=settings.pull,
            seccomp_profile=str(self.runtime.seccomp_profile),
        )

    async def open(self) -> None:
        """Listen on the competitor's socket; start the container now only if kept warm."""
        os.makedirs(os.path.dirname(self.socket_path), mode=0o700, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        self._server = await asyncio.start_unix_server(self._serve_client, path=self.socket_path)
        os.chmod(self.socket_path, 0o600)
        self._last_used = asyncio.get_running_loop().time()
        if not self.limits.keep_warm:
            self._spawn(self._stop_when_idle())
        else:
            await self.ensure_running()

    async def ensure_running(self) -> io.FileIO:
        """The network namespace of the running, healthy container, starting it if
        needed."""
        async with self._lock:
            if self._closed:
                raise DeployFailed(f"'{self.id}' was removed")
            if self._pid is not None:
                if _alive(self._pid) and self._namespace is not None:
                    return self._namespace
                # It just died and Podman has not said so yet: wait for it to.
                process = self._process
                assert process is not None
                with contextlib.suppress(TimeoutError):
                    self._note_exit(process, await asyncio.wait_for(process.wait(), 30))
            delay = self._retry_at - asyncio.get_running_loop().time()
            if delay > 0:
                await asyncio.sleep(delay)
            await self._launch()
            assert self._namespace is not None
            return self._namespace

    async def usage(self) -> dict[str, Any]:
        """Its limits, how often it started, and what the running container used so far
        (its cgroup counters; ``None`` values while it is not running)."""
        pid = self._pid
        counters = None
        if pid is not None:
            counters = await asyncio.get_running_loop().run_in_executor(None, cgroups.usage, pid)
        return {
            "starts": self._starts,
            "memory_limit_bytes": self.limits.memory_mb * 1024 * 1024,
            "cpus": self.limits.cpus,
            "pids_limit": self.limits.pids,
            **(counters or dict.fromkeys(_COUNTERS)),
        }

    async def close(self) -> None:
        self._closed = True
        if self._server is not None:
            self._server.close()
        async with self._lock:
            await self._stop_container()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)

    # -- the container's life ---------------------------------------------------------------

    async def _launch(self) -> None:
        settings = self.runtime.settings
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.startup_timeout_s
        await self.runtime.prepare_launch()
        self._expected_exit = False
        try:
            process = await asyncio.create_subprocess_exec(
                settings.podman,
                *run_arguments(self.spec()),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                # conmon leaves files (an "oom" marker) in its working directory.
                cwd=os.path.dirname(self.socket_path),
            )
        except FileNotFoundError:
            raise DeployFailed(f"'{settings.podman}' is not installed") from None
        self._process = process
        self._spawn(self._collect_output(process))
        pid = None
        while pid is None:
            if process.returncode is not None:
                await asyncio.sleep(0.1)  # let the last output lines arrive
                raise DeployFailed(self._exit_reason(process.returncode))
            pid = await running_pid(self.name, binary=settings.podman)
            if pid is None:
                if loop.time() > deadline:
                    await self._stop_container()
                    raise DeployFailed(
                        f"container did not start within {settings.startup_timeout_s:g} s"
                    )
                await asyncio.sleep(0.2)
        try:
            try:
                namespace = netns.open_namespace(pid)
            except OSError:
                raise DeployFailed("container exited as it started") from None
            if self.runtime.platform_socket:
                try:
                    listener = await netns.listen(namespace, settings.platform_port)
                except OSError as exc:  # e.g. the competitor took the port first
                    raise DeployFailed(
                        f"cannot listen for the platform on port {settings.platform_port} "
                        f"inside the container: {exc.strerror or exc}"
                    ) from None
                self._platform_server = await asyncio.start_server(
                    self._serve_platform, sock=listener
                )
            while not await _healthy(namespace, settings.port):
                if process.returncode is not None:
                    await asyncio.sleep(0.1)
                    raise DeployFailed(self._exit_reason(process.returncode))
                if loop.time() > deadline:
                    raise DeployFailed(
                        f"not healthy (GET /health on port {settings.port}) within "
                        f"{settings.startup_timeout_s:g} s"
                    )
                await asyncio.sleep(0.2)
        except BaseException:
            await self._stop_container()
            raise
        self._pid, self._namespace, self._started_at = pid, namespace, loop.time()
        self._starts += 1
        self._spawn(self._watch(process))
        log.info("competitor %s: container %s is up (image %s)", self.id, self.name, self.image)

    def _exit_reason(self, code: int) -> str:
        last = next((line for line in reversed(self.output) if line.strip()), "")
        detail = f": {last}" if last else ""
        return f"container exited with code {code} before it was healthy{detail}"

    async def _watch(self, process: asyncio.subprocess.Process) -> None:
        """After the container dies: restart it (kept warm) or let the next request start
        it, not before a backoff that doubles while it keeps dying."""
        if not self._note_exit(process, await process.wait()):
            return
        if self.limits.keep_warm:
            try:
                await self.ensure_running()
            except DeployFailed as exc:
                log.error("competitor %s did not come back: %s", self.id, exc)

    def _note_exit(self, process: asyncio.subprocess.Process, code: int) -> bool:
        """Record that the container of ``process`` ended (once, whoever notices first);
        True when that was a crash, which sets the time of the next start."""
        if process is not self._process or self._pid is None:
            return False
        loop = asyncio.get_running_loop()
        self._pid = self._namespace = None
        self._close_platform_server()
        if self._expected_exit or self._closed:
            return False
        if loop.time() - self._started_at > _STABLE_AFTER_S:
            self._crashes = 0
        self._crashes += 1
        delay = min(_MAX_BACKOFF_S, 2.0 ** min(self._crashes - 1, 5))
        self._retry_at = loop.time() + delay
        log.error(
            "competitor %s: container exited with code %s; restart %d after %g s",
            self.id,
            code,
            self._crashes,
            delay,
        )
        return True

    async def _stop_container(self) -> None:
        """Stop and remove the container (the caller holds the lock)."""
        process = self._process
        if process is None:
            return
        self._expected_exit = True
        self._pid = self._namespace = None
        self._close_platform_server()
        if process.returncode is None:
            with contextlib.suppress(PodmanError):
                await podman(
                    "rm", "-f", "-t", str(_STOP_TIMEOUT_S), self.name, binary=self.runtime._binary
                )
            with contextlib.suppress(ProcessLookupError):
                await asyncio.wait_for(process.wait(), _STOP_TIMEOUT_S + 10)
        self._process = None

    async def _stop_when_idle(self) -> None:
        idle_s = self.runtime.settings.idle_stop_s
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(idle_s / 2, 30.0))
            if self._pid is None or self._active or loop.time() - self._last_used < idle_s:
                continue
            async with self._lock:
                if self._pid is not None and not self._active:
                    log.info(
                        "competitor %s: idle for %g s, stopping its container", self.id, idle_s
                    )
                    await self._stop_container()

    async def _collect_output(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            self.output.append(line.decode(errors="replace").rstrip("\n"))

    # -- the two ways through -----------------------------------------------------------------

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """A connection from the gateway: on to the container's $PORT."""
        self._active += 1
        try:
            try:
                namespace = await self.ensure_running()
                upstream = await netns.open_connection(namespace, self.runtime.settings.port)
            except (DeployFailed, OSError) as exc:
                log.warning("competitor %s: cannot reach its container: %s", self.id, exc)
                writer.close()
                return
            await _splice(reader, writer, *upstream)
        finally:
            self._active -= 1
            self._last_used = asyncio.get_running_loop().time()

    async def _serve_platform(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """A connection from inside the container to the platform: on to its socket."""
        assert self.runtime.platform_socket is not None
        try:
            upstream = await asyncio.open_unix_connection(self.runtime.platform_socket)
        except OSError:
            writer.close()
            return
        await _splice(reader, writer, *upstream)

    def _close_platform_server(self) -> None:
        if self._platform_server is not None:
            self._platform_server.close()
            self._platform_server = None

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _alive(pid: int) -> bool:
    """Whether the process still exists (a look at /proc, which never blocks)."""
    return os.path.exists(f"/proc/{pid}")


async def _healthy(namespace: io.FileIO, port: int) -> bool:
    """Whether ``GET /health`` on the container's port answers 200."""
    try:
        reader, writer = await asyncio.wait_for(
            netns.open_connection(namespace, port), _HEALTH_TIMEOUT_S
        )
    except (OSError, TimeoutError):
        return False
    try:
        writer.write(b"GET /health HTTP/1.0\r\nHost: competitor\r\n\r\n")
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), _HEALTH_TIMEOUT_S)
        return status.split()[1:2] == [b"200"]
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()


async def _splice(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
) -> None:
    """Copy both ways until either side ends, then close both (a container that dies
    mid-answer thus breaks the gateway's connection, which ends the stream in-band)."""
    directions = [
        asyncio.ensure_future(_pipe(client_reader, upstream_writer)),
        asyncio.ensure_future(_pipe(upstream_reader, client_writer)),
    ]
    try:
        await asyncio.wait(directions, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for direction in directions:
            direction.cancel()
        await asyncio.gather(*directions, return_exceptions=True)
        for writer in (client_writer, upstream_writer):
            writer.close()
