"""Non-stream chat completions: forwarded once, validated, with fallback before the answer."""

from __future__ import annotations

import aiohttp

from tests.gateway.sse_client import chat_body
from tests.scripted_competitor import FOREVER, answer, completion, sse


async def post(gateway: str, body: dict | bytes, **kwargs) -> tuple[int, dict, dict]:
    send = {"data": body} if isinstance(body, bytes) else {"json": body}
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway + "/v1/chat/completions", **send, **kwargs) as response,
    ):
        return response.status, await response.json(content_type=None), dict(response.headers)


async def test_answer_is_returned_unchanged(live):
    expected = completion("Hello!", system_fingerprint="fp_1", extra_field={"kept": True})
    competitor, url = live.competitor(answer(expected))
    gateway = live.gateway({"a": url})
    status, body, headers = await post(gateway, chat_body("a", stream=False, top_p=0.5))
    assert status == 200 and body == expected
    assert headers["Content-Type"].startswith("application/json")
    assert competitor.requests[0]["top_p"] == 0.5


async def test_competitor_receives_request_id_but_not_client_credentials(live):
    competitor, url = live.competitor(answer(completion("x")))
    gateway = live.gateway({"a": url})
    _, _, headers = await post(
        gateway,
        chat_body("a", stream=False),
        headers={"Authorization": "Bearer client-secret", "X-Request-Id": "req-42"},
    )
    # The client's id is echoed to it; the competitor gets the gateway's own.
    echoed = {name.lower(): value for name, value in headers.items()}
    assert echoed["x-request-id"] == "req-42"
    assert competitor.headers[0]["X-Request-Id"] == echoed["x-janus-request-id"] != "req-42"
    assert "Authorization" not in competitor.headers[0]


async def test_500_falls_back_to_the_next_candidate(live):
    _, broken = live.competitor(answer({"error": {"message": "boom"}}, status=500))
    _, healthy = live.competitor(answer(completion("rescued")))
    gateway = live.gateway({"a": broken, "b": healthy}, default="a", fallbacks=("b",))
    status, body, _ = await post(gateway, chat_body(stream=False))
    assert status == 200 and body["choices"][0]["message"]["content"] == "rescued"


async def test_invalid_answer_is_a_502_never_a_made_up_200(live):
    _, url = live.competitor(answer({"choices": "not a list"}))
    gateway = live.gateway({"a": url})
    status, body, _ = await post(gateway, chat_body("a", stream=False))
    assert status == 502
    assert body["error"]["code"] == "competitor_failed"
    assert "invalid chat.completion" in body["error"]["message"]


async def test_competitor_400_is_the_clients_fault_and_is_passed_through(live):
    error = {
        "error": {
            "message": "temperature too high",
            "type": "invalid_request_error",
            "param": "temperature",
            "code": "bad_param",
        }
    }
    _, url = live.competitor(answer(error, status=400))
    second, second_url = live.competitor(answer(completion("no")))
    gateway = live.gateway({"a": url, "b": second_url}, default="a", fallbacks=("b",))
    status, body, _ = await post(gateway, chat_body(stream=False))
    assert status == 400 and body == error
    assert second.requests == []


async def test_deadline_is_a_504(live):
    _, url = live.competitor(sse(FOREVER))
    gateway = live.gateway({"a": url}, request_timeout_s=0.3)
    status, body, _ = await post(gateway, chat_body("a", stream=False))
    assert status == 504 and body["error"]["code"] == "deadline_exceeded"


async def test_answer_larger_than_the_limit_is_refused(live):
    _, url = live.competitor(answer(completion("y" * 4096)))
    gateway = live.gateway({"a": url}, max_response_bytes=2048)
    status, body, _ = await post(gateway, chat_body("a", stream=False))
    assert status == 502 and "exceeds 2048 bytes" in body["error"]["message"]


async def test_unix_socket_competitor(live, tmp_path):
    _, url = live.competitor(
        answer(completion("over a socket")), unix_socket=str(tmp_path / "c.sock")
    )
    assert url.startswith("unix:")
    gateway = live.gateway({"a": url})
    status, body, _ = await post(gateway, chat_body("a", stream=False))
    assert status == 200
    assert body["choices"][0]["message"]["content"] == "over a socket"
