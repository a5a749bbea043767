"""Competitors from OCI images, run by the gateway with real Podman (slow: containers)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests.containers.fixtures import ADMIN, content_of, podman, wait_for

pytestmark = pytest.mark.slow


def test_a_configured_container_streams_through_the_gateway(container_gateway, competitor_image):
    gateway = container_gateway([{"id": "boxed", "kind": "container", "image": competitor_image}])
    assert gateway.containers() == []  # started on demand, not before
    status, models = gateway.request("GET", "/v1/models")
    assert "boxed" in [model["id"] for model in models["data"]]

    status, answer = gateway.chat("boxed", "hello")
    assert status == 200, answer
    assert content_of(answer) == "Paris is the capital of France. "
    assert answer.rstrip().endswith("data: [DONE]")
    assert len(gateway.containers("boxed")) == 1

    status, answer = gateway.chat("boxed", "hello", stream=False)
    assert status == 200
    assert "Paris" in answer


def test_the_container_reaches_the_platform_with_its_token(container_gateway, competitor_image):
    gateway = container_gateway([{"id": "boxed", "kind": "container", "image": competitor_image}])
    status, answer = gateway.chat("boxed", "platform", stream=False)
    assert status == 200, answer
    content = json.loads(answer)["choices"][0]["message"]["content"]
    code, _, body = content.partition(" ")
    assert code == "200", content
    # The platform knew who called, from the token the gateway gave this request.
    assert json.loads(body)["competitor_id"] == "boxed"
    assert json.loads(body)["path"] == "from-the-container"


def test_a_submitted_image_passes_conformance_and_routes_as_its_model(
    container_gateway, competitor_image
):
    gateway = container_gateway()
    status, body = gateway.request(
        "POST",
        "/v1/competitors",
        json={
            "id": "submitted-box",
            "name": "Submitted box",
            "image": competitor_image,
            "source_url": "https://example.org/box",
            "license": "MIT",
        },
    )
    assert status == 201, body
    assert body["conformance"]["passed"] is True
    assert {check["name"] for check in body["conformance"]["checks"]} >= {"stream", "health"}

    status, answer = gateway.chat("submitted-box", "hello")
    assert status == 200, answer
    assert content_of(answer) == "Paris is the capital of France. "

    status, logs = gateway.request("GET", "/v1/competitors/submitted-box/logs", headers=ADMIN)
    assert status == 200, logs
    assert any("scripted competitor listening on 8080" in line for line in logs["lines"])
    status, refused = gateway.request("GET", "/v1/competitors/submitted-box/logs")
    assert status == 401 and refused["error"]["code"] == "admin_key_required"

    status, _ = gateway.request("DELETE", "/v1/competitors/submitted-box", headers=ADMIN)
    assert status == 200
    assert gateway.containers("submitted-box") == []
    status, answer = gateway.chat("submitted-box", "hello")
    assert status == 404


def test_an_image_that_does_not_run_is_refused_and_leaves_nothing(container_gateway, base_image):
    gateway = container_gateway(containers={"pull": "never"})
    submission = {
        "id": "broken",
        "name": "Broken",
        "source_url": "https://example.org/broken",
        "license": "MIT",
    }
    status, body = gateway.request(
        "POST", "/v1/competitors", json={**submission, "image": "localhost/no-such-image:1"}
    )
    assert status == 422, body
    assert body["error"]["code"] == "image_failed"
    # The base image's default command is a Python prompt that exits at once: not healthy.
    status, body = gateway.request(
        "POST", "/v1/competitors", json={**submission, "image": base_image}
    )
    assert status == 422, body
    assert body["error"]["code"] == "image_failed"
    assert "exited" in body["error"]["message"]
    assert gateway.containers() == []
    status, listed = gateway.request("GET", "/v1/competitors")
    assert "broken" not in [c["id"] for c in listed["data"]]


def test_a_container_killed_mid_stream_ends_it_in_band_and_comes_back(
    container_gateway, competitor_image
):
    gateway = container_gateway([{"id": "boxed", "kind": "container", "image": competitor_image}])
    assert gateway.chat("boxed", "hello")[0] == 200
    (name,) = gateway.containers("boxed")

    killer = threading.Timer(2.0, lambda: podman("kill", name, check=False))
    killer.start()
    status, answer = gateway.chat("boxed", "slow 600")
    killer.join()
    assert status == 200
    assert '"error"' in answer, answer[-500:]
    assert answer.rstrip().endswith("data: [DONE]")
    assert content_of(answer).startswith("0 ")

    status, answer = gateway.chat("boxed", "hello")
    assert status == 200, answer
    assert content_of(answer) == "Paris is the capital of France. "
    # Its output is kept across the restart.
    status, logs = gateway.request("GET", "/v1/competitors/boxed/logs?tail=1000", headers=ADMIN)
    assert sum("listening on 8080" in line for line in logs["lines"]) == 2


def test_a_kept_warm_container_comes_back_by_itself(container_gateway, competitor_image):
    warm = {"id": "warm", "kind": "container", "image": competitor_image, "keep_warm": True}
    gateway = container_gateway([warm])
    (name,) = gateway.containers("warm")
    first = podman("inspect", "--format", "{{.Id}}", name).strip()
    podman("kill", name)

    def replaced() -> bool:
        out = podman("inspect", "--format", "{{.Id}} {{.State.Running}}", name, check=False)
        return out.split()[1:] == ["true"] and out.split()[0] != first

    wait_for(replaced)  # no request needed
    status, answer = gateway.chat("warm", "hello")
    assert status == 200 and content_of(answer) == "Paris is the capital of France. "


def test_an_idle_container_is_stopped_and_started_again_on_demand(
    container_gateway, competitor_image
):
    gateway = container_gateway(
        [{"id": "boxed", "kind": "container", "image": competitor_image}],
        containers={"idle_stop_s": 1},
    )
    assert gateway.chat("boxed", "hello")[0] == 200
    wait_for(lambda: gateway.containers("boxed") == [])
    status, answer = gateway.chat("boxed", "hello")
    assert status == 200
    assert content_of(answer) == "Paris is the capital of France. "


def test_no_container_outlives_its_gateway(container_gateway, competitor_image, live):
    competitors = [
        {"id": "warm", "kind": "container", "image": competitor_image, "keep_warm": True}
    ]
    gateway = container_gateway(competitors)
    assert len(gateway.containers("warm")) == 1  # kept warm: up before any request
    live.stop_all()
    assert gateway.containers() == []

    # A gateway killed without stopping leaves its containers; the next start on the
    # same data directory removes them.
    leftover = f"janus-{gateway.instance}-left-behind"
    podman(
        "run",
        "-d",
        "--runtime",
        "runc",
        "--network",
        "none",
        "--name",
        leftover,
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=1024:1024",
        "--label",
        f"janus.gateway={gateway.instance}",
        competitor_image,
        "sleep",
        "600",
    )
    (Path(gateway.data_dir) / "containers.in-use").touch()
    again = container_gateway(data_dir=gateway.data_dir)
    assert again.containers() == []
