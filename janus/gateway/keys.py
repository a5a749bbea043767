"""Typed keys for what the app and each request carry."""

from __future__ import annotations

from aiohttp import web

from janus.config import Config
from janus.gateway.artifacts import Artifacts
from janus.gateway.competitors import CompetitorPool
from janus.gateway.guardrails import Guardrails
from janus.gateway.observability import Metrics, RequestRecord
from janus.gateway.supervisor import Supervisor
from janus.interfaces import Router
from janus.platform.metering import Metering
from janus.platform.tokens import PlatformTokens
from janus.plugins import PluginManager
from janus.store import Store

CONFIG = web.AppKey("config", Config)
PLUGINS = web.AppKey("plugins", PluginManager)
POOL = web.AppKey("pool", CompetitorPool)
ROUTER = web.AppKey("router", Router)
GUARDRAILS = web.AppKey("guardrails", Guardrails)
METRICS = web.AppKey("metrics", Metrics)
STARTED_AT = web.AppKey("started_at", int)
STREAMS = web.AppKey("streams", set)  # the StreamRelays in flight, for shutdown and metrics
TOKENS = web.AppKey("tokens", PlatformTokens)
STORE = web.AppKey("store", Store)
ARTIFACTS = web.AppKey("artifacts", Artifacts)
BACKGROUND = web.AppKey("background", set)  # fire-and-forget tasks, kept referenced
SUPERVISOR = web.AppKey("supervisor", Supervisor)
METERING = web.AppKey("metering", Metering)
ADMIN_KEY = web.AppKey("admin_key", str)

RECORD = web.RequestKey("record", RequestRecord)


def record_of(request: web.Request) -> RequestRecord:
    return request[RECORD]
