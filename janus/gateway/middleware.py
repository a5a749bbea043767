"""Every request gets an id, an OpenAI-shaped error when it fails, and one log line."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets

from aiohttp import web

from janus.errors import JanusError
from janus.gateway.keys import CONFIG, METRICS, RECORD
from janus.gateway.observability import RequestRecord
from janus.gateway.relay import CLIENT_CLOSED_STATUS
from janus.platform.app import PREFIX as PLATFORM_PREFIX

REQUEST_ID_HEADER = "X-Request-Id"
# The gateway's own id of the request, on every response (the client may have chosen the
# X-Request-Id echoed beside it).
GATEWAY_REQUEST_ID_HEADER = "X-Janus-Request-Id"
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
log = logging.getLogger("janus.gateway")

_HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}


def new_request_id() -> str:
    """128 bits from the OS's random source, as hex.

    This id keys the request's platform tokens, sandboxes, meters and artifacts, so it is
    never the client's: two requests sending the same ``X-Request-Id`` must not share
    them, and nobody may predict another request's id from the ids they were shown.
    """
    return secrets.token_hex(16)


def error_response(error: JanusError) -> web.Response:
    return web.Response(
        status=error.status,
        body=error.to_json(),
        content_type="application/json",
        headers=error.headers,
    )


@web.middleware
async def observe(request: web.Request, handler) -> web.StreamResponse:
    supplied = request.headers.get(REQUEST_ID_HEADER)
    record = RequestRecord(
        new_request_id(),
        request.method,
        request.path,
        client_request_id=supplied if supplied and _SAFE_REQUEST_ID.fullmatch(supplied) else None,
    )
    request[RECORD] = record
    response: web.StreamResponse | None = None
    try:
        response = await _answer(request, handler, record)
        return response
    except asyncio.CancelledError:
        record.status, record.error = CLIENT_CLOSED_STATUS, "client disconnected"
        raise
    finally:
        if response is not None:
            record.status = record.status or response.status
            if isinstance(response, web.Response) and isinstance(response.body, bytes):
                record.bytes_out = len(response.body)
        record.finish(request.app[METRICS], request.app[CONFIG].gateway.access_log)


async def _answer(request: web.Request, handler, record: RequestRecord) -> web.StreamResponse:
    try:
        return await handler(request)
    except JanusError as error:
        record.error = error.message
        return error_response(error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        error = JanusError(
            exc.reason
            if exc.status != 405
            else f"{request.method} is not allowed on {request.path}",
            status=exc.status,
            type="invalid_request_error",
            code=_HTTP_ERROR_CODES.get(exc.status),
        )
        record.error = error.message
        return error_response(error)
    except Exception:
        log.exception("unhandled error in request %s", record.request_id)
        record.error = "internal error"
        return error_response(
            JanusError(
                f"The gateway failed unexpectedly (request id {record.request_id}).",
                status=500,
                type="server_error",
                code="internal_error",
            )
        )


def only_platform_on(socket_path: str):
    """The platform socket is bound into sandboxes: it must open the platform and nothing
    else (no chat completions from inside a sandbox)."""

    @web.middleware
    async def guard(request: web.Request, handler) -> web.StreamResponse:
        transport = request.transport
        if (
            transport is not None
            and transport.get_extra_info("sockname") == socket_path
            and not request.path.startswith(PLATFORM_PREFIX + "/")
        ):
            raise JanusError(
                "Only /platform is served on the platform socket.",
                status=403,
                type="permission_error",
                code="platform_only",
            )
        return await handler(request)

    return guard


async def add_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` signal: covers plain and streamed responses alike. The
    client's own id is only echoed; the gateway's comes beside it."""
    record = request.get(RECORD)
    if record is not None:
        response.headers[REQUEST_ID_HEADER] = record.client_request_id or record.request_id
        response.headers[GATEWAY_REQUEST_ID_HEADER] = record.request_id
