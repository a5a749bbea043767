"""The gateway application factory and the server that runs it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from janus import __version__
from janus.builtin.routers import JANUS_MODEL
from janus.config import Config
from janus.gateway.chat import chat_completions
from janus.gateway.competitors import open_pool
from janus.gateway.keys import CONFIG, METRICS, PLUGINS, POOL, ROUTER, STARTED_AT, STREAMS
from janus.gateway.middleware import add_request_id, observe
from janus.gateway.observability import Metrics
from janus.gateway.relay import StreamRelay
from janus.plugins import PluginError, PluginManager

log = logging.getLogger("janus.gateway")


def create_app(config: Config, plugins: PluginManager) -> web.Application:
    """Build the gateway for ``config`` with the routers and hooks ``plugins`` provide."""
    routers = plugins.collect("register_routers")
    if config.routing.router not in routers:
        known = ", ".join(sorted(routers)) or "none"
        raise PluginError(
            f"routing.router: no router named '{config.routing.router}' (installed: {known})"
        )
    # aiohttp's own body limit sits above ours so that the chat handler can answer 413
    # in the OpenAI shape with the configured figure.
    app = web.Application(middlewares=[observe], client_max_size=config.gateway.max_body_bytes + 1)
    app[CONFIG] = config
    app[PLUGINS] = plugins
    app[ROUTER] = routers[config.routing.router]
    streams: set[StreamRelay] = set()
    app[STREAMS] = streams
    app[METRICS] = Metrics(streams_in_flight=lambda: len(streams))
    app[STARTED_AT] = int(time.time())
    app.on_response_prepare.append(add_request_id)
    app.on_shutdown.append(_end_streams)
    app.cleanup_ctx.append(_competitor_pool)
    app.cleanup_ctx.append(_plugin_lifecycle)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_get("/v1/models", list_models)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    return app


async def _competitor_pool(app: web.Application) -> AsyncIterator[None]:
    async with open_pool(app[CONFIG]) as pool:
        app[POOL] = pool
        yield


async def _end_streams(app: web.Application) -> None:
    """Give streams in flight ``shutdown_grace_s`` to finish, then end them in-band (503)."""
    streams = app[STREAMS]
    if not streams:
        return
    grace = app[CONFIG].gateway.shutdown_grace_s
    log.info("shutting down: waiting up to %g s for %d stream(s)", grace, len(streams))
    waiters = [asyncio.ensure_future(relay.finished.wait()) for relay in streams]
    _, pending = await asyncio.wait(waiters, timeout=grace) if grace else ((), waiters)
    for waiter in pending:
        waiter.cancel()
    for relay in list(streams):
        relay.shut_down()


async def _plugin_lifecycle(app: web.Application) -> AsyncIterator[None]:
    await app[PLUGINS].acall("startup", app=app)
    yield
    await app[PLUGINS].acall("shutdown", app=app)


async def list_models(request: web.Request) -> web.Response:
    created = request.app[STARTED_AT]
    pool = request.app[POOL]
    models = [{"id": c.id, "object": "model", "created": created, "owned_by": c.name} for c in pool]
    if pool.default is not None:
        models.insert(
            0, {"id": JANUS_MODEL, "object": "model", "created": created, "owned_by": "janus"}
        )
    return web.json_response({"object": "list", "data": models})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__})


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
