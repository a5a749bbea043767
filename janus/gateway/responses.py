"""``POST /v1/responses``: the OpenAI Responses API, served through the chat path.

The request is translated into a chat completion request (``responses_input``) and answered
by exactly the machinery of ``/v1/chat/completions`` — aliases, guardrails, routing,
fallback, keep-alives, artifacts, metering — so competitors implement one contract. Only
the answer's shape changes on the way out (``responses_output``): a non-stream completion is
rewritten once; a stream is translated chunk by chunk as the relay writes it.
"""

from __future__ import annotations

import json
import time

from aiohttp import web

from janus.gateway.chat import read_body, serve_chat
from janus.gateway.keys import record_of
from janus.gateway.responses_input import chat_request, encode, parse_responses_request
from janus.gateway.responses_output import (
    ResponseShape,
    StreamTranslator,
    response_from_completion,
)
from janus.sse import DONE_MARKER, PING, SSE_HEADERS, SSEParser


async def create_response(request: web.Request) -> web.StreamResponse:
    record = record_of(request)
    record.stream = False  # a chat request for the metrics, even if it fails early
    parsed = parse_responses_request(await read_body(request))
    chat = encode(chat_request(parsed))
    shape = ResponseShape(parsed, f"resp_{record.request_id}", int(time.time()))
    if parsed.stream:
        stream = ResponsesStream(StreamTranslator(shape))
        return await serve_chat(request, chat, stream_response=stream)
    answer = await serve_chat(request, chat)
    assert isinstance(answer, web.Response) and isinstance(answer.body, bytes)
    return web.json_response(response_from_completion(shape, json.loads(answer.body)))


class ResponsesStream(web.StreamResponse):
    """The client's SSE response, speaking Responses events.

    The relay writes chat chunks, in-band errors, ``[DONE]`` and keep-alives to it exactly
    as to a chat stream; each write is translated before it goes out, so the relay's rules
    (fallback until the first byte, in-band failure after) hold unchanged.
    """

    def __init__(self, translator: StreamTranslator) -> None:
        super().__init__(headers=SSE_HEADERS)
        self._translator = translator
        self._parser = SSEParser()

    async def prepare(self, request):
        if self.prepared:
            return await super().prepare(request)
        writer = await super().prepare(request)
        await super().write(self._translator.start())
        return writer

    async def write(self, data) -> None:
        if data == PING:  # a comment: Responses clients skip it as chat clients do
            await super().write(data)
            return
        out = []
        for event in self._parser.feed(bytes(data)):
            if event.data == DONE_MARKER:
                out.append(self._translator.done())
                continue
            payload = json.loads(event.data)
            if isinstance(payload.get("error"), dict) and "choices" not in payload:
                out.append(self._translator.failed(payload["error"]))
            else:
                out.append(self._translator.chunk(payload))
        if translated := b"".join(out):
            await super().write(translated)
