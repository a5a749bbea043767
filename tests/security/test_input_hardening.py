"""Attacks with odd input: text no token has, header-breaking artifact names, JSON with a
key twice, and keys disguised to slip past secret-scan. Each against a real gateway.

Every refusal is a clean 4xx in the OpenAI error shape (never a 500 with a traceback),
and nothing a competitor stores can break a later download.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
import unicodedata
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web

from janus.gateway.keys import ARTIFACTS
from janus.store import ArtifactRecord
from tests.gateway.sse_client import chat_body, stream_chat
from tests.platform.scripted_inference import ScriptedInferencePlugin
from tests.scripted_competitor import DONE, answer, completion, sse

ERROR_FIELDS = {"message", "type", "param", "code"}


async def raw_request(base_url: str, head: bytes, body: bytes = b"") -> tuple[int, dict, bytes]:
    """Send ``head`` (request line and headers, any bytes) and read the whole answer: the
    way to put bytes in a header that no HTTP client library would send."""
    address = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    try:
        writer.write(head.rstrip(b"\r\n") + b"\r\nConnection: close\r\n\r\n" + body)
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), 60)
    finally:
        writer.close()
    status_line, _, rest = reply.partition(b"\r\n")
    header_block, _, content = rest.partition(b"\r\n\r\n")
    headers = {}
    for line in header_block.split(b"\r\n"):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, content


def assert_openai_error(status: int, content: bytes, expected_status: int, code: str) -> None:
    assert status == expected_status, content
    error = json.loads(content)["error"]
    assert set(error) == ERROR_FIELDS and error["code"] == code
    assert "Traceback" not in error["message"]


# Tokens and keys with text no token has --------------------------------------------------

ODD_TOKENS = [
    "jpt1.\xe9\xe9\xe9.\xe9\xe9\xe9".encode(),  # valid UTF-8, not ASCII
    b"jpt1.abc.\xff\xfe\xfd",  # not UTF-8 at all
    "\u00fcn\u00efc\u00f6de-key".encode(),
    b"\xff\xfe",
]


@pytest.fixture
def platform_gateway(live, tmp_path) -> str:
    _, url = live.competitor(answer(completion("x")))
    return live.gateway(
        {"a": url},
        platform={
            "data_dir": str(tmp_path / "data"),
            "inference": {"backend": "scripted"},
            "sandbox": {"backend": "off"},
            "search": {"backend": "off"},
        },
        plugins=(ScriptedInferencePlugin(),),
    )


@pytest.mark.parametrize("token", ODD_TOKENS)
@pytest.mark.parametrize("header", [b"Authorization: Bearer ", b"X-Janus-Platform-Token: "])
async def test_a_non_ascii_platform_token_is_a_clean_401(platform_gateway, header, token):
    head = b"GET /platform/v1/models HTTP/1.1\r\nHost: x\r\n" + header + token
    status, _, content = await raw_request(platform_gateway, head)
    assert_openai_error(status, content, 401, "invalid_platform_token")
    healthy, _, _ = await raw_request(platform_gateway, b"GET /health HTTP/1.1\r\nHost: x")
    assert healthy == 200


@pytest.mark.parametrize("token", ODD_TOKENS)
async def test_a_non_ascii_client_key_is_a_clean_401(live, token):
    _, url = live.competitor(answer(completion("x")))
    key = {"name": "k", "sha256": hashlib.sha256(b"the-key").hexdigest()}
    gateway = live.gateway(
        {"a": url},
        default="a",
        guardrails={"enabled": ["client-auth"], "client-auth": {"keys": [key]}},
    )
    body = json.dumps(chat_body("a", stream=False)).encode()
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nAuthorization: Bearer " + token
    )
    status, _, content = await raw_request(gateway, head, body)
    assert_openai_error(status, content, 401, "invalid_api_key")


@pytest.mark.parametrize(
    "query",
    [
        "expires=9999999999&signature=%C3%A9%C3%A9%C3%A9",
        "expires=9999999999&signature=%FF%FE",
        "expires=%D9%A1%D9%A2%D9%A3&signature=abc",  # Arabic-Indic digits
        "expires=%EF%BC%91%EF%BC%92&signature=abc",  # fullwidth digits
    ],
)
@pytest.mark.parametrize("artifact_id", ["abc", "%C3%A9t%C3%A9", "%FF"])
async def test_a_non_ascii_artifact_link_is_a_clean_403(live, query, artifact_id):
    _, url = live.competitor(answer(completion("x")))
    gateway = live.gateway({"a": url})
    head = f"GET /v1/artifacts/{artifact_id}?{query} HTTP/1.1\r\nHost: x".encode()
    status, _, content = await raw_request(gateway, head)
    assert_openai_error(status, content, 403, "invalid_signature")


# Artifact names and types that would break a download's headers --------------------------

HEADER_BREAKER = "report\r\nSet-Cookie: pwned=1\r\nX-Injected: 1\r\n\r\n<html>.txt"
DATA = b"harmless text\n"


def text_artifact(**overrides) -> dict:
    return {
        "id": "a1",
        "type": "file",
        "mime_type": "text/plain",
        "display_name": "notes.txt",
        "size_bytes": len(DATA),
        "sha256": hashlib.sha256(DATA).hexdigest(),
        "created_at": 1,
        "url": "data:text/plain;base64," + base64.b64encode(DATA).decode(),
        **overrides,
    }


def with_artifact(artifact: dict) -> dict:
    reply = completion("see the file")
    reply["choices"][0]["message"]["artifacts"] = [artifact]
    return reply


async def get(url: str) -> tuple[int, bytes, dict[str, str]]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.read(), dict(response.headers)


def assert_clean_download_headers(headers: dict[str, str]) -> None:
    lowered = {name.lower(): value for name, value in headers.items()}
    assert "set-cookie" not in lowered and "x-injected" not in lowered
    for value in headers.values():
        assert "\r" not in value and "\n" not in value


async def test_a_name_with_line_breaks_is_stored_harmless(live):
    _, url = live.competitor(answer(with_artifact(text_artifact(display_name=HEADER_BREAKER))))
    gateway = live.gateway({"a": url}, default="a")
    async with aiohttp.ClientSession() as session:
        reply = await session.post(
            gateway + "/v1/chat/completions", json=chat_body("a", stream=False)
        )
        body = await reply.json()
    assert reply.status == 200, body
    (hosted,) = body["choices"][0]["message"]["artifacts"]
    assert "\r" not in hosted["display_name"] and "\n" not in hosted["display_name"]
    status, data, headers = await get(hosted["url"])
    assert status == 200 and data == DATA
    assert_clean_download_headers(headers)
    assert headers["Content-Disposition"].startswith('attachment; filename="report__Set-Cookie')


async def test_a_mime_type_with_line_breaks_fails_the_competitor(live):
    artifact = text_artifact(mime_type="text/plain\r\nSet-Cookie: pwned=1")
    _, url = live.competitor(answer(with_artifact(artifact)))
    gateway = live.gateway({"a": url}, default="a")
    async with aiohttp.ClientSession() as session:
        reply = await session.post(
            gateway + "/v1/chat/completions", json=chat_body("a", stream=False)
        )
        body = await reply.json()
    assert reply.status == 502 and "is not a media type" in body["error"]["message"]


async def test_a_bad_row_already_stored_cannot_break_its_download(live, tmp_path):
    _, url = live.competitor(answer(completion("x")))
    apps = []
    gateway = live.gateway({"a": url}, inspect=apps.append)
    artifacts = apps[0][ARTIFACTS]
    expires = int(time.time()) + 3600
    record = ArtifactRecord(
        "legacy1", "r", "a", "file", "text/html\r\nSet-Cookie: pwned=1", HEADER_BREAKER,
        len(DATA), hashlib.sha256(DATA).hexdigest(), int(time.time()), expires,
    )  # fmt: skip
    live.call(artifacts.store.add_artifact(record))
    artifacts.directory.mkdir(parents=True, exist_ok=True)
    artifacts.path_of("legacy1").write_bytes(DATA)
    signature = artifacts.signer.sign("legacy1", expires)  # a link of the older form
    link = f"{gateway}/v1/artifacts/legacy1?expires={expires}&signature={signature}"
    status, data, headers = await get(link)
    assert status == 200 and data == DATA
    assert_clean_download_headers(headers)
    assert headers["Content-Type"] == "application/octet-stream"


# A JSON key twice -------------------------------------------------------------------------


async def test_a_duplicate_max_tokens_cannot_slip_past_the_client_key_cap(live):
    competitor, url = live.competitor(answer(completion("x")))
    key = {"name": "capped", "sha256": hashlib.sha256(b"the-key").hexdigest(), "max_tokens": 16}
    gateway = live.gateway(
        {"a": url},
        default="a",
        guardrails={"enabled": ["client-auth"], "client-auth": {"keys": [key]}},
    )
    # A parser taking the first value (as many do) reads 100000; ours took the last.
    body = (
        b'{"model":"a","stream":false,"max_tokens":100000,'
        b'"messages":[{"role":"user","content":"hi"}],"max_tokens":8}'
    )
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            gateway + "/v1/chat/completions",
            data=body,
            headers={"Authorization": "Bearer the-key", "Content-Type": "application/json"},
        ) as reply,
    ):
        content = await reply.read()
    assert_openai_error(reply.status, content, 400, "duplicate_key")
    assert "max_tokens" in json.loads(content)["error"]["message"]
    assert competitor.requests == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"model":"a","model":"b","messages":[{"role":"user","content":"hi"}]}',
        b'{"model":"a","messages":[{"role":"user","content":"hi","content":"other"}]}',
    ],
)
async def test_duplicate_keys_anywhere_are_refused(live, body):
    competitor, url = live.competitor(answer(completion("x")))
    gateway = live.gateway({"a": url, "b": url}, default="a")
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway + "/v1/chat/completions", data=body) as reply,
    ):
        assert_openai_error(reply.status, await reply.read(), 400, "duplicate_key")
    assert competitor.requests == []


# Keys disguised to slip past secret-scan -------------------------------------------------

KEY_BODY = "A1b2C3d4E5f6G7h8I9j0K1l2"
KEY = "sk-proj-" + KEY_BODY
ZERO_WIDTH = KEY[:3] + "\u200b" + KEY[3:10] + "\u2060\ufeff" + KEY[10:]
FULLWIDTH = "".join(chr(ord(c) + 0xFEE0) for c in KEY)
SPACED = " ".join(KEY)


def unicode_chunk(content: str | None = None, finish: str | None = None) -> bytes:
    """A chunk as a competitor might encode it: UTF-8 as is, not ``\\u`` escapes."""
    delta = {"content": content} if content is not None else {}
    body = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(body, ensure_ascii=False).encode() + b"\n\n"


def revealed(text: str) -> str:
    """What a reader makes of ``text``: compatibility forms folded, invisible characters
    and spaces gone."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf" and not c.isspace())


@pytest.mark.parametrize("disguised", [ZERO_WIDTH, FULLWIDTH, SPACED], ids=["zw", "fw", "sp"])
@pytest.mark.parametrize("piece", [3, 7, 1000])
async def test_a_disguised_key_is_redacted_in_a_stream(live, disguised, piece):
    text = f"here it is: {disguised} ok"
    pieces = [text[i : i + piece] for i in range(0, len(text), piece)]
    script = sse(*map(unicode_chunk, pieces), unicode_chunk(finish="stop"), DONE)
    _, url = live.competitor(script)
    gateway = live.gateway({"a": url}, default="a", guardrails={"enabled": ["secret-scan"]})
    received = await stream_chat(gateway, chat_body("a"))
    assert received.done and not received.errors
    assert KEY_BODY[:12] not in revealed(received.content)
    assert received.content.startswith("here it is: [REDACTED]")


@pytest.mark.parametrize("disguised", [ZERO_WIDTH, FULLWIDTH, SPACED], ids=["zw", "fw", "sp"])
async def test_a_disguised_key_is_redacted_in_an_answer(live, disguised):
    payload = json.dumps(completion(f"key: {disguised}"), ensure_ascii=False).encode()

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        return web.Response(body=payload, content_type="application/json")

    _, url = live.competitor(script)
    gateway = live.gateway({"a": url}, default="a", guardrails={"enabled": ["secret-scan"]})
    async with aiohttp.ClientSession() as session:
        reply = await session.post(
            gateway + "/v1/chat/completions", json=chat_body("a", stream=False)
        )
        body = await reply.json()
    content = body["choices"][0]["message"]["content"]
    assert content == "key: [REDACTED]"
