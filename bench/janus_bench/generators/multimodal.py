"""Multimodal items: questions about pictures drawn from the run's secret seed.

The picture generators are ``janus_bench.images``; the runner renders each item with a
seed derived from the run's secret and the item id, so the picture (and the answer read
from its facts) cannot be recognised from an earlier run or from the public suites.
"""

from __future__ import annotations

import random
from typing import Any

from janus_bench import images
from janus_bench.generators import user

COLOURS = sorted({name for names in images.COLOUR_NAMES.values() for name in names})


def _count(rng: random.Random) -> tuple[str, dict, dict]:
    shape = rng.choice(images.SHAPES)
    low = rng.randint(1, 5)
    spec = {"generator": "count_shapes", "params": {"shape": shape, "min": low, "max": low + 5}}
    check = {"kind": "numeric", "from_image": "count", "answer_from": "conclusion"}
    return f"How many {shape}s are in this picture?", spec, check


def _dominant(rng: random.Random) -> tuple[str, dict, dict]:
    spec = {"generator": "dominant_colour", "params": {}}
    check = {
        "kind": "normalised",
        "from_image": "colour_names",
        "candidates": COLOURS,
        "answer_from": "conclusion",
    }
    return "Which colour covers most of this picture?", spec, check


def _read(rng: random.Random) -> tuple[str, dict, dict]:
    kind = rng.choice(["number", "sum"])
    spec = {"generator": "read_text", "params": {"kind": kind}}
    check = {"kind": "numeric", "from_image": "value", "answer_from": "conclusion"}
    question = (
        "What number is written in this picture?"
        if kind == "number"
        else "What is the result of the sum written in this picture?"
    )
    return question, spec, check


def _sizes(rng: random.Random) -> tuple[str, dict, dict]:
    shape = rng.choice(images.SHAPES)
    largest = rng.random() < 0.5
    spec = {"generator": "compare_sizes", "params": {"shape": shape}}
    check = {
        "kind": "normalised",
        "from_image": f"{'largest' if largest else 'smallest'}_colour_names",
        "candidates": COLOURS,
        "answer_from": "conclusion",
    }
    return f"What colour is the {'largest' if largest else 'smallest'} {shape}?", spec, check


PICTURES = (_count, _dominant, _read, _sizes)


class MultimodalGenerator:
    type = "multimodal"
    version = "1"

    def generate(self, rng: random.Random, count: int) -> list[dict[str, Any]]:
        pictures = list(PICTURES)
        rng.shuffle(pictures)
        items = []
        for index in range(count):
            question, spec, check = pictures[index % len(pictures)](rng)
            items.append(
                {
                    "type": self.type,
                    "messages": user(question),
                    "max_tokens": 512,
                    "image": spec,
                    "check": check,
                }
            )
        return items
