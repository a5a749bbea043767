"""Model names: ``GET /v1/models``, ``GET /v1/models/{id}``, and ``[routing] aliases``.

A model id is a competitor id, or ``janus`` (the router's choice) when a default competitor
is configured. Aliases are other names for those, resolved before routing so that clients
written for another gateway's names work unchanged; they are not listed, but each can be
retrieved.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from janus.config import JANUS_MODEL
from janus.errors import model_not_found
from janus.gateway.competitors import CompetitorPool
from janus.gateway.keys import CONFIG, POOL, STARTED_AT
from janus.protocol import ChatCompletionRequest


def _entry(model_id: str, owned_by: str, created: int) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": created, "owned_by": owned_by}


def _owner(model_id: str, pool: CompetitorPool) -> str | None:
    """Who serves ``model_id`` (a competitor's name, or ``janus``), None if nobody does."""
    if model_id == JANUS_MODEL:
        return JANUS_MODEL if pool.default is not None else None
    competitor = pool.get(model_id)
    return competitor.name if competitor is not None else None


async def list_models(request: web.Request) -> web.Response:
    created = request.app[STARTED_AT]
    pool = request.app[POOL]
    models = [_entry(c.id, c.name, created) for c in pool]
    if pool.default is not None:
        models.insert(0, _entry(JANUS_MODEL, JANUS_MODEL, created))
    return web.json_response({"object": "list", "data": models})


async def retrieve_model(request: web.Request) -> web.Response:
    """One model, as OpenAI's ``GET /v1/models/{model}`` answers; an alias is retrieved
    under the name asked for, owned by what it stands for."""
    model_id = request.match_info["model_id"]
    target = request.app[CONFIG].routing.aliases.get(model_id, model_id)
    owner = _owner(target, request.app[POOL])
    if owner is None:
        raise model_not_found(model_id)
    return web.json_response(_entry(model_id, owner, request.app[STARTED_AT]))


def resolve_alias(
    aliases: dict[str, str], body: bytes, chat: ChatCompletionRequest
) -> tuple[bytes, ChatCompletionRequest]:
    """The request as if the client had named the alias's target: the router routes it and
    the competitor receives it under the id it knows."""
    target = aliases.get(chat.model)
    if target is None:
        return body, chat
    payload = json.loads(body)
    payload["model"] = target
    return json.dumps(payload, separators=(",", ":")).encode(), chat.model_copy(
        update={"model": target}
    )
