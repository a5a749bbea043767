"""The small typed interfaces each kind of plugin implements.

Plugins register objects that satisfy these Protocols; nothing has to inherit from them.
``specs/plugins.md`` is the prose version of this file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

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


Phase = Literal["request", "chunk", "response"]
Report = Callable[[str, str], None]  # report(action, detail): action is "redact" or "modify"


@dataclass
class RequestContext:
    """What request-phase guardrails see of one client request.

    ``body`` is the parsed JSON the competitor will receive; to change it, a guardrail
    returns a new body from ``check_request`` (and calls ``report("modify", ...)``).
    ``notes`` is shared by the guardrails of one request, in order (client authentication
    leaves ``notes["client_key"]`` for those after it). ``on_finish`` callbacks run once
    when the request is over, however it ended (to release a concurrency slot, say).
    """

    body: dict[str, Any]
    headers: Mapping[str, str]
    client_address: str
    size_bytes: int
    request_id: str
    report: Report
    notes: dict[str, Any] = field(default_factory=dict)
    _finishers: list[Callable[[], None]] = field(default_factory=list)

    def on_finish(self, callback: Callable[[], None]) -> None:
        self._finishers.append(callback)

    def finish(self) -> None:
        """Run the ``on_finish`` callbacks (the gateway calls this exactly once)."""
        finishers, self._finishers = self._finishers, []
        for callback in reversed(finishers):
            callback()


@dataclass
class StreamState:
    """One guardrail's state for one stream: its own scratch space and how it reports."""

    report: Report
    data: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Guardrail(Protocol):
    """Checks a request, each streamed chunk and the final non-stream answer.

    ``phases`` says which checks the guardrail implements; the gateway calls only those,
    so a request-only guardrail costs nothing per streamed chunk, and methods of other
    phases may be left out. To block, raise ``janus.errors.GuardrailViolation``; to
    change something, return the changed object and call ``report``.

    ``parallel = True`` makes the request check run concurrently with the upstream call
    (to hide its latency): it may only block, never modify. If it blocks before the
    answer's first byte reached the client the client gets an HTTP error, else an
    in-band error event and ``[DONE]``.

    ``authenticates_clients`` (optional, default False) tells the gateway that this
    guardrail rejects clients without a valid key, which a non-loopback bind requires.
    """

    phases: frozenset[Phase]
    parallel: bool

    async def check_request(self, request: RequestContext) -> dict[str, Any] | None:
        """Return None to pass the body as it is, or a new body."""

    async def check_chunk(self, chunk: dict[str, Any], state: StreamState) -> dict[str, Any]:
        """Return the chunk to send (possibly changed)."""

    def passes_unchanged(self, data: bytes, state: StreamState) -> bool:
        """Optional fast path: True when the raw chunk ``data`` certainly needs nothing
        from this guardrail. When every chunk guardrail says so, the chunk is relayed as it
        is, neither parsed nor re-encoded; otherwise ``check_chunk`` sees it as usual."""

    def finish_stream(self, state: StreamState) -> list[dict[str, Any]]:
        """Chunks still to send before ``[DONE]`` (text held back across chunks)."""

    async def check_response(
        self, response: dict[str, Any], request: RequestContext
    ) -> dict[str, Any]:
        """Return the non-stream ``chat.completion`` to send (possibly changed)."""


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
