"""The built-in reward policy, ``winner-takes-most``.

Each period (a UTC day) has a ``pool``. A ``component_share`` of it goes to marketplace
components in proportion to their successful calls in the period (when there were any).
Of the rest, the champion takes ``first_share``, shrinking by ``decay`` for every earlier
consecutive period it already ended at #1 (never below ``min_first_share``), so a
permanent champion earns less each day and the others more; what the champion does not
take is split among the other ranked competitors by rank (weight ``1 / (rank - 1)``). With
nobody else ranked, that remainder is not paid out.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from janus.hookspecs import hookimpl
from janus.interfaces import Payout, RewardPeriod

NAME = "winner-takes-most"


class WinnerTakesMostSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    pool: float = Field(1000.0, ge=0)
    unit: str = "credits"
    first_share: float = Field(0.7, ge=0, le=1)
    decay: float = Field(0.05, ge=0, le=1)
    min_first_share: float = Field(0.35, ge=0, le=1)
    component_share: float = Field(0.1, ge=0, le=1)

    @model_validator(mode="after")
    def _floor_below_share(self) -> WinnerTakesMostSettings:
        if self.min_first_share > self.first_share:
            raise ValueError("min_first_share cannot exceed first_share")
        return self


class WinnerTakesMost:
    Settings = WinnerTakesMostSettings

    def payouts(self, period: RewardPeriod, settings: WinnerTakesMostSettings) -> list[Payout]:
        payouts: list[Payout] = []
        competitors_pool = settings.pool
        calls = {c: n for c, n in period.component_calls.items() if n > 0}
        if calls and settings.component_share > 0:
            components_pool = settings.pool * settings.component_share
            competitors_pool -= components_pool
            total = sum(calls.values())
            for component_id in sorted(calls, key=lambda c: (-calls[c], c)):
                payouts.append(
                    Payout(
                        "component",
                        component_id,
                        _money(components_pool * calls[component_id] / total),
                        basis={"calls": calls[component_id], "of_calls": total},
                    )
                )
        if not period.standings:
            return payouts
        champion, *others = period.standings
        earlier = max(0, champion.periods_at_first - 1)
        share = max(
            settings.min_first_share, settings.first_share * (1 - settings.decay) ** earlier
        )
        payouts.append(
            Payout(
                "competitor",
                champion.competitor_id,
                _money(competitors_pool * share),
                rank=1,
                basis={"share": round(share, 6), "periods_at_first": champion.periods_at_first},
            )
        )
        rest = competitors_pool * (1 - share)
        weights = {s.competitor_id: 1 / (s.rank - 1) for s in others}
        total = sum(weights.values())
        for standing in others:
            part = weights[standing.competitor_id] / total
            payouts.append(
                Payout(
                    "competitor",
                    standing.competitor_id,
                    _money(rest * part),
                    rank=standing.rank,
                    basis={"share": round((1 - share) * part, 6)},
                )
            )
        return payouts


def _money(amount: float) -> float:
    return round(amount, 6)


@hookimpl
def register_reward_policies(register):
    register(NAME, WinnerTakesMost())
