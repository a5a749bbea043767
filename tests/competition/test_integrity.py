"""Competition integrity through the API: per-task results stay private, imports are
recomputed and checked, and only what may be ranked is ranked."""

from __future__ import annotations

import asyncio
import logging

import pytest

from janus.gateway.competition.leaderboard import BoardRules, Entrant, build_leaderboard
from tests.competition.conftest import ADMIN_KEY, assert_openai_error, call
from tests.competition.results import SIGNER, SIGNER_KEY, TRUSTING, bench_result, signed
from tests.competition.test_evaluations import SUITE as PRIVATE
from tests.competition.test_evaluations import (
    events_of,
    reference_answers,
    start,
    tiny_suite,  # noqa: F401 (fixture)
)
from tests.competition.test_leaderboard import RULES, evaluated

DIGEST = "sha256:" + "ab" * 32
ON_PLATFORM = {  # a submitted image pinned by digest: it runs on the platform
    "name": "Pinned",
    "image": f"localhost/pinned@{DIGEST}",
    "source_url": "https://git.example/pinned",
    "license": "MIT",
}


async def submit(gateway, competitor_id: str, **fields) -> str:
    """Submit an image competitor; return its owner key."""
    status, body = await call(
        gateway, "POST", "/v1/competitors", json={"id": competitor_id, **ON_PLATFORM, **fields}
    )
    assert status == 201, body
    return body["owner_key"]


async def imported(gateway, body: dict) -> tuple[int, dict]:
    return await call(gateway, "POST", "/v1/evaluations/results", key=ADMIN_KEY, json=body)


async def board(gateway) -> dict:
    return (await call(gateway, "GET", "/v1/leaderboard"))[1]


# Nothing leaks ---------------------------------------------------------------------------


async def test_per_task_results_are_for_admins_and_the_owner_only(competition_gateway):
    gateway = competition_gateway(competition=TRUSTING)
    owner_key = await submit(gateway, "mine")
    other_key = await submit(gateway, "theirs")
    status, body = await imported(gateway, signed({"competitor_id": "mine", **bench_result(70)}))
    assert status == 201, body
    path = f"/v1/evaluations/{body['id']}"
    for key in (None, other_key, "jown-guess", "jadm-wrong"):
        status, public = await call(gateway, "GET", path, key=key)
        assert status == 200 and "result" not in public
        assert public["composite"] == 70.0 and public["ci"] == {"low": 70.0, "high": 70.0}
        assert set(public["components"]) == {"quality", "speed", "cost", "streaming", "multimodal"}
    for key in (owner_key, ADMIN_KEY):
        status, private = await call(gateway, "GET", path, key=key)
        assert status == 200
        assert private["result"]["tasks"][0]["details"]["answer"].startswith("the answer to")
    _, listed = await call(gateway, "GET", "/v1/evaluations")
    assert all("result" not in e for e in listed["data"])


async def test_the_public_never_sees_how_a_task_went_while_a_run_goes_on(
    live,
    competition_gateway,
    tiny_suite,  # noqa: F811 (the fixture)
):
    _, url = live.competitor(reference_answers())
    gateway = competition_gateway({"honest": url}, suite=PRIVATE)
    started = await start(gateway, "honest")
    public, admin = await asyncio.gather(
        events_of(gateway, started["id"]), events_of(gateway, started["id"], key=ADMIN_KEY)
    )
    tasks = [e for e in public if isinstance(e, dict) and e["event"] == "task"]
    assert [e["done"] for e in tasks] == [1, 2]
    assert all(set(e) == {"event", "done", "total"} for e in tasks)  # no id, quality, error
    assert all(
        {"task_id", "quality"} <= set(e) for e in admin if e != "[DONE]" and e["event"] == "task"
    )


# Imports ---------------------------------------------------------------------------------


async def test_an_import_is_recomputed_from_its_tasks(competition_gateway):
    gateway = competition_gateway(competition=TRUSTING)
    await submit(gateway, "mine")
    claimed = {**bench_result(30), "composite": 99.0, "ci": {"low": 98.0, "high": 100.0}}
    claimed["components"] = dict.fromkeys(claimed["components"], 0.99)
    status, body = await imported(gateway, signed({"competitor_id": "mine", **claimed}))
    assert status == 201, body
    assert body["composite"] == 30.0 and body["ci"] == {"low": 30.0, "high": 30.0}
    assert body["components"]["quality"] == 0.3
    assert (await board(gateway))["data"][0]["composite"] == 30.0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"suite": {"id": "public/dev", "hash": "sha256:" + "0" * 64}}, "suite_hash_mismatch"),
        ({"suite": {"id": "public/nope", "hash": "sha256:x"}}, "unknown_suite"),
        ({"tasks": [{"id": "not-a-task", "scores": {"quality": 1.0}}]}, "unknown_task"),
        ("drop a task", "incomplete_result"),
    ],
)  # fmt: skip
async def test_an_import_of_another_suite_or_other_tasks_is_refused(
    competition_gateway, change, code
):
    gateway = competition_gateway(competition=TRUSTING)
    await submit(gateway, "mine")
    await imported(gateway, signed({"competitor_id": "mine", **bench_result(60)}))
    body = {"competitor_id": "mine", **bench_result(90)}
    if change == "drop a task":
        body["tasks"] = body["tasks"][1:]
    else:
        body.update(change)
    status, reply = await imported(gateway, signed(body))
    assert status == 422
    assert_openai_error(reply, code)
    # The board is untouched: one stray result does not empty it.
    rows = (await board(gateway))["data"]
    assert [(r["competitor_id"], r["composite"], r["champion"]) for r in rows] == [
        ("mine", 60.0, True)
    ]


async def test_an_unsigned_import_is_listed_and_marked_but_never_ranked(competition_gateway):
    gateway = competition_gateway(competition=TRUSTING)
    await submit(gateway, "mine")
    status, body = await imported(gateway, {"competitor_id": "mine", **bench_result(80)})
    assert status == 201, body
    leaderboard = await board(gateway)
    row = leaderboard["data"][0]
    assert (row["imported"], row["ranked"], row["rank"], row["champion"]) == (
        True,
        False,
        None,
        False,
    )
    assert row["unranked_reason"] == "untrusted import"
    assert leaderboard["champion_history"] == []


@pytest.mark.parametrize(
    ("sign", "code"),
    [
        (lambda body: signed(body, key="not the shared key"), "invalid_signature"),
        (lambda body: signed(body, signer="stranger"), "unknown_signer"),
        (lambda body: {**signed(body), "composite": 12.0}, "invalid_signature"),  # altered
    ],
)
async def test_a_bad_signature_is_refused(competition_gateway, sign, code):
    gateway = competition_gateway(competition=TRUSTING)
    await submit(gateway, "mine")
    status, reply = await imported(gateway, sign({"competitor_id": "mine", **bench_result(80)}))
    assert status == 422
    assert_openai_error(reply, code)


async def test_signers_are_trusted_only_when_configured(competition_gateway):
    gateway = competition_gateway(competition={"allow_public_suite": True})
    await submit(gateway, "mine")
    status, reply = await imported(gateway, signed({"competitor_id": "mine", **bench_result(80)}))
    assert status == 422 and reply["error"]["code"] == "unknown_signer"
    assert SIGNER and SIGNER_KEY  # the test signer exists, but this board trusts nobody


# What is ranked --------------------------------------------------------------------------


async def test_an_external_competitor_is_listed_apart_and_never_crowned(live, competition_gateway):
    _, url = live.competitor(reference_answers())
    trusting = {**TRUSTING, "rank_external": False}
    gateway = competition_gateway({"outside": url}, competition=trusting)
    await submit(gateway, "inside")
    for competitor_id, composite in (("outside", 95.0), ("inside", 40.0)):
        body = signed({"competitor_id": competitor_id, **bench_result(composite)})
        assert (await imported(gateway, body))[0] == 201
    rows = (await board(gateway))["data"]
    summary = [(r["competitor_id"], r["rank"], r["champion"], r["unranked_reason"]) for r in rows]
    assert summary == [("inside", 1, True, None), ("outside", None, False, "unmetered external")]
    assert rows[1]["external"] is True


async def test_rank_external_lets_an_operator_crown_a_url_competitor(live, competition_gateway):
    _, url = live.competitor(reference_answers())
    gateway = competition_gateway({"outside": url}, competition=TRUSTING)
    body = signed({"competitor_id": "outside", **bench_result(95)})
    assert (await imported(gateway, body))[0] == 201
    row = (await board(gateway))["data"][0]
    assert (row["ranked"], row["champion"], row["external"]) == (True, True, True)


async def test_an_image_without_a_digest_is_not_ranked(competition_gateway):
    gateway = competition_gateway(competition=TRUSTING)
    await submit(gateway, "tagged", image="localhost/tagged:latest")
    body = signed({"competitor_id": "tagged", **bench_result(95)})
    assert (await imported(gateway, body))[0] == 201
    row = (await board(gateway))["data"][0]
    assert (row["ranked"], row["unranked_reason"]) == (False, "image not pinned by digest")


async def test_a_public_suite_is_not_ranked_unless_allowed(competition_gateway, caplog):
    caplog.set_level(logging.WARNING, logger="janus.competition")
    strict = {k: v for k, v in TRUSTING.items() if k != "allow_public_suite"}
    gateway = competition_gateway(competition=strict)
    assert "IS PUBLIC" in caplog.text
    await submit(gateway, "mine")
    assert (await imported(gateway, signed({"competitor_id": "mine", **bench_result(90)})))[
        0
    ] == 201
    leaderboard = await board(gateway)
    assert leaderboard["suite"]["kind"] == "public"
    row = leaderboard["data"][0]
    assert (row["ranked"], row["unranked_reason"], row["suite_kind"]) == (
        False,
        "public suite",
        "public",
    )


async def test_the_pinned_hash_comes_from_the_config_not_from_evaluations(competition_gateway):
    pinned = {**TRUSTING, "suite_version": "0", "suite_hash": "sha256:operator-pinned"}
    gateway = competition_gateway(competition=pinned)
    await submit(gateway, "mine")
    assert (await imported(gateway, signed({"competitor_id": "mine", **bench_result(90)})))[
        0
    ] == 201
    leaderboard = await board(gateway)
    assert leaderboard["suite"]["hash"] == "sha256:operator-pinned"
    assert leaderboard["data"] == []  # the installed suite's hash is not the pinned one


async def test_a_competitor_changed_since_its_evaluation_is_not_ranked(store):
    await evaluated(store, "alpha", 90.0, (85.0, 95.0), at=10, source="gateway", artifact=DIGEST)
    await evaluated(store, "beta", 60.0, (55.0, 65.0), at=20, source="gateway", artifact=DIGEST)
    entrants = {
        "alpha": Entrant("Alpha", 1.0, identity="sha256:" + "cd" * 32),  # redeployed since
        "beta": Entrant("Beta", 2.0, identity=DIGEST),
    }
    leaderboard = await build_leaderboard(store, RULES, entrants, now=100.0)
    summary = [(r["competitor_id"], r["ranked"], r["unranked_reason"]) for r in leaderboard["data"]]
    assert summary == [("beta", True, None), ("alpha", False, "changed since its evaluation")]
    assert isinstance(RULES, BoardRules)
