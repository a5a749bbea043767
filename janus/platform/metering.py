"""What each competitor spends on the platform, measured by the platform itself.

Cost is judged from these meters, never from the usage a competitor reports. Each client
request gets one meter per competitor that tried to answer it; standing competitor keys
get one long-lived meter each. Counters are exported to Prometheus as they grow.

A meter handed out in an answer (``usage.janus_metered``) is signed with a key derived
from the platform secret, so the bench can tell the gateway's measurement from one a
competitor wrote into its own answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from janus.platform.tokens import Grant
from janus.signatures import meter_is_valid, sign_meter


@dataclass
class ModelUsage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0


@dataclass
class Meter:
    competitor_id: str
    request_id: str | None
    expires_at: float
    _counters: PlatformCounters = field(repr=False)
    models: dict[str, ModelUsage] = field(default_factory=dict)
    sandbox_seconds: float = 0.0
    search_calls: int = 0
    component_calls: int = 0

    def add_inference(self, model: str, prompt_tokens: int, completion_tokens: int) -> None:
        usage = self.models.setdefault(model, ModelUsage())
        usage.prompt_tokens += prompt_tokens
        usage.completion_tokens += completion_tokens
        usage.calls += 1
        tokens = self._counters.tokens
        tokens.labels(self.competitor_id, model, "prompt").inc(prompt_tokens)
        tokens.labels(self.competitor_id, model, "completion").inc(completion_tokens)

    def add_sandbox_seconds(self, seconds: float) -> None:
        self.sandbox_seconds += seconds
        self._counters.sandbox_seconds.labels(self.competitor_id).inc(seconds)

    def add_search_call(self) -> None:
        self.search_calls += 1
        self._counters.search_calls.labels(self.competitor_id).inc()

    def add_component_call(self, component_id: str) -> None:
        self.component_calls += 1
        self._counters.component_calls.labels(self.competitor_id, component_id).inc()

    @property
    def spent_anything(self) -> bool:
        return bool(
            self.models or self.sandbox_seconds or self.search_calls or self.component_calls
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``usage.janus_metered`` object (see specs/platform.md)."""
        return {
            "competitor": self.competitor_id,
            "request_id": self.request_id,
            "prompt_tokens": sum(u.prompt_tokens for u in self.models.values()),
            "completion_tokens": sum(u.completion_tokens for u in self.models.values()),
            "models": {
                model: {
                    "prompt_tokens": u.prompt_tokens,
                    "completion_tokens": u.completion_tokens,
                    "calls": u.calls,
                }
                for model, u in self.models.items()
            },
            "sandbox_seconds": round(self.sandbox_seconds, 3),
            "search_calls": self.search_calls,
            "component_calls": self.component_calls,
        }


class PlatformCounters:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.tokens = Counter(
            "janus_platform_inference_tokens",
            "Tokens competitors spent on platform inference",
            ["competitor", "model", "kind"],
            registry=registry,
        )
        self.sandbox_seconds = Counter(
            "janus_platform_sandbox_seconds",
            "Sandbox wall-clock seconds competitors used",
            ["competitor"],
            registry=registry,
        )
        self.search_calls = Counter(
            "janus_platform_search_calls",
            "Platform search calls",
            ["competitor"],
            registry=registry,
        )
        self.component_calls = Counter(
            "janus_platform_component_calls",
            "Marketplace component calls",
            ["competitor", "component"],
            registry=registry,
        )


class Metering:
    """The open meters: one per (request, competitor) and one per standing key.

    Meters are created on the first platform call, so a request whose competitor never
    calls the platform costs one dict lookup when it ends.
    """

    def __init__(self, registry: CollectorRegistry, signing_key: bytes) -> None:
        self._counters = PlatformCounters(registry)
        self._open: dict[str | None, dict[str, Meter]] = {}
        self.signing_key = signing_key  # the bench inside the gateway checks with it

    def signed(self, meter: Meter) -> dict[str, Any]:
        """The meter as ``usage.janus_metered``: its figures and their signature."""
        return sign_meter(self.signing_key, meter.to_dict())

    def is_genuine(self, metered: Any) -> bool:
        """Whether ``metered`` is a ``usage.janus_metered`` this platform signed, unaltered."""
        return meter_is_valid(self.signing_key, metered)

    def meter_for(self, grant: Grant) -> Meter:
        by_competitor = self._open.setdefault(grant.request_id, {})
        meter = by_competitor.get(grant.competitor_id)
        if meter is None:
            meter = Meter(grant.competitor_id, grant.request_id, grant.expires_at, self._counters)
            by_competitor[grant.competitor_id] = meter
        return meter

    def peek(self, request_id: str, competitor_id: str) -> Meter:
        """The meter of a request's competitor, empty if it spent nothing (yet)."""
        meter = self._open.get(request_id, {}).get(competitor_id)
        return meter or Meter(competitor_id, request_id, 0.0, self._counters)

    def close_request(self, request_id: str) -> list[Meter]:
        """Take every meter of a finished request (one per competitor that spent anything)."""
        return list(self._open.pop(request_id, {}).values())

    def sweep(self, now: float) -> list[Meter]:
        """Take the meters whose token expired without their request closing here: calls
        that arrived after the answer, or requests another replica served."""
        expired = [
            request_id
            for request_id, meters in self._open.items()
            if request_id is not None and all(m.expires_at <= now for m in meters.values())
        ]
        return [meter for request_id in expired for meter in self._open.pop(request_id).values()]
