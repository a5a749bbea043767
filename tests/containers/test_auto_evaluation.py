"""An accepted image is evaluated without anyone asking, and ranks when it finishes."""

from __future__ import annotations

import pytest

from janus.gateway.competition.auto import AUTO_EVALUATIONS
from tests.containers.fixtures import ADMIN, wait_for

pytestmark = pytest.mark.slow


def test_an_accepted_image_is_evaluated_automatically(container_gateway, competitor_image):
    pytest.importorskip("janus_bench")
    # Coding tasks need the platform sandbox, or the run refuses to start.
    gateway = container_gateway(
        competition={"auto_evaluate": "images"},
        platform={"sandbox": {"backend": "local"}},
    )
    status, body = gateway.request(
        "POST",
        "/v1/competitors",
        json={
            "id": "evaluated-box",
            "name": "Evaluated box",
            "image": competitor_image,
            "source_url": "https://example.org/box",
            "license": "MIT",
        },
    )
    assert status == 201, body

    def evaluations() -> list[dict]:
        return gateway.request("GET", "/v1/evaluations?competitor_id=evaluated-box")[1]["data"]

    wait_for(lambda: len(evaluations()) == 1, timeout=120)
    wait_for(lambda: evaluations()[0]["status"] in ("finished", "failed"), timeout=900, interval=2)
    (evaluation,) = evaluations()
    assert evaluation["source"] == "gateway"
    assert evaluation["status"] == "finished", evaluation["error"]
    assert evaluation["subset"] == 100  # the whole canonical suite: it ranks
    # The evaluation says what the container used while it ran.
    # (per-task results are for admins and the competitor's owner)
    status, detail = gateway.request("GET", f"/v1/evaluations/{evaluation['id']}", headers=ADMIN)
    used = detail["result"]["container"]
    assert used["cpu_seconds"] > 0
    assert 0 < used["memory_peak_bytes"] <= used["memory_limit_bytes"] == 512 * 1024 * 1024
    assert used["starts_during_run"] == 0  # it was already up from its conformance checks
    assert used["pids_limit"] == 128
    # Its answers are always "Paris": it ranks, at the bottom of any real board.
    status, board = gateway.request("GET", "/v1/leaderboard")
    (row,) = board["data"]
    assert (row["competitor_id"], row["evaluation_id"]) == ("evaluated-box", evaluation["id"])


def test_a_submission_accepted_before_a_restart_is_evaluated_by_the_next_gateway(
    container_gateway, competitor_image, live
):
    pytest.importorskip("janus_bench")
    settings = {
        "competition": {"auto_evaluate": "images"},
        "platform": {"sandbox": {"backend": "local"}},
    }
    gateway = container_gateway(**settings)
    # The worker is stopped before the submission: as if the gateway went down between
    # accepting it and starting its evaluation.
    live.call(gateway.app[AUTO_EVALUATIONS].close())
    status, body = gateway.request(
        "POST",
        "/v1/competitors",
        json={
            "id": "restarted-box",
            "name": "Restarted box",
            "image": competitor_image,
            "source_url": "https://example.org/box",
            "license": "MIT",
        },
    )
    assert status == 201, body
    path = "/v1/evaluations?competitor_id=restarted-box"
    assert gateway.request("GET", path)[1]["data"] == []
    live.stop_all()

    again = container_gateway(data_dir=gateway.data_dir, **settings)

    def evaluations() -> list[dict]:
        return again.request("GET", path)[1]["data"]

    wait_for(lambda: len(evaluations()) == 1, timeout=180)
    wait_for(lambda: evaluations()[0]["status"] in ("finished", "failed"), timeout=900, interval=2)
    (evaluation,) = evaluations()
    assert evaluation["status"] == "finished", evaluation["error"]
    status, board = again.request("GET", "/v1/leaderboard")
    assert [(row["competitor_id"], row["evaluation_id"]) for row in board["data"]] == [
        ("restarted-box", evaluation["id"])
    ]
