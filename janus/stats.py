"""The statistics a score and a crown rest on, shared by janus-bench and the competition.

``composite`` is the bench's weighted mean of components. The crown is decided by
``crown_test``: a one-sided paired t-test on the per-task difference between challenger
and champion over the same tasks, at a significance level that shrinks with every attempt
the challenger makes against the same champion (``attempt_alpha``), so trying again and
again cannot buy the crown. ``specs/scoring.md`` §4 explains the choices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

TaskScores = Mapping[str, float | None]  # component -> score, None where it does not apply


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


def task_composites(tasks: Sequence[Mapping], weights: Mapping[str, float]) -> dict[str, float]:
    """Each task's own composite (0..100) from a result's ``tasks`` records, its repeats
    averaged: the unit a paired comparison is made on (repeats of one task are one
    observation, not several)."""
    by_task: dict[str, list[TaskScores]] = {}
    for record in tasks:
        scores = record.get("scores")
        if isinstance(record.get("id"), str) and isinstance(scores, Mapping):
            by_task.setdefault(record["id"], []).append(scores)
    return {
        task_id: composite(components(units, list(weights)), weights)
        for task_id, units in by_task.items()
    }


def attempt_alpha(alpha: float, attempt: int) -> float:
    """The level of the ``attempt``-th look (1-based) in an alpha-spending sequence whose
    levels sum to ``alpha``: ``alpha · 6 / (π² k²)``. However often a challenger of equal
    skill retries against one champion, its chance of a false crown stays below ``alpha``
    (union bound)."""
    return alpha * 6.0 / (math.pi**2 * max(1, attempt) ** 2)


@dataclass(frozen=True)
class PairedTest:
    tasks: int  # tasks both sides were scored on
    mean_difference: float  # challenger minus champion, composite points per task
    p_value: float  # one-sided: the challenger is not better
    alpha: float  # the level this attempt was held to
    crowned: bool


def crown_test(
    challenger: Mapping[str, float],
    champion: Mapping[str, float],
    alpha: float,
    attempt: int,
) -> PairedTest:
    """One-sided paired t-test over the tasks both were scored on (task id -> composite):
    the challenger takes the crown when its mean per-task advantage is significant at
    ``attempt_alpha(alpha, attempt)``. Fewer than 2 common tasks never crown."""
    level = attempt_alpha(alpha, attempt)
    common = sorted(set(challenger) & set(champion))
    differences = [challenger[task] - champion[task] for task in common]
    count = len(differences)
    if count < 2:
        mean = differences[0] if differences else 0.0
        return PairedTest(count, mean, 1.0, level, False)
    mean = sum(differences) / count
    variance = sum((d - mean) ** 2 for d in differences) / (count - 1)
    if variance <= 0:
        p_value = 0.0 if mean > 0 else 1.0
    else:
        p_value = student_t_sf(mean / math.sqrt(variance / count), count - 1)
    return PairedTest(count, mean, p_value, level, p_value < level)


def student_t_sf(t: float, df: int) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom."""
    tail = 0.5 * regularized_beta(df / (df + t * t), df / 2.0, 0.5)
    return tail if t >= 0 else 1.0 - tail


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), by Lentz's continued fraction (Numerical Recipes §6.4)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(1.0 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    tiny, epsilon = 1e-300, 1e-15
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    fraction = d
    for m in range(1, 400):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            fraction *= c * d
        if abs(c * d - 1.0) < epsilon:
            break
    return fraction
