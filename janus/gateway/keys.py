"""Typed keys for what the app and each request carry."""

from __future__ import annotations

from aiohttp import web

from janus.config import Config
from janus.gateway.competitors import CompetitorPool
from janus.gateway.observability import Metrics, RequestRecord
from janus.interfaces import Router
from janus.plugins import PluginManager

CONFIG = web.AppKey("config", Config)
PLUGINS = web.AppKey("plugins", PluginManager)
POOL = web.AppKey("pool", CompetitorPool)
ROUTER = web.AppKey("router", Router)
METRICS = web.AppKey("metrics", Metrics)
STARTED_AT = web.AppKey("started_at", int)
STREAMS = web.AppKey("streams", set)  # the StreamRelays in flight, for shutdown and metrics

RECORD = web.RequestKey("record", RequestRecord)


def record_of(request: web.Request) -> RequestRecord:
    return request[RECORD]
