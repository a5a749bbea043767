"""Shared helpers of the public suite items: one task object, the final-answer rule."""

from __future__ import annotations

from typing import Any

ANSWER_LINE = "End with a line `ANSWER: <answer>`."


def task(kind: str, prompt: str, check: dict, reference: Any, **extra: Any) -> dict:
    """A task without its id (ids are given in suite order by ``__main__``)."""
    messages = extra.pop("messages", None) or [{"role": "user", "content": prompt}]
    return {"type": kind, "messages": messages, **extra, "check": check, "reference": reference}


def short(kind: str, question: str, check: dict, answer: str, **extra: Any) -> dict:
    """A question with a short final answer: the prompt asks for an ``ANSWER:`` line."""
    return task(kind, f"{question} {ANSWER_LINE}", check, f"ANSWER: {answer}", **extra)


def normalised(*answers: str) -> dict:
    return {"kind": "normalised", "answers": list(answers)}


def numeric(value: float, tolerance: float | None = None) -> dict:
    check: dict[str, Any] = {"kind": "numeric", "value": value}
    if tolerance is not None:
        check["tolerance"] = tolerance
    return check
