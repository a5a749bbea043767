"""Running an aiohttp application on a socket, for the gateway and for competitors alike."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import resource
import signal
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from janus.connections import ConnectionLimits, guarded_protocol

# An app may ask to be served on more unix sockets besides its main address (the
# gateway serves the platform to sandboxes this way).
EXTRA_UNIX_SOCKETS = web.AppKey("extra_unix_sockets", list)
# An app may ask for connection hygiene on all its sockets (the gateway does).
CONNECTION_LIMITS = web.AppKey("connection_limits", ConnectionLimits)
# For aiohttp's protocol: the gateway writes its own access log (janus.gateway.observability).
_HANDLER_ARGS: dict[str, Any] = {"access_log": None}
# An app that needs to call itself (the competition's audits, its automatic evaluations)
# puts a list here; each address it is served on is appended once it listens.
LISTENING_URLS = web.AppKey("listening_urls", list)


@dataclass(frozen=True)
class Listening:
    runner: web.AppRunner
    url: str


def raise_open_file_limit() -> None:
    """Each stream holds two sockets; the usual soft limit of 1024 would cap it near 500."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@contextlib.asynccontextmanager
async def listening(
    app: web.Application,
    host: str = "127.0.0.1",
    port: int = 0,
    unix_socket: str | None = None,
    shutdown_timeout: float = 10.0,
) -> AsyncIterator[Listening]:
    """Serve ``app`` until the block exits.

    ``handler_cancellation`` makes aiohttp cancel a handler whose client disconnected,
    which is how the relay stops the upstream request promptly. On exit, requests still
    running get ``shutdown_timeout`` seconds to finish before they are cancelled.
    An app that sets ``CONNECTION_LIMITS`` gets them on every socket it is served on.
    """
    # Bind first: a port in use should fail before any model is loaded or child started.
    sock = _bind_unix(unix_socket) if unix_socket else _bind_tcp(host, port)
    runner = web.AppRunner(
        app, handler_cancellation=True, shutdown_timeout=shutdown_timeout, **_HANDLER_ARGS
    )
    try:
        await runner.setup()
        limits = app.get(CONNECTION_LIMITS)
        await _site(runner, sock, limits).start()
        for path in app.get(EXTRA_UNIX_SOCKETS, ()):
            await _site(runner, _bind_unix(path), limits).start()
            # Jails run as uids of their own: whoever its private directory is bound into
            # may connect (connecting needs write permission on the socket).
            os.chmod(path, 0o666)
        if unix_socket:
            url = f"unix:{unix_socket}"
        else:
            bound_host, bound_port = sock.getsockname()[:2]
            url = f"http://{_url_host(bound_host)}:{bound_port}"
        if (urls := app.get(LISTENING_URLS)) is not None:
            urls.append(url)
        yield Listening(runner, url)
    finally:
        await runner.cleanup()
        sock.close()


class _GuardedSite(web.BaseSite):
    """A bound socket served with ``janus.connections``' guarded protocol."""

    __slots__ = ("_limits", "_sock")

    def __init__(self, runner: web.AppRunner, sock: socket.socket, limits: ConnectionLimits):
        super().__init__(runner)
        self._sock = sock
        self._limits = limits

    @property
    def name(self) -> str:
        return str(self._sock.getsockname())

    async def start(self) -> None:
        await super().start()
        assert self._runner.server is not None, "runner.setup() comes first"
        protocol = guarded_protocol(self._runner.server, self._limits, **_HANDLER_ARGS)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(protocol, sock=self._sock, backlog=self._backlog)


def _site(
    runner: web.AppRunner, sock: socket.socket, limits: ConnectionLimits | None
) -> web.BaseSite:
    return web.SockSite(runner, sock) if limits is None else _GuardedSite(runner, sock, limits)


def _bind_tcp(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=1024)


def _bind_unix(path: str) -> socket.socket:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(1024)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def serve_until_stopped(
    app: web.Application, on_ready: Callable[[str], None], **where: Any
) -> None:
    """Serve until SIGINT or SIGTERM, then clean up (close upstreams, run shutdown hooks)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with listening(app, **where) as server:
        # Everything built so far (modules, plugins, the app, a loaded model) lives as long
        # as the process: moved out of the collector's generations, it is no longer
        # traversed by every full collection, which under load is most of what the
        # collector costs (measured in docs/performance.md). Only here, in a server
        # process: where servers come and go (tests), frozen garbage would never be freed.
        gc.freeze()
        on_ready(server.url)
        await stop.wait()


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop when it is installed (it roughly halves aiohttp's per-request cost)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coroutine)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(coroutine)
