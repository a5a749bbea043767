"""What the gateway tells operators: Prometheus metrics and one JSON log line per request.

Each app owns its own metrics registry, so several gateways (tests, replicas in one
process) never mix their numbers.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

# ``*_created`` series double the exposition size and no dashboard of ours reads them.
disable_created_metrics()

access_log = logging.getLogger("janus.access")

_LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
    120,
    300,
)
_OVERHEAD_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1)
NO_COMPETITOR = "none"


class Metrics:
    def __init__(self, streams_in_flight: Callable[[], int]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "janus_requests",
            "Chat completion requests by competitor and HTTP status",
            ["competitor", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "janus_request_duration_seconds",
            "Total request latency",
            ["competitor", "stream"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.ttft = Histogram(
            "janus_time_to_first_token_seconds",
            "Time from request to the first content-bearing chunk written to the client",
            ["competitor"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.max_gap = Histogram(
            "janus_stream_max_gap_seconds",
            "Largest pause between content-bearing chunks within one stream",
            ["competitor"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        Gauge(
            "janus_streams_in_flight", "Streams currently being relayed", registry=self.registry
        ).set_function(streams_in_flight)
        self.guardrail_violations = Counter(
            "janus_guardrail_violations",
            "Requests and answers a guardrail blocked, redacted or modified",
            ["guardrail", "action"],
            registry=self.registry,
        )
        self.overhead = Histogram(
            "janus_gateway_overhead_seconds",
            "Time spent in the gateway itself before the request left for the competitor",
            buckets=_OVERHEAD_BUCKETS,
            registry=self.registry,
        )


@dataclass(slots=True)
class RequestRecord:
    """Everything the access log line and the metrics say about one request."""

    request_id: str  # the gateway's own, never the client's
    method: str
    path: str
    client_request_id: str | None = None  # the client's X-Request-Id, if safe to log
    started: float = field(default_factory=time.perf_counter)
    competitor: str | None = None
    stream: bool | None = None
    status: int | None = None
    ttft_s: float | None = None
    max_gap_s: float | None = None
    bytes_out: int = 0
    attempts: int = 0
    error: str | None = None

    def finish(self, metrics: Metrics, log: bool) -> None:
        latency = time.perf_counter() - self.started
        if self.stream is not None:
            competitor = self.competitor or NO_COMPETITOR
            metrics.requests.labels(competitor, str(self.status)).inc()
            metrics.latency.labels(competitor, str(self.stream).lower()).observe(latency)
            if self.ttft_s is not None:
                metrics.ttft.labels(competitor).observe(self.ttft_s)
            if self.max_gap_s is not None:
                metrics.max_gap.labels(competitor).observe(self.max_gap_s)
        if log and access_log.isEnabledFor(logging.INFO):
            access_log.info(json.dumps(self._log_fields(latency), separators=(",", ":")))

    def _log_fields(self, latency: float) -> dict[str, object]:
        # Built by hand: dataclasses.asdict deep-copies and cost ~15 µs per request.
        return {
            "request_id": self.request_id,
            "client_request_id": self.client_request_id,
            "method": self.method,
            "path": self.path,
            "competitor": self.competitor,
            "stream": self.stream,
            "status": self.status,
            "latency_s": round(latency, 6),
            "ttft_s": None if self.ttft_s is None else round(self.ttft_s, 6),
            "max_gap_s": None if self.max_gap_s is None else round(self.max_gap_s, 6),
            "bytes_out": self.bytes_out,
            "attempts": self.attempts,
            "error": self.error,
        }
