"""Talking to one competitor: send the request, judge its HTTP answer, read bounded bodies.

Shared by the non-stream path and the stream relay so both classify failures alike.
"""

from __future__ import annotations

import json
import logging
import os

import aiohttp

from janus.gateway.competitors import CompetitorFailed

# Statuses where the competitor judged the client's request itself to be wrong: trying
# another competitor would not help, so the client gets the competitor's answer.
CLIENT_FAULT_STATUSES = frozenset({400, 413, 422})
_ERROR_PREVIEW_BYTES = 64 * 1024
log = logging.getLogger("janus.gateway")


async def read_limited(response: aiohttp.ClientResponse, limit: int, what: str) -> bytes:
    """Read a whole upstream body, refusing to buffer more than ``limit`` bytes."""
    if response.content_length is not None and response.content_length > limit:
        raise ValueError(f"{what} of {response.content_length} bytes exceeds {limit} bytes")
    body = bytearray()
    async for chunk in response.content.iter_any():
        body += chunk
        if len(body) > limit:
            raise ValueError(f"{what} exceeds {limit} bytes")
    return bytes(body)


async def failure_from_status(competitor_id: str, response: aiohttp.ClientResponse):
    """Describe a non-200 answer, keeping the competitor's OpenAI error if it sent one."""
    if 300 <= response.status < 400:
        return CompetitorFailed(
            competitor_id,
            f"answered HTTP {response.status}, a redirect (never followed)",
            status=response.status,
        )
    try:
        preview = await response.content.read(_ERROR_PREVIEW_BYTES)
    except aiohttp.ClientError:
        preview = b""
    error_body = None
    detail = preview[:200].decode("utf-8", "replace").strip()
    try:
        parsed = json.loads(preview)
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
            error_body = parsed
            detail = str(parsed["error"].get("message", detail))
    except ValueError:
        pass
    return CompetitorFailed(
        competitor_id,
        f"answered HTTP {response.status}" + (f": {detail}" if detail else ""),
        status=response.status,
        retryable=response.status not in CLIENT_FAULT_STATUSES,
        error_body=error_body,
    )


def unreachable(competitor_id: str, exc: BaseException) -> CompetitorFailed:
    """The client learns why, never where: a competitor's address or socket path is the
    operator's business, so it goes to the log only."""
    log.warning("competitor %s is unreachable: %s", competitor_id, exc)
    return CompetitorFailed(competitor_id, f"is unreachable: {_why(exc)}")


def _why(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):  # its own text names the address
        return os.strerror(exc.os_error.errno) if exc.os_error.errno else "connection failed"
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return "timed out"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the connection was closed"
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno)
    return type(exc).__name__
