"""Test double: a platform inference backend that "knows" the public/dev references.

Loaded into a real ``janus run`` subprocess through an entry point (see
``test_end_to_end``), so a baseline competitor answers the bench's tasks with the suite's
reference answers: the end-to-end run then has right and wrong answers to score, instead
of an echo that fails every check. It answers with the reference of the task whose
question appears in the request, else with an echo.
"""

from __future__ import annotations

from typing import Any

from janus_bench.catalog import load_suite

from janus.hookspecs import hookimpl
from tests.platform.scripted_inference import ScriptedInference


def _texts(request: dict[str, Any]) -> str:
    parts = []
    for message in request.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts += [p.get("text", "") for p in content if isinstance(p, dict)]
    return "\n".join(parts)


def _questions() -> dict[str, str]:
    answers = {}
    for task in load_suite("public/dev").tasks:
        question = next(
            (m["content"] for m in reversed(task["messages"]) if m["role"] == "user"), None
        )
        if isinstance(question, str) and "reference" in task:
            answers[question] = task["reference"]
    return answers


class ReferenceInference(ScriptedInference):
    _answers: dict[str, str] | None = None

    @staticmethod
    def respond(request: dict[str, Any]) -> str:
        if ReferenceInference._answers is None:
            ReferenceInference._answers = _questions()
        text = _texts(request)
        for question, reference in ReferenceInference._answers.items():
            if question in text:
                return reference
        return "scripted reply"


@hookimpl
def register_inference_backends(register):
    register("reference", ReferenceInference)
