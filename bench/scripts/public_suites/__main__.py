"""Write the public suites (``public/dev`` and ``public/train``) of janus-bench.

    python bench/scripts/public_suites [OUTPUT_ROOT]

The items are written by hand in the modules next to this file; arithmetic and other
templated parts come from seeded generators, so running this again reproduces the
committed ``tasks.jsonl`` files byte for byte (a test checks that). OUTPUT_ROOT defaults
to ``bench/janus_bench/suites``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import artifact
import chat
import coding
import multimodal
import research
import streaming
import tool_use

VERSION = "1"
# Task type -> (module, id prefix), in suite order.
TYPES = {
    "chat": (chat, "chat"),
    "research": (research, "research"),
    "coding": (coding, "coding"),
    "tool_use": (tool_use, "tool"),
    "artifact": (artifact, "artifact"),
    "streaming": (streaming, "stream"),
    "multimodal": (multimodal, "mm"),
}
DESCRIPTIONS = {
    "dev": "Public development suite: a small, fast mix of every task type for trying out "
    "a competitor. Never used for ranking.",
    "train": "Public training suite: twice the size of dev, disjoint from it, for tuning a "
    "competitor. Never used for ranking.",
}


def build(split: str) -> list[dict]:
    tasks = []
    for kind, (module, prefix) in TYPES.items():
        items = getattr(module, split)()
        for number, item in enumerate(items, start=1):
            assert item["type"] == kind, (kind, item)
            tasks.append({"id": f"{split}-{prefix}-{number:03d}", **item})
    return tasks


def write(root: Path) -> None:
    for split in ("dev", "train"):
        folder = root / "public" / split
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "suite.toml").write_text(
            f'id = "public/{split}"\nversion = "{VERSION}"\n'
            f"description = {json.dumps(DESCRIPTIONS[split])}\n"
        )
        lines = [json.dumps(task, ensure_ascii=False) for task in build(split)]
        (folder / "tasks.jsonl").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "janus_bench" / "suites"
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
