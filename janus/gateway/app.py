"""The gateway application factory and the server that runs it."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import time
import weakref
from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from janus import __version__
from janus.config import Config
from janus.connections import ConnectionLimits
from janus.gateway.admin import BENCH_GRANTEE, load_admin_key
from janus.gateway.arena.api import setup_arena
from janus.gateway.artifacts import Artifacts, SandboxReader, UrlSigner
from janus.gateway.chat import chat_completions
from janus.gateway.competition import setup_competition
from janus.gateway.competition.auto import setup_auto_evaluations
from janus.gateway.competitors import open_pool
from janus.gateway.cors import setup_cors
from janus.gateway.data_dir_lock import hold_data_dir
from janus.gateway.downloads import serve_artifact
from janus.gateway.exposure import refuse_open_public_bind
from janus.gateway.guardrails import build_guardrails
from janus.gateway.housekeeping import run_housekeeping
from janus.gateway.keys import (
    ADMIN_KEY,
    ARTIFACTS,
    BACKGROUND,
    CONFIG,
    GUARDRAILS,
    METERING,
    METRICS,
    PLUGINS,
    POOL,
    ROUTER,
    STARTED_AT,
    STORE,
    STREAMS,
    SUPERVISOR,
    TOKENS,
)
from janus.gateway.marketplace import setup_marketplace
from janus.gateway.meters import verify_meters
from janus.gateway.middleware import add_request_id, observe, only_platform_on
from janus.gateway.models import list_models, retrieve_model
from janus.gateway.observability import Metrics
from janus.gateway.relay import StreamRelay
from janus.gateway.responses import create_response
from janus.gateway.runtimes.wiring import (
    DEPLOYED,
    RUNTIMES,
    build_runtimes,
    run_runtimes,
    setup_runtime_routes,
)
from janus.gateway.supervisor import Child, Supervisor
from janus.gateway.web import setup_web
from janus.interfaces import Router
from janus.platform.app import PREFIX as PLATFORM_PREFIX
from janus.platform.app import create_platform_app, data_dir
from janus.platform.keys import SANDBOX
from janus.platform.metering import Metering
from janus.platform.tokens import PlatformTokens, derive_key, platform_secret
from janus.plugins import PluginError, PluginManager
from janus.server import CONNECTION_LIMITS, EXTRA_UNIX_SOCKETS
from janus.signatures import meter_key
from janus.store import open_store

log = logging.getLogger("janus.gateway")


def create_app(config: Config, plugins: PluginManager) -> web.Application:
    """Build the gateway for ``config`` with the routers, backends and hooks of ``plugins``."""
    config = _drop_missing_optional_competitors(config, plugins)
    # Private sockets (the platform's, subprocess competitors') live in a fresh directory.
    runtime_dir = tempfile.mkdtemp(prefix="janus-")
    platform_socket = (
        os.path.join(runtime_dir, "platform", "platform.sock") if config.platform.enabled else None
    )
    if platform_socket:
        os.mkdir(os.path.dirname(platform_socket))
    middlewares = [observe]
    if platform_socket:
        middlewares.append(only_platform_on(platform_socket))
    # aiohttp's own body limit sits above ours so that the chat handler can answer 413
    # in the OpenAI shape with the configured figure.
    body_limit = config.gateway.max_body_bytes + 1
    app = web.Application(middlewares=middlewares, client_max_size=body_limit)
    app[CONFIG] = config
    app[CONNECTION_LIMITS] = ConnectionLimits.from_config(config.gateway)
    setup_cors(app, config.gateway.cors_origins)
    app[PLUGINS] = plugins
    app[ROUTER] = _router(config, plugins)
    streams: set[StreamRelay] = set()
    app[STREAMS] = streams
    app[METRICS] = Metrics(streams_in_flight=lambda: len(streams))
    app[GUARDRAILS] = build_guardrails(config, plugins, app[METRICS])
    refuse_open_public_bind(config, app[GUARDRAILS])
    app[STARTED_AT] = int(time.time())
    app[BACKGROUND] = set()

    secret = platform_secret(config.platform.secret_env)
    app[ADMIN_KEY] = load_admin_key(config)
    app[TOKENS] = PlatformTokens.from_environment(
        secret,
        {c.id: c.platform_key_env for c in config.competitors if c.platform_key_env},
        extra_keys={BENCH_GRANTEE: app[ADMIN_KEY]},
    )
    app[METERING] = Metering(app[METRICS].registry, meter_key(secret))
    app[STORE] = open_store(config)
    sandbox_reader = None
    if platform_socket:
        platform = create_platform_app(config, plugins, app[TOKENS], app[METERING], platform_socket)
        app.add_subapp(PLATFORM_PREFIX, platform)
        app[EXTRA_UNIX_SOCKETS] = [platform_socket]
        sandbox_reader = _sandbox_reader(platform)
    app[ARTIFACTS] = Artifacts(
        config.artifacts,
        app[STORE],
        data_dir(config) / "artifacts",
        UrlSigner(derive_key(secret, "artifact-urls")),
        sandbox_reader,
    )

    app.on_response_prepare.append(add_request_id)
    app.on_shutdown.append(_end_streams)
    app.cleanup_ctx.append(hold_data_dir)  # first: before anything touches data_dir
    app.cleanup_ctx.append(_open_store)
    app.cleanup_ctx.append(run_housekeeping)
    app[SUPERVISOR] = _supervisor(config, runtime_dir, platform_socket)
    app.on_cleanup.append(lambda _: _remove_dir(runtime_dir))
    # An app that is built but never run (a check, a test) must not leave the directory.
    weakref.finalize(app, shutil.rmtree, runtime_dir, True)
    app.cleanup_ctx.append(_subprocess_competitors)
    app[RUNTIMES] = build_runtimes(config, plugins, runtime_dir, platform_socket)
    app.cleanup_ctx.append(run_runtimes)
    app.cleanup_ctx.append(_competitor_pool)
    app.cleanup_ctx.append(_plugin_lifecycle)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/v1/responses", create_response)
    app.router.add_get("/v1/models", list_models)
    app.router.add_get("/v1/models/{model_id}", retrieve_model)
    app.router.add_get("/v1/artifacts/{artifact_id}", serve_artifact)
    app.router.add_post("/v1/meters/verify", verify_meters)
    app.router.add_get("/v1/artifacts/{artifact_id}/{file_name}", serve_artifact)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    setup_competition(app)
    setup_auto_evaluations(app)
    setup_runtime_routes(app)
    setup_marketplace(app)
    if config.arena.enabled:
        setup_arena(app)
    if config.web.enabled:
        setup_web(app)  # last: it serves the pages at "/"
    return app


def _drop_missing_optional_competitors(config: Config, plugins: PluginManager) -> Config:
    subprocess_specs = [c for c in config.competitors if c.kind == "subprocess"]
    if not subprocess_specs:
        return config
    installed = plugins.collect("register_competitors")
    missing = set()
    for spec in subprocess_specs:
        if spec.plugin in installed:
            continue
        if not spec.optional:
            known = ", ".join(sorted(installed)) or "none installed"
            raise PluginError(
                f"competitors.{spec.id}.plugin: no competitor plugin named "
                f"'{spec.plugin}' (available: {known})"
            )
        log.warning(
            "competitor %s left out: its plugin '%s' is not installed", spec.id, spec.plugin
        )
        missing.add(spec.id)
    return config.without(missing)


def _router(config: Config, plugins: PluginManager) -> Router:
    routers = plugins.collect("register_routers")
    if config.routing.router not in routers:
        known = ", ".join(sorted(routers)) or "none"
        raise PluginError(
            f"routing.router: no router named '{config.routing.router}' (installed: {known})"
        )
    return routers[config.routing.router]


def _sandbox_reader(platform: web.Application) -> SandboxReader | None:
    """How artifacts in a platform sandbox are read for re-hosting (None without one)."""
    backend = platform.get(SANDBOX)
    if backend is None:
        return None

    async def read(owner: str, sandbox_id: str, path: str, max_bytes: int) -> tuple[bytes, str]:
        return await backend.read_artifact(owner, sandbox_id, path, max_bytes=max_bytes)

    return read


async def _open_store(app: web.Application) -> AsyncIterator[None]:
    await app[STORE].open()
    yield
    await app[STORE].close()


async def _remove_dir(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _supervisor(config: Config, runtime_dir: str, platform_socket: str | None) -> Supervisor:
    children = [
        # One directory per competitor: it is all of the runtime directory a jail sees.
        Child(spec, os.path.join(runtime_dir, "competitors", spec.id, "competitor.sock"))
        for spec in config.competitors
        if spec.kind == "subprocess"
    ]
    return Supervisor(children, platform_socket, config.jail)


async def _subprocess_competitors(app: web.Application) -> AsyncIterator[None]:
    supervisor = app[SUPERVISOR]
    try:
        await supervisor.start()
        yield
    finally:
        await supervisor.stop()


async def _competitor_pool(app: web.Application) -> AsyncIterator[None]:
    supervisor = app[SUPERVISOR]
    local = {
        child.spec.id: (child.socket_path, supervisor.platform_url) for child in supervisor.children
    }
    local.update(app[DEPLOYED])
    async with open_pool(app[CONFIG], local) as pool:
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


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__})


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
