"""Built-in routers.

``by-model``: the request's ``model`` names the competitor. ``champion``: the same, except
that ``janus`` follows the leaderboard.
"""

from __future__ import annotations

from janus.config import JANUS_MODEL
from janus.errors import model_not_found
from janus.gateway.competitors import Competitor, CompetitorPool
from janus.hookspecs import hookimpl
from janus.protocol import ChatCompletionRequest

__all__ = ["JANUS_MODEL", "ByModelRouter", "ChampionRouter", "register_routers"]


class ByModelRouter:
    """``model`` = a competitor id → that competitor; ``janus`` → the default competitor,
    then the configured fallbacks; anything else → 404 ``model_not_found``."""

    async def route(self, request: ChatCompletionRequest, pool: CompetitorPool) -> list[Competitor]:
        if request.model == JANUS_MODEL:
            if pool.default is None:
                raise model_not_found(JANUS_MODEL, ": no default competitor is configured")
            return [pool.default, *(c for c in pool.fallbacks if c is not pool.default)]
        competitor = pool.get(request.model)
        if competitor is None:
            raise model_not_found(request.model)
        return [competitor]


class ChampionRouter(ByModelRouter):
    """``janus`` → the current #1 of the leaderboard, then the next ones down in order
    (the gateway moves on to the next only while nothing reached the client), then the
    configured default and fallbacks. Before there is a leaderboard it is ``by-model``.

    The competition keeps ``pool.ranking`` current, so the router needs no store."""

    async def route(self, request: ChatCompletionRequest, pool: CompetitorPool) -> list[Competitor]:
        if request.model != JANUS_MODEL or not pool.ranking:
            return await super().route(request, pool)
        ranked = [c for c in map(pool.get, pool.ranking) if c is not None]
        configured = [c for c in (pool.default, *pool.fallbacks) if c is not None]
        candidates = list(dict.fromkeys([*ranked, *configured]))
        if not candidates:
            raise model_not_found(JANUS_MODEL, ": no ranked or default competitor is available")
        return candidates


@hookimpl
def register_routers(register):
    register("by-model", ByModelRouter())
    register("champion", ChampionRouter())
