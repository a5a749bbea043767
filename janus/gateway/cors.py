"""CORS: let pages on the origins ``[gateway] cors_origins`` names call the ``/v1`` API.

Off unless configured. A browser asks first (a preflight ``OPTIONS`` with
``Access-Control-Request-Method``) before it sends a request with an ``Authorization``
header or a JSON body; the middleware answers that preflight for ``/v1/*`` itself, since no
route takes ``OPTIONS``. Actual responses get ``Access-Control-Allow-Origin`` when the
request's ``Origin`` is allowed and nothing otherwise, so the browser withholds them from
scripts of any other origin. ``/platform``, the pages and ``/metrics`` are never shared.
"""

from __future__ import annotations

from aiohttp import web

from janus.errors import JanusError

ANY_ORIGIN = "*"
SHARED_PREFIX = "/v1/"
ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS"
# Scripts may read these response headers (the rest of the safelisted ones are readable anyway).
EXPOSED_HEADERS = "X-Request-Id, Retry-After"
PREFLIGHT_MAX_AGE_S = 600


class Cors:
    """The allowed origins, and what a request from each one gets."""

    def __init__(self, origins: list[str]) -> None:
        self.any = ANY_ORIGIN in origins
        self.origins = frozenset(origin for origin in origins if origin != ANY_ORIGIN)

    def allow_origin(self, origin: str) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for ``origin``, or None if not allowed."""
        if self.any:
            return ANY_ORIGIN
        return origin if origin in self.origins else None

    def middleware(self):
        @web.middleware
        async def preflight(request: web.Request, handler) -> web.StreamResponse:
            if not _is_preflight(request):
                return await handler(request)
            allowed = self.allow_origin(request.headers["Origin"])
            if allowed is None:
                raise JanusError(
                    f"Origin {request.headers['Origin']} is not allowed to call this gateway "
                    "(see [gateway] cors_origins).",
                    status=403,
                    type="permission_error",
                    code="origin_not_allowed",
                )
            headers = {
                "Access-Control-Allow-Origin": allowed,
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
                "Vary": "Origin, Access-Control-Request-Headers",
            }
            if requested := request.headers.get("Access-Control-Request-Headers"):
                # The gateway authenticates by header, not by cookie, so any header may come.
                headers["Access-Control-Allow-Headers"] = requested
            return web.Response(status=204, headers=headers)

        return preflight

    async def on_response_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        """Mark shared responses, plain and streamed alike, before their headers go out."""
        if (
            not request.path.startswith(SHARED_PREFIX)
            or "Access-Control-Allow-Origin" in response.headers  # a preflight's answer
        ):
            return
        if not self.any:
            response.headers.add("Vary", "Origin")
        if (origin := request.headers.get("Origin")) is None:
            return
        if (allowed := self.allow_origin(origin)) is not None:
            response.headers["Access-Control-Allow-Origin"] = allowed
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def _is_preflight(request: web.Request) -> bool:
    return (
        request.method == "OPTIONS"
        and request.path.startswith(SHARED_PREFIX)
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
    )


def setup_cors(app: web.Application, origins: list[str]) -> None:
    """Answer preflights and mark responses for ``origins`` (nothing when it is empty)."""
    if not origins:
        return
    cors = Cors(origins)
    app.middlewares.append(cors.middleware())
    app.on_response_prepare.append(cors.on_response_prepare)
