"""The guardrail pipeline: builds the enabled guardrails and runs them on each request.

Guardrails come from ``register_guardrails`` plugins and run in the order of
``[guardrails] enabled``. Each phase only calls the guardrails that declared it, and a
request without any enabled guardrail never reaches this module (``Guardrails.active`` is
false), so the default configuration pays nothing.

Every violation — a block raised by a guardrail, or a change it reports — becomes one JSON
line on the ``janus.security`` logger and one increment of
``janus_guardrail_violations_total{guardrail,action}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from janus.config import Config, ConfigError, IPNetwork, validate_settings
from janus.errors import GuardrailViolation
from janus.gateway.client_address import client_address
from janus.gateway.observability import Metrics
from janus.interfaces import Guardrail, Phase, RequestContext, StreamState
from janus.plugins import PluginError, PluginManager

security_log = logging.getLogger("janus.security")
PHASES: frozenset[Phase] = frozenset({"request", "chunk", "response"})
_METHODS = {"request": "check_request", "chunk": "check_chunk", "response": "check_response"}
T = TypeVar("T")


@dataclass(frozen=True)
class Enabled:
    """One enabled guardrail under its configured name."""

    name: str
    guardrail: Guardrail


class Guardrails:
    """The enabled guardrails of one gateway, split by phase."""

    def __init__(
        self,
        enabled: list[Enabled],
        metrics: Metrics,
        trusted_proxies: Sequence[IPNetwork] = (),
    ) -> None:
        self.enabled = enabled
        self.metrics = metrics
        self.trusted_proxies = trusted_proxies
        self.sequential = [
            e for e in enabled if "request" in e.guardrail.phases and not _parallel(e)
        ]
        self.parallel = [e for e in enabled if "request" in e.guardrail.phases and _parallel(e)]
        self.chunk = [e for e in enabled if "chunk" in e.guardrail.phases]
        self.response = [e for e in enabled if "response" in e.guardrail.phases]
        self.active = bool(enabled)

    @property
    def authenticates_clients(self) -> bool:
        return any(getattr(e.guardrail, "authenticates_clients", False) for e in self.enabled)

    def start(
        self, request: web.Request, body: bytes, request_id: str, *, admin: bool = False
    ) -> RequestCheck:
        """Begin checking one request (only called when ``active``)."""
        context = RequestContext(
            body=json.loads(body),
            headers=request.headers,
            client_address=client_address(request, self.trusted_proxies),
            size_bytes=len(body),
            request_id=request_id,
            report=lambda action, detail: None,
            admin=admin,
        )
        check = RequestCheck(self, context)
        context.report = check.reporter("request", "")
        return check

    def record(
        self,
        guardrail: str,
        action: str,
        phase: str,
        context: RequestContext,
        detail: str,
        code: str | None = None,
    ) -> None:
        self.metrics.guardrail_violations.labels(guardrail, action).inc()
        line = {
            "event": "guardrail_violation",
            "guardrail": guardrail,
            "action": action,
            "phase": phase,
            "request_id": context.request_id,
            "client_address": context.client_address,
            "client_key": context.notes.get("client_key"),
            "code": code,
            "detail": detail,
        }
        security_log.warning(json.dumps(line, separators=(",", ":")))


class RequestCheck:
    """The guardrails' view of one request, from its body to its last chunk."""

    def __init__(self, guardrails: Guardrails, context: RequestContext) -> None:
        self.guardrails = guardrails
        self.context = context
        self._verdict: asyncio.Task[None] | None = None
        self._current = ""

    def reporter(self, phase: str, name: str) -> Callable[[str, str], None]:
        def report(action: str, detail: str) -> None:
            self.guardrails.record(name or self._current, action, phase, self.context, detail)

        return report

    async def check_request(self) -> dict[str, Any] | None:
        """Run the sequential request checks; return the new body if any changed it, and
        start the parallel ones."""
        changed = False
        for enabled in self.guardrails.sequential:
            self._current = enabled.name
            result = await self._guard(
                enabled.name, "request", enabled.guardrail.check_request(self.context)
            )
            if result is not None:
                self.context.body, changed = result, True
        if self.guardrails.parallel:
            self._verdict = asyncio.create_task(self._check_parallel())
        return self.context.body if changed else None

    async def _check_parallel(self) -> None:
        checks = [
            self._guard(e.name, "request", e.guardrail.check_request(self.context))
            for e in self.guardrails.parallel
        ]
        await asyncio.gather(*checks)

    async def race(self, work: Awaitable[T]) -> T:
        """Run ``work`` (the upstream call) while the parallel checks run; a block from
        them cancels the work. The work's result is returned only once they all passed."""
        if self._verdict is None:
            return await work
        task = asyncio.ensure_future(work)
        try:
            await asyncio.wait({task, self._verdict}, return_when=asyncio.FIRST_COMPLETED)
            if self._verdict.done() and self._verdict.exception() is not None:
                raise self._verdict.exception()  # type: ignore[misc]
            result = await task
            await self._verdict
            return result
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def verdict(self) -> None:
        """Wait for the parallel checks (a stream must not end before they passed)."""
        if self._verdict is not None:
            await self._verdict

    def stream(self) -> StreamCheck | None:
        """The per-chunk checks of a stream; None when nothing has to look at chunks."""
        if not self.guardrails.chunk and self._verdict is None:
            return None
        return StreamCheck(self)

    async def check_response(self, payload: bytes) -> bytes:
        if all(_passes_unchanged(e.guardrail, payload) for e in self.guardrails.response):
            return payload
        response = json.loads(payload)
        for enabled in self.guardrails.response:
            self._current = enabled.name
            coroutine = enabled.guardrail.check_response(response, self.context)
            response = await self._guard(enabled.name, "response", coroutine)
        return json.dumps(response, separators=(",", ":")).encode()

    async def _guard(self, name: str, phase: str, coroutine: Awaitable[T]) -> T:
        try:
            return await coroutine
        except GuardrailViolation as violation:
            violation.guardrail = name
            self.guardrails.record(
                name, "block", phase, self.context, violation.message, violation.code
            )
            raise

    def finish(self) -> None:
        """The request is over: stop parallel checks and release what guardrails hold."""
        if self._verdict is not None:
            if self._verdict.done():
                if not self._verdict.cancelled():
                    self._verdict.exception()  # retrieved: no "never retrieved" warning
            else:
                self._verdict.cancel()
        self.context.finish()


class StreamCheck:
    """Runs the chunk guardrails over one stream, each with its own ``StreamState``."""

    def __init__(self, check: RequestCheck) -> None:
        self.check = check
        self.states = [
            (e, StreamState(report=check.reporter("chunk", e.name))) for e in check.guardrails.chunk
        ]
        # Guardrails that can tell from the raw bytes that a chunk needs nothing from them
        # spare it the parse and re-encode; one that cannot tell looks at every chunk.
        self._quick = [
            (passes, state)
            for enabled, state in self.states
            if (passes := getattr(enabled.guardrail, "passes_unchanged", None)) is not None
        ]
        self._quick_only = len(self._quick) == len(self.states)

    def passes(self, data: bytes) -> bool:
        """Whether the raw chunk ``data`` may be relayed as it is (the hot path: no parse,
        no re-encode, not even a coroutine); otherwise ``chunk`` has to see it."""
        if not self._quick_only:
            return False
        for passes, state in self._quick:
            if not passes(data, state):
                return False
        return True

    async def chunk(self, data: bytes) -> bytes:
        """The chunk to relay in place of ``data``, after every chunk guardrail saw it."""
        chunk = json.loads(data)
        for enabled, state in self.states:
            coroutine = enabled.guardrail.check_chunk(chunk, state)
            chunk = await self.check._guard(enabled.name, "chunk", coroutine)
        return json.dumps(chunk, separators=(",", ":")).encode()

    async def before_done(self) -> list[dict[str, Any]]:
        """The chunks guardrails still hold, once the parallel checks passed."""
        await self.check.verdict()
        held: list[dict[str, Any]] = []
        for enabled, state in self.states:
            finish = getattr(enabled.guardrail, "finish_stream", None)
            if finish is not None:
                held.extend(finish(state))
        return held


def _passes_unchanged(guardrail: Guardrail, answer: bytes) -> bool:
    """The raw shortcut for a non-stream answer: a guardrail that can tell from the bytes
    that it has nothing to do spares the answer a parse and a re-encode."""
    passes = getattr(guardrail, "passes_unchanged", None)
    return passes is not None and passes(answer, StreamState(report=lambda action, detail: None))


def _parallel(enabled: Enabled) -> bool:
    return bool(getattr(enabled.guardrail, "parallel", False))


def build_guardrails(config: Config, plugins: PluginManager, metrics: Metrics) -> Guardrails:
    """Create the enabled guardrails with their validated settings; any mistake (unknown
    name, bad settings, a guardrail missing a method it declared) stops start-up."""
    section = config.guardrails
    if not section.enabled and not section.tables():
        return Guardrails([], metrics, config.gateway.trusted_proxies)
    factories = plugins.collect("register_guardrails")
    known = ", ".join(sorted(factories)) or "none installed"
    for name in [*section.enabled, *section.tables()]:
        if name not in factories:
            key = "guardrails.enabled" if name in section.enabled else f"guardrails.{name}"
            raise ConfigError(f"{key}: no guardrail named '{name}' (available: {known})")
    enabled = []
    for name in section.enabled:
        factory = factories[name]
        settings_model = getattr(factory, "Settings", None)
        data = section.settings_for(name)
        if settings_model is not None:
            settings = validate_settings(settings_model, data, f"guardrails.{name}")
        elif data:
            raise ConfigError(f"guardrails.{name}: this guardrail takes no settings")
        else:
            settings = None
        enabled.append(Enabled(name, _checked(name, factory(settings))))
    return Guardrails(enabled, metrics, config.gateway.trusted_proxies)


def _checked(name: str, guardrail: Any) -> Guardrail:
    phases = getattr(guardrail, "phases", None)
    if not isinstance(phases, frozenset) or not phases or not phases <= PHASES:
        raise PluginError(
            f"guardrail '{name}': phases must be a non-empty frozenset of "
            f"{', '.join(sorted(PHASES))}, got {phases!r}"
        )
    for phase in phases:
        if not callable(getattr(guardrail, _METHODS[phase], None)):
            method = _METHODS[phase]
            raise PluginError(f"guardrail '{name}' declares phase '{phase}' without {method}")
    if _parallel(Enabled(name, guardrail)) and "request" not in phases:
        raise PluginError(f"guardrail '{name}' is parallel but has no request phase")
    return guardrail
