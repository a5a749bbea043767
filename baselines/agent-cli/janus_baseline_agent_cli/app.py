"""The competitor application: ``POST /v1/chat/completions`` and ``GET /health``.

One request: decide the route, announce it, then answer by the fast path or the agent
path — streamed through the kit's ``ChunkStream`` (keep-alives included) or collected
into one ``chat.completion``. Failures after the stream started are reported in-band.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

import aiohttp
import openai
from aiohttp import web

from janus.competitor.platform import TOKEN_HEADER, URL_HEADER, Platform, PlatformError
from janus.competitor.stream import ChunkStream
from janus_baseline_agent_cli import __version__
from janus_baseline_agent_cli.agent_path import AgentFailed, AgentPath
from janus_baseline_agent_cli.answer import Answer, CollectedAnswer, Usage, announce
from janus_baseline_agent_cli.fast_path import fast_path
from janus_baseline_agent_cli.models import ModelChoice
from janus_baseline_agent_cli.pack import AgentPack
from janus_baseline_agent_cli.reaper import SandboxReaper
from janus_baseline_agent_cli.routing import decide
from janus_baseline_agent_cli.settings import Settings

log = logging.getLogger("janus_baseline_agent_cli")
# A stream's first words, sent before anything waits on the model: clients that give up on
# a stream with no delta for a few seconds (the original proof of concept's bench did)
# see that the answer has begun while the route is still being chosen.
FIRST_REASONING = "Reading the request and choosing how to answer it.\n"

MAX_BODY_BYTES = 64 * 1024 * 1024  # conversations carry images and files inline
SETTINGS = web.AppKey("settings", Settings)
MODELS = web.AppKey("models", ModelChoice)
AGENT = web.AppKey("agent_path", AgentPath)


def create_app() -> web.Application:
    """The competitor, configured from the environment (see ``settings``)."""
    settings = Settings.from_environment()
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[MODELS] = ModelChoice(settings.model)
    app.cleanup_ctx.append(_agent_path)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_get("/health", health)
    return app


async def _agent_path(app: web.Application) -> AsyncIterator[None]:
    """The agent path and its sandbox reaper, on the app's own loop; when the app stops,
    sandboxes still waiting for termination are terminated at once."""
    reaper = SandboxReaper()
    app[AGENT] = AgentPath(AgentPack.bundled(), app[SETTINGS], reaper)
    yield
    await reaper.close()


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__})


async def chat_completions(request: web.Request) -> web.StreamResponse:
    body = await _request_body(request)
    platform = Platform.from_request(request)
    if platform is None:
        return _error(
            503,
            f"this competitor needs the Janus platform ({URL_HEADER} and {TOKEN_HEADER})",
            "platform_unavailable",
        )
    model = str(body.get("model") or "baseline-agent-cli")
    async with platform:
        if body.get("stream"):
            async with ChunkStream(request, model) as stream:
                await respond(request, body, platform, stream, streaming=True)
            return stream.response
        collected = CollectedAnswer()
        await respond(request, body, platform, collected, streaming=False)
        return collected.response(model)


async def respond(
    request: web.Request, body: dict[str, Any], platform: Platform, answer: Answer, streaming: bool
) -> None:
    """Route, announce the route, answer; report usage as the client asked."""
    app = request.app
    usage = Usage()
    client = platform.openai()
    try:
        await answer.role()
        if streaming:  # before the route classifier's model call, which can take a while
            await answer.reasoning(FIRST_REASONING)
        model = await app[MODELS].model_for(platform, client)
        decision = await decide(body, client, model, app[SETTINGS].router_timeout_s, usage)
        await announce(answer, "route", asdict(decision), decision.describe())
        if decision.path == "fast":
            await fast_path(body, client, model, answer, usage)
        else:
            await app[AGENT](
                platform, request.headers[URL_HEADER], body["messages"], model, answer, usage
            )
        wants_usage = (body.get("stream_options") or {}).get("include_usage") is True
        if wants_usage or not streaming:
            await answer.usage(usage.to_dict())
    except AgentFailed as exc:
        await answer.error(f"the agent failed: {exc}", code="agent_failed")
    except (PlatformError, openai.OpenAIError, aiohttp.ClientError) as exc:
        log.warning("request failed on the platform: %s", exc)
        await answer.error(f"platform call failed: {exc}", code="platform_error")
    finally:
        await client.close()


async def _request_body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read())
    except ValueError:
        raise _bad_request("the body is not valid JSON", "invalid_json") from None
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise _bad_request("expected a chat completion request with messages", None)
    return body


def _bad_request(message: str, code: str | None) -> web.HTTPBadRequest:
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    return web.HTTPBadRequest(text=json.dumps({"error": error}), content_type="application/json")


def _error(status: int, message: str, code: str) -> web.Response:
    error = {"message": message, "type": "server_error", "param": None, "code": code}
    return web.json_response({"error": error}, status=status)
