"""The built-in guardrails, each through a real gateway."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ipaddress
import json
from unittest import mock

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from janus.builtin.guardrails.ratelimit import TokenBuckets
from janus.builtin.guardrails.secret_scan import SecretScan
from janus.config import ConfigError, parse_config
from janus.gateway.app import create_app
from janus.gateway.client_address import client_address
from janus.interfaces import StreamState
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


async def test_the_admin_key_passes_client_auth(live, monkeypatch):
    # Evaluations the gateway runs call it with its admin key, as its own client.
    monkeypatch.setenv("JANUS_ADMIN_KEY", "admin-key-for-this-test")
    settings = {"keys": [ALICE], "per_address_requests_per_minute": 1}
    _, gateway = guarded(
        live, answer(completion("hi")), ["client-auth"], **{"client-auth": settings}
    )
    admin = {"Authorization": "Bearer admin-key-for-this-test"}
    assert [(await post(gateway, chat_body(stream=False), headers=admin))[0] for _ in "ab"] == [
        200,
        200,
    ]
    wrong = {"Authorization": "Bearer admin-key-for-this-tesT"}
    assert (await post(gateway, chat_body(stream=False), headers=wrong))[0] == 401


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


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(live):
    settings = {"keys": [ALICE], "per_address_requests_per_minute": 1}
    _, url = live.competitor(answer(completion("hi")))
    tables = {"enabled": ["client-auth"], "client-auth": settings}

    async def statuses(gateway: str, *clients: str) -> list[int]:
        sent = [{**BEARER, "X-Forwarded-For": f"{client}, 10.9.9.9"} for client in clients]
        return [(await post(gateway, chat_body(stream=False), headers=h))[0] for h in sent]

    behind_proxy = live.gateway(
        {"a": url}, default="a", guardrails=tables, trusted_proxies=["127.0.0.0/8", "10.0.0.0/8"]
    )
    # Two clients behind the proxy each get their own bucket; the same client twice does not.
    assert await statuses(behind_proxy, "203.0.113.5", "203.0.113.6", "203.0.113.5") == [
        200,
        200,
        429,
    ]
    exposed = live.gateway({"a": url}, default="a", guardrails=tables)
    # Without trusted proxies the header is anyone's to write: the peer address counts.
    assert await statuses(exposed, "203.0.113.5", "203.0.113.6") == [200, 429]


@pytest.mark.parametrize(
    ("peer", "header", "client"),
    [
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "198.51.100.1, 10.0.0.2", "198.51.100.1"),  # 10.0.0.2: a trusted hop
        ("127.0.0.1", "1.1.1.1, 198.51.100.1", "198.51.100.1"),  # spoofed left part ignored
        ("127.0.0.1", "not-an-ip, 10.0.0.2", "10.0.0.2"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("192.0.2.7", "198.51.100.1", "192.0.2.7"),  # an untrusted peer's header is ignored
    ],
)
def test_client_address_reads_forwarded_for_from_the_right(peer, header, client):
    trusted = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("10.0.0.0/8")]
    request = make_mocked_request("POST", "/", headers={"X-Forwarded-For": header})
    with mock.patch.object(type(request), "remote", new=peer):
        assert client_address(request, trusted) == client


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


async def test_streamed_tool_call_arguments_are_redacted_across_chunks(live):
    arguments = json.dumps({"token": OPENAI})
    pieces = [arguments[i : i + 7] for i in range(0, len(arguments), 7)]
    calls = [
        chunk(choices=[{"index": 0, "delta": {"tool_calls": [_call(p)]}, "finish_reason": None}])
        for p in pieces
    ]
    _, gateway = guarded(live, sse(*calls, chunk(finish="tool_calls"), DONE), ["secret-scan"])
    received = await stream_chat(gateway, chat_body())
    sent = "".join(
        call["function"].get("arguments", "")
        for c in received.chunks
        for call in c["choices"][0]["delta"].get("tool_calls") or ()
    )
    assert OPENAI.encode() not in received.raw
    assert json.loads(sent) == {"token": "[REDACTED]"}
    assert violations(gateway)[("secret-scan", "redact")] >= 1


def _call(arguments: str) -> dict:
    return {"index": 0, "id": "call_1", "type": "function", "function": {"arguments": arguments}}


async def test_janus_event_payloads_are_redacted(live):
    event = {"event": "tool_end", "payload": {"output": [f"found {GITHUB} in env"]}}
    script = sse(chunk(choices=[{"index": 0, "delta": {"janus": event}}]), DONE)
    _, gateway = guarded(live, script, ["secret-scan"])
    received = await stream_chat(gateway, chat_body())
    assert GITHUB.encode() not in received.raw
    payload = received.chunks[0]["choices"][0]["delta"]["janus"]["payload"]
    assert payload == {"output": ["found [REDACTED] in env"]}


async def test_a_key_spelled_with_json_escapes_is_still_redacted(live):
    escaped = OPENAI.replace("s", "\\u0073", 1).replace("k", "\\u006b", 1)
    raw = chunk("key: PLACEHOLDER end").replace(b"PLACEHOLDER", escaped.encode())
    assert json.loads(raw[6:])["choices"][0]["delta"]["content"] == f"key: {OPENAI} end"
    _, gateway = guarded(live, sse(raw, chunk(finish="stop"), DONE), ["secret-scan"])
    assert (await stream_chat(gateway, chat_body())).content == "key: [REDACTED] end"


async def test_chunks_that_start_no_secret_are_relayed_byte_for_byte(live):
    # Spacing and key order no encoder of the gateway would produce: if these bytes reach
    # the client as they are, the chunk was neither parsed nor re-encoded.
    odd = (
        b'data: {"choices": [{"finish_reason": null, "delta": {"content": "plain words"},'
        b' "index": 0}],   "object": "chat.completion.chunk", "id": "c1", "model": "m"}\n\n'
    )
    _, gateway = guarded(live, sse(odd, odd, chunk(finish="stop"), DONE), ["secret-scan"])
    received = await stream_chat(gateway, chat_body())
    assert received.raw.count(odd) == 2
    assert received.content == "plain wordsplain words"


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("hello world", ""),
        ("the choices are", ""),
        ("look: s", "s"),
        ("look: sk-ab", "sk-ab"),
        ("token jpt1.abc", "jpt1.abc"),
        ("id AKI", "AKI"),
        ("the task", ""),  # "sk" inside a word starts no key
        ("value plat", "plat"),  # the beginning of a configured secret
        ("look: s ", "s "),  # may go on as "s k - ..."
        ("look: s k - p r", "s k - p r"),
        ("look: \uff53\uff4b", "\uff53\uff4b"),  # fullwidth "sk"
        ("look: sk\u200b", "sk\u200b"),
        ("x = 1 and y", ""),
    ],
)
def test_only_text_that_may_become_a_secret_is_held_back(text, held):
    scan = SecretScan(SecretScan.Settings(), environ={"JANUS_PLATFORM_SECRET": "platform-xyz-1"})
    send, hold, count = scan.redact(text, final=False)
    assert (send + hold, hold, count) == (text, held, 0)


def test_the_raw_fast_path_declines_whatever_needs_a_look():
    scan = SecretScan(SecretScan.Settings(), environ={"JANUS_PLATFORM_SECRET": "platform-xyz-1"})
    state = StreamState(report=lambda action, detail: None)

    def raw(text: str) -> bytes:
        return chunk(text)[6:-2]

    assert scan.passes_unchanged(raw("hello world"), state)
    assert not scan.passes_unchanged(raw(f"a {GITHUB}"), state)
    assert not scan.passes_unchanged(raw("ends with s"), state)
    assert not scan.passes_unchanged(raw("line\nbreak"), state)  # escapes: parse it
    assert not scan.passes_unchanged(raw("platform-xyz-1"), state)
    assert scan.passes_unchanged(raw("his kids are fine"), state)
    assert not scan.passes_unchanged(raw("ends with s "), state)  # may be spelled out
    assert not scan.passes_unchanged(raw("key s k - p"), state)

    def utf8(text: str) -> bytes:  # as a competitor may send it: no \u escapes
        return json.dumps({"choices": [{"delta": {"content": text}}]}, ensure_ascii=False).encode()

    assert scan.passes_unchanged(utf8("caf\u00e9 na\u00efve \u4f60\u597d"), state)
    assert not scan.passes_unchanged(utf8("s\u200bk-"), state)  # zero-width space
    assert not scan.passes_unchanged(utf8("\uff53\uff4b"), state)  # fullwidth
    with_extra = SecretScan(SecretScan.Settings(extra_patterns=["secret-[0-9]+"]), environ={})
    assert not with_extra.passes_unchanged(raw("hello world"), state)


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (f"a {OPENAI[:3]}\u200b{OPENAI[3:]} b", "a [REDACTED] b"),
        (f"a {OPENAI[:5]}\u00ad\u2060{OPENAI[5:]} b", "a [REDACTED] b"),
        ("a " + "".join(chr(ord(c) + 0xFEE0) for c in GITHUB) + " b", "a [REDACTED] b"),
        (f"a {' '.join(GITHUB)} , b", "a [REDACTED] , b"),
        (f"key={' '.join('platform-xyz-1')}!", "key=[REDACTED]!"),
        ("a b c d e f g h i j k l m n o p", "a b c d e f g h i j k l m n o p"),
        ("the task-" + "x" * 30, "the task-" + "x" * 30),
    ],
)
def test_disguised_secrets_are_redacted_over_their_original_span(text, redacted):
    scan = SecretScan(SecretScan.Settings(), environ={"JANUS_PLATFORM_SECRET": "platform-xyz-1"})
    assert scan.redact(text, final=True)[0] == redacted


async def test_non_stream_answer_is_redacted(live):
    _, gateway = guarded(live, answer(completion(f"here: {GITHUB}")), ["secret-scan"])
    status, body, _ = await post(gateway, chat_body(stream=False))
    assert status == 200
    assert body["choices"][0]["message"]["content"] == "here: [REDACTED]"


async def test_a_non_stream_answer_without_secrets_is_relayed_byte_for_byte(live):
    # Spacing no encoder of the gateway produces: unchanged bytes mean no parse, no re-encode.
    odd = json.dumps(completion("plain words"), indent=1).encode()

    async def script(request, body):
        return web.Response(body=odd, content_type="application/json")

    _, gateway = guarded(live, script, ["secret-scan"])
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway + "/v1/chat/completions", json=chat_body(stream=False)) as reply,
    ):
        assert (reply.status, await reply.read()) == (200, odd)


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
