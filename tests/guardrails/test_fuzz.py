"""Property-based fuzzing of the chat endpoint: whatever the body, never a 5xx.

Bodies are generated from the shape of a chat request (with wrong types, odd parts and
unknown fields mixed in) and from arbitrary JSON; every answer must be a 2xx or a 4xx in
the OpenAI error shape, and the gateway must stay healthy. Bounded: a fixed number of
examples, no deadline per example.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scripted_competitor import answer, completion

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
parts = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=30)}),
    st.fixed_dictionaries(
        {"type": st.just("image_url"), "image_url": st.fixed_dictionaries({"url": st.text()})}
    ),
    st.dictionaries(st.sampled_from(["type", "text", "image_url"]), json_values, max_size=3),
)
messages = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["system", "user", "assistant", "tool", "robot", ""]),
            "content": st.one_of(st.text(max_size=40), st.lists(parts, max_size=3), json_values),
        }
    ),
    max_size=4,
)
chat_bodies = st.fixed_dictionaries(
    {"model": st.sampled_from(["fuzz", "janus", "", "nope"]) | json_values, "messages": messages},
    optional={
        "stream": st.booleans() | json_values,
        "n": st.integers(-2, 3) | json_values,
        "max_tokens": st.integers(-5, 10**6) | json_values,
        "tools": json_values,
        "stream_options": json_values,
        "unknown_field": json_values,
    },
)


def post(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def fuzz_gateway(_live_loop):
    _, url = _live_loop.competitor(answer(completion("fuzzed")))
    gateway = _live_loop.gateway(
        {"fuzz": url},
        default="fuzz",
        guardrails={"enabled": ["request-size", "url-policy"]},
    )
    yield gateway
    _live_loop.stop_all()


def check(gateway: str, body: bytes) -> None:
    status, payload = post(gateway, body)
    assert status < 500, (status, body[:300], payload[:300])
    if status >= 400:
        error = json.loads(payload)["error"]
        assert error["message"] and "type" in error and "code" in error


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=chat_bodies)
def test_chat_shaped_bodies_never_cause_a_5xx(fuzz_gateway, body):
    check(fuzz_gateway, json.dumps(body).encode())


@settings(max_examples=100, deadline=None)
@given(body=json_values | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_arbitrary_bodies_never_cause_a_5xx(fuzz_gateway, body):
    check(
        fuzz_gateway,
        body.encode("utf-8", "surrogatepass")
        if isinstance(body, str)
        else json.dumps(body).encode(),
    )
