"""From per-task scores to components, the composite and its confidence interval.

A component is the mean of its per-task scores over every (task, repeat) it applies to;
the composite is the weighted mean of the components present, times 100 (both in
``janus.stats``, which the competition shares). The 95% interval is a percentile bootstrap
that resamples *tasks*: the repeats of one task are one cluster, drawn together, because
running the same item again is not a new item (a deterministic competitor's ``repeat: 5``
must not shrink its interval). Seeded, so the same run always reports the same interval.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Mapping, Sequence

from janus.stats import TaskScores, components, composite

__all__ = ["TaskScores", "aggregate", "bootstrap_ci", "components", "composite", "delta_ci"]

CI_LEVEL = 0.95
BOOTSTRAP_SAMPLES = 1000


def clustered(units: Sequence[TaskScores], keys: Sequence[Hashable] | None) -> list[list]:
    """The units grouped by key (task id), in first-seen order; one group per unit
    without keys."""
    if keys is None:
        return [[unit] for unit in units]
    groups: dict[Hashable, list] = {}
    for unit, key in zip(units, keys, strict=True):
        groups.setdefault(key, []).append(unit)
    return list(groups.values())


def bootstrap_ci(
    units: Sequence[TaskScores],
    weights: Mapping[str, float],
    seed: int,
    samples: int = BOOTSTRAP_SAMPLES,
    level: float = CI_LEVEL,
    clusters: Sequence[Hashable] | None = None,
) -> dict | None:
    """Percentile interval of the composite over resampled clusters (``clusters[i]`` is
    unit i's task id: its repeats are drawn together); None below 2 clusters."""
    groups = clustered(units, clusters)
    if len(groups) < 2:
        return None
    rng = random.Random(f"janus-bench-ci:{seed}")
    names = list(weights)

    def resampled() -> list:
        return [unit for group in rng.choices(groups, k=len(groups)) for unit in group]

    estimates = sorted(composite(components(resampled(), names), weights) for _ in range(samples))
    tail = (1 - level) / 2
    low = estimates[int(tail * samples)]
    high = estimates[min(samples - 1, int((1 - tail) * samples))]
    return {
        "low": round(low, 3),
        "high": round(high, 3),
        "level": level,
        "method": "bootstrap",
        "resampled": "tasks",
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
        "ci": bootstrap_ci(units, weights, seed, clusters=[record["id"] for record in records]),
    }


def delta_ci(
    before: Sequence[TaskScores],
    after: Sequence[TaskScores],
    statistic: Callable[[Sequence[TaskScores]], float | None],
    seed: int,
    paired: bool,
    samples: int = BOOTSTRAP_SAMPLES,
    level: float = CI_LEVEL,
    clusters: tuple[Sequence[Hashable], Sequence[Hashable]] | None = None,
) -> tuple[float, float] | None:
    """Percentile interval of ``statistic(after) - statistic(before)``, resampling
    clusters (``clusters``: each side's task id per unit; default one unit each).

    Paired (the same clusters in the same order, e.g. two runs of one suite and seed): the
    same resampled indices for both, which cancels the tasks' own difficulty. Otherwise
    each side is resampled on its own.
    """
    a_groups = clustered(before, clusters[0] if clusters else None)
    b_groups = clustered(after, clusters[1] if clusters else None)
    if len(a_groups) < 2 or len(b_groups) < 2:
        return None
    rng = random.Random(f"janus-bench-delta:{seed}")

    def flat(groups: list[list]) -> list:
        return [unit for group in groups for unit in group]

    deltas = []
    for _ in range(samples):
        if paired:
            picks = [rng.randrange(len(a_groups)) for _ in a_groups]
            a, b = flat([a_groups[i] for i in picks]), flat([b_groups[i] for i in picks])
        else:
            a = flat(rng.choices(a_groups, k=len(a_groups)))
            b = flat(rng.choices(b_groups, k=len(b_groups)))
        x, y = statistic(a), statistic(b)
        if x is not None and y is not None:
            deltas.append(y - x)
    if len(deltas) < samples // 2:
        return None
    deltas.sort()
    tail = (1 - level) / 2
    count = len(deltas)
    return deltas[int(tail * count)], deltas[min(count - 1, int((1 - tail) * count))]
