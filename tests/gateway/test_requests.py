"""What the gateway says about bad requests, and the request id every answer carries."""

from __future__ import annotations

import aiohttp
import pytest

from janus.hookspecs import hookimpl
from tests.gateway.sse_client import chat_body, stream_chat
from tests.scripted_competitor import DONE, answer, chunk, completion, sse


async def request(gateway: str, method: str, path: str, **kwargs):
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, gateway + path, **kwargs) as response,
    ):
        return response.status, await response.json(content_type=None), response.headers


@pytest.fixture
def gateway(live):
    _, url = live.competitor(answer(completion("fine")))
    return live.gateway({"a": url}, default="a", max_body_bytes=4096)


def assert_openai_error(body: dict) -> dict:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["message"]
    return body["error"]


async def test_malformed_json_is_a_400(gateway):
    status, body, _ = await request(gateway, "POST", "/v1/chat/completions", data=b'{"model": ')
    assert status == 400
    assert assert_openai_error(body)["code"] == "invalid_json"


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "a", "messages": []}, "messages"),
        ({"model": "a", "messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        (
            {"model": "a", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
            "messages[0].content[0].image_url",
        ),
        ({"model": "a", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}, "stream"),
        ({"model": "a", "messages": [{"role": "user", "content": "x"}], "n": 0}, "n"),
        (
            {
                "model": "a",
                "messages": [{"role": "user", "content": "x"}],
                "tools": [{"type": "function", "function": {}}],
            },
            "tools[0].function.name",
        ),
    ],
)
async def test_schema_errors_name_the_field(gateway, payload, param):
    status, body, _ = await request(gateway, "POST", "/v1/chat/completions", json=payload)
    assert status == 400
    error = assert_openai_error(body)
    assert error["param"] == param and param in error["message"]


async def test_json_that_is_not_an_object_is_a_400(gateway):
    status, body, _ = await request(gateway, "POST", "/v1/chat/completions", json=[1, 2])
    assert status == 400 and assert_openai_error(body)["type"] == "invalid_request_error"


async def test_empty_body_is_a_400(gateway):
    status, body, _ = await request(gateway, "POST", "/v1/chat/completions", data=b"")
    assert status == 400 and "empty" in assert_openai_error(body)["message"]


async def test_unknown_model_is_a_404_model_not_found(gateway):
    status, body, _ = await request(
        gateway, "POST", "/v1/chat/completions", json=chat_body("gpt-nonexistent")
    )
    assert status == 404
    error = assert_openai_error(body)
    assert error["code"] == "model_not_found" and error["param"] == "model"


async def test_model_janus_without_a_default_is_a_404(live):
    _, url = live.competitor(answer(completion("x")))
    gateway = live.gateway({"a": url})
    status, body, _ = await request(
        gateway, "POST", "/v1/chat/completions", json=chat_body("janus")
    )
    assert status == 404 and "no default competitor" in body["error"]["message"]


async def test_body_too_large_is_a_413(gateway):
    payload = chat_body("a", stream=False)
    payload["messages"][0]["content"] = "x" * 5000
    status, body, _ = await request(gateway, "POST", "/v1/chat/completions", json=payload)
    assert status == 413
    error = assert_openai_error(body)
    assert error["code"] == "request_too_large" and "4096" in error["message"]


async def test_body_too_large_without_content_length_is_a_413(gateway):
    async def chunked_body():
        for _ in range(10):
            yield b" " * 1000

    status, body, _ = await request(gateway, "POST", "/v1/chat/completions", data=chunked_body())
    assert status == 413 and assert_openai_error(body)["code"] == "request_too_large"


async def test_unknown_route_and_wrong_method_use_the_openai_shape(gateway):
    status, body, _ = await request(gateway, "GET", "/v1/nothing-here")
    assert status == 404 and assert_openai_error(body)["code"] == "not_found"
    status, body, _ = await request(gateway, "GET", "/v1/chat/completions")
    assert status == 405 and assert_openai_error(body)["code"] == "method_not_allowed"


async def test_gateway_stays_healthy_after_bad_requests(gateway):
    for payload in (b"{", b"[]", b"\xff\xfe"):
        await request(gateway, "POST", "/v1/chat/completions", data=payload)
    status, body, _ = await request(
        gateway, "POST", "/v1/chat/completions", json=chat_body("a", stream=False)
    )
    assert status == 200 and body["choices"][0]["message"]["content"] == "fine"


async def test_request_id_is_generated_when_absent(gateway):
    _, _, headers = await request(gateway, "GET", "/health")
    first = headers["X-Request-Id"]
    _, _, headers = await request(gateway, "GET", "/health")
    assert len(first) >= 16 and headers["X-Request-Id"] != first


async def test_safe_request_id_is_kept_on_success_and_error(gateway):
    for path, method in (("/health", "GET"), ("/v1/chat/completions", "POST")):
        _, _, headers = await request(
            gateway, method, path, headers={"X-Request-Id": "abc-123.x"}, data=b"{}"
        )
        assert headers["X-Request-Id"] == "abc-123.x"


@pytest.mark.parametrize("unsafe", ["has space", "x" * 129, "semi;colon", "<script>"])
async def test_unsafe_request_id_is_replaced(gateway, unsafe):
    _, _, headers = await request(gateway, "GET", "/health", headers={"X-Request-Id": unsafe})
    assert headers["X-Request-Id"] != unsafe


async def test_streamed_answers_carry_the_request_id_too(live):
    _, url = live.competitor(sse(chunk("streamed"), DONE))
    gateway = live.gateway({"a": url})
    received = await stream_chat(gateway, chat_body("a"), headers={"X-Request-Id": "s1"})
    assert received.headers["X-Request-Id"] == "s1" and received.content == "streamed"


class _NobodyRouter:
    async def route(self, request, pool):
        return []


class _NobodyRouterPlugin:
    @hookimpl
    def register_routers(self, register):
        register("nobody", _NobodyRouter())


async def test_router_with_no_candidate_is_a_503(live):
    _, url = live.competitor(answer(completion("unused")))
    gateway = live.gateway({"a": url}, router="nobody", plugins=(_NobodyRouterPlugin(),))
    status, body, _ = await request(gateway, "POST", "/v1/chat/completions", json=chat_body("a"))
    assert status == 503
    assert assert_openai_error(body)["code"] == "no_competitor_available"
