"""Artifacts are re-hosted by the gateway: verified, stored, and served by signed link."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import aiohttp
import pytest

from janus.gateway.artifacts import UrlSigner, link_name
from janus.platform.tokens import derive_key
from tests.gateway.sse_client import chat_body, stream_chat
from tests.scripted_competitor import DONE, answer, chunk, completion, sse

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
DATA_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


def descriptor(**overrides) -> dict:
    return {
        "id": "a1",
        "type": "image",
        "mime_type": "image/png",
        "display_name": "dot.png",
        "size_bytes": len(PNG),
        "sha256": hashlib.sha256(PNG).hexdigest(),
        "created_at": 1,
        "url": DATA_URL,
        **overrides,
    }


def answer_with(artifact: dict, content: str = "Here it is.") -> dict:
    reply = completion(content)
    reply["choices"][0]["message"]["artifacts"] = [artifact]
    return reply


async def complete(gateway: str) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway + "/v1/chat/completions", json=chat_body("a", stream=False)) as r,
    ):
        return r.status, await r.json()


async def download(url: str, **headers) -> tuple[int, bytes, dict]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as r:
        return r.status, await r.read(), r.headers.copy()


async def test_a_data_url_artifact_is_rehosted_and_downloadable(live):
    _, url = live.competitor(answer(answer_with(descriptor())))
    gateway = live.gateway({"a": url})
    status, body = await complete(gateway)
    assert status == 200
    (hosted,) = body["choices"][0]["message"]["artifacts"]
    assert hosted["url"].startswith(gateway + "/v1/artifacts/")
    assert hosted["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert hosted["size_bytes"] == len(PNG) and hosted["display_name"] == "dot.png"
    assert hosted["ttl_seconds"] > 0
    status, data, headers = await download(hosted["url"])
    assert status == 200 and data == PNG
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Length"] == str(len(PNG))
    assert headers["ETag"] and headers["X-Content-SHA256"] == hosted["sha256"]
    assert 'filename="dot.png"' in headers["Content-Disposition"]
    status, _, _ = await download(hosted["url"], **{"If-None-Match": headers["ETag"]})
    assert status == 304


async def test_links_to_the_original_url_in_the_text_are_rewritten(live):
    _, url = live.competitor(answer(answer_with(descriptor(), f"See ![dot]({DATA_URL})")))
    gateway = live.gateway({"a": url})
    _, body = await complete(gateway)
    message = body["choices"][0]["message"]
    assert message["content"] == f"See ![dot]({message['artifacts'][0]['url']})"


async def test_a_streamed_artifact_event_is_rehosted(live):
    event = {"janus": {"event": "artifact", "payload": descriptor()}}
    streamed = chunk(choices=[{"index": 0, "delta": event, "finish_reason": None}])
    _, url = live.competitor(sse(streamed, chunk(f"![dot]({DATA_URL})"), DONE))
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    payload = received.chunks[0]["choices"][0]["delta"]["janus"]["payload"]
    assert payload["url"].startswith(gateway + "/v1/artifacts/")
    assert received.content == f"![dot]({payload['url']})"
    status, data, _ = await download(payload["url"])
    assert status == 200 and data == PNG


@pytest.mark.parametrize(
    ("artifact", "reason"),
    [
        (descriptor(sha256="0" * 64), "sha256"),
        (descriptor(size_bytes=999), "claims 999 bytes"),
        (descriptor(url="http://169.254.169.254/latest/meta-data"), "must be data: URLs"),
        (descriptor(url="data:image/png;base64,@@@"), "not valid base64"),
    ],
)
async def test_an_unusable_artifact_fails_the_competitor(live, artifact, reason):
    _, url = live.competitor(answer(answer_with(artifact)))
    gateway = live.gateway({"a": url})
    status, body = await complete(gateway)
    assert status == 502 and body["error"]["code"] == "competitor_failed"
    assert reason in body["error"]["message"]


async def test_a_disallowed_type_is_refused(live):
    _, url = live.competitor(answer(answer_with(descriptor())))
    gateway = live.gateway({"a": url}, artifacts={"allowed_mime_types": ["text/*"]})
    status, body = await complete(gateway)
    assert status == 502 and "image/png is not allowed" in body["error"]["message"]


async def test_an_artifact_over_the_size_limit_is_refused(live):
    _, url = live.competitor(answer(answer_with(descriptor())))
    gateway = live.gateway({"a": url}, artifacts={"max_bytes": 10})
    status, body = await complete(gateway)
    assert status == 502 and "exceeds 10 bytes" in body["error"]["message"]


async def test_forged_expired_and_unknown_links(live, monkeypatch):
    monkeypatch.setenv("JANUS_PLATFORM_SECRET", "artifact-test-secret")
    signer = UrlSigner(derive_key(b"artifact-test-secret", "artifact-urls"))
    _, url = live.competitor(answer(answer_with(descriptor())))
    gateway = live.gateway({"a": url})
    _, body = await complete(gateway)
    link = body["choices"][0]["message"]["artifacts"][0]["url"]
    forged = link[:-4] + ("0000" if not link.endswith("0000") else "1111")
    status, data, _ = await download(forged)
    assert status == 403 and json.loads(data)["error"]["code"] == "invalid_signature"
    extended = link.replace("expires=", f"expires={int(time.time()) + 10**6}&old=")
    assert (await download(extended))[0] == 403
    assert (await download(gateway + "/v1/artifacts/nope?expires=1&signature=x"))[0] == 403
    artifact_id = link.split("/v1/artifacts/")[1].split("/")[0]
    past = int(time.time()) - 5
    expired = f"{gateway}/v1/artifacts/{artifact_id}?expires={past}&signature="
    status, data, _ = await download(expired + signer.sign(artifact_id, past))
    assert status == 410 and json.loads(data)["error"]["code"] == "artifact_expired"
    future = int(time.time()) + 60
    unknown = f"{gateway}/v1/artifacts/unknown?expires={future}&signature="
    status, data, _ = await download(unknown + signer.sign("unknown", future))
    assert status == 404 and json.loads(data)["error"]["code"] == "artifact_not_found"


async def test_links_end_with_the_file_name_and_the_old_form_still_serves(live):
    _, url = live.competitor(answer(answer_with(descriptor(display_name="plots/dot.png"))))
    gateway = live.gateway({"a": url})
    _, body = await complete(gateway)
    link = body["choices"][0]["message"]["artifacts"][0]["url"]
    path, _, query = link.partition("?")
    # The name as stored (a "/" becomes "_" at intake), extension and all.
    assert path.endswith("/plots_dot.png") and query.startswith("expires=")
    status, data, headers = await download(link)
    assert status == 200 and data == PNG and headers["Content-Type"] == "image/png"
    artifact_id = path.split("/v1/artifacts/")[1].split("/")[0]
    old_form = f"{gateway}/v1/artifacts/{artifact_id}?{query}"
    assert (await download(old_form))[:2] == (200, PNG)
    # The name is part of the link: another name is not this artifact.
    status, data, _ = await download(f"{gateway}/v1/artifacts/{artifact_id}/dot.html?{query}")
    assert status == 404 and json.loads(data)["error"]["code"] == "artifact_not_found"


async def test_a_name_with_spaces_and_no_extension_gets_one_and_is_escaped(live):
    _, url = live.competitor(answer(answer_with(descriptor(display_name="my chart"))))
    gateway = live.gateway({"a": url})
    _, body = await complete(gateway)
    link = body["choices"][0]["message"]["artifacts"][0]["url"]
    assert link.partition("?")[0].endswith("/my%20chart.png")
    assert (await download(link))[:2] == (200, PNG)


@pytest.mark.parametrize(
    ("display_name", "mime_type", "expected"),
    [
        ("report.csv", "text/csv", "report.csv"),
        ("a/b\\c.txt", "text/plain", "c.txt"),
        ("..", "image/png", "artifact.png"),
        ("", "application/octet-stream", "artifact"),
        ("data", "application/json", "data.json"),
    ],
)
def test_link_names(display_name, mime_type, expected):
    assert link_name(display_name, mime_type) == expected


async def test_an_iso_8601_created_at_is_accepted_and_normalised(live):
    iso = descriptor(created_at="2026-12-03T10:00:00Z")
    _, url = live.competitor(answer(answer_with(iso)))
    gateway = live.gateway({"a": url})
    status, body = await complete(gateway)
    assert status == 200, body
    (hosted,) = body["choices"][0]["message"]["artifacts"]
    assert isinstance(hosted["created_at"], int)
    _, url = live.competitor(answer(answer_with(descriptor(created_at="yesterday"))))
    status, body = await complete(live.gateway({"a": url}))
    assert status == 502 and "created_at" in body["error"]["message"]
    assert "ISO-8601" in body["error"]["message"]


async def test_a_plural_artifacts_event_has_every_item_rehosted(live):
    items = [descriptor(), descriptor(id="a2", display_name="again.png")]
    event = {"janus": {"event": "artifacts", "payload": {"items": items}}}
    streamed = chunk(choices=[{"index": 0, "delta": event, "finish_reason": None}])
    _, url = live.competitor(sse(streamed, chunk("Two dots."), DONE))
    gateway = live.gateway({"a": url}, default="a")
    received = await stream_chat(gateway, chat_body())
    assert received.done and not received.errors
    payload = received.chunks[0]["choices"][0]["delta"]["janus"]["payload"]
    assert [item["display_name"] for item in payload["items"]] == ["dot.png", "again.png"]
    for item in payload["items"]:
        assert item["url"].startswith(gateway + "/v1/artifacts/")
        assert (await download(item["url"]))[:2] == (200, PNG)


@pytest.mark.parametrize(
    "payload",
    [
        {"items": [descriptor(url="http://169.254.169.254/latest/meta-data")]},
        {"items": "not a list"},
        {},
    ],
)
async def test_a_plural_artifacts_event_never_passes_unchecked(live, payload):
    event = {"janus": {"event": "artifacts", "payload": payload}}
    streamed = chunk(choices=[{"index": 0, "delta": event, "finish_reason": None}])
    _, url = live.competitor(sse(streamed, DONE))
    gateway = live.gateway({"a": url}, default="a")
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway + "/v1/chat/completions", json=chat_body()) as response,
    ):
        status, body = response.status, await response.json()
    assert status == 502 and body["error"]["code"] == "competitor_failed"
    assert "artifact" in body["error"]["message"]
