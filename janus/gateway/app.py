"""The gateway application factory and the server that runs it."""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from janus import __version__
from janus.builtin.routers import JANUS_MODEL
from janus.config import Config
from janus.gateway.chat import chat_completions
from janus.gateway.competitors import open_pool
from janus.gateway.keys import CONFIG, METRICS, PLUGINS, POOL, ROUTER, STARTED_AT
from janus.gateway.middleware import add_request_id, observe
from janus.gateway.observability import Metrics
from janus.plugins import PluginError, PluginManager


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
    app[METRICS] = Metrics()
    app[STARTED_AT] = int(time.time())
    app.on_response_prepare.append(add_request_id)
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


async def _plugin_lifecycle(app: web.Application) -> AsyncIterator[None]:
    await _call_lifecycle(app, "startup")
    yield
    await _call_lifecycle(app, "shutdown")


async def _call_lifecycle(app: web.Application, hook_name: str) -> None:
    for result in getattr(app[PLUGINS].hook, hook_name)(app=app):
        if inspect.isawaitable(result):
            await result


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
