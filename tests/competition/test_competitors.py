"""Submitting competitors: conformance first, licences and URLs checked, admins in charge."""

from __future__ import annotations

import pytest

from tests.competition.conftest import ADMIN_KEY, assert_openai_error, call
from tests.conformance.competitors import Behaviour, competitor


def submission(competitor_id: str, url: str | None, **extra) -> dict:
    body = {
        "id": competitor_id,
        "name": f"{competitor_id} by a miner",
        "url": url,
        "source_url": f"https://git.example.org/miners/{competitor_id}",
        "license": "Apache-2.0",
        "description": "answers briefly",
    }
    return {**body, **extra}


CHAT = {"messages": [{"role": "user", "content": "Capital of France?"}]}


async def test_a_conforming_competitor_is_admitted_and_can_be_called(live, competition_gateway):
    _, url = live.competitor(competitor())
    gateway = competition_gateway()
    status, body = await call(
        gateway, "POST", "/v1/competitors", key=ADMIN_KEY, json=submission("paris", url)
    )
    assert status == 201, body
    assert body["conformance"]["passed"] and body["conformance"]["checks"]
    assert body["competitor"]["status"] == "active" and body["competitor"]["submitted_at"] > 0
    assert body["competitor"]["license"] == "Apache-2.0"
    status, listed = await call(gateway, "GET", "/v1/competitors")
    assert [c["id"] for c in listed["data"]] == ["paris"]
    status, answer_body = await call(
        gateway, "POST", "/v1/chat/completions", json={"model": "paris", **CHAT}
    )
    assert status == 200 and answer_body["choices"][0]["message"]["content"] == "Paris."
    _, models = await call(gateway, "GET", "/v1/models")
    assert "paris" in [m["id"] for m in models["data"]]


@pytest.mark.parametrize(
    ("behaviour", "failing"),
    [
        (Behaviour(done=False), "stream_done"),
        (Behaviour(usage=False), "usage"),
        (Behaviour(html_errors=True), "errors"),
    ],
)
async def test_a_competitor_that_breaks_the_contract_is_rejected_with_the_failing_checks(
    live, competition_gateway, behaviour, failing
):
    scripted, url = live.competitor(competitor(behaviour))
    gateway = competition_gateway()
    status, body = await call(
        gateway, "POST", "/v1/competitors", key=ADMIN_KEY, json=submission("broken", url)
    )
    assert status == 422
    error = assert_openai_error(body, "conformance_failed")
    assert (error["type"], error["param"]) == ("invalid_request_error", "url")
    assert [check["name"] for check in error["checks"]] == [failing]
    assert not error["checks"][0]["passed"] and error["checks"][0]["detail"]
    assert scripted.requests, "the checker really called the competitor"
    _, listed = await call(gateway, "GET", "/v1/competitors")
    assert listed["data"] == []
    assert "broken" not in gateway.pool_ids()


async def test_an_anonymous_submitter_cannot_point_at_a_private_address(live, competition_gateway):
    scripted, url = live.competitor(competitor())
    gateway = competition_gateway()
    status, body = await call(gateway, "POST", "/v1/competitors", json=submission("inside", url))
    assert status == 403
    assert assert_openai_error(body, "private_url_not_allowed")["param"] == "url"
    assert scripted.requests == [], "nothing was sent to the private address"
    status, body = await call(
        gateway,
        "POST",
        "/v1/competitors",
        key="jadm-wrong",
        json=submission("inside", "http://10.1.2.3:8080"),
    )
    assert status == 403


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"license": "Proprietary-1.0"}, "license"),
        ({"license": "CC-BY-4.0"}, "license"),  # open, but not OSI-approved software licence
        ({"url": None}, ""),
        ({"source_url": "ftp://git.example.org/x"}, "source_url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"id": "no spaces"}, "id"),
        ({"owner": "me"}, "owner"),
    ],
)
async def test_a_bad_submission_is_a_precise_400(competition_gateway, changes, param):
    gateway = competition_gateway()
    body = {**submission("alpha", "https://alpha.example.org"), **changes}
    body = {name: value for name, value in body.items() if value is not None}
    status, reply = await call(gateway, "POST", "/v1/competitors", key=ADMIN_KEY, json=body)
    assert status == 400
    error = assert_openai_error(reply, "invalid_value")
    assert (error["param"] or "") == param


async def test_spdx_ids_match_case_insensitively_and_are_stored_canonically(
    live, competition_gateway
):
    _, url = live.competitor(competitor())
    gateway = competition_gateway()
    status, body = await call(
        gateway,
        "POST",
        "/v1/competitors",
        key=ADMIN_KEY,
        json=submission("paris", url, license="mit"),
    )
    assert status == 201 and body["competitor"]["license"] == "MIT"


async def test_ids_already_in_use_are_refused(live, competition_gateway):
    _, url = live.competitor(competitor())
    gateway = competition_gateway({"baseline": url})
    for taken in ("baseline", "janus"):
        status, body = await call(
            gateway, "POST", "/v1/competitors", key=ADMIN_KEY, json=submission(taken, url)
        )
        assert status == 409 and assert_openai_error(body, "competitor_exists")["param"] == "id"
    assert (
        await call(gateway, "POST", "/v1/competitors", key=ADMIN_KEY, json=submission("paris", url))
    )[0] == 201
    status, body = await call(
        gateway, "POST", "/v1/competitors", key=ADMIN_KEY, json=submission("paris", url)
    )
    assert status == 409


async def test_an_image_submission_that_cannot_run_is_refused(competition_gateway):
    # An image is run and checked before it is accepted (tests/containers has the real
    # runs); one the container host does not have is refused, never stored unchecked.
    gateway = competition_gateway()
    body = submission("boxed", None, image="ghcr.io/miner/boxed:1")
    body.pop("url")
    status, reply = await call(gateway, "POST", "/v1/competitors", json=body)
    assert status == 422
    assert assert_openai_error(reply, "image_failed")["param"] == "image"
    assert "boxed" not in gateway.pool_ids()
    status, listed = await call(gateway, "GET", "/v1/competitors")
    assert "boxed" not in [competitor["id"] for competitor in listed["data"]]


@pytest.mark.parametrize(
    ("method", "path", "json"),
    [
        ("PATCH", "/v1/competitors/paris", {"status": "disabled"}),
        ("DELETE", "/v1/competitors/paris", None),
    ],
)
@pytest.mark.parametrize("key", [None, "jadm-wrong"])
async def test_changing_competitors_needs_the_admin_key(
    live, competition_gateway, method, path, json, key
):
    _, url = live.competitor(competitor())
    gateway = competition_gateway()
    await call(gateway, "POST", "/v1/competitors", key=ADMIN_KEY, json=submission("paris", url))
    status, body = await call(gateway, method, path, key=key, json=json)
    assert status == 401
    assert assert_openai_error(body, "admin_key_required")["type"] == "authentication_error"
    assert "paris" in gateway.pool_ids()


async def test_an_admin_disables_changes_and_removes_a_competitor(live, competition_gateway):
    _, url = live.competitor(competitor())
    _, broken_url = live.competitor(competitor(Behaviour(done=False)))
    gateway = competition_gateway()
    await call(gateway, "POST", "/v1/competitors", key=ADMIN_KEY, json=submission("paris", url))

    status, body = await call(
        gateway,
        "PATCH",
        "/v1/competitors/paris",
        key=ADMIN_KEY,
        json={"status": "disabled", "name": "Paris 2"},
    )
    assert status == 200 and (body["status"], body["name"]) == ("disabled", "Paris 2")
    status, body = await call(
        gateway, "POST", "/v1/chat/completions", json={"model": "paris", **CHAT}
    )
    assert status == 404 and body["error"]["code"] == "model_not_found"

    # A new URL goes through conformance again, and this one fails it.
    status, body = await call(
        gateway,
        "PATCH",
        "/v1/competitors/paris",
        key=ADMIN_KEY,
        json={"status": "active", "url": broken_url},
    )
    assert status == 422 and body["error"]["code"] == "conformance_failed"
    status, body = await call(
        gateway, "PATCH", "/v1/competitors/paris", key=ADMIN_KEY, json={"status": "active"}
    )
    assert status == 200 and "paris" in gateway.pool_ids()
    status, body = await call(
        gateway, "PATCH", "/v1/competitors/paris", key=ADMIN_KEY, json={"name": None}
    )
    assert status == 400 and body["error"]["param"] == "name"

    status, body = await call(gateway, "DELETE", "/v1/competitors/paris", key=ADMIN_KEY)
    assert status == 200 and body["deleted"] is True
    assert "paris" not in gateway.pool_ids()
    status, body = await call(gateway, "DELETE", "/v1/competitors/paris", key=ADMIN_KEY)
    assert status == 404 and body["error"]["code"] == "competitor_not_found"


async def test_submitted_competitors_rejoin_the_pool_when_the_gateway_restarts(
    live, competition_gateway, postgres_url
):
    _, url = live.competitor(competitor())
    first = competition_gateway(store_url=postgres_url)
    await call(first, "POST", "/v1/competitors", key=ADMIN_KEY, json=submission("paris", url))
    second = competition_gateway(store_url=postgres_url)  # another replica, same database
    assert "paris" in second.pool_ids()
    status, _ = await call(second, "POST", "/v1/chat/completions", json={"model": "paris", **CHAT})
    assert status == 200
