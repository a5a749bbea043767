"""Only a live platform token (or a competitor's standing key) opens the platform."""

from __future__ import annotations

from aiohttp import web

from janus.errors import JanusError
from janus.platform.keys import GRANT, TOKENS
from janus.platform.tokens import TOKEN_HEADER


def _presented_token(request: web.Request) -> str:
    # The openai SDK sends its api_key as a bearer token, so competitors can simply use
    # the platform token as their API key.
    authorization = request.headers.get("Authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return request.headers.get(TOKEN_HEADER, "").strip()


@web.middleware
async def require_grant(request: web.Request, handler) -> web.StreamResponse:
    token = _presented_token(request)
    grant = request.app[TOKENS].verify(token) if token else None
    if grant is None:
        raise JanusError(
            "A live platform token is required (Authorization: Bearer <token>); it comes "
            f"with each request in the {TOKEN_HEADER} header and expires with it.",
            status=401,
            type="authentication_error",
            code="invalid_platform_token",
        )
    request[GRANT] = grant
    return await handler(request)
