"""Generated suites: a suite id that names a mix of task generators, drawn per run.

``generated/v1`` takes its items from the generators registered through the
``register_task_generators`` hook (the built-ins of ``janus_bench.generators``). Its
identity (id, version, hash) depends only on the mix and the generators' versions, so
runs with different secret seeds rank on the same board; the seed itself is never
recorded, only its hash, with the hash of the items it produced.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from typing import Any

from janus_bench.checks import validate_task

# suite id -> {generator name: items per run}
GENERATED_SUITES: dict[str, dict[str, int]] = {
    "generated/v1": {
        "reasoning": 8,
        "research": 6,
        "coding": 4,
        "tool_use": 6,
        "multimodal": 6,
    },
}
SEED_BYTES = 16


def is_generated(suite_id: str) -> bool:
    return suite_id in GENERATED_SUITES


def new_seed() -> str:
    """A secret seed for one run: unguessable, never reused."""
    return secrets.token_hex(SEED_BYTES)


def seed_digest(seed: str) -> str:
    return "sha256:" + hashlib.sha256(f"janus-bench-seed:{seed}".encode()).hexdigest()


def load_generators() -> dict[str, Any]:
    """The task generators registered through ``register_task_generators``, by name."""
    from janus.plugins import load_plugins

    return load_plugins().collect("register_task_generators")


def mix_hash(suite_id: str, generators: dict[str, Any]) -> str:
    """What the suite's results are comparable on: the mix and each generator's version."""
    mix = GENERATED_SUITES[suite_id]
    described = [
        [name, count, str(generators[name].version)] for name, count in sorted(mix.items())
    ]
    payload = json.dumps([suite_id, described], separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def generate_tasks(suite_id: str, seed: str, generators: dict[str, Any]) -> tuple[dict, ...]:
    """The suite's items for ``seed``: ids ``gen-<generator>-NNN``, each task validated
    (a generator that writes a malformed item is a bug to report, not to score)."""
    tasks = []
    for name, count in GENERATED_SUITES[suite_id].items():
        generator = generators[name]
        rng = random.Random(f"janus-bench-generated:{name}:{seed}")
        made = generator.generate(rng, count)
        if len(made) != count:
            raise ValueError(f"generator {name!r} made {len(made)} items, not {count}")
        for number, item in enumerate(made, start=1):
            task = {"id": f"gen-{name}-{number:03d}", **item}
            if task.get("type") != generator.type:
                raise ValueError(f"{task['id']}: type {task.get('type')!r}, not {generator.type!r}")
            validate_task(task)
            tasks.append(task)
    return tuple(tasks)


def tasks_hash(tasks: tuple[dict, ...]) -> str:
    payload = json.dumps(tasks, sort_keys=True, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(payload).hexdigest()
