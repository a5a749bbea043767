"""Whether a challenger takes the champion's place: a paired test over the same tasks.

A composite and its interval say how good one run was; they cannot say whether one
competitor beats another, because a lucky draw of tasks or a champion's run on easier
items decides that as much as skill. So the crown is decided task by task:

- the challenger's evaluation is paired with the champion's latest evaluation of the
  *same tasks* (same suite hash and seed, and on a generated suite the same secret task
  seed, hence the same generated items and pictures);
  with no such run the challenger waits for one (``pending``): the champion has to be
  re-evaluated on the challenger's tasks, never compared by its old headline number;
- each task's own composite is compared (``janus.stats.task_composites``: repeats of a
  task are averaged into one observation), and a one-sided paired t-test decides;
- the level is spent over attempts (``janus.stats.attempt_alpha``): the challenger's
  k-th finished evaluation since the champion was crowned is held to
  ``alpha · 6 / (π² k²)``, so an equal competitor re-evaluated any number of times takes
  the crown with probability below ``alpha``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from janus.stats import PairedTest, crown_test, task_composites
from janus.store import EvaluationRecord, Store

_CACHE_LIMIT = 512


@dataclass(frozen=True)
class CrownVerdict:
    crowned: bool
    paired_evaluation_id: str | None  # the champion's run on the same tasks
    attempt: int
    test: PairedTest | None  # None: no paired run of the champion yet

    def as_dict(self) -> dict[str, Any]:
        test = self.test
        return {
            "paired_evaluation_id": self.paired_evaluation_id,
            "attempt": self.attempt,
            "pending": test is None,
            "tasks": None if test is None else test.tasks,
            "mean_difference": None if test is None else round(test.mean_difference, 4),
            "p_value": None if test is None else test.p_value,
            "alpha": None if test is None else test.alpha,
            "crowned": self.crowned,
        }


def same_tasks(a: EvaluationRecord, b: EvaluationRecord) -> bool:
    """Two runs drew the same items: same suite, suite hash and seed and, on a generated
    suite, the same secret task seed (kept in the record, never published). A generated
    run without one (an import) is paired with nothing: its items cannot be drawn again."""
    if (a.suite_id, a.suite_hash, a.seed, a.task_seed) != (
        b.suite_id,
        b.suite_hash,
        b.seed,
        b.task_seed,
    ):
        return False
    return a.task_seed is not None or not a.suite_id.startswith("generated/")


def paired_run(
    challenger: EvaluationRecord, champion_runs: Sequence[EvaluationRecord]
) -> EvaluationRecord | None:
    """The champion's latest run of the challenger's tasks (runs are oldest first)."""
    matching = [run for run in champion_runs if same_tasks(run, challenger)]
    return matching[-1] if matching else None


def attempts_since(
    challenger: EvaluationRecord, challenger_runs: Sequence[EvaluationRecord], since: float
) -> int:
    """Which look this is: the challenger's finished runs from the champion's crowning up
    to and including this one (at least 1)."""
    until = challenger.finished_at or 0.0
    return max(1, sum(1 for run in challenger_runs if since <= (run.finished_at or 0.0) <= until))


class CrownJudge:
    """Decides challenges, keeping each finished run's per-task composites (a finished
    result never changes) so a leaderboard refresh does not re-read every result."""

    def __init__(self, store: Store, weights: dict[str, float], alpha: float) -> None:
        self.store = store
        self.weights = weights
        self.alpha = alpha
        self._scores: dict[str, dict[str, float]] = {}

    async def task_scores(self, evaluation_id: str) -> dict[str, float]:
        if evaluation_id not in self._scores:
            record = await self.store.get_evaluation(evaluation_id)
            tasks = (record.result or {}).get("tasks") if record else None
            scores = task_composites(tasks if isinstance(tasks, list) else [], self.weights)
            if len(self._scores) >= _CACHE_LIMIT:
                self._scores.pop(next(iter(self._scores)))
            self._scores[evaluation_id] = scores
        return self._scores[evaluation_id]

    async def judge(
        self,
        challenger: EvaluationRecord,
        runs: Sequence[EvaluationRecord],
        champion_id: str,
        since: float,
    ) -> CrownVerdict:
        """``runs``: every finished run of the ranked suite, oldest first."""
        attempt = attempts_since(
            challenger, [r for r in runs if r.competitor_id == challenger.competitor_id], since
        )
        paired = paired_run(challenger, [r for r in runs if r.competitor_id == champion_id])
        if paired is None:
            return CrownVerdict(False, None, attempt, None)
        test = crown_test(
            await self.task_scores(challenger.id),
            await self.task_scores(paired.id),
            self.alpha,
            attempt,
        )
        return CrownVerdict(test.crowned, paired.id, attempt, test)
