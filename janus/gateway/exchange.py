"""One client request on its way to competitors, and what the gateway adds to answers.

It holds what every attempt needs: the client's body (forwarded byte for byte) and the
headers for each competitor (with a fresh platform token bound to that competitor). On
the way back it rewrites the few things the contract says the gateway owns:

- artifacts are re-hosted (``janus.gateway.artifacts``) and links to their original URLs
  in the answer's text point at the gateway's copy;
- ``usage`` gets the platform's own measurement as ``janus_metered``, signed, beside the
  competitor's self-reported figures, which stay untouched; a ``janus_metered`` the
  competitor wrote itself never reaches the client (without the platform, it is removed).

A streamed request always reaches competitors asking for usage
(``stream_options.include_usage``) and re-serialised in one canonical form, whether the
client asked or not; the usage chunk is then withheld from a client that did not ask.
So a competitor cannot tell the bench (which always asks) from a user by the request.
Everything else passes through unchanged.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from janus.gateway.artifacts import ArtifactRejected, Artifacts
from janus.gateway.competitors import Competitor, CompetitorFailed
from janus.platform.metering import Meter, Metering
from janus.platform.tokens import PLATFORM_URL_HEADER, TOKEN_HEADER, PlatformTokens
from janus.protocol import ChatCompletionChunk

METERED_KEY = "janus_metered"
ARTIFACT_EVENT = "artifact"
# The original proof of concept's spelling: one event announcing several artifacts,
# ``{"event": "artifacts", "payload": {"items": [<descriptor>, ...]}}``. Accepted, and each
# item re-hosted like a single artifact, so it can never carry a competitor's URL through.
ARTIFACTS_EVENT = "artifacts"


@dataclass(frozen=True)
class PlatformAccess:
    """What competitors of this request get of the platform (absent when it is off)."""

    tokens: PlatformTokens
    metering: Metering
    url: str | None  # None when there is no address to tell the competitor


@dataclass
class Exchange:
    body: bytes
    request_id: str
    expires_at: float  # wall clock, the request deadline
    platform: PlatformAccess | None
    artifacts: Artifacts
    origin: str  # scheme://host the client used, for the artifact URLs we hand out
    strip_usage: bool = False  # the client did not ask for the usage chunk
    _relinks: dict[str, str] = field(default_factory=dict)  # original URL → our URL

    def headers_for(self, competitor: Competitor) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "X-Request-Id": self.request_id}
        platform_url = competitor.platform_url or (self.platform and self.platform.url)
        if self.platform is not None and platform_url:
            headers[TOKEN_HEADER] = self.platform.tokens.mint(
                competitor.id, self.request_id, self.expires_at
            )
            headers[PLATFORM_URL_HEADER] = platform_url
        return headers

    def send_to(self, competitor: Competitor):
        """POST the client's body to ``competitor``; the caller owns the response context."""
        return competitor.post_chat(self.body, self.headers_for(competitor))

    # Answers -----------------------------------------------------------------------------

    async def rewrite_answer(self, answer: bytes, competitor_id: str) -> bytes:
        """A non-stream ``chat.completion`` as the client gets it."""
        parsed = json.loads(answer)
        touched = False
        for choice in parsed.get("choices", []):
            message = choice.get("message") or {}
            if message.get("artifacts"):
                message["artifacts"] = [
                    await self._rehost(descriptor, competitor_id)
                    for descriptor in message["artifacts"]
                ]
                touched = True
            if self._relinks and isinstance(message.get("content"), str):
                message["content"] = self._relink(message["content"])
        touched |= self._add_metered(parsed, competitor_id)
        return json.dumps(parsed, separators=(",", ":")).encode() if touched else answer

    def chunk_needs_rewrite(self, chunk: ChatCompletionChunk) -> bool:
        """Cheap test on the hot path: most chunks go out as they came."""
        if chunk.usage is not None:
            return True
        for choice in chunk.choices:
            delta = choice.delta
            if delta.janus is not None and delta.janus.event in (ARTIFACT_EVENT, ARTIFACTS_EVENT):
                return True
            if self._relinks and delta.content:
                return True
        return False

    async def rewrite_chunk(self, data: bytes, competitor_id: str) -> bytes:
        """A streamed chunk as the client gets it (see ``chunk_needs_rewrite``)."""
        parsed = json.loads(data)
        for choice in parsed.get("choices", []):
            delta = choice.get("delta") or {}
            event = delta.get("janus") or {}
            if event.get("event") == ARTIFACT_EVENT:
                event["payload"] = await self._rehost(event.get("payload") or {}, competitor_id)
            elif event.get("event") == ARTIFACTS_EVENT:
                event["payload"] = {"items": await self._rehost_items(event, competitor_id)}
            if self._relinks and isinstance(delta.get("content"), str):
                delta["content"] = self._relink(delta["content"])
        self._add_metered(parsed, competitor_id)
        return json.dumps(parsed, separators=(",", ":")).encode()

    async def _rehost_items(self, event: dict[str, Any], competitor_id: str) -> list[dict]:
        items = (event.get("payload") or {}).get("items")
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise CompetitorFailed(
                competitor_id,
                "sent an unusable artifacts event: payload.items must be a list of "
                "artifact descriptors",
            )
        return [await self._rehost(item, competitor_id) for item in items]

    async def _rehost(self, descriptor: dict[str, Any], competitor_id: str) -> dict[str, Any]:
        try:
            hosted = await self.artifacts.rehost(
                descriptor,
                request_id=self.request_id,
                competitor_id=competitor_id,
                origin=self.origin,
            )
        except ArtifactRejected as exc:
            raise CompetitorFailed(competitor_id, f"sent an unusable artifact: {exc}") from None
        original = descriptor.get("url")
        if isinstance(original, str) and original != hosted["url"]:
            self._relinks[original] = hosted["url"]
        return hosted

    def _relink(self, text: str) -> str:
        for original, hosted in self._relinks.items():
            text = text.replace(original, hosted)
        return text

    def _add_metered(self, parsed: dict[str, Any], competitor_id: str) -> bool:
        usage = parsed.get("usage")
        if not isinstance(usage, dict):
            return False
        if self.platform is None:
            return usage.pop(METERED_KEY, None) is not None
        meter = self.platform.metering.peek(self.request_id, competitor_id)
        usage[METERED_KEY] = self.platform.metering.signed(meter)
        return True

    def finish(self) -> list[Meter]:
        """Close this request's meters and return those that recorded any spending."""
        if self.platform is None:
            return []
        return self.platform.metering.close_request(self.request_id)


def ask_for_usage(body: bytes) -> tuple[bytes, bool]:
    """A streamed request's body as competitors get it: canonical JSON that asks for
    usage; and whether the client's own stream must go without it (it did not ask)."""
    parsed = json.loads(body)
    options = parsed.get("stream_options")
    options = dict(options) if isinstance(options, dict) else {}
    asked = options.get("include_usage") is True
    parsed["stream_options"] = {**options, "include_usage": True}
    return json.dumps(parsed, separators=(",", ":")).encode(), not asked


def without_usage(data: bytes) -> bytes | None:
    """A chunk for a client that did not ask for usage: None when it carried only usage."""
    parsed = json.loads(data)
    parsed.pop("usage", None)
    if not parsed.get("choices"):
        return None
    return json.dumps(parsed, separators=(",", ":")).encode()


def start_exchange(
    body: bytes,
    request_id: str,
    timeout_s: float,
    platform: PlatformAccess | None,
    artifacts: Artifacts,
    origin: str,
    *,
    stream: bool = False,
) -> Exchange:
    strip_usage = False
    if stream:
        body, strip_usage = ask_for_usage(body)
    return Exchange(
        body, request_id, time.time() + timeout_s, platform, artifacts, origin, strip_usage
    )
