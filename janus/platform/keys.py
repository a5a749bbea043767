"""Typed keys of the platform sub-application and its requests."""

from __future__ import annotations

from aiohttp import web

from janus.platform.metering import Metering
from janus.platform.tokens import Grant, PlatformTokens

TOKENS = web.AppKey("platform_tokens", PlatformTokens)
METERING = web.AppKey("platform_metering", Metering)
INFERENCE = web.AppKey("platform_inference", object)  # the InferenceBackend in use
SANDBOX = web.AppKey("platform_sandbox", object)  # the SandboxBackend in use
SEARCH = web.AppKey("platform_search", object)  # the SearchBackend in use

GRANT = web.RequestKey("platform_grant", Grant)


def grant_of(request: web.Request) -> Grant:
    return request[GRANT]
