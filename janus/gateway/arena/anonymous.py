"""A battle's stream as its voter sees it: the competitor's answer under the name "A" or "B".

The relay and exchange are the chat's own; this only changes what would tell the
competitors apart. Every chunk's ``model`` becomes the label, its ``id`` one of ours (an
id's format differs between servers) and ``system_fingerprint`` goes; an error names the
label, never the competitor (a competitor's own error text can name it). The answer's text
is kept on the way through, for the style-controlled board.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from aiohttp import web

from janus.config import GatewayConfig
from janus.errors import GuardrailViolation, JanusError
from janus.gateway.exchange import Exchange
from janus.gateway.observability import RequestRecord
from janus.gateway.relay import StreamRelay
from janus.protocol import ChatCompletionChunk


@dataclass
class AnonymousExchange(Exchange):
    label: str = "A"
    _gateway_rewrites: bool = False
    _text: list[str] = field(default_factory=list)

    def chunk_needs_rewrite(self, chunk: ChatCompletionChunk) -> bool:
        self._gateway_rewrites = super().chunk_needs_rewrite(chunk)
        return True  # every chunk carries the competitor's model name

    async def rewrite_chunk(self, data: bytes, competitor_id: str) -> bytes:
        if self._gateway_rewrites:
            data = await super().rewrite_chunk(data, competitor_id)
        parsed = json.loads(data)
        parsed["model"] = self.label
        parsed["id"] = f"chatcmpl-arena-{self.label.lower()}"
        parsed.pop("system_fingerprint", None)
        for choice in parsed.get("choices") or []:
            content = (choice.get("delta") or {}).get("content")
            if choice.get("index", 0) == 0 and isinstance(content, str):
                self._text.append(content)
        return json.dumps(parsed, separators=(",", ":")).encode()

    @property
    def text(self) -> str:
        """The answer's text relayed so far."""
        return "".join(self._text)


class AnonymousRelay(StreamRelay):
    def __init__(
        self, request: web.Request, record: RequestRecord, settings: GatewayConfig, label: str
    ) -> None:
        super().__init__(request, record, settings)
        self.label = label

    async def _fail(self, error: JanusError) -> None:
        if isinstance(error, GuardrailViolation):  # the gateway's own words: nothing to hide
            await super()._fail(error)
            return
        anonymous = JanusError(
            f"Competitor {self.label} could not finish its answer ({error.code or error.type}).",
            status=error.status,
            type=error.type,
            code=error.code,
            headers=error.headers,
        )
        await super()._fail(anonymous)
