"""Reading results back: the summary table, ``show`` and ``compare``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from janus_bench.composite import components, composite, delta_ci


class ResultError(Exception):
    """A result file cannot be read; the message names it."""


REQUIRED_KEYS = ("suite", "weights", "tasks", "components", "composite", "seed")


def load_result(path: str | Path) -> dict[str, Any]:
    try:
        result = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResultError(f"{path}: cannot read the file: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ResultError(f"{path}: not a JSON document: {exc}") from None
    if not isinstance(result, dict) or (missing := [k for k in REQUIRED_KEYS if k not in result]):
        what = ", ".join(missing) if isinstance(result, dict) else "an object"
        raise ResultError(f"{path}: not a janus-bench result (missing {what})")
    return result


def _fmt(value: float | None, scale: float = 100.0) -> str:
    return "n/a" if value is None else f"{value * scale:.1f}"


def summary(result: dict[str, Any]) -> str:
    """The table printed at the end of a run and by ``show``."""
    suite = result["suite"]
    ci = result.get("ci")
    tasks = result["tasks"]
    failed = [task for task in tasks if not task["ok"]]
    lines = [
        f"suite {suite['id']} v{suite['version']} ({suite['hash'][:19]}…)  "
        f"target {result.get('target')}  model {result.get('model')}",
        f"seed {result['seed']}  subset {result.get('subset')}%  repeat {result.get('repeat')}  "
        f"tasks {len(tasks)}  failed {len(failed)}",
        "",
        f"{'component':<12} {'weight':>6} {'score':>6}",
    ]
    for name, weight in result["weights"].items():
        lines.append(f"{name:<12} {weight:>6g} {_fmt(result['components'].get(name)):>6}")
    interval = f"  (95% CI {ci['low']:.1f} to {ci['high']:.1f})" if ci else ""
    lines += ["", f"composite {result['composite']:.1f}{interval}", ""]
    evaluator = result.get("evaluator") or {}
    if evaluator.get("overloaded"):
        lines += [
            f"warning: the evaluator was overloaded during the run (load per core up to "
            f"{evaluator.get('max_load_per_core')}, event-loop lag up to "
            f"{evaluator.get('max_loop_lag_s')} s): latency scores are pessimistic",
            "",
        ]
    by_type: dict[str, list[dict]] = {}
    for task in tasks:
        by_type.setdefault(task["type"], []).append(task)
    lines.append(f"{'type':<12} {'tasks':>5} {'quality':>8} {'failed':>6}")
    for kind in sorted(by_type):
        group = by_type[kind]
        quality = sum(task["scores"]["quality"] for task in group) / len(group)
        bad = sum(not task["ok"] for task in group)
        lines.append(f"{kind:<12} {len(group):>5} {quality * 100:>8.1f} {bad:>6}")
    for task in failed[:10]:
        lines.append(f"  failed {task['id']} (repeat {task['repeat']}): {task['error']}")
    if len(failed) > 10:
        lines.append(f"  … and {len(failed) - 10} more failures")
    return "\n".join(lines)


def compare(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Per-component deltas (after - before) with 95% bootstrap intervals.

    Runs of the same suite (hash), seed and subset are compared task by task (paired);
    otherwise the two samples are resampled independently. Either way tasks are resampled,
    a task's repeats together.
    """
    weights = after["weights"]
    key = lambda task: (task["id"], task["repeat"])  # noqa: E731
    a_tasks = {key(task): task["scores"] for task in before["tasks"]}
    b_tasks = {key(task): task["scores"] for task in after["tasks"]}
    paired = before["suite"]["hash"] == after["suite"]["hash"] and a_tasks.keys() == b_tasks.keys()
    if paired:
        a_keys = b_keys = sorted(a_tasks)
    else:
        a_keys, b_keys = list(a_tasks), list(b_tasks)
    a_units, b_units = [a_tasks[k] for k in a_keys], [b_tasks[k] for k in b_keys]
    # Repeats of a task are one cluster: resampled together, on both sides alike.
    clusters = ([k[0] for k in a_keys], [k[0] for k in b_keys])
    seed = after["seed"]
    rows = {}
    for name in weights:

        def statistic(units, name=name):
            return components(units, [name])[name]

        a_value, b_value = statistic(a_units), statistic(b_units)
        interval = delta_ci(a_units, b_units, statistic, seed, paired, clusters=clusters)
        rows[name] = _row(a_value, b_value, interval)

    def overall(units):
        return composite(components(units, list(weights)), weights)

    interval = delta_ci(a_units, b_units, overall, seed, paired, clusters=clusters)
    rows["composite"] = _row(overall(a_units), overall(b_units), interval)
    return {
        "paired": paired,
        "same_suite": before["suite"]["hash"] == after["suite"]["hash"],
        "rows": rows,
    }


def _row(a: float | None, b: float | None, interval) -> dict[str, Any]:
    delta = None if a is None or b is None else b - a
    return {
        "before": a,
        "after": b,
        "delta": delta,
        "ci": None if interval is None else {"low": interval[0], "high": interval[1]},
        "significant": interval is not None and (interval[0] > 0 or interval[1] < 0),
    }


def comparison_table(comparison: dict[str, Any]) -> str:
    lines = [
        ("paired by task" if comparison["paired"] else "unpaired (different tasks)")
        + ("" if comparison["same_suite"] else "; WARNING: different suites"),
        f"{'component':<12} {'A':>7} {'B':>7} {'B-A':>7}  {'95% CI of B-A':<17}",
    ]
    for name, row in comparison["rows"].items():
        scale = 1.0 if name == "composite" else 100.0
        ci = row["ci"]
        interval = f"[{ci['low'] * scale:+.1f}, {ci['high'] * scale:+.1f}]" if ci else "n/a"
        mark = " *" if row["significant"] else ""
        delta = "n/a" if row["delta"] is None else f"{row['delta'] * scale:+.1f}"
        lines.append(
            f"{name:<12} {_fmt(row['before'], scale):>7} {_fmt(row['after'], scale):>7} "
            f"{delta:>7}  {interval:<17}{mark}"
        )
    lines.append("* the interval excludes 0")
    return "\n".join(lines)
