"""The competitor's HTTP face: ``POST /v1/chat/completions`` and ``GET /health``.

Only HTTP concerns live here — reading the request, choosing stream or non-stream, and
turning failures into OpenAI-shaped errors (an HTTP status before the stream starts,
in-band after). What the answer says is decided in ``respond``.
"""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web

from janus.competitor.platform import Platform, PlatformError
from janus.competitor.stream import ChunkStream
from janus.errors import JanusError
from janus_baseline_langchain import __version__
from janus_baseline_langchain.answer import CollectedAnswer, StreamedAnswer
from janus_baseline_langchain.model import ModelChooser
from janus_baseline_langchain.request import ChatJob, parse_job
from janus_baseline_langchain.respond import EXPECTED_FAILURES, failure_message, respond
from janus_baseline_langchain.settings import Settings

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
MODELS = web.AppKey("models", ModelChooser)


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()
    app = web.Application()
    app[SETTINGS] = settings
    app[MODELS] = ModelChooser(settings.model)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_get("/health", health)
    return app


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__})


async def chat_completions(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    try:
        job = parse_job(await request.read())
    except JanusError as error:
        return _error_response(error)
    platform = Platform.from_request(request)
    if platform is None:
        return _error_response(
            JanusError(
                "This competitor needs the Janus platform (no X-Janus-Platform-Url and "
                "X-Janus-Platform-Token headers came with the request).",
                status=503,
                type="server_error",
                code="platform_unavailable",
            )
        )
    async with platform:
        try:
            model_name = await request.app[MODELS].name(platform)
        except (PlatformError, aiohttp.ClientError, LookupError) as exc:
            return _error_response(_failed(f"cannot choose a model: {exc}"))
        if job.stream:
            return await _stream(request, job, platform, settings, model_name)
        return await _complete(job, platform, settings, model_name)


async def _stream(
    request: web.Request, job: ChatJob, platform: Platform, settings: Settings, model_name: str
) -> web.StreamResponse:
    async with ChunkStream(request, job.model, settings.keepalive_s) as out:
        await out.role()
        try:
            await respond(
                job, StreamedAnswer(out, job.include_usage), platform, settings, model_name
            )
        except Exception as exc:  # reported in-band, as the contract asks after the first byte
            await out.error(_log_failure(exc, settings))
    return out.response


async def _complete(
    job: ChatJob, platform: Platform, settings: Settings, model_name: str
) -> web.Response:
    answer = CollectedAnswer()
    try:
        await respond(job, answer, platform, settings, model_name)
    except Exception as exc:  # a 5xx lets the gateway try another competitor
        return _error_response(_failed(_log_failure(exc, settings)))
    return web.json_response(answer.completion(job.model))


def _log_failure(exc: Exception, settings: Settings) -> str:
    message = failure_message(exc, settings)
    log.warning("answering failed: %s", message, exc_info=not isinstance(exc, EXPECTED_FAILURES))
    return message


def _failed(message: str) -> JanusError:
    return JanusError(message, status=502, type="server_error", code="competitor_error")


def _error_response(error: JanusError) -> web.Response:
    return web.json_response(error.to_dict(), status=error.status)
