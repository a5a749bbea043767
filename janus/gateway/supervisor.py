"""Subprocess competitors: the gateway runs them, watches them, and restarts them.

Each one is ``janus serve <plugin> --unix-socket <path>`` in a child process. On Linux,
with ``isolate_network`` (the default), it runs in a bubblewrap jail: a network namespace
of its own (no network at all: it reaches the world only through unix sockets — the
gateway talks to it over one, it talks to the platform over another) and a file system
view holding only the read-only system and Python installation and its own socket. Its
environment carries no secrets of the gateway's.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from urllib.parse import quote

import aiohttp
import importlib_metadata

from janus.config import CompetitorConfig, ConfigError
from janus.platform.sandbox.bwrap import system_mounts

log = logging.getLogger("janus.supervisor")

_SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL", re.IGNORECASE)
_STOP_GRACE_S = 5.0
_MAX_BACKOFF_S = 30.0


def unix_url(socket_path: str, path: str = "") -> str:
    """An ``http+unix://`` URL: the socket path, percent-encoded, stands in for the host."""
    return f"http+unix://{quote(socket_path, safe='')}{path}"


_PUBLIC_ETC = ("/etc/ssl", "/etc/ca-certificates", "/etc/passwd", "/etc/group")


def _python_paths() -> list[str]:
    """The interpreter, every directory on its path, and the source of every janus plugin
    package (editable installs live outside site-packages), so that ``janus serve`` finds
    the same plugins inside the jail as outside."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path}
    packages = {"janus"} | {
        ep.module.split(".")[0] for ep in importlib_metadata.entry_points(group="janus")
    }
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is not None:
            candidates.update(spec.submodule_search_locations or [])
            if spec.origin and not spec.submodule_search_locations:
                candidates.add(os.path.dirname(spec.origin))
    paths = sorted({os.path.realpath(p) for p in candidates if p and os.path.isdir(p)})
    # Nested paths are covered by their parents' binds.
    return [p for p in paths if not any(p.startswith(q + os.sep) for q in paths if q != p)]


def child_environment(environ: dict[str, str], platform_url: str | None) -> dict[str, str]:
    """The gateway's environment minus anything that looks like a credential."""
    env = {name: value for name, value in environ.items() if not _SECRET_NAME.search(name)}
    env["HOME"] = "/tmp"  # the jail has no home; caches go to its private /tmp
    if platform_url:
        env["JANUS_PLATFORM_URL"] = platform_url
    return env


@dataclass
class Child:
    spec: CompetitorConfig
    socket_path: str
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    watcher: asyncio.Task | None = field(default=None, repr=False)
    output: asyncio.Task | None = field(default=None, repr=False)


class Supervisor:
    def __init__(self, children: list[Child], platform_socket: str | None = None) -> None:
        self.children = children
        self.platform_socket = platform_socket
        self.platform_url = unix_url(platform_socket, "/platform") if platform_socket else None
        self._stopping = False

    def command(self, child: Child) -> list[str]:
        serve = [
            sys.executable,
            "-m",
            "janus",
            "serve",
            child.spec.plugin or "",
            "--unix-socket",
            child.socket_path,
        ]
        if not child.spec.isolate_network:
            return serve
        bwrap = shutil.which("bwrap")
        if bwrap is None or not sys.platform.startswith("linux"):
            raise ConfigError(
                f"competitors.{child.spec.id}.isolate_network: needs bubblewrap (bwrap) on "
                "Linux; install it, or set isolate_network = false to run without isolation"
            )
        return [bwrap, *self._jail(child), "--", *serve]

    def _jail(self, child: Child) -> list[str]:
        """A view of the file system with the system and Python read-only, the child's own
        socket directory and the platform socket, and nothing else: no gateway config, no
        data directory, no home, no other competitor's socket."""
        arguments = [
            "--unshare-net",
            "--die-with-parent",
            "--cap-drop",
            "ALL",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/tmp",
            "--chdir",
            "/tmp",
        ]
        arguments += system_mounts()
        for public in _PUBLIC_ETC:  # TLS clients (httpx) load the CA bundle at creation
            arguments += ["--ro-bind-try", public, public]
        for path in _python_paths():
            arguments += ["--ro-bind", path, path]
        socket_dir = os.path.dirname(child.socket_path)
        arguments += ["--bind", socket_dir, socket_dir]
        if self.platform_socket:
            # The socket appears only once the gateway listens, after its children started:
            # bind its directory (which holds nothing else), read-only.
            platform_dir = os.path.dirname(self.platform_socket)
            arguments += ["--ro-bind", platform_dir, platform_dir]
        return arguments

    async def start(self) -> None:
        """Start every child and wait until each answers ``/health``."""
        for child in self.children:
            os.makedirs(os.path.dirname(child.socket_path), exist_ok=True)
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

    async def _launch(self, child: Child) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(child.socket_path)
        child.process = await asyncio.create_subprocess_exec(
            *self.command(child),
            env=child_environment(dict(os.environ), self.platform_url),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        child.output = asyncio.get_running_loop().create_task(
            self._forward_output(child, child.process)
        )
        await self._wait_healthy(child)
        log.info(
            "competitor %s (plugin %s) is up, pid %d%s",
            child.spec.id,
            child.spec.plugin,
            child.process.pid,
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
            os.killpg(process.pid, 15)
        try:
            await asyncio.wait_for(process.wait(), _STOP_GRACE_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
            await process.wait()

    @staticmethod
    async def _forward_output(child: Child, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            log.info("[%s] %s", child.spec.id, line.decode(errors="replace").rstrip())
