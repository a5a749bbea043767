"""The leaderboard and who is champion.

Rows come from each competitor's LATEST finished evaluation of every task of the canonical
suite, on that suite's current version (the version and hash of the most recent such
evaluation), scored with the configured weights: never its best run, never a subset, never
an older version of the suite, never a composite weighted differently from the rest.

The crown rule (``crown``): a challenger takes #1 only when a paired test over the same
tasks, against the champion's run of those tasks, says it is better at a level that shrinks
with every attempt, so neither noise, a lucky draw, ``repeat`` nor re-running until it
works can flip the order. With no champion yet (or when the champion left the board), the
best composite takes #1, ties going to the earlier submission. Everyone else is ordered by
composite.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from janus.gateway.competition.crown import CrownJudge, CrownVerdict
from janus.store import ChampionSpell, EvaluationRecord, Store

SECONDS_PER_DAY = 86400.0
DEFAULT_CROWN_ALPHA = 0.05


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


async def choose_champion(
    standings: list[Standing],
    incumbent: str | None,
    judge: CrownJudge,
    runs: list[EvaluationRecord],
    since: float,
) -> tuple[Standing | None, dict[str, CrownVerdict]]:
    """Apply the crown rule; ``standings`` are in ``order_key`` order, ``runs`` every
    finished run of the ranked suite (oldest first), ``since`` when the incumbent was
    crowned. Returns the champion and each challenger's verdict."""
    if not standings:
        return None, {}
    holder = next((s for s in standings if s.competitor_id == incumbent), None)
    if holder is None:
        return standings[0], {}
    verdicts = {
        challenger.competitor_id: await judge.judge(
            challenger.evaluation, runs, holder.competitor_id, since
        )
        for challenger in standings
        if challenger is not holder
    }
    # The best challenger that wins its test.
    winner = next(
        (s for s in standings if s is not holder and verdicts[s.competitor_id].crowned), None
    )
    return winner or holder, verdicts


def ranked(standings: list[Standing], champion: Standing | None) -> list[Standing]:
    if champion is None:
        return standings
    return [champion, *(s for s in standings if s is not champion)]


async def settle_champion(
    store: Store,
    standings: list[Standing],
    now: float,
    judge: CrownJudge,
    runs: list[EvaluationRecord],
) -> tuple[Standing | None, list[ChampionSpell], dict[str, CrownVerdict]]:
    """Decide the champion, record a change in the history, and return it, the history
    and the challengers' verdicts.

    The store's compare-and-set makes concurrent replicas agree: whoever loses the race
    re-reads the history and decides again."""
    verdicts: dict[str, CrownVerdict] = {}
    for _ in range(3):
        history = await store.champion_history()
        spell = next((s for s in history if s.until is None), None)
        incumbent = spell.competitor_id if spell else None
        on_board = {s.competitor_id for s in standings}
        champion, verdicts = await choose_champion(
            standings,
            incumbent if incumbent in on_board else None,
            judge,
            runs,
            spell.since if spell else now,
        )
        if champion is None or champion.competitor_id == incumbent:
            if champion is None and incumbent is not None:
                await store.abdicate(incumbent, now)
                continue
            return champion, history, verdicts
        replacing = incumbent
        if incumbent is not None and incumbent not in on_board:
            await store.abdicate(incumbent, now)
            replacing = None
        await store.crown(champion.competitor_id, champion.evaluation.id, now, replacing=replacing)
    return champion, await store.champion_history(), verdicts


def days_at_first(history: list[ChampionSpell], competitor_id: str, now: float) -> float:
    total = sum(
        (spell.until if spell.until is not None else now) - spell.since
        for spell in history
        if spell.competitor_id == competitor_id
    )
    return round(total / SECONDS_PER_DAY, 4)


def _challenge(
    verdict: CrownVerdict | None, standing: Standing, champion: Standing | None
) -> dict[str, Any] | None:
    """A challenger's last test against the champion (None for the champion itself)."""
    if verdict is None or standing is champion:
        return None
    return verdict.as_dict()


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


async def build_leaderboard(
    store: Store,
    suite_id: str,
    weights: dict[str, float],
    entrants: dict[str, Entrant],
    now: float | None = None,
    judge: CrownJudge | None = None,
) -> dict[str, Any]:
    """The ``GET /v1/leaderboard`` body (specs/competition.md), settling the champion.
    ``judge`` keeps per-task scores between calls (default: a fresh one at
    ``DEFAULT_CROWN_ALPHA``)."""
    now = time.time() if now is None else now
    judge = judge or CrownJudge(store, weights, DEFAULT_CROWN_ALPHA)
    runs = [e for e in await store.full_suite_evaluations(suite_id) if e.competitor_id in entrants]
    version, standings = current_standings(runs, entrants, weights)
    champion, history, verdicts = await settle_champion(store, standings, now, judge, runs)
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
                "challenge": _challenge(verdicts.get(standing.competitor_id), standing, champion),
            }
        )
    return {
        "object": "list",
        "suite": {"id": suite_id, **version},
        "weights": weights,
        "data": rows,
        "champion_history": [spell_dict(spell) for spell in history],
    }
