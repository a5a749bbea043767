"""Both baselines, built as images from their Containerfiles, pass conformance as
submissions and answer as their model (platform inference scripted; slow)."""

from __future__ import annotations

import pytest

from tests.containers.fixtures import ADMIN, baseline_image, content_of

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("baseline", "question"),
    [("agent-cli", "What is the capital of France?"), ("langchain", "Say hello.")],
)
def test_a_baseline_image_is_admitted_and_answers(
    container_gateway, base_image, baseline, question
):
    image = baseline_image(baseline)
    gateway = container_gateway(platform={"inference": {"backend": "scripted"}})
    status, body = gateway.request(
        "POST",
        "/v1/competitors",
        json={
            "id": f"image-{baseline}",
            "name": f"{baseline} (image)",
            "image": image,
            "source_url": "https://example.org/janus",
            "license": "MIT",
        },
    )
    if status != 201:
        logs = gateway.request("GET", f"/v1/competitors/image-{baseline}/logs", headers=ADMIN)
        raise AssertionError(f"{body}\n{logs}")
    assert body["conformance"]["passed"]
    status, answer = gateway.chat(f"image-{baseline}", question)
    assert status == 200, answer
    # The scripted platform model answers "scripted: <prompt>": the baseline called the
    # platform from inside its container and streamed what it got.
    assert "scripted" in content_of(answer), answer[-1000:]
