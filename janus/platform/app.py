"""The platform sub-application: ``/platform/...`` behind token authentication.

Backends are chosen and their settings validated when the app is built (so a bad config
stops start-up), and started and closed with the app.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from janus.config import BackendChoice, Config, ConfigError, validate_settings
from janus.platform.auth import require_grant
from janus.platform.backends import Backend, BackendContext
from janus.platform.components import api as components_api
from janus.platform.keys import INFERENCE, METERING, SANDBOX, SEARCH, TOKENS
from janus.platform.metering import Metering
from janus.platform.tokens import PlatformTokens
from janus.plugins import PluginManager

log = logging.getLogger("janus.platform")

PREFIX = "/platform"
OFF = "off"  # backend = "off" leaves a service out (e.g. no sandbox on a host without bwrap)
UPSTREAM_KEY_ENV_DEFAULT = "CHUTES_API_KEY"


@dataclass(frozen=True)
class Service:
    name: str
    hook: str
    key: web.AppKey
    routes_module: str  # has add_routes(app)


SERVICES = (
    Service("inference", "register_inference_backends", INFERENCE, "janus.platform.inference.api"),
    Service("sandbox", "register_sandbox_backends", SANDBOX, "janus.platform.sandbox.api"),
    Service("search", "register_search_backends", SEARCH, "janus.platform.search.api"),
)


def data_dir(config: Config) -> Path:
    return Path(os.path.expanduser(config.platform.data_dir))


def backend_data_dir(config: Config, service: str, backend: str) -> Path:
    """The directory a backend gets for its files (commands that prepare them use it too)."""
    return data_dir(config) / service / backend


def create_platform_app(
    config: Config,
    plugins: PluginManager,
    tokens: PlatformTokens,
    metering: Metering,
    platform_socket: str | None = None,
) -> web.Application:
    platform = web.Application(middlewares=[require_grant])
    platform[TOKENS] = tokens
    platform[METERING] = metering
    backends: list[tuple[str, Backend]] = []
    for service in SERVICES:
        choice: BackendChoice = getattr(config.platform, service.name)
        if choice.backend == OFF:
            continue
        name = _backend_name(service, choice)
        context = BackendContext(
            backend_data_dir(config, service.name, name), platform_socket, config.jail
        )
        backend = _build_backend(service, name, choice, plugins, context)
        platform[service.key] = backend
        backends.append((service.name, backend))
        importlib.import_module(service.routes_module).add_routes(platform)
    components_api.add_routes(platform)

    async def run_backends(app: web.Application) -> AsyncIterator[None]:
        started = []
        try:
            for service_name, backend in backends:
                await backend.start()
                started.append(backend)
                log.info("platform %s: %s", service_name, backend.describe())
            yield
        finally:
            for backend in reversed(started):
                await backend.close()

    platform.cleanup_ctx.append(run_backends)
    return platform


def _backend_name(service: Service, choice: BackendChoice) -> str:
    """``auto`` inference means the upstream provider when its key is set, else the local
    model, so ``janus run`` works offline with no key at all."""
    if service.name != "inference" or choice.backend != "auto":
        return choice.backend
    key_env = choice.settings_for("upstream").get("api_key_env", UPSTREAM_KEY_ENV_DEFAULT)
    if os.environ.get(str(key_env)):
        log.info("platform inference: auto → upstream ($%s is set)", key_env)
        return "upstream"
    log.info("platform inference: auto → local embedded model ($%s is not set)", key_env)
    return "local"


def _build_backend(
    service: Service,
    name: str,
    choice: BackendChoice,
    plugins: PluginManager,
    context: BackendContext,
) -> Backend:
    factories = plugins.collect(service.hook)
    key = f"platform.{service.name}"
    if name not in factories:
        known = ", ".join(sorted(factories)) or "none installed"
        raise ConfigError(
            f"{key}.backend: no {service.name} backend named '{name}' (available: {known})"
        )
    factory = factories[name]
    settings = validate_settings(factory.Settings, choice.settings_for(name), f"{key}.{name}")
    return factory(settings, context)
