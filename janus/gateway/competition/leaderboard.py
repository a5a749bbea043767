"""The leaderboard and who is champion.

Rows come from each competitor's LATEST finished evaluation of every task of the canonical
suite, on that suite's current version (the version and hash of the most recent such
evaluation), scored with the configured weights: never its best run, never a subset, never
an older version of the suite, never a composite weighted differently from the rest.

The margin rule (DESIGN §8): a challenger takes #1 only when the lower bound of its
composite's confidence interval is above the champion's composite, so noise cannot flip
the order; a challenger without an interval cannot take it. With no champion yet (or when
the champion left the board), the best composite takes #1, ties going to the earlier
submission. Everyone else is ordered by composite.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from janus.store import ChampionSpell, EvaluationRecord, Store

SECONDS_PER_DAY = 86400.0
AUDIT_SOURCE = "audit"  # the ``source`` of an audit's evaluation record (audits.py)


@dataclass(frozen=True)
class Entrant:
    """A competitor that may appear on the board: its name and when it was submitted
    (None for a configured competitor, which counts as there from the start)."""

    name: str
    submitted_at: float | None


@dataclass(frozen=True)
class Standing:
    competitor_id: str
    evaluation: EvaluationRecord
    entrant: Entrant

    @property
    def composite(self) -> float:
        assert self.evaluation.composite is not None
        return self.evaluation.composite

    def order_key(self) -> tuple[float, float, str]:
        """Best composite first; on a tie, the earlier submission; then the id."""
        submitted = self.entrant.submitted_at
        return (-self.composite, -math.inf if submitted is None else submitted, self.competitor_id)


def current_standings(
    evaluations: Iterable[EvaluationRecord],
    entrants: dict[str, Entrant],
    weights: dict[str, float],
) -> tuple[dict[str, str | None], list[Standing]]:
    """The suite version the board is about, and one standing per entrant on it.

    ``evaluations`` are full-suite runs of the canonical suite, oldest first."""
    evaluations = [
        e
        for e in evaluations
        if e.competitor_id in entrants and _same_weights(e.weights or {}, weights)
    ]
    if not evaluations:
        return {"version": None, "hash": None}, []
    newest = max(evaluations, key=lambda e: (e.finished_at or 0.0, e.created_at))
    version = {"version": newest.suite_version, "hash": newest.suite_hash}
    latest: dict[str, EvaluationRecord] = {}
    for evaluation in sorted(evaluations, key=lambda e: (e.finished_at or 0.0, e.created_at)):
        if (evaluation.suite_version, evaluation.suite_hash) == (
            version["version"],
            version["hash"],
        ):
            latest[evaluation.competitor_id] = evaluation
    standings = [Standing(cid, ev, entrants[cid]) for cid, ev in latest.items()]
    return version, sorted(standings, key=Standing.order_key)


def _same_weights(used: dict[str, float], configured: dict[str, float]) -> bool:
    components = set(used) | set(configured)
    return all(
        math.isclose(float(used.get(c, 0.0)), float(configured.get(c, 0.0))) for c in components
    )


def choose_champion(standings: list[Standing], incumbent: str | None) -> Standing | None:
    """Apply the margin rule; ``standings`` are in ``order_key`` order."""
    if not standings:
        return None
    holder = next((s for s in standings if s.competitor_id == incumbent), None)
    if holder is None:
        return standings[0]
    for challenger in standings:  # the best challenger that clears the margin
        low = challenger.evaluation.ci_low
        if challenger is not holder and low is not None and low > holder.composite:
            return challenger
    return holder


def ranked(standings: list[Standing], champion: Standing | None) -> list[Standing]:
    if champion is None:
        return standings
    return [champion, *(s for s in standings if s is not champion)]


async def settle_champion(
    store: Store, standings: list[Standing], now: float
) -> tuple[Standing | None, list[ChampionSpell]]:
    """Decide the champion, record a change in the history, and return both.

    The store's compare-and-set makes concurrent replicas agree: whoever loses the race
    re-reads the history and decides again."""
    for _ in range(3):
        history = await store.champion_history()
        incumbent = next((s.competitor_id for s in history if s.until is None), None)
        on_board = {s.competitor_id for s in standings}
        champion = choose_champion(standings, incumbent if incumbent in on_board else None)
        if champion is None or champion.competitor_id == incumbent:
            if champion is None and incumbent is not None:
                await store.abdicate(incumbent, now)
                continue
            return champion, history
        replacing = incumbent
        if incumbent is not None and incumbent not in on_board:
            await store.abdicate(incumbent, now)
            replacing = None
        await store.crown(champion.competitor_id, champion.evaluation.id, now, replacing=replacing)
    return champion, await store.champion_history()


def days_at_first(history: list[ChampionSpell], competitor_id: str, now: float) -> float:
    total = sum(
        (spell.until if spell.until is not None else now) - spell.since
        for spell in history
        if spell.competitor_id == competitor_id
    )
    return round(total / SECONDS_PER_DAY, 4)


def ci_of(evaluation: EvaluationRecord) -> dict[str, float] | None:
    if evaluation.ci_low is None or evaluation.ci_high is None:
        return None
    return {"low": evaluation.ci_low, "high": evaluation.ci_high}


def spell_dict(spell: ChampionSpell) -> dict[str, Any]:
    return {
        "competitor_id": spell.competitor_id,
        "since": spell.since,
        "until": spell.until,
        "evaluation_id": spell.evaluation_id,
    }


def latest_audits(audits: Iterable[EvaluationRecord]) -> dict[str, EvaluationRecord]:
    """Each competitor's newest finished audit."""
    latest: dict[str, EvaluationRecord] = {}
    for audit in sorted(audits, key=lambda a: (a.finished_at or 0.0, a.created_at)):
        if audit.status == "finished":
            latest[audit.competitor_id] = audit
    return latest


def audit_summary(audit: EvaluationRecord | None) -> dict[str, Any] | None:
    if audit is None:
        return None
    return {
        "id": audit.id,
        "passed": audit.error is None,
        "composite": audit.composite,
        "ci": ci_of(audit),
        "finished_at": audit.finished_at,
        "reason": audit.error,
    }


def failed_audit(standing: Standing, audit: EvaluationRecord | None) -> bool:
    """A failed audit newer than the evaluation the standing rests on: off the board."""
    return (
        audit is not None
        and audit.error is not None
        and (audit.finished_at or 0.0) > (standing.evaluation.finished_at or 0.0)
    )


def suite_kind(suite_id: str) -> str:
    """What a board's rows came from: items generated per run, a private or a public suite."""
    if suite_id.startswith("generated/"):
        return "generated"
    return "private" if suite_id.startswith("private/") else "public"


async def build_leaderboard(
    store: Store,
    suite_id: str,
    weights: dict[str, float],
    entrants: dict[str, Entrant],
    now: float | None = None,
    audits: Iterable[EvaluationRecord] = (),
) -> dict[str, Any]:
    """The ``GET /v1/leaderboard`` body (specs/competition.md), settling the champion."""
    now = time.time() if now is None else now
    version, standings = current_standings(
        await store.full_suite_evaluations(suite_id), entrants, weights
    )
    audited = latest_audits(audits)
    suspended = [s for s in standings if failed_audit(s, audited.get(s.competitor_id))]
    standings = [s for s in standings if s not in suspended]
    champion, history = await settle_champion(store, standings, now)
    rows = []
    for rank, standing in enumerate(ranked(standings, champion), start=1):
        evaluation = standing.evaluation
        rows.append(
            {
                "rank": rank,
                "competitor_id": standing.competitor_id,
                "name": standing.entrant.name,
                "composite": evaluation.composite,
                "ci": ci_of(evaluation),
                "components": evaluation.components or {},
                "evaluated_at": evaluation.finished_at,
                "submitted_at": standing.entrant.submitted_at,
                "days_at_first": days_at_first(history, standing.competitor_id, now),
                "champion": standing is champion,
                "evaluation_id": evaluation.id,
                "audit": audit_summary(audited.get(standing.competitor_id)),
            }
        )
    return {
        "object": "list",
        "suite": {"id": suite_id, "kind": suite_kind(suite_id), **version},
        "suspended": [
            {
                "competitor_id": s.competitor_id,
                "name": s.entrant.name,
                "evaluation_id": s.evaluation.id,
                "audit": audit_summary(audited[s.competitor_id]),
            }
            for s in suspended
        ],
        "weights": weights,
        "data": rows,
        "champion_history": [spell_dict(spell) for spell in history],
    }
