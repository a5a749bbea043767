"""Built-in router ``by-model``: the request's ``model`` names the competitor."""

from __future__ import annotations

from janus.errors import model_not_found
from janus.gateway.competitors import Competitor, CompetitorPool
from janus.hookspecs import hookimpl
from janus.protocol import ChatCompletionRequest

JANUS_MODEL = "janus"


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


@hookimpl
def register_routers(register):
    register("by-model", ByModelRouter())
