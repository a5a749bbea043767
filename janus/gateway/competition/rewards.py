"""The reward ledger: each closed period of the leaderboard's history, paid out by the
configured reward policy (``register_reward_policies``), stored once.

A period is a UTC day. Its inputs are what the board looked like at the period's end (the
ranked rows from the evaluations finished by then, the champion the history says held #1
then, and for how many periods in a row) and the marketplace calls made during it. Those
inputs only depend on stored history, so a period's payouts are deterministic; once stored
they are never rewritten (the operator may have paid them).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from janus.config import Config, validate_settings
from janus.gateway.competition.leaderboard import (
    SECONDS_PER_DAY,
    BoardRules,
    Entrant,
    current_standings,
)
from janus.interfaces import RewardPeriod, RewardPolicy, RewardStanding
from janus.plugins import PluginError, PluginManager
from janus.store import ChampionSpell, EvaluationRecord, RewardEntry, Store

PERIOD = "day"


@dataclass(frozen=True)
class RewardPlan:
    """The configured policy, its validated settings, and the parameters the ledger shows."""

    name: str
    policy: RewardPolicy
    settings: BaseModel

    @property
    def parameters(self) -> dict[str, Any]:
        return {"period": PERIOD, **self.settings.model_dump()}


def reward_plan(config: Config, plugins: PluginManager) -> RewardPlan | None:
    """The plan ``[competition.rewards]`` asks for (None when rewards are off); an unknown
    policy or bad settings stop start-up with the key named."""
    rewards = config.competition.rewards
    if not rewards.enabled:
        return None
    policies = plugins.collect("register_reward_policies")
    if rewards.policy not in policies:
        known = ", ".join(sorted(policies)) or "none"
        raise PluginError(
            f"competition.rewards.policy: no reward policy named '{rewards.policy}' "
            f"(installed: {known})"
        )
    policy = policies[rewards.policy]
    settings = validate_settings(
        policy.Settings,
        rewards.settings_for(rewards.policy),
        f"competition.rewards.{rewards.policy}",
    )
    return RewardPlan(rewards.policy, policy, settings)


def day_label(start: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(start))


def champion_at(history: list[ChampionSpell], moment: float) -> str | None:
    """Who held #1 at ``moment`` (the spell open then)."""
    for spell in history:
        if spell.since <= moment and (spell.until is None or spell.until > moment):
            return spell.competitor_id
    return None


def standings_at(
    evaluations: list[EvaluationRecord],
    entrants: dict[str, Entrant],
    rules: BoardRules,
    history: list[ChampionSpell],
    end: float,
) -> tuple[RewardStanding, ...]:
    """The ranked rows at ``end``: the champion of that moment first, then by composite."""
    finished = [e for e in evaluations if (e.finished_at or 0.0) < end]
    ranked = [s for s in current_standings(finished, entrants, rules) if s.ranked]
    holder = champion_at(history, end)
    ranked.sort(key=lambda s: (s.competitor_id != holder, s.order_key()))
    streak = 0
    if ranked and ranked[0].competitor_id == holder:
        while champion_at(history, end - streak * SECONDS_PER_DAY) == holder:
            streak += 1
    return tuple(
        RewardStanding(s.competitor_id, rank, s.composite, streak if rank == 1 else 0)
        for rank, s in enumerate(ranked, start=1)
    )


async def settle_rewards(
    store: Store,
    plan: RewardPlan,
    rules: BoardRules,
    entrants: dict[str, Entrant],
    now: float,
) -> list[str]:
    """Compute and store every closed period not in the ledger yet, from the first day
    with a finished evaluation; return the labels of the periods added."""
    evaluations = await store.full_suite_evaluations(rules.suite_id)
    history = await store.champion_history()
    moments = [e.finished_at for e in evaluations if e.finished_at is not None]
    moments += [spell.since for spell in history]
    if not moments:
        return []
    done = {entry.period for entry in await store.reward_ledger(plan.name)}
    added = []
    start = min(moments) // SECONDS_PER_DAY * SECONDS_PER_DAY
    while start + SECONDS_PER_DAY <= now:
        end = start + SECONDS_PER_DAY
        label = day_label(start)
        if label not in done:
            period = RewardPeriod(
                label=label,
                start=start,
                end=end,
                standings=standings_at(evaluations, entrants, rules, history, end),
                component_calls=await store.component_calls_between(start, end),
            )
            entries = [
                RewardEntry(
                    period=label,
                    period_start=start,
                    period_end=end,
                    policy=plan.name,
                    parameters=plan.parameters,
                    recipient_kind=payout.recipient_kind,
                    recipient_id=payout.recipient_id,
                    rank=payout.rank,
                    amount=payout.amount,
                    basis=dict(payout.basis),
                )
                for payout in plan.policy.payouts(period, plan.settings)
            ]
            if entries and await store.add_reward_period(plan.name, label, entries, now):
                added.append(label)
        start = end
    return added


def ledger_dict(entries: list[RewardEntry], plan: RewardPlan | None) -> dict[str, Any]:
    """The ``GET /v1/rewards`` body: periods oldest first, each with its payouts."""
    periods: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in entries:
        period = periods.setdefault(
            (entry.policy, entry.period),
            {
                "period": entry.period,
                "start": entry.period_start,
                "end": entry.period_end,
                "policy": entry.policy,
                "parameters": entry.parameters,
                "payouts": [],
                "total": 0.0,
            },
        )
        period["payouts"].append(
            {
                "recipient_kind": entry.recipient_kind,
                "recipient_id": entry.recipient_id,
                "rank": entry.rank,
                "amount": entry.amount,
                "basis": entry.basis,
            }
        )
        period["total"] = round(period["total"] + entry.amount, 6)
    return {
        "object": "list",
        "policy": {"name": plan.name, "parameters": plan.parameters} if plan else None,
        "data": list(periods.values()),
    }
