"""Subprocess competitors: the gateway runs them, watches them, and restarts them.

Each one is ``janus serve <plugin> --unix-socket <path>`` in a jail (see ``janus.jail``):
a host uid of its own, its own user, PID, IPC, UTS and mount namespaces, a cgroup bounding
its memory, processes and CPU (``memory_mb``, ``processes``, ``cpus`` in its
``[[competitors]]`` entry), the seccomp filter, and a file system view holding only the
read-only system and Python installation, its own socket directory and the platform's.
With ``isolate_network`` (the default) it also has a network namespace of its own: no
network at all, it reaches the world only through unix sockets (the gateway talks to it
over one, it talks to the platform over another). Its environment is built from an
allow-list, never copied from the gateway's.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from urllib.parse import quote

import aiohttp
import importlib_metadata

from janus.config import CompetitorConfig, ConfigError, JailConfig
from janus.jail.cgroups import CgroupLimits
from janus.jail.host import JailHost, Slot
from janus.jail.launch import Bind, JailSpec, kill

log = logging.getLogger("janus.supervisor")

_STOP_GRACE_S = 5.0
_MAX_BACKOFF_S = 30.0
_TMP_MB = 256
# A subprocess competitor's jail when its [[competitors]] entry sets no limits.
SUBPROCESS_LIMITS = CgroupLimits(memory_mb=2048, processes=256, cpus=1.0)
# What a competitor's process may inherit from the gateway's environment, by name: how to
# find its Python packages, and which plugins to load. Nothing else, whatever its name.
INHERITED_ENV = ("PYTHONPATH", "JANUS_PLUGINS", "TZ")
_CREDENTIAL = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|AUTH|DSN|DATABASE_URL", re.I)
# TLS clients (httpx) load the CA bundle at creation; some libraries look up their user.
PUBLIC_ETC = ("ssl", "ca-certificates", "passwd", "group")
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",  # the jail has no home; caches go to its private /tmp
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def _allowed(name: str, pass_env: list[str]) -> bool:
    return any(name.startswith(p) if p.endswith("_") else name == p for p in pass_env)


def unix_url(socket_path: str, path: str = "") -> str:
    """An ``http+unix://`` URL: the socket path, percent-encoded, stands in for the host."""
    return f"http+unix://{quote(socket_path, safe='')}{path}"


def _python_paths() -> list[str]:
    """The interpreter, every directory on its path, and the source of every janus plugin
    package (editable installs live outside site-packages), so that ``janus serve`` finds
    the same plugins inside the jail as outside. The jail's uid reads them as any other
    user would: they must be world-readable, as installations are."""
    # Not the working directory (``''`` or a script's folder on sys.path): it is where the
    # gateway was started, not part of any installation.
    here = {"", os.getcwd(), os.path.dirname(os.path.abspath(sys.argv[0] or "."))}
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    candidates.update(p for p in sys.path if p not in here)
    packages = {"janus"} | {
        ep.module.split(".")[0] for ep in importlib_metadata.entry_points(group="janus")
    }
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is not None:
            candidates.update(spec.submodule_search_locations or [])
            if spec.origin and not spec.submodule_search_locations:
                candidates.add(os.path.dirname(spec.origin))
    # Nested paths stay: one may sit behind a directory the jail's uid cannot enter.
    return sorted({os.path.realpath(p) for p in candidates if p and os.path.isdir(p)})


def child_environment(
    environ: dict[str, str], platform_url: str | None, pass_env: list[str] = ()
) -> dict[str, str]:
    """A competitor's whole environment: fixed values, a few names passed through (those
    of ``INHERITED_ENV`` and what its ``pass_env`` allows, never a credential's), and where
    the platform is."""
    env = dict(BASE_ENV)
    env.update({name: environ[name] for name in INHERITED_ENV if name in environ})
    for name, value in environ.items():
        if _allowed(name, pass_env) and not _CREDENTIAL.search(name):
            env[name] = value
    if platform_url:
        env["JANUS_PLATFORM_URL"] = platform_url
    return env


@dataclass
class Child:
    spec: CompetitorConfig
    socket_path: str
    process: asyncio.subprocess.Process | None = None
    slot: Slot | None = None  # its uid and cgroup, for its whole life (restarts included)
    restarts: int = 0
    watcher: asyncio.Task | None = field(default=None, repr=False)
    output: asyncio.Task | None = field(default=None, repr=False)


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        platform_socket: str | None = None,
        jail: JailConfig | None = None,
    ) -> None:
        self.children = children
        self.platform_socket = platform_socket
        self.platform_url = unix_url(platform_socket, "/platform") if platform_socket else None
        self._jail_config = jail or JailConfig()
        self._host: JailHost | None = None
        self._stopping = False

    def jail_spec(self, child: Child) -> JailSpec:
        """What the child sees: the system and Python read-only, its own socket directory
        and the platform's, and nothing else: no gateway config, no data directory, no
        home, no other competitor's socket."""
        serve = (
            sys.executable,
            "-m",
            "janus",
            "serve",
            child.spec.plugin or "",
            "--unix-socket",
            child.socket_path,
        )
        binds = [Bind(path) for path in _python_paths()]
        binds.append(Bind(os.path.dirname(child.socket_path), writable=True))
        if self.platform_socket:
            # The socket appears only once the gateway listens, after its children started:
            # bind its directory (which holds nothing else), read-only.
            binds.append(Bind(os.path.dirname(self.platform_socket)))
        return JailSpec(
            argv=serve,
            env=child_environment(dict(os.environ), self.platform_url, child.spec.pass_env),
            binds=tuple(binds),
            cwd="/tmp",
            tmp_mb=min(_TMP_MB, _limits(child).memory_mb),
            hostname=child.spec.id,
            share_network=not child.spec.isolate_network,
            etc=PUBLIC_ETC,
        )

    async def start(self) -> None:
        """Start every child and wait until each answers ``/health``."""
        if not self.children:
            return
        scratch = os.path.dirname(os.path.dirname(self.children[0].socket_path))
        self._host = await asyncio.to_thread(JailHost.open, self._jail_config, scratch)
        for child in self.children:
            child.slot = await asyncio.to_thread(self._host.acquire, "competitor", _limits(child))
            directory = os.path.dirname(child.socket_path)
            os.makedirs(directory, mode=0o700, exist_ok=True)
            if child.slot.uid is not None:
                os.chown(directory, child.slot.uid, child.slot.uid)
            await self._launch(child)
            child.watcher = asyncio.get_running_loop().create_task(self._watch(child))

    async def stop(self) -> None:
        self._stopping = True
        for child in self.children:
            if child.watcher is not None:
                child.watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await child.watcher
            await self._terminate(child)
            if child.slot is not None:
                await asyncio.to_thread(child.slot.release)
                child.slot = None

    async def _launch(self, child: Child) -> None:
        assert self._host is not None and child.slot is not None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(child.socket_path)
        child.process = await self._host.launcher.spawn(
            self.jail_spec(child),
            child.slot.uid,
            child.slot.cgroup,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        child.output = asyncio.get_running_loop().create_task(
            self._forward_output(child, child.process)
        )
        await self._wait_healthy(child)
        log.info(
            "competitor %s (plugin %s) is up, pid %d, uid %s%s",
            child.spec.id,
            child.spec.plugin,
            child.process.pid,
            child.slot.uid,
            ", no network" if child.spec.isolate_network else "",
        )

    async def _wait_healthy(self, child: Child) -> None:
        deadline = asyncio.get_running_loop().time() + child.spec.startup_timeout_s
        connector = aiohttp.UnixConnector(path=child.socket_path)
        async with aiohttp.ClientSession(connector=connector) as session:
            while True:
                if child.process.returncode is not None:
                    raise ConfigError(
                        f"competitors.{child.spec.id}: 'janus serve {child.spec.plugin}' exited "
                        f"with code {child.process.returncode} before it was healthy"
                    )
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get("http://competitor/health") as response:
                        if response.status == 200:
                            return
                if asyncio.get_running_loop().time() > deadline:
                    await self._terminate(child)
                    raise ConfigError(
                        f"competitors.{child.spec.id}: not healthy within "
                        f"{child.spec.startup_timeout_s:g} s"
                    )
                await asyncio.sleep(0.1)

    async def _watch(self, child: Child) -> None:
        """Restart a child that died, backing off when it keeps dying."""
        while not self._stopping:
            code = await child.process.wait()
            if self._stopping:
                return
            child.restarts += 1
            delay = min(_MAX_BACKOFF_S, 2.0 ** min(child.restarts - 1, 5))
            log.error(
                "competitor %s exited with code %s; restart %d in %g s",
                child.spec.id,
                code,
                child.restarts,
                delay,
            )
            await asyncio.sleep(delay)
            try:
                await self._launch(child)
            except ConfigError as exc:
                log.error("competitor %s did not come back: %s", child.spec.id, exc)

    async def _terminate(self, child: Child) -> None:
        process = child.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.terminate()  # the jail goes with its bubblewrap (--die-with-parent)
        try:
            await asyncio.wait_for(process.wait(), _STOP_GRACE_S)
        except TimeoutError:
            kill(process)
            await process.wait()

    @staticmethod
    async def _forward_output(child: Child, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            log.info("[%s] %s", child.spec.id, line.decode(errors="replace").rstrip())


def _limits(child: Child) -> CgroupLimits:
    spec, default = child.spec, SUBPROCESS_LIMITS
    return CgroupLimits(
        memory_mb=spec.memory_mb or default.memory_mb,
        processes=spec.pids or default.processes,
        cpus=spec.cpus or default.cpus,
    )
