"""Attack: a competitor answers with an artifact URL pointing into another competitor's
sandbox, so that the gateway re-hosts the victim's file for the attacker's client, or at
least tells it how large that file is.

The gateway reads artifacts only from sandboxes of the competitor that answered, for the
request it answered: another's sandbox is "not found", worded exactly like a sandbox that
does not exist, and nothing about the file comes back.
"""

from __future__ import annotations

import base64
import hashlib
import re

import aiohttp
import pytest
from aiohttp import web

from tests.gateway.sse_client import chat_body
from tests.platform.scripted_inference import ScriptedInferencePlugin
from tests.scripted_competitor import completion
from tests.security.competitor_platform import (
    SANDBOXES,
    call_platform,
    platform_with_sandboxes,
)

SECRET = b"the victim's private notes\n" * 40  # larger than the gateway's artifact limit
MAX_BYTES = 512


def descriptor(url: str, data: bytes) -> dict:
    return {
        "id": "loot",
        "type": "file",
        "mime_type": "text/plain",
        "display_name": "loot.txt",
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "created_at": 1,
        "url": url,
    }


def artifact_url(sandbox_id: str, name: str) -> str:
    return f"http://platform/platform{SANDBOXES}/{sandbox_id}/artifacts/{name}"


async def victim(request: web.Request, body: dict) -> web.StreamResponse:
    """Keeps files in a sandbox of its own; with "share" it hands one over itself; given
    "<sandbox id>/<file>" it claims that file, like the attacker."""
    if "/" in body["messages"][0]["content"]:
        return await attacker(request, body)
    status, created = await call_platform(request, "POST", SANDBOXES, json={})
    assert status == 201, created
    sandbox_id = created["id"]
    for name, data in (("notes.txt", SECRET), ("small.txt", SECRET[:100])):
        content = base64.b64encode(data).decode()
        write = {"path": f"artifacts/{name}", "content": content, "encoding": "base64"}
        status, _ = await call_platform(
            request, "POST", f"{SANDBOXES}/{sandbox_id}/files/write", json=write
        )
        assert status == 200
    reply = completion(sandbox_id)
    if body["messages"][0]["content"] == "share":
        small = descriptor(artifact_url(sandbox_id, "small.txt"), SECRET[:100])
        reply["choices"][0]["message"]["artifacts"] = [small]
    return web.json_response(reply)


async def attacker(request: web.Request, body: dict) -> web.StreamResponse:
    """Claims the file named in the client's message as its own artifact."""
    sandbox_id, name = body["messages"][0]["content"].split("/")
    reply = completion("here is a file")
    data = SECRET if name == "notes.txt" else SECRET[:100]
    reply["choices"][0]["message"]["artifacts"] = [descriptor(artifact_url(sandbox_id, name), data)]
    return web.json_response(reply)


async def ask(gateway: str, model: str, content: str) -> tuple[int, dict]:
    body = chat_body(model, stream=False, messages=[{"role": "user", "content": content}])
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway + "/v1/chat/completions", json=body) as response,
    ):
        return response.status, await response.json()


@pytest.fixture
def gateway(live, tmp_path) -> str:
    _, victim_url = live.competitor(victim)
    _, attacker_url = live.competitor(attacker)
    return live.gateway(
        {"victim": victim_url, "attacker": attacker_url},
        platform=platform_with_sandboxes(tmp_path),
        plugins=(ScriptedInferencePlugin(),),
        artifacts={"max_bytes": MAX_BYTES},
    )


async def test_a_competitor_cannot_rehost_another_competitors_sandbox_file(gateway):
    # The victim's own artifact is re-hosted: the path works for its owner.
    status, shared = await ask(gateway, "victim", "share")
    assert status == 200, shared
    (hosted,) = shared["choices"][0]["message"]["artifacts"]
    assert hosted["url"].startswith(gateway + "/v1/artifacts/")

    status, answer = await ask(gateway, "victim", "keep")
    assert status == 200
    sandbox_id = answer["choices"][0]["message"]["content"]

    stolen_status, stolen = await ask(gateway, "attacker", f"{sandbox_id}/small.txt")
    assert stolen_status == 502, stolen  # the attacker's attempt fails; nothing re-hosted
    assert "artifacts" not in str(stolen.get("choices", ""))
    too_large_status, too_large = await ask(gateway, "attacker", f"{sandbox_id}/notes.txt")
    unknown = "sb_" + "0" * 24
    missing_status, missing = await ask(gateway, "attacker", f"{unknown}/notes.txt")

    # Another's sandbox, whatever the file, reads exactly like one that does not exist.
    messages = [
        body["error"]["message"].replace(sandbox_id, "<id>").replace(unknown, "<id>")
        for body in (stolen, too_large, missing)
    ]
    assert stolen_status == too_large_status == missing_status == 502
    assert messages[0].replace("small.txt", "notes.txt") == messages[1] == messages[2]
    assert "No sandbox '<id>'" in messages[1]
    for message in messages:  # no size of the victim's file, no limit it exceeds
        assert not re.search(rf"\b({len(SECRET)}|{MAX_BYTES}|100)\b", message), message
        assert "larger" not in message and "victim" not in message


async def test_a_competitor_cannot_rehost_from_its_own_sandbox_of_another_request(gateway):
    status, answer = await ask(gateway, "victim", "keep")
    assert status == 200
    sandbox_id = answer["choices"][0]["message"]["content"]
    # Sandboxes belong to one request of one competitor: a later request's token (the
    # same competitor's) does not reach it, so neither does its re-hosting.
    status, body = await ask(gateway, "victim", f"{sandbox_id}/small.txt")
    assert status == 502 and f"No sandbox '{sandbox_id}'" in body["error"]["message"]
