"""From per-task scores to components, the composite and its confidence interval.

A component is the mean of its per-task scores over every (task, repeat) it applies to;
the composite is the weighted mean of the components present, times 100. The 95% interval is
a percentile bootstrap over (task, repeat) units, seeded, so the same run always reports
the same interval.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

TaskScores = Mapping[str, float | None]  # component -> score, None where it does not apply

CI_LEVEL = 0.95
BOOTSTRAP_SAMPLES = 1000


def components(units: Sequence[TaskScores], names: Sequence[str]) -> dict[str, float | None]:
    """Each component's mean over the units it applies to (None if it applies to none)."""
    result: dict[str, float | None] = {}
    for name in names:
        values = [unit[name] for unit in units if unit.get(name) is not None]
        result[name] = sum(values) / len(values) if values else None
    return result


def composite(values: Mapping[str, float | None], weights: Mapping[str, float]) -> float:
    """Weighted mean (times 100) of the components present: a component no task exercised (a
    subset without images, say) is left out and the others' weights keep their ratios."""
    present = {name: weight for name, weight in weights.items() if values.get(name) is not None}
    total = sum(present.values())
    if total <= 0:
        return 0.0
    return 100.0 * sum(weight * values[name] for name, weight in present.items()) / total


def bootstrap_ci(
    units: Sequence[TaskScores],
    weights: Mapping[str, float],
    seed: int,
    samples: int = BOOTSTRAP_SAMPLES,
    level: float = CI_LEVEL,
) -> dict | None:
    """Percentile interval of the composite over resampled units; None below 2 units."""
    if len(units) < 2:
        return None
    rng = random.Random(f"janus-bench-ci:{seed}")
    names = list(weights)
    estimates = sorted(
        composite(components(rng.choices(units, k=len(units)), names), weights)
        for _ in range(samples)
    )
    tail = (1 - level) / 2
    low = estimates[int(tail * samples)]
    high = estimates[min(samples - 1, int((1 - tail) * samples))]
    return {
        "low": round(low, 3),
        "high": round(high, 3),
        "level": level,
        "method": "bootstrap",
        "samples": samples,
    }


def aggregate(records: Sequence[Mapping], weights: Mapping[str, float], seed: int) -> dict:
    """Components, composite and interval from per-task ``records`` (their ``scores``):
    what a run reports and what the gateway recomputes from an imported result instead of
    trusting its aggregates."""
    units = [record["scores"] for record in records]
    values = components(units, list(weights))
    return {
        "components": {k: None if v is None else round(v, 6) for k, v in values.items()},
        "composite": round(composite(values, weights), 3),
        "ci": bootstrap_ci(units, weights, seed),
    }


def delta_ci(
    before: Sequence[TaskScores],
    after: Sequence[TaskScores],
    statistic: Callable[[Sequence[TaskScores]], float | None],
    seed: int,
    paired: bool,
    samples: int = BOOTSTRAP_SAMPLES,
    level: float = CI_LEVEL,
) -> tuple[float, float] | None:
    """Percentile interval of ``statistic(after) - statistic(before)``.

    Paired (the same units in the same order, e.g. two runs of one suite and seed): the
    same resampled indices for both, which cancels the tasks' own difficulty. Otherwise
    each side is resampled on its own.
    """
    if len(before) < 2 or len(after) < 2:
        return None
    rng = random.Random(f"janus-bench-delta:{seed}")
    deltas = []
    for _ in range(samples):
        if paired:
            picks = [rng.randrange(len(before)) for _ in before]
            a, b = [before[i] for i in picks], [after[i] for i in picks]
        else:
            a, b = rng.choices(before, k=len(before)), rng.choices(after, k=len(after))
        x, y = statistic(a), statistic(b)
        if x is not None and y is not None:
            deltas.append(y - x)
    if len(deltas) < samples // 2:
        return None
    deltas.sort()
    tail = (1 - level) / 2
    count = len(deltas)
    return deltas[int(tail * count)], deltas[min(count - 1, int((1 - tail) * count))]
