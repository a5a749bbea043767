"""The reward ledger: computed per closed day from the leaderboard's history by the
configured policy (built-in ``winner-takes-most``), stored once, public at
``GET /v1/rewards``."""

from __future__ import annotations

import time

import pytest

from janus.config import ConfigError, parse_config
from janus.gateway.competition.rewards import reward_plan, settle_rewards
from janus.plugins import PluginError, load_plugins
from tests.competition.conftest import ADMIN_KEY, call
from tests.competition.results import TRUSTING, bench_result, signed
from tests.competition.test_integrity import submit
from tests.competition.test_leaderboard import DAY, ENTRANTS, RULES, board, evaluated


def plan(**rewards):
    config = parse_config({"competition": {"rewards": rewards}}, "test config")
    return reward_plan(config, load_plugins(use_env=False, allow=set()))


async def history(store) -> None:
    """Day 1: alpha crowned over beta, components called. Day 2: the same board. Day 3:
    gamma takes #1."""
    await evaluated(store, "alpha", 90.0, (85.0, 95.0), at=100)
    await evaluated(store, "beta", 60.0, (55.0, 65.0), at=200)
    await board(store, now=300.0)
    for at, component, status in [
        (1000, "web-search", 200),
        (1001, "web-search", 200),
        (1002, "web-search", 200),
        (2000, "python-exec", 200),
        (2001, "python-exec", 500),  # failed calls earn nothing
        (3 * DAY + 10, "web-search", 200),  # the open day: not settled yet
    ]:
        await store.record_component_call(
            component_id=component,
            competitor_id="alpha",
            request_id=None,
            called_at=at,
            status=status,
        )
    await evaluated(store, "gamma", 99.0, (98.0, 100.0), at=2 * DAY + 100)
    await board(store, now=2 * DAY + 200)


def payouts(ledger) -> dict[str, list[tuple[str, str, int | None, float]]]:
    by_period: dict[str, list] = {}
    for e in ledger:
        by_period.setdefault(e.period, []).append(
            (e.recipient_kind, e.recipient_id, e.rank, e.amount)
        )
    return by_period


async def test_the_ledger_follows_the_history_deterministically(store):
    await history(store)
    winner_takes_most = plan()
    added = await settle_rewards(store, winner_takes_most, RULES, ENTRANTS, now=3 * DAY + 5)
    assert added == ["1970-01-01", "1970-01-02", "1970-01-03"]
    ledger = await store.reward_ledger()
    assert payouts(ledger) == {
        # 10% to components by successful calls; 70% of the rest to #1, the rest by rank.
        "1970-01-01": [
            ("competitor", "alpha", 1, 630.0),
            ("competitor", "beta", 2, 270.0),
            ("component", "web-search", None, 75.0),
            ("component", "python-exec", None, 25.0),
        ],
        # alpha's second day at #1: its share decays by 5%.
        "1970-01-02": [("competitor", "alpha", 1, 665.0), ("competitor", "beta", 2, 335.0)],
        # gamma takes #1: a fresh 70%; the other 30% by rank (1/1 : 1/2).
        "1970-01-03": [
            ("competitor", "gamma", 1, 700.0),
            ("competitor", "alpha", 2, 200.0),
            ("competitor", "beta", 3, 100.0),
        ],
    }
    assert ledger[0].parameters["pool"] == 1000.0 and ledger[0].policy == "winner-takes-most"
    # Settled periods are never rewritten; the open day is not settled yet.
    assert await settle_rewards(store, winner_takes_most, RULES, ENTRANTS, now=3 * DAY + 5) == []
    assert await store.reward_ledger() == ledger


async def test_a_permanent_champion_earns_less_each_day_down_to_the_floor(store):
    await evaluated(store, "alpha", 90.0, (85.0, 95.0), at=100)
    await evaluated(store, "beta", 60.0, (55.0, 65.0), at=200)
    await board(store, now=300.0)
    await settle_rewards(store, plan(), RULES, ENTRANTS, now=30 * DAY)
    alpha = [e.amount for e in await store.reward_ledger() if e.recipient_id == "alpha"]
    assert len(alpha) == 30 and alpha == sorted(alpha, reverse=True)
    assert alpha[0] == 700.0 and alpha[-1] == 350.0  # min_first_share


async def test_rewards_are_public_and_computed_on_demand(competition_gateway):
    gateway = competition_gateway(competition=TRUSTING)
    await submit(gateway, "mine")
    two_days_ago = time.time() - 2 * DAY
    body = {**bench_result(80), "started_at": two_days_ago, "finished_at": two_days_ago}
    assert (await call(gateway, "POST", "/v1/evaluations/results", key=ADMIN_KEY,
                       json=signed({"competitor_id": "mine", **body})))[0] == 201  # fmt: skip
    assert (await call(gateway, "POST", "/v1/rewards/compute"))[0] == 401
    status, added = await call(gateway, "POST", "/v1/rewards/compute", key=ADMIN_KEY)
    assert status == 200 and len(added["data"]) in (1, 2)  # the closed days since then
    status, ledger = await call(gateway, "GET", "/v1/rewards")
    assert status == 200
    assert ledger["policy"]["name"] == "winner-takes-most"
    assert ledger["policy"]["parameters"]["first_share"] == 0.7
    first = ledger["data"][0]
    assert first["payouts"] == [
        {
            "recipient_kind": "competitor",
            "recipient_id": "mine",
            "rank": 1,
            "amount": 700.0,
            "basis": {"periods_at_first": 0, "share": 0.7},
        }
    ]


def test_an_unknown_policy_or_bad_settings_stop_start_up():
    with pytest.raises(PluginError, match=r"competition\.rewards\.policy"):
        plan(policy="everyone-wins")
    with pytest.raises(ConfigError, match=r"competition\.rewards\.winner-takes-most"):
        plan(**{"winner-takes-most": {"first_share": 2.0}})
    assert plan(enabled=False) is None
