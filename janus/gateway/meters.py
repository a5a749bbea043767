"""``POST /v1/meters/verify``: whether ``usage.janus_metered`` objects are this platform's.

A bench run from outside the gateway cannot hold the meter key; it asks here instead. The
answer says only valid or not, so anyone may ask: it does not help forge a signature.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from janus.errors import JanusError
from janus.gateway.keys import METERING

MAX_METERS = 1000


async def verify_meters(request: web.Request) -> web.Response:
    """``{"meters": [...]}`` → ``{"object": "list", "data": [{"valid": bool}, ...]}``."""
    try:
        body: Any = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise JanusError("The request body is not valid JSON.", code="invalid_json") from None
    meters = body.get("meters") if isinstance(body, dict) else None
    if not isinstance(meters, list) or len(meters) > MAX_METERS:
        raise JanusError(
            f"meters: give a list of at most {MAX_METERS} usage.janus_metered objects.",
            code="invalid_value",
            param="meters",
        )
    metering = request.app[METERING]
    return web.json_response(
        {"object": "list", "data": [{"valid": metering.is_genuine(m)} for m in meters]}
    )
