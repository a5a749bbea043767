"""The small typed interfaces each kind of plugin implements.

Plugins register objects that satisfy these Protocols; nothing has to inherit from them.
``specs/plugins.md`` is the prose version of this file.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from janus.protocol import describe_validation_error

if TYPE_CHECKING:
    from aiohttp import web

    from janus.gateway.competitors import Competitor, CompetitorPool
    from janus.platform.components.services import PlatformServices
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
    # The request carries the gateway's admin key: the operator's own traffic, such as an
    # evaluation the gateway runs, which client authentication lets through.
    admin: bool = False
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
        is, neither parsed nor re-encoded; otherwise ``check_chunk`` sees it as usual. The
        same goes for a non-stream answer and ``check_response`` (``state`` is then a fresh
        one)."""

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


# Reward policies -----------------------------------------------------------------------


@dataclass(frozen=True)
class RewardStanding:
    """A ranked competitor at the end of a period."""

    competitor_id: str
    rank: int  # 1: the champion
    composite: float
    # Consecutive periods (this one included) this competitor has ended at #1; 0 below #1.
    periods_at_first: int


@dataclass(frozen=True)
class RewardPeriod:
    """One closed period of the leaderboard's history, as a reward policy sees it."""

    label: str  # "2026-12-03" for a daily period
    start: float
    end: float
    standings: tuple[RewardStanding, ...]  # ranked rows at ``end``, champion first
    component_calls: Mapping[str, int]  # successful marketplace calls in the period


@dataclass(frozen=True)
class Payout:
    recipient_kind: Literal["competitor", "component"]
    recipient_id: str
    amount: float
    rank: int | None = None
    basis: Mapping[str, Any] = field(default_factory=dict)  # why: shown in the ledger


@runtime_checkable
class RewardPolicy(Protocol):
    """Turns one closed period into payouts. Must be a pure function of its inputs: the
    ledger is computed once per period and stored, and anyone may recompute it."""

    Settings: type[BaseModel]  # its ``[competition.rewards.<name>]`` table

    def payouts(self, period: RewardPeriod, settings: Any) -> list[Payout]: ...


# Marketplace components ------------------------------------------------------------------

# Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH, optional -pre-release and +build metadata.
_IDENTIFIER = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    rf"(?:-{_IDENTIFIER}(?:\.{_IDENTIFIER})*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
PlatformService = Literal["inference", "sandbox", "search"]


class ComponentError(ValueError):
    """A component's manifest or contract document is invalid."""


class ComponentResources(BaseModel):
    """What a component may use: the platform refuses it any service it did not declare
    and ends a call that runs longer than ``timeout_s`` (504)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    services: list[PlatformService] = Field(default_factory=list)
    timeout_s: float = Field(30.0, gt=0, le=600)


class ComponentManifest(BaseModel):
    """What the marketplace shows of a component, validated when the component is built."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    id: str = Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
    name: str = Field(min_length=1, max_length=100)
    version: str
    contract: Literal["openapi", "mcp"]
    category: str = Field(min_length=1, max_length=50)
    description: str = Field(min_length=1, max_length=2000)
    inputs: dict[str, Any]  # JSON Schema of what a call takes
    outputs: dict[str, Any]  # JSON Schema of what it answers
    resources: ComponentResources = Field(default_factory=ComponentResources)
    license: str = Field(min_length=1, max_length=100)  # an SPDX identifier
    author: str = Field(min_length=1, max_length=200)
    docs: str = Field(min_length=1, max_length=500)  # URL, or path in the Janus repository

    @field_validator("version")
    @classmethod
    def _semantic(cls, version: str) -> str:
        if not SEMVER.fullmatch(version):
            raise ValueError(
                f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)"
            )
        return version


@dataclass(frozen=True)
class ComponentCall:
    """One call of a component, on whose account it runs and what it may use.

    ``request`` is the HTTP request (body unread); ``path`` is what follows
    ``/platform/components/{id}/``. ``services`` reaches the platform services the
    manifest declares, metered against the calling competitor.
    """

    request: web.Request
    path: str
    competitor_id: str
    request_id: str | None
    services: PlatformServices


ComponentHandler = Callable[[ComponentCall], Awaitable["web.StreamResponse"]]


@dataclass(frozen=True)
class Component:
    """A marketplace component: its manifest, the handler that serves its calls under
    ``/platform/components/{id}/``, and its contract document (an OpenAPI 3 document, or
    ``{"tools": [...]}`` MCP tool descriptions).

    ``manifest`` may be given as a mapping; either way it is validated here, so a bad
    manifest fails inside the plugin's ``register_components`` and the error names the
    plugin. Raise ``janus.errors.JanusError`` from the handler for an OpenAI-shaped error.
    """

    manifest: ComponentManifest
    handler: ComponentHandler
    contract_document: Mapping[str, Any]

    def __post_init__(self) -> None:
        manifest = self.manifest
        if not isinstance(manifest, ComponentManifest):
            try:
                manifest = ComponentManifest.model_validate(manifest)
            except ValidationError as exc:
                where = manifest.get("id") if isinstance(manifest, Mapping) else None
                message, _ = describe_validation_error(exc.errors())
                message = message.replace("Value error, ", "")
                raise ComponentError(f"component {where or '?'!s}: manifest: {message}") from None
            object.__setattr__(self, "manifest", manifest)
        if not callable(self.handler):
            raise ComponentError(f"component {manifest.id}: handler is not callable")
        problem = _contract_problem(manifest.contract, self.contract_document)
        if problem:
            raise ComponentError(f"component {manifest.id}: contract_document: {problem}")


def _contract_problem(contract: str, document: Any) -> str | None:
    if not isinstance(document, Mapping):
        return "must be a mapping"
    if contract == "openapi":
        version = document.get("openapi")
        if not (isinstance(version, str) and version.startswith("3.")):
            return "an OpenAPI document needs 'openapi': '3.x'"
        if not isinstance(document.get("paths"), Mapping) or not document["paths"]:
            return "an OpenAPI document needs at least one path"
        return None
    tools = document.get("tools")
    if not isinstance(tools, list) or not tools:
        return "an MCP tool list needs a non-empty 'tools' list"
    for tool in tools:
        if not (isinstance(tool, Mapping) and isinstance(tool.get("name"), str)):
            return "every MCP tool needs a 'name'"
        if not isinstance(tool.get("inputSchema"), Mapping):
            return f"MCP tool {tool['name']!r} needs an 'inputSchema' object"
    return None


# Competitor runtimes ---------------------------------------------------------------------


class DeployFailed(Exception):
    """A runtime could not start a competitor; the message says why, for its submitter."""


@dataclass(frozen=True)
class RuntimeContext:
    """What a runtime factory gets from the gateway building it.

    ``instance`` identifies this gateway on its hosts (derived from its data_dir): a
    runtime labels what it starts with it and, at ``start``, removes what an earlier run
    of the same gateway left behind. ``runtime_dir`` is private to this gateway process;
    ``platform_socket`` is the platform's unix socket (None with the platform off).
    """

    config: Any  # janus.config.Config
    instance: str
    runtime_dir: str
    platform_socket: str | None


@dataclass(frozen=True)
class Deployment:
    """Where the gateway reaches a deployed competitor (a unix socket it owns) and the
    platform URL the competitor is told to use (``None``: no platform)."""

    socket_path: str
    platform_url: str | None


@runtime_checkable
class CompetitorRuntime(Protocol):
    """Runs competitors from images: ``register_runtimes`` registers a factory
    ``factory(RuntimeContext) -> CompetitorRuntime`` under the ``kind`` that selects it.

    ``deploy`` is idempotent per id (same image: the running deployment is kept) and may
    start the competitor lazily; ``ensure_running`` starts it now and raises
    ``DeployFailed`` when it does not become healthy (used before conformance checks).
    """

    async def start(self) -> None: ...

    async def deploy(self, competitor_id: str, image: str, limits: Any) -> Deployment: ...

    async def ensure_running(self, competitor_id: str) -> None: ...

    async def remove(self, competitor_id: str) -> None: ...

    async def logs(self, competitor_id: str, tail: int) -> list[str] | None: ...

    def deployed(self) -> list[str]: ...

    async def usage(self, competitor_id: str) -> dict[str, Any] | None:
        """What the competitor's deployment used so far (runtime-defined keys), or None."""

    async def close(self) -> None: ...
