"""``/v1/marketplace/...`` and ``/platform/components/...`` through a real gateway."""

from __future__ import annotations

import time

from janus.platform.tokens import PlatformTokens
from tests.marketplace.client import call, get, metric
from tests.marketplace.echo_component import CONTRACT

LISTED = {
    "id",
    "name",
    "version",
    "contract",
    "category",
    "description",
    "inputs",
    "outputs",
    "resources",
    "license",
    "author",
    "docs",
    "usage_count",
    "endpoint",
}


def assert_openai_error(body, code: str) -> None:
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"message", "type", "param", "code"}, body
    assert body["error"]["code"] == code, body


async def test_the_list_shows_every_component_with_its_manifest(gateway):
    status, body = await get(gateway + "/v1/marketplace/components")
    assert status == 200
    assert body["object"] == "list"
    assert [c["id"] for c in body["data"]] == ["crash", "echo", "no-response", "slow", "sneaky"]
    echo = body["data"][1]
    assert set(echo) == LISTED
    assert echo["version"] == "1.2.3" and echo["contract"] == "openapi"
    assert echo["resources"] == {"services": [], "timeout_s": 5.0}
    assert echo["usage_count"] == 0
    assert echo["endpoint"] == "/platform/components/echo/"


async def test_the_detail_adds_the_contract_document(gateway):
    status, body = await get(gateway + "/v1/marketplace/components/echo")
    assert status == 200
    assert set(body) == LISTED | {"contract_document"}
    assert body["contract_document"] == CONTRACT


async def test_an_unknown_component_is_a_404_in_the_openai_shape(gateway, token):
    status, body = await get(gateway + "/v1/marketplace/components/nope")
    assert status == 404
    assert_openai_error(body, "component_not_found")
    status, body = await call(gateway, "/platform/components/nope/x", token, {})
    assert status == 404
    assert_openai_error(body, "component_not_found")


async def test_invoking_without_a_platform_token_is_a_401(gateway):
    status, body = await call(gateway, "/platform/components/echo/echo", None, {"a": 1})
    assert status == 401
    assert_openai_error(body, "invalid_platform_token")
    status, body = await call(gateway, "/platform/components/echo/echo", "forged", {"a": 1})
    assert status == 401
    _, usage = await get(gateway + "/v1/marketplace/usage")
    assert usage == {"object": "list", "data": []}


async def test_a_call_is_served_and_attributed_to_the_competitor_and_request(gateway, token):
    status, body = await call(gateway, "/platform/components/echo/echo", token, {"a": 1})
    assert status == 200, body
    assert body == {
        "competitor_id": "tester",
        "request_id": "req-test",
        "path": "echo",
        "method": "POST",
        "body": '{"a": 1}',
    }
    status, body = await call(gateway, "/platform/components/echo/", token, method="GET")
    assert status == 200 and body["path"] == "" and body["method"] == "GET"

    _, usage = await get(gateway + "/v1/marketplace/usage")
    (row,) = usage["data"]
    assert row["component_id"] == "echo" and row["competitor_id"] == "tester"
    assert row["calls"] == 2 and row["last_called_at"] <= time.time()
    _, listed = await get(gateway + "/v1/marketplace/components")
    counts = {c["id"]: c["usage_count"] for c in listed["data"]}
    assert counts == {"crash": 0, "echo": 2, "no-response": 0, "slow": 0, "sneaky": 0}
    labels = {"competitor": "tester", "component": "echo"}
    assert await metric(gateway, "janus_platform_component_calls_total", **labels) == 2


async def test_usage_is_per_competitor_and_filterable(gateway, platform_tokens: PlatformTokens):
    later = time.time() + 60
    alice = platform_tokens.mint("alice", "r1", later)
    bob = platform_tokens.mint("bob", "r2", later)
    for token in (alice, bob, bob):
        assert (await call(gateway, "/platform/components/echo/echo", token, {}))[0] == 200
    assert (await call(gateway, "/platform/components/crash/", alice, {}))[0] == 500
    _, usage = await get(gateway + "/v1/marketplace/usage")
    rows = {(r["component_id"], r["competitor_id"]): r["calls"] for r in usage["data"]}
    assert rows == {("echo", "bob"): 2, ("echo", "alice"): 1, ("crash", "alice"): 1}
    _, usage = await get(gateway + "/v1/marketplace/usage?component_id=crash")
    assert [(r["component_id"], r["competitor_id"]) for r in usage["data"]] == [("crash", "alice")]


async def test_a_crashing_component_is_a_500_and_the_gateway_stays_up(gateway, token):
    status, body = await call(gateway, "/platform/components/crash/", token, {})
    assert status == 500
    assert_openai_error(body, "component_failed")
    status, body = await call(gateway, "/platform/components/no-response/", token, {})
    assert status == 500
    assert_openai_error(body, "component_failed")
    assert (await call(gateway, "/platform/components/echo/echo", token, {}))[0] == 200


async def test_a_component_past_its_timeout_is_a_504(gateway, token):
    status, body = await call(gateway, "/platform/components/slow/", token, {})
    assert status == 504
    assert_openai_error(body, "component_timeout")


async def test_a_component_cannot_use_a_service_it_did_not_declare(gateway, token):
    status, body = await call(gateway, "/platform/components/sneaky/", token, {})
    assert status == 500
    assert_openai_error(body, "component_undeclared_service")
    assert await metric(gateway, "janus_platform_search_calls_total", competitor="tester") == 0
