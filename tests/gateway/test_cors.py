"""CORS over plain HTTP: preflights, marked responses, and nothing when it is off."""

from __future__ import annotations

import aiohttp
import pytest

from janus.config import ConfigError, parse_config
from tests.gateway.test_artifacts import answer_with, complete, descriptor
from tests.scripted_competitor import DONE, answer, chunk, completion, sse

APP = "http://app.example:3000"
PREFLIGHT = {
    "Origin": APP,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


async def fetch(method: str, url: str, **headers: str) -> tuple[int, dict, bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=headers) as r,
    ):
        return r.status, r.headers.copy(), await r.read()


@pytest.fixture
def gateway(live) -> str:
    _, url = live.competitor(answer(completion("Hello")))
    return live.gateway({"a": url}, cors_origins=[APP])


async def test_a_preflight_from_an_allowed_origin_is_answered(gateway):
    status, headers, body = await fetch("OPTIONS", gateway + "/v1/chat/completions", **PREFLIGHT)
    assert status == 204 and body == b""
    assert headers["Access-Control-Allow-Origin"] == APP
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    assert int(headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in headers["Vary"]


async def test_a_preflight_from_another_origin_is_refused_in_the_openai_shape(gateway):
    other = {**PREFLIGHT, "Origin": "http://evil.example"}
    status, headers, body = await fetch("OPTIONS", gateway + "/v1/models", **other)
    assert status == 403 and b'"origin_not_allowed"' in body
    assert "Access-Control-Allow-Origin" not in headers


async def test_responses_carry_the_origin_only_when_it_is_allowed(gateway):
    status, headers, _ = await fetch("GET", gateway + "/v1/models", Origin=APP)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == APP
    assert "X-Request-Id" in headers["Access-Control-Expose-Headers"]
    assert "Origin" in headers.getall("Vary")
    status, headers, _ = await fetch("GET", gateway + "/v1/models", Origin="http://evil.example")
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    assert "Origin" in headers.getall("Vary")
    # Errors are shared too, so a page can read why its request failed.
    status, headers, _ = await fetch("GET", gateway + "/v1/models/nope", Origin=APP)
    assert status == 404 and headers["Access-Control-Allow-Origin"] == APP


async def test_only_the_v1_api_is_shared(gateway):
    for path in ("/health", "/metrics", "/"):
        _, headers, _ = await fetch("GET", gateway + path, Origin=APP)
        assert "Access-Control-Allow-Origin" not in headers, path
    status, _, _ = await fetch("OPTIONS", gateway + "/health", **PREFLIGHT)
    assert status == 405


async def test_streamed_answers_and_artifacts_are_shared(live):
    _, streaming = live.competitor(sse(chunk("Hi"), chunk(finish="stop"), DONE))
    _, artifact = live.competitor(answer(answer_with(descriptor())))
    gateway = live.gateway({"s": streaming, "a": artifact}, cors_origins=[APP])
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            gateway + "/v1/chat/completions",
            json={"model": "s", "stream": True, "messages": [{"role": "user", "content": "x"}]},
            headers={"Origin": APP},
        ) as r,
    ):
        assert r.status == 200 and r.headers["Access-Control-Allow-Origin"] == APP
        assert b"Hi" in await r.read()
    _, body = await complete(gateway)
    (hosted,) = body["choices"][0]["message"]["artifacts"]
    status, headers, _ = await fetch("GET", hosted["url"], Origin=APP)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == APP


async def test_any_origin_when_configured_with_a_star(live):
    gateway = live.gateway({}, cors_origins=["*"])
    status, headers, _ = await fetch("OPTIONS", gateway + "/v1/models", **PREFLIGHT)
    assert status == 204 and headers["Access-Control-Allow-Origin"] == "*"
    _, headers, _ = await fetch("GET", gateway + "/v1/models", Origin="http://any.example")
    assert headers["Access-Control-Allow-Origin"] == "*"


async def test_off_by_default(live):
    gateway = live.gateway({})
    status, headers, _ = await fetch("OPTIONS", gateway + "/v1/models", **PREFLIGHT)
    assert status == 405 and "Access-Control-Allow-Origin" not in headers
    _, headers, _ = await fetch("GET", gateway + "/v1/models", Origin=APP)
    assert "Access-Control-Allow-Origin" not in headers


def test_origins_are_validated_and_normalised():
    config = parse_config({"gateway": {"cors_origins": ["HTTPS://App.Example:8443/", "*"]}}, "t")
    assert config.gateway.cors_origins == ["https://app.example:8443", "*"]
    for bad in ("app.example", "https://app.example/path", "ftp://app.example", ""):
        with pytest.raises(ConfigError, match=r"gateway\.cors_origins\[0\]: .*not an origin"):
            parse_config({"gateway": {"cors_origins": [bad]}}, "t")
