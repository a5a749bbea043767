"""What every competition handler needs: typed bodies, the admin check, the error shapes."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from janus.errors import JanusError
from janus.gateway.admin import require_admin
from janus.gateway.keys import ADMIN_KEY

Body = TypeVar("Body", bound=BaseModel)


async def parse_body(request: web.Request, model: type[Body]) -> Body:
    """The JSON body validated into ``model``; 400 naming the first bad field otherwise."""
    try:
        data = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise JanusError("The request body is not valid JSON.", code="invalid_json") from None
    if not isinstance(data, dict):
        raise JanusError("The request body must be a JSON object.", code="invalid_body")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        param = ".".join(str(part) for part in error["loc"]) or None
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        text = f"{param}: {message}" if param else message
        raise JanusError(text, param=param, code="invalid_value") from None


def admin_only(request: web.Request) -> None:
    require_admin(request, request.app[ADMIN_KEY])


def is_admin(request: web.Request) -> bool:
    try:
        admin_only(request)
    except JanusError:
        return False
    return True


def bearer_token(request: web.Request) -> str:
    authorization = request.headers.get("Authorization", "")
    return authorization[7:].strip() if authorization[:7].lower() == "bearer " else ""


def owner_key_hash(owner_key: str) -> str:
    return hashlib.sha256(owner_key.encode()).hexdigest()


def holds_owner_key(request: web.Request, stored_hash: str | None) -> bool:
    """Whether the request's bearer token is the owner key whose hash is ``stored_hash``."""
    presented = bearer_token(request)
    if not presented or not stored_hash:
        return False
    return hmac.compare_digest(owner_key_hash(presented), stored_hash)


def not_found(what: str, identifier: str, param: str | None = None) -> JanusError:
    return JanusError(
        f"No {what} has id '{identifier}'.", status=404, code=f"{what}_not_found", param=param
    )


def listing(data: list[dict[str, Any]], **extra: Any) -> web.Response:
    return web.json_response({"object": "list", "data": data, **extra})
