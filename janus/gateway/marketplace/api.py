"""``/v1/marketplace/...``: what components are installed, and who uses them how much.

All three routes are public reads, like the leaderboard: the catalogue is what miners
build against, and usage per competitor is competition data the marketplace publishes
(it shows which components the competitors rely on). Nothing here reveals a request's
content; usage rows carry only ids, counts and times.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from janus.gateway.keys import STORE
from janus.interfaces import Component
from janus.platform.app import PREFIX as PLATFORM_PREFIX
from janus.platform.components.api import COMPONENTS, component_not_found


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/marketplace/components", list_components)
    app.router.add_get("/v1/marketplace/components/{component_id}", get_component)
    app.router.add_get("/v1/marketplace/usage", usage)


def describe(component: Component, usage_count: int) -> dict[str, Any]:
    manifest = component.manifest
    return {
        **manifest.model_dump(mode="json"),
        "usage_count": usage_count,
        "endpoint": f"{PLATFORM_PREFIX}/components/{manifest.id}/",
    }


async def list_components(request: web.Request) -> web.Response:
    counts = await request.app[STORE].component_call_counts()
    data = [
        describe(component, counts.get(component_id, 0))
        for component_id, component in request.app[COMPONENTS].items()
    ]
    return web.json_response({"object": "list", "data": data})


async def get_component(request: web.Request) -> web.Response:
    component_id = request.match_info["component_id"]
    component = request.app[COMPONENTS].get(component_id)
    if component is None:
        raise component_not_found(component_id)
    counts = await request.app[STORE].component_call_counts()
    body = describe(component, counts.get(component_id, 0))
    body["contract_document"] = component.contract_document
    return web.json_response(body)


async def usage(request: web.Request) -> web.Response:
    """Calls per (component, competitor), busiest first; ``?component_id=`` narrows it."""
    component_id = request.query.get("component_id") or None
    rows = await request.app[STORE].component_usage(component_id)
    return web.json_response({"object": "list", "data": rows})
