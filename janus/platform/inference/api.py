"""``/platform/v1/chat/completions`` and ``/platform/v1/models``.

The backend always reports usage (streams end with a usage chunk); the platform meters
it against the caller's grant, then passes the usage chunk on only if the caller asked
for it with ``stream_options.include_usage``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from janus.errors import JanusError
from janus.platform.backends import InferenceBackend
from janus.platform.keys import INFERENCE, METERING, grant_of
from janus.platform.metering import Meter
from janus.protocol import ChatCompletionRequest, parse_chat_request
from janus.sse import DONE, SSE_HEADERS, data_event

log = logging.getLogger("janus.platform.inference")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_get("/v1/models", list_models)


async def list_models(request: web.Request) -> web.Response:
    backend: InferenceBackend = request.app[INFERENCE]
    created = int(time.time())
    models = [
        {"id": model, "object": "model", "created": created, "owned_by": "janus-platform"}
        for model in await backend.list_models()
    ]
    return web.json_response({"object": "list", "data": models})


async def chat_completions(request: web.Request) -> web.StreamResponse:
    body = await request.read()
    chat = parse_chat_request(body)
    payload: dict[str, Any] = json.loads(body)
    backend: InferenceBackend = request.app[INFERENCE]
    meter = request.app[METERING].meter_for(grant_of(request))
    if not chat.stream:
        answer = await backend.complete(payload)
        _meter(meter, answer, chat.model)
        return web.json_response(answer)

    async with contextlib.aclosing(backend.stream(payload)) as chunks:
        return await _relay_stream(request, chunks, meter, chat)


async def _relay_stream(
    request: web.Request,
    chunks: AsyncIterator[dict[str, Any]],
    meter: Meter,
    chat: ChatCompletionRequest,
) -> web.StreamResponse:
    wants_usage = bool(chat.stream_options and chat.stream_options.include_usage)
    # The first chunk is awaited before answering, so a backend that refuses the request
    # (unknown model, bad parameters) still gets a proper HTTP error status.
    first = await anext(chunks, None)
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)
    metered = False
    try:
        chunk = first
        while chunk is not None:
            usage = chunk.get("usage")
            is_usage_chunk = bool(usage) and not chunk.get("choices")
            if is_usage_chunk:
                _meter(meter, chunk, chat.model)
                metered = True
            if wants_usage or not is_usage_chunk:
                await response.write(data_event(chunk))
            chunk = await anext(chunks, None)
    except JanusError as error:
        await response.write(data_event(error.to_dict()))
    except Exception:
        # The answer has started: a backend crash (llama-cpp, a bug) must still end the
        # stream with an error and [DONE], never a silent cut.
        log.exception("inference backend failed mid-stream for '%s'", chat.model)
        failure = JanusError(
            "The inference backend failed while generating.",
            status=500,
            type="server_error",
            code="inference_backend_failed",
        )
        await response.write(data_event(failure.to_dict()))
    else:
        if not metered:
            log.error("inference backend streamed '%s' without a usage chunk", chat.model)
    await response.write(DONE)
    return response


def _meter(meter: Meter, answer: dict[str, Any], requested_model: str) -> None:
    usage = answer.get("usage") or {}
    meter.add_inference(
        answer.get("model") or requested_model,
        int(usage.get("prompt_tokens", 0)),
        int(usage.get("completion_tokens", 0)),
    )
