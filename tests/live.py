"""Real servers on real sockets, run on an event loop in a background thread.

Running them off the test's own loop lets synchronous clients (the ``openai`` SDK) and
asynchronous ones talk to the same gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from aiohttp import web

from janus.config import parse_config
from janus.gateway.app import create_app
from janus.plugins import load_plugins
from janus.server import listening
from tests.scripted_competitor import Script, ScriptedCompetitor


class LiveServers:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self._stack: contextlib.AsyncExitStack | None = None

    def call(self, coroutine, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def serve(self, app: web.Application, timeout: float = 30, **where: Any) -> str:
        """Serve ``app`` on an ephemeral loopback port (or ``unix_socket=PATH``)."""

        async def start() -> str:
            if self._stack is None:
                self._stack = contextlib.AsyncExitStack()
            server = await self._stack.enter_async_context(listening(app, **where))
            return server.url

        return self.call(start(), timeout)

    def competitor(self, script: Script, **where: Any) -> tuple[ScriptedCompetitor, str]:
        competitor = ScriptedCompetitor(script)
        return competitor, self.serve(competitor.app(), **where)

    def gateway(
        self,
        competitors: dict[str, str],
        *,
        default: str | None = None,
        fallbacks: tuple[str, ...] = (),
        router: str = "by-model",
        aliases: dict[str, str] | None = None,
        plugins: tuple[object, ...] = (),
        platform: dict[str, Any] | None = None,
        artifacts: dict[str, Any] | None = None,
        guardrails: dict[str, Any] | None = None,
        subprocess_competitors: dict[str, dict[str, Any]] | None = None,
        arena: dict[str, Any] | None = None,
        inspect: Callable[[web.Application], object] = lambda app: app,
        **gateway: Any,
    ) -> str:
        """A gateway in front of ``competitors`` (id → URL), with extra in-process plugins.

        The platform stays off unless ``platform`` (the ``[platform]`` table) is given;
        ``guardrails`` is the ``[guardrails]`` table, ``arena`` the ``[arena]`` table.
        """
        config = parse_config(
            {
                "gateway": gateway,
                "routing": {
                    "default": default,
                    "fallbacks": list(fallbacks),
                    "router": router,
                    "aliases": aliases or {},
                },
                "competitors": [{"id": cid, "url": url} for cid, url in competitors.items()]
                + [{"id": cid, **spec} for cid, spec in (subprocess_competitors or {}).items()],
                "platform": {"enabled": False, "data_dir": tempfile.mkdtemp(prefix="janus-test-")}
                if platform is None
                else platform,
                "artifacts": artifacts or {},
                "guardrails": guardrails or {},
                "arena": arena or {},
            },
            "test config",
        )
        manager = load_plugins(use_env=False, allow=set())
        for plugin in plugins:
            manager.register(plugin)
        app = create_app(config, manager)
        inspect(app)
        return self.serve(app, shutdown_timeout=config.gateway.shutdown_grace_s)

    def stop_all(self) -> None:
        if self._stack is not None:
            self.call(self._stack.aclose())
            self._stack = None

    def close(self) -> None:
        self.stop_all()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
