"""Hostile or broken client input: a clear 4xx each time, and the gateway stays healthy."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.gateway.sse_client import chat_body
from tests.guardrails.test_builtin import image
from tests.scripted_competitor import answer, completion

DEEP = b'{"model":"janus","messages":[{"role":"user","content":"x","deep":' + b"[" * 10_000


@pytest.fixture
def gateway(live):
    competitor, url = live.competitor(answer(completion("hi")))
    gateway = live.gateway(
        {"a": url},
        default="a",
        guardrails={"enabled": ["request-size", "url-policy"]},
    )
    yield gateway
    assert competitor.requests == [], "no bad input reaches a competitor"


async def _send(url: str, data: bytes, headers: dict | None = None) -> tuple[int, dict | None]:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            url + "/v1/chat/completions",
            data=data,
            headers={"Content-Type": "application/json", **(headers or {})},
        ) as response:
            body = await response.json() if response.content_type == "application/json" else None
            status = response.status
        async with session.get(url + "/health") as health:
            assert health.status == 200, "the gateway stays healthy"
    return status, body


def _json(body: dict) -> bytes:
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b'{"model":"janus","messages":[{"role":"user","content":"\xff\xfe"}]}', 400, None),
        (_json({"model": 1, "messages": []}), 400, None),
        (_json({"model": "janus"}), 400, None),
        (_json({"model": "janus", "messages": []}), 400, None),
        (_json({"model": "janus", "messages": [{"role": "boss", "content": "x"}]}), 400, None),
        (
            _json({"model": "janus", "messages": [{"role": "user", "content": "x"}] * 10_000}),
            400,
            "too_many_messages",
        ),
        (DEEP + b"]" * 10_000 + b"}]}", 400, None),
        (_json(image("data:image/png;base64,%%%not-base64")), 400, "invalid_image_url"),
        (_json(image("https://127.0.0.1/x.png")), 400, "invalid_image_url"),
    ],
    ids=[
        "malformed-json",
        "invalid-utf8",
        "wrong-types",
        "missing-messages",
        "empty-messages",
        "unknown-role",
        "10000-messages",
        "nested-10000-levels",
        "data-url-not-base64",
        "image-url-loopback",
    ],
)
async def test_bad_body_is_a_clear_4xx(gateway, data, status, code):
    got, body = await _send(gateway, data)
    assert got == status
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code


async def test_50_mb_body_is_413(gateway):
    got, body = await _send(gateway, b'{"pad":"' + b"x" * (50 * 1024 * 1024) + b'"}')
    assert got == 413 and body["error"]["code"] == "request_too_large"


async def test_64_kb_header_is_refused(gateway):
    got, _ = await _send(gateway, _json(chat_body(stream=False)), {"X-Big": "x" * 65536})
    assert 400 <= got < 500
