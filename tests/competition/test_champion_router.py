"""The ``champion`` router: ``janus`` goes to the leaderboard's #1, then down the board."""

from __future__ import annotations

from tests.competition.conftest import ADMIN_KEY, call
from tests.competition.results import TRUSTING, bench_result, signed
from tests.scripted_competitor import answer, completion

CHAT = {"model": "janus", "messages": [{"role": "user", "content": "Who answers?"}]}


def says(name: str):
    return answer(completion(f"from {name}"))


def failing():
    error = {"message": "down", "type": "server_error", "param": None, "code": None}
    return answer({"error": error}, status=503)


async def rank(gateway, scores: dict[str, float]) -> list[str]:
    """Import one full-suite result per competitor, each clearly apart from the others."""
    for competitor_id, composite in scores.items():
        posted = signed({"competitor_id": competitor_id, **bench_result(composite)})
        status, body = await call(
            gateway, "POST", "/v1/evaluations/results", key=ADMIN_KEY, json=posted
        )
        assert status == 201, body
    _, leaderboard = await call(gateway, "GET", "/v1/leaderboard")
    return [row["competitor_id"] for row in leaderboard["data"]]


async def answered_by(gateway, **body) -> str:
    status, reply = await call(gateway, "POST", "/v1/chat/completions", json={**CHAT, **body})
    assert status == 200, reply
    return reply["choices"][0]["message"]["content"]


async def test_without_a_leaderboard_janus_goes_to_the_default(live, competition_gateway):
    urls = {name: live.competitor(says(name))[1] for name in ("a", "b")}
    gateway = competition_gateway(urls, router="champion", default="a", competition=TRUSTING)
    assert await answered_by(gateway) == "from a"


async def test_janus_goes_to_the_champion_and_ids_still_name_competitors(live, competition_gateway):
    urls = {name: live.competitor(says(name))[1] for name in ("a", "b")}
    gateway = competition_gateway(urls, router="champion", default="a", competition=TRUSTING)
    assert await rank(gateway, {"a": 50.0, "b": 90.0}) == ["b", "a"]
    assert await answered_by(gateway) == "from b"
    assert await answered_by(gateway, model="a") == "from a"


async def test_a_failing_champion_falls_back_down_the_leaderboard(live, competition_gateway):
    urls = {
        "a": live.competitor(says("a"))[1],
        "b": live.competitor(failing())[1],
        "c": live.competitor(says("c"))[1],
    }
    gateway = competition_gateway(urls, router="champion", default="a", competition=TRUSTING)
    assert await rank(gateway, {"a": 30.0, "b": 90.0, "c": 60.0}) == ["b", "c", "a"]
    assert await answered_by(gateway) == "from c"  # the #2, not the configured default


async def test_without_a_leaderboard_or_default_janus_is_not_found(live, competition_gateway):
    gateway = competition_gateway(
        {"a": live.competitor(says("a"))[1]}, router="champion", competition=TRUSTING
    )
    status, body = await call(gateway, "POST", "/v1/chat/completions", json=CHAT)
    assert status == 404 and body["error"]["code"] == "model_not_found"
    assert await rank(gateway, {"a": 40.0}) == ["a"]
    assert await answered_by(gateway) == "from a"
