"""Built-in routers.

``by-model``: the request's ``model`` names the competitor. ``champion``: the same, except
that ``janus`` follows the leaderboard. ``arena``: the two competitors of an arena battle.
"""

from __future__ import annotations

import math
import random

from janus.config import JANUS_MODEL
from janus.errors import JanusError, model_not_found
from janus.gateway.arena.standings import ArenaStandings, pair_key
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


class ArenaRouter:
    """The pair of an arena battle, ``[A, B]``, drawn at random with weights that favour
    what the board needs: pairs whose order is uncertain (their confidence intervals
    overlap, few votes between them) and competitors with few votes (a newcomer is in
    most battles until it has some). Every pair keeps a small chance, and which of the
    two is A is a coin toss. ``rng`` makes the draws repeatable (tests seed it).

    Used as the gateway's main router, a chat request goes to A with B as its fallback.
    """

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random()

    async def route(self, request: ChatCompletionRequest, pool: CompetitorPool) -> list[Competitor]:
        competitors = list(pool)
        if len(competitors) < 2:
            raise JanusError(
                f"An arena battle needs two competitors; this gateway has {len(competitors)}.",
                status=503,
                type="server_error",
                code="arena_unavailable",
            )
        pairs = [(x, y) for i, x in enumerate(competitors) for y in competitors[i + 1 :]]
        weights = [pair_weight(pool.arena, x.id, y.id) for x, y in pairs]
        first, second = self.rng.choices(pairs, weights)[0]
        return [first, second] if self.rng.random() < 0.5 else [second, first]


def pair_weight(standings: ArenaStandings, a: str, b: str) -> float:
    """How much the board would learn from a battle of ``a`` and ``b``: their intervals
    overlap (their order is open), they met rarely, either of them has few votes."""
    rarely_met = 1 / math.sqrt(1 + standings.pair_votes.get(pair_key(a, b), 0))
    exposure = 1 / (1 + standings.votes(a)) + 1 / (1 + standings.votes(b))
    return 0.05 + _overlap(standings, a, b) + rarely_met + exposure


def _overlap(standings: ArenaStandings, a: str, b: str) -> float:
    """How much of the narrower interval the two share (1 when either is unrated)."""
    first, second = standings.ratings.get(a), standings.ratings.get(b)
    if first is None or second is None:
        return 1.0
    shared = min(first.ci_high, second.ci_high) - max(first.ci_low, second.ci_low)
    narrower = min(first.ci_high - first.ci_low, second.ci_high - second.ci_low)
    if narrower <= 0:
        return 1.0 if shared >= 0 else 0.0
    return min(1.0, max(0.0, shared / narrower))


@hookimpl
def register_routers(register):
    register("by-model", ByModelRouter())
    register("champion", ChampionRouter())
    register("arena", ArenaRouter())
