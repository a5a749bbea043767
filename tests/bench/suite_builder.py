"""Tiny suites written into a test's tmp directory (the real suites belong to test_suites)."""

from __future__ import annotations

import json
from pathlib import Path

FILLER = (
    "Let me work through this carefully, one step at a time, checking each part of the "
    "question before I commit to a final answer, so that nothing is missed along the way."
)


def chat_task(number: int, answer: str = "4") -> dict:
    question = f"Question {number}: what is two plus two? End with a line `ANSWER: <answer>`."
    return {
        "id": f"t-chat-{number:03d}",
        "type": "chat",
        "messages": [{"role": "user", "content": question}],
        "check": {"kind": "exact", "answer": answer},
        "reference": f"{FILLER}\nANSWER: {answer}",
    }


def coding_task(number: int = 1) -> dict:
    return {
        "id": f"t-coding-{number:03d}",
        "type": "coding",
        "messages": [
            {"role": "user", "content": f"Task {number}: write square(x) in a ```python block."}
        ],
        "check": {
            "kind": "code_tests",
            "language": "python",
            "tests": "assert square(2) == 4\nassert square(-3) == 9\nassert square(0) == 0\n",
            "timeout_s": 20,
        },
        "reference": "```python\ndef square(x):\n    return x * x\n```",
    }


def write_suite(root: Path, tasks: list[dict], suite_id: str = "private/test") -> Path:
    """A suite directory (``suite.toml``, ``tasks.jsonl`` and a one-file corpus)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "suite.toml").write_text(
        f'id = "{suite_id}"\nversion = "7"\ndescription = "a tiny test suite"\n'
    )
    (root / "tasks.jsonl").write_text("".join(json.dumps(task) + "\n" for task in tasks))
    (root / "corpus").mkdir(exist_ok=True)
    (root / "corpus" / "facts.md").write_text("# Facts\n\nThe moon of Zorb is Quill.\n")
    return root
