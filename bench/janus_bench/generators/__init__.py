"""Task generators: benchmark items made fresh for every evaluation from a secret seed.

A stored item's answer ships with the suite, so anyone holding the package (or a log of an
earlier run) can answer it without solving it. A generator instead writes new items each
time, with invented numbers, names and documents, and computes their answers: the answers
exist only in the evaluating process. Same seed, same items (a run can be reproduced by
whoever holds the seed); another seed, other items.

Generators are plugins (``register_task_generators``); a generated suite
(``janus_bench.catalog``) names the generators it draws from and how many items each.
Prompts are written the way users write: no answer-format conventions; checks read the
conclusion of the answer (``answer_from: "conclusion"``, ``specs/bench-tasks.md``).
"""

from __future__ import annotations

import random
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class TaskGenerator(Protocol):
    """Makes ``count`` task objects (``specs/bench-tasks.md`` §2, without ``id``)."""

    type: str  # the task type of its items: chat, research, coding, tool_use, multimodal...
    version: str  # bumped whenever the same seed would give different items

    def generate(self, rng: random.Random, count: int) -> list[dict[str, Any]]: ...


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def numeric(value: float, tolerance: float = 1e-6) -> dict[str, Any]:
    """A check on the single number the answer concludes with."""
    return {"kind": "numeric", "value": value, "tolerance": tolerance, "answer_from": "conclusion"}


def choice(answer: str | list[str], candidates: list[str]) -> dict[str, Any]:
    """A check that the answer's conclusion names the right one of ``candidates`` (and no
    wrong one)."""
    answers = [answer] if isinstance(answer, str) else answer
    return {
        "kind": "normalised",
        "answers": answers,
        "candidates": sorted(set(candidates) | set(answers)),
        "answer_from": "conclusion",
    }


def builtin_generators() -> dict[str, TaskGenerator]:
    """The generators this distribution registers (``janus_bench.plugin``)."""
    from janus_bench.generators import coding, multimodal, reasoning, research, tool_use

    return {
        "reasoning": reasoning.ReasoningGenerator(),
        "research": research.ResearchGenerator(),
        "coding": coding.CodingGenerator(),
        "tool_use": tool_use.ToolUseGenerator(),
        "multimodal": multimodal.MultimodalGenerator(),
    }
