"""Test a Janus plugin in a few lines: a real gateway in front of a scripted competitor.

Plugin authors should not have to copy Janus's own test harness to check that their
guardrail redacts or blocks. ``running_gateway`` starts, in this process, a competitor that
answers with a fixed text and a gateway (built from the given plugins and ``[guardrails]``
table) on real loopback sockets, each on an event loop in a background thread, so a plain
synchronous test can call it with ``chat``. With pytest installed, the ``janus_gateway``
fixture (registered through the ``pytest11`` entry point) starts them and stops them at
the end of the test::

    def test_redacts(janus_gateway):
        gateway = janus_gateway(plugins=(my_plugin,), guardrails={"enabled": ["mine"]})
        assert gateway.chat("hello") == "..."

Only the standard library talks to the gateway, so a plugin needs no extra test client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

COMPETITOR_ID = "scripted"


@dataclass
class ScriptedCompetitor:
    """Answers every chat request with ``reply``; streamed, one chunk per item."""

    reply: Sequence[str]
    requests: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/health", self._health)
        return app

    async def _health(self, request: web.Request) -> web.Response:
        return _json({"status": "ok"})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        if not body.get("stream"):
            return _json(_completion("".join(self.reply)))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        last = len(self.reply) - 1
        for index, text in enumerate(self.reply):
            chunk = _chunk({"content": text}, "stop" if index == last else None)
            await response.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
        await response.write(b"data: [DONE]\n\n")
        return response


@dataclass
class Gateway:
    """A running gateway: its URL and what its competitor was sent."""

    url: str
    competitor: ScriptedCompetitor
    competitor_url: str

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.competitor.requests

    def post(self, body: dict[str, Any]) -> tuple[int, bytes]:
        """POST ``body`` to ``/v1/chat/completions``; the status and raw answer."""
        request = urllib.request.Request(
            self.url + "/v1/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def chat(self, content: str, *, stream: bool = False) -> str:
        """Send one user message; the answer's text (a stream's chunks joined)."""
        body = {
            "model": "janus",
            "stream": stream,
            "messages": [{"role": "user", "content": content}],
        }
        status, raw = self.post(body)
        if status != 200:
            raise AssertionError(f"the gateway answered {status}: {raw.decode(errors='replace')}")
        if not stream:
            return json.loads(raw)["choices"][0]["message"]["content"] or ""
        return "".join(_stream_text(raw))


@contextlib.contextmanager
def running_gateway(
    reply: str | Sequence[str] = "Hello from the scripted competitor.",
    *,
    plugins: Sequence[object] = (),
    guardrails: dict[str, Any] | None = None,
) -> Iterator[Gateway]:
    """A gateway with ``plugins`` registered and ``guardrails`` as its ``[guardrails]``
    table, in front of a competitor answering ``reply`` (a sequence: one chunk each).

    Only the built-in plugins and ``plugins`` load, not every installed one, so a test
    sees its own plugin and nothing else from the environment.
    """
    competitor = ScriptedCompetitor([reply] if isinstance(reply, str) else list(reply))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    stack = contextlib.AsyncExitStack()

    def call(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(60)

    try:
        url, upstream = call(_start(stack, competitor, plugins, guardrails or {}))
        yield Gateway(url, competitor, upstream)
    finally:
        call(stack.aclose())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def _start(
    stack: contextlib.AsyncExitStack,
    competitor: ScriptedCompetitor,
    plugins: Sequence[object],
    guardrails: dict[str, Any],
) -> tuple[str, str]:
    # Imported here so that ``import janus.testing`` (done by pytest at start-up through
    # the pytest11 entry point) stays cheap.
    from janus.config import parse_config
    from janus.gateway.app import create_app
    from janus.plugins import load_plugins
    from janus.server import listening

    upstream = await stack.enter_async_context(listening(competitor.app()))
    config = parse_config(
        {
            "routing": {"default": COMPETITOR_ID},
            "competitors": [{"id": COMPETITOR_ID, "url": upstream.url}],
            "platform": {"enabled": False, "data_dir": tempfile.mkdtemp(prefix="janus-test-")},
            "guardrails": guardrails,
        },
        "janus.testing",
    )
    manager = load_plugins(allow=set(), use_env=False)
    for plugin in plugins:
        manager.register(plugin)
    gateway = await stack.enter_async_context(listening(create_app(config, manager)))
    return gateway.url, upstream.url


def _json(payload: dict[str, Any]) -> web.Response:
    return web.json_response(payload)


def _completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 1,
        "model": COMPETITOR_ID,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": COMPETITOR_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _stream_text(raw: bytes) -> Iterator[str]:
    for line in raw.decode().splitlines():
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        event = json.loads(line.removeprefix("data: "))
        if "error" in event:
            raise AssertionError(f"the stream carried an error: {event['error']}")
        for choice in event.get("choices") or ():
            yield (choice.get("delta") or {}).get("content") or ""


try:
    import pytest
except ImportError:  # pytest is only needed for the fixture
    pytest = None

if pytest is not None:

    @pytest.fixture
    def janus_gateway() -> Iterator[Callable[..., Gateway]]:
        """Start gateways with ``running_gateway``'s arguments; all stop after the test."""
        with contextlib.ExitStack() as stack:
            yield lambda *args, **kwargs: stack.enter_context(running_gateway(*args, **kwargs))
