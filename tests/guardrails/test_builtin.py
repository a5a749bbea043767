"""The built-in guardrails, each through a real gateway."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import pytest

from janus.builtin.guardrails.ratelimit import TokenBuckets
from janus.config import ConfigError, parse_config
from janus.gateway.app import create_app
from janus.plugins import load_plugins
from tests.gateway.sse_client import chat_body, stream_chat
from tests.guardrails.test_pipeline import post, violations
from tests.scripted_competitor import DONE, answer, chunk, completion, sse

KEY = "client-key-alice"
ALICE = {"name": "alice", "sha256": hashlib.sha256(KEY.encode()).hexdigest()}
BEARER = {"Authorization": f"Bearer {KEY}"}


def guarded(live, script, enabled, **tables):
    competitor, url = live.competitor(script)
    gateway = live.gateway({"a": url}, default="a", guardrails={"enabled": enabled, **tables})
    return competitor, gateway


def image(url: str) -> dict:
    return chat_body(
        stream=False,
        messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}],
    )


# request-size -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limits", "body", "status", "code"),
    [
        ({"max_bytes": 200}, chat_body(stream=False, pad="x" * 300), 413, "request_too_large"),
        (
            {"max_messages": 2},
            chat_body(stream=False, messages=[{"role": "user", "content": "a"}] * 3),
            400,
            "too_many_messages",
        ),
        (
            {"max_chars_per_message": 5},
            chat_body(stream=False, messages=[{"role": "user", "content": "abcdef"}]),
            400,
            "message_too_long",
        ),
        (
            {"max_parts_per_message": 1},
            chat_body(
                stream=False,
                messages=[{"role": "user", "content": [{"type": "text", "text": "a"}] * 2}],
            ),
            400,
            "too_many_parts",
        ),
        (
            {"max_image_bytes": 10},
            image("data:image/png;base64," + base64.b64encode(b"x" * 30).decode()),
            413,
            "request_too_large",
        ),
    ],
)
async def test_request_size_limits(live, limits, body, status, code):
    competitor, gateway = guarded(
        live, answer(completion("hi")), ["request-size"], **{"request-size": limits}
    )
    got, error, _ = await post(gateway, body)
    assert (got, error["error"]["code"]) == (status, code)
    assert competitor.requests == []


async def test_request_within_limits_passes(live):
    _, gateway = guarded(live, answer(completion("hi")), ["request-size"])
    status, _, _ = await post(gateway, chat_body(stream=False))
    assert status == 200


# client-auth ------------------------------------------------------------------------------


async def test_missing_or_wrong_key_is_401(live):
    competitor, gateway = guarded(
        live, answer(completion("hi")), ["client-auth"], **{"client-auth": {"keys": [ALICE]}}
    )
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
        status, body, _ = await post(gateway, chat_body(stream=False), headers=headers)
        assert (status, body["error"]["code"]) == (401, "invalid_api_key")
    status, _, _ = await post(gateway, chat_body(stream=False), headers=BEARER)
    assert status == 200
    assert len(competitor.requests) == 1


async def test_client_credentials_are_not_forwarded(live):
    competitor, gateway = guarded(
        live, answer(completion("hi")), ["client-auth"], **{"client-auth": {"keys": [ALICE]}}
    )
    await post(gateway, chat_body(stream=False), headers={**BEARER, "Cookie": "s=1"})
    assert "Authorization" not in competitor.headers[0]
    assert "Cookie" not in competitor.headers[0]


async def test_keys_from_an_environment_variable(live, monkeypatch):
    monkeypatch.setenv("TEST_CLIENT_KEYS", f"other, {KEY}")
    _, gateway = guarded(
        live,
        answer(completion("hi")),
        ["client-auth"],
        **{"client-auth": {"keys_env": "TEST_CLIENT_KEYS"}},
    )
    assert (await post(gateway, chat_body(stream=False), headers=BEARER))[0] == 200
    assert (await post(gateway, chat_body(stream=False)))[0] == 401


async def test_rate_limit_per_key_is_429_with_retry_after(live):
    policy = {**ALICE, "requests_per_minute": 6, "burst": 2}
    _, gateway = guarded(
        live, answer(completion("hi")), ["client-auth"], **{"client-auth": {"keys": [policy]}}
    )
    statuses = [(await post(gateway, chat_body(stream=False), headers=BEARER)) for _ in range(3)]
    assert [s for s, _, _ in statuses] == [200, 200, 429]
    _, body, headers = statuses[2]
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(headers["Retry-After"]) <= 10
    assert violations(gateway)[("client-auth", "block")] == 1


async def test_rate_limit_per_client_address(live):
    settings = {"keys": [ALICE], "per_address_requests_per_minute": 1}
    _, gateway = guarded(
        live, answer(completion("hi")), ["client-auth"], **{"client-auth": settings}
    )
    assert (await post(gateway, chat_body(stream=False), headers=BEARER))[0] == 200
    status, _, headers = await post(gateway, chat_body(stream=False))  # even without a key
    assert status == 429 and int(headers["Retry-After"]) >= 1


def test_token_bucket_refills_at_its_rate():
    buckets = TokenBuckets(per_minute=60, burst=1)
    assert buckets.take("k", now=0.0) == 0
    assert buckets.take("k", now=0.5) == pytest.approx(0.5)
    assert buckets.take("k", now=1.0) == 0
    assert buckets.take("other", now=1.0) == 0


async def test_concurrency_cap_per_key(live):
    policy = {**ALICE, "max_concurrent": 1}
    _, gateway = guarded(
        live,
        sse(chunk("slow"), 0.5, DONE),
        ["client-auth"],
        **{"client-auth": {"keys": [policy]}},
    )
    first = asyncio.create_task(stream_chat(gateway, chat_body(), headers=BEARER))
    await asyncio.sleep(0.2)
    second = await stream_chat(gateway, chat_body(), headers=BEARER)
    assert second.status == 429
    assert (await first).content == "slow"
    third = await stream_chat(gateway, chat_body(), headers=BEARER)
    assert third.status == 200, "the slot is released when the stream ends"


async def test_max_tokens_cap_and_allowed_models(live):
    policy = {**ALICE, "max_tokens": 100, "models": ["janus"]}
    competitor, gateway = guarded(
        live, answer(completion("hi")), ["client-auth"], **{"client-auth": {"keys": [policy]}}
    )
    status, body, _ = await post(gateway, chat_body("a", stream=False), headers=BEARER)
    assert (status, body["error"]["code"]) == (403, "model_not_allowed")
    status, body, _ = await post(gateway, chat_body(stream=False, max_tokens=101), headers=BEARER)
    assert (status, body["error"]["code"]) == (400, "max_tokens_exceeded")
    assert (await post(gateway, chat_body(stream=False, max_tokens=50), headers=BEARER))[0] == 200
    assert competitor.requests[-1]["max_tokens"] == 50
    assert (await post(gateway, chat_body(stream=False), headers=BEARER))[0] == 200
    assert competitor.requests[-1]["max_tokens"] == 100, "the cap is applied when absent"
    assert violations(gateway)[("client-auth", "modify")] == 1


# secure by default -------------------------------------------------------------------------


def _app(tables: dict):
    return create_app(
        parse_config({"gateway": {"host": "0.0.0.0"}, "guardrails": tables}, "t"),
        load_plugins(use_env=False, allow=set()),
    )


def test_public_bind_without_client_keys_is_refused_with_the_reason():
    with pytest.raises(ConfigError, match=r"gateway.host: refusing to serve 0.0.0.0.*budget"):
        _app({})
    with pytest.raises(ConfigError, match="refusing"):
        _app({"enabled": ["client-auth"]})  # enabled, but no key: nobody could get in


def test_public_bind_with_client_keys_or_explicit_opt_out_starts():
    _app({"enabled": ["client-auth"], "client-auth": {"keys": [ALICE]}})
    _app({"allow_unauthenticated_public": True})


# secret-scan ------------------------------------------------------------------------------

GITHUB = "ghp_" + "A" * 36
OPENAI = "sk-proj-" + "b" * 30


async def test_secrets_split_across_chunks_are_redacted(live, monkeypatch):
    monkeypatch.setenv("JANUS_PLATFORM_SECRET", "platform-secret-value-123")
    text = f"key {OPENAI} and {GITHUB} and platform-secret-value-123 and AKIAABCDEFGHIJKLMNOP end"
    pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
    _, gateway = guarded(
        live,
        sse(*[chunk(p) for p in pieces], chunk(finish="stop"), DONE),
        ["secret-scan"],
    )
    received = await stream_chat(gateway, chat_body())
    assert received.content == "key [REDACTED] and [REDACTED] and [REDACTED] and [REDACTED] end"
    for secret in (OPENAI, GITHUB, "platform-secret-value-123", "AKIA"):
        assert secret.encode() not in received.raw
    assert received.done and not received.errors
    assert violations(gateway)[("secret-scan", "redact")] >= 1


async def test_text_held_at_stream_end_is_sent_before_done(live):
    _, gateway = guarded(live, sse(chunk("harmless tail"), DONE), ["secret-scan"])
    received = await stream_chat(gateway, chat_body())
    assert received.content == "harmless tail" and received.done


async def test_platform_token_in_reasoning_is_redacted(live):
    token = "jpt1.abcdefghijkl.mnopqrstuvwxyz0123456789"
    _, gateway = guarded(
        live, sse(chunk(reasoning=token[:10]), chunk(reasoning=token[10:]), DONE), ["secret-scan"]
    )
    received = await stream_chat(gateway, chat_body())
    reasoning = "".join(
        c["choices"][0]["delta"].get("reasoning_content") or "" for c in received.chunks
    )
    assert reasoning == "[REDACTED]"


async def test_words_that_merely_contain_a_prefix_are_kept(live):
    text = "the task-" + "x" * 30 + " stays"
    _, gateway = guarded(live, sse(chunk(text), chunk(finish="stop"), DONE), ["secret-scan"])
    assert (await stream_chat(gateway, chat_body())).content == text


async def test_non_stream_answer_is_redacted(live):
    _, gateway = guarded(live, answer(completion(f"here: {GITHUB}")), ["secret-scan"])
    status, body, _ = await post(gateway, chat_body(stream=False))
    assert status == 200
    assert body["choices"][0]["message"]["content"] == "here: [REDACTED]"


# url-policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/a.png",
        "file:///etc/passwd",
        "https://127.0.0.1/a.png",
        "https://10.0.0.1/a.png",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/a.png",
        "https://[::ffff:192.168.0.1]/a.png",
        "https://localhost/a.png",
        "data:image/png;base64,not*base64!",
        "data:image/png,rawbytes",
    ],
)
async def test_refused_image_urls(live, url):
    competitor, gateway = guarded(live, answer(completion("hi")), ["url-policy"])
    status, body, _ = await post(gateway, image(url))
    assert (status, body["error"]["code"]) == (400, "invalid_image_url")
    assert body["error"]["param"] == "messages[0].content[0].image_url.url"
    assert competitor.requests == []


async def test_allowed_image_urls(live):
    _, gateway = guarded(
        live,
        answer(completion("hi")),
        ["url-policy"],
        **{"url-policy": {"resolve_hosts": False}},
    )
    for url in ("data:image/png;base64," + base64.b64encode(b"png").decode(), "https://1.1.1.1/x"):
        assert (await post(gateway, image(url)))[0] == 200


async def test_url_policy_in_parallel_still_refuses(live):
    _, gateway = guarded(
        live, answer(completion("hi")), ["url-policy"], **{"url-policy": {"parallel": True}}
    )
    status, body, _ = await post(gateway, image("https://127.0.0.1/a.png"))
    assert (status, body["error"]["code"]) == (400, "invalid_image_url")
