"""``/platform/components/{id}/{path}``: invoke a marketplace component.

The platform's token check runs first (a call without a live platform token is a 401),
so every call belongs to a competitor and, with a per-request token, to one client
request. Each call that names a registered component is attributed: counted on the
caller's meter (Prometheus ``janus_platform_component_calls{competitor,component}`` and
the request's ``usage.janus_metered.component_calls``) and recorded in the store with
its final status, failed calls included, for the marketplace's usage figures.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Protocol

from aiohttp import web

from janus.errors import JanusError
from janus.interfaces import Component, ComponentCall
from janus.platform.components.services import PlatformServices
from janus.platform.keys import METERING, grant_of
from janus.platform.tokens import Grant

log = logging.getLogger("janus.platform.components")

ROUTE = "/components/{component_id}/{path:.*}"


class CallLog(Protocol):
    """Where calls are recorded (the gateway's store)."""

    async def record_component_call(
        self,
        *,
        component_id: str,
        competitor_id: str,
        request_id: str | None,
        called_at: float,
        status: int,
    ) -> None: ...


# Set on the gateway application by the marketplace (the platform is its sub-app, so
# handlers find them through ``request.config_dict``).
COMPONENTS = web.AppKey("marketplace_components", Mapping)  # id -> Component
CALL_LOG = web.AppKey("marketplace_call_log", CallLog)


def add_routes(app: web.Application) -> None:
    # GET and POST: what an OpenAPI component needs, and what an MCP server (JSON-RPC
    # over HTTP POST, with GET for its event stream) uses.
    app.router.add_get(ROUTE, invoke)
    app.router.add_post(ROUTE, invoke)


def component_not_found(component_id: str) -> JanusError:
    return JanusError(
        f"No marketplace component '{component_id}' is installed on this gateway.",
        status=404,
        code="component_not_found",
    )


async def invoke(request: web.Request) -> web.StreamResponse:
    component_id = request.match_info["component_id"]
    component: Component | None = request.config_dict.get(COMPONENTS, {}).get(component_id)
    if component is None:
        raise component_not_found(component_id)
    grant = grant_of(request)
    request.app[METERING].meter_for(grant).add_component_call(component_id)
    call = ComponentCall(
        request=request,
        path=request.match_info["path"],
        competitor_id=grant.competitor_id,
        request_id=grant.request_id,
        services=PlatformServices(request.app, grant, component.manifest),
    )
    called_at, status = time.time(), 500
    try:
        response = await _run(component, call)
        status = response.status
        return response
    except JanusError as error:
        status = error.status
        raise
    except asyncio.CancelledError:
        status = 499  # the caller went away
        raise
    finally:
        # Shielded: a caller that disconnects must not erase the record of its call.
        await asyncio.shield(_record(request, component_id, grant, called_at, status))


async def _run(component: Component, call: ComponentCall) -> web.StreamResponse:
    manifest = component.manifest
    try:
        async with asyncio.timeout(manifest.resources.timeout_s):
            response = await component.handler(call)
    except TimeoutError:
        raise JanusError(
            f"Component '{manifest.id}' did not answer within {manifest.resources.timeout_s:g} s.",
            status=504,
            type="timeout_error",
            code="component_timeout",
        ) from None
    except (JanusError, asyncio.CancelledError):
        raise
    except Exception:
        log.exception("component %s %s failed", manifest.id, manifest.version)
        raise _failed(component) from None
    if not isinstance(response, web.StreamResponse):
        log.error("component %s returned %r, not a response", manifest.id, type(response))
        raise _failed(component)
    return response


def _failed(component: Component) -> JanusError:
    return JanusError(
        f"Component '{component.manifest.id}' failed.",
        status=500,
        type="server_error",
        code="component_failed",
    )


async def _record(
    request: web.Request, component_id: str, grant: Grant, called_at: float, status: int
) -> None:
    calls = request.config_dict.get(CALL_LOG)
    if calls is None:
        return
    try:
        await calls.record_component_call(
            component_id=component_id,
            competitor_id=grant.competitor_id,
            request_id=grant.request_id,
            called_at=called_at,
            status=status,
        )
    except Exception:
        # Attribution must not turn a served call into a failure; the meter still counted it.
        log.exception("could not record a call of component %s", component_id)
