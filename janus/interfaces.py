"""The small typed interfaces each kind of plugin implements.

Plugins register objects that satisfy these Protocols; nothing has to inherit from them.
``specs/plugins.md`` is the prose version of this file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from janus.gateway.competitors import Competitor, CompetitorPool
    from janus.protocol import ChatCompletionRequest


@runtime_checkable
class Router(Protocol):
    """Chooses who answers: the primary competitor first, then fallbacks in order.

    Raise ``janus.errors.JanusError`` (e.g. ``model_not_found``) when nobody can answer.
    """

    async def route(
        self, request: ChatCompletionRequest, pool: CompetitorPool
    ) -> Sequence[Competitor]: ...


@runtime_checkable
class Guardrail(Protocol):
    """Checks a request, each streamed chunk and the final response.

    Each method returns its input (possibly modified) or raises ``JanusError`` to block.
    """

    async def check_request(self, request: dict[str, Any]) -> dict[str, Any]: ...

    async def check_chunk(self, chunk: dict[str, Any]) -> dict[str, Any]: ...

    async def check_response(self, response: dict[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Score:
    """One component's score for one task: 0..1 plus what led to it."""

    value: float
    details: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Scorer(Protocol):
    """Turns one task's observation into a ``Score`` for one composite component."""

    component: str  # quality | speed | cost | streaming | multimodal
    version: str

    def score(self, observation: dict[str, Any]) -> Score: ...
