"""Coding items whose behaviour is set by generated parameters, with hidden tests.

Each family describes a function whose exact rule (scores, constants, widths, offsets)
is drawn for the run; the tests call it on generated inputs and compare with values the
generator computes with its own reference implementation. The tests are graded by the
bench's sandbox grader (``code_tests``) and never shown to the competitor.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import Any

from janus_bench.generators import user
from janus_bench.generators.names import word

INSTRUCTIONS = (
    "Reply with the complete function in one ```python code block; use only the standard library."
)
TESTS = 8


def _tests(name: str, function: Callable, cases: list[tuple]) -> str:
    return "".join(
        f"assert {name}({', '.join(map(repr, args))}) == {function(*args)!r}\n" for args in cases
    )


def _item(prompt: str, tests: str) -> dict[str, Any]:
    return {
        "messages": user(f"{prompt}\n\n{INSTRUCTIONS}"),
        "max_tokens": 2048,
        "check": {"kind": "code_tests", "language": "python", "tests": tests, "timeout_s": 10},
    }


def _letter_score(rng: random.Random) -> dict[str, Any]:
    vowel, consonant = rng.randint(2, 9), rng.randint(1, 7)
    longer, bonus = rng.randint(4, 8), rng.randint(3, 25)

    def score(text: str) -> int:
        letters = [c for c in text.lower() if c in string.ascii_lowercase]
        total = sum(vowel if c in "aeiou" else consonant for c in letters)
        return total + (bonus if len(letters) > longer else 0)

    words = [word(rng, rng.randint(1, 4)) for _ in range(TESTS - 2)] + ["", "Hi, there!"]
    prompt = (
        "Write a Python function `letter_score(text: str) -> int`. Every vowel (a, e, i, "
        f"o, u) scores {vowel} points, every other ASCII letter {consonant} points, and any "
        "other character nothing; upper and lower case count the same. When the text has "
        f"more than {longer} letters, add a bonus of {bonus} points."
    )
    return _item(prompt, _tests("letter_score", score, [(w,) for w in words]))


def _sequence(rng: random.Random) -> dict[str, Any]:
    first, second = rng.randint(0, 9), rng.randint(1, 9)
    x, y, modulus = rng.randint(1, 5), rng.randint(1, 5), rng.choice([97, 1000, 1009, 65536])

    def term(n: int) -> int:
        a, b = first, second
        for _ in range(n):
            a, b = b, x * b + y * a
        return a % modulus

    cases = [(0,), (1,), *((n,) for n in rng.sample(range(2, 400), TESTS - 2))]
    prompt = (
        "Write a Python function `sequence_term(n: int) -> int` for the sequence with "
        f"a(0) = {first}, a(1) = {second} and a(n) = {x}·a(n-1) + {y}·a(n-2) for n ≥ 2. "
        f"Return a(n) modulo {modulus}. n can be as large as a few thousand."
    )
    return _item(prompt, _tests("sequence_term", term, cases))


def _buckets(rng: random.Random) -> dict[str, Any]:
    start, width, buckets = rng.randint(-50, 50), rng.randint(2, 15), rng.randint(3, 6)

    def counts(values: list[int]) -> list[int]:
        result = [0] * buckets
        for value in values:
            index = (value - start) // width
            if 0 <= index < buckets:
                result[index] += 1
        return result

    span = (start - 2 * width, start + (buckets + 2) * width)
    cases = [([],)] + [
        ([rng.randint(*span) for _ in range(rng.randint(1, 15))],) for _ in range(TESTS - 1)
    ]
    prompt = (
        f"Write a Python function `bucket_counts(values: list[int]) -> list[int]` that "
        f"returns {buckets} counts: count i is how many values v satisfy "
        f"{start} + i·{width} ≤ v < {start} + (i+1)·{width}. Values outside every bucket "
        "are ignored."
    )
    return _item(prompt, _tests("bucket_counts", counts, cases))


def _rotate_words(rng: random.Random) -> dict[str, Any]:
    shift, joiner = rng.randint(1, 6), rng.choice(["-", "+", "/", "|", "_"])

    def rotate(text: str) -> str:
        words = text.split()
        if not words:
            return ""
        k = shift % len(words)
        return joiner.join(words[k:] + words[:k])

    cases = [("",)] + [
        (" ".join(word(rng, 2).lower() for _ in range(rng.randint(1, 8))),)
        for _ in range(TESTS - 1)
    ]
    prompt = (
        "Write a Python function `rotate_words(text: str) -> str`: split the text into "
        f"words on whitespace, move the first {shift} words to the end one at a time (so "
        f"a text of fewer words wraps around), and join them with '{joiner}'. An empty "
        "text gives an empty string."
    )
    return _item(prompt, _tests("rotate_words", rotate, cases))


FAMILIES = (_letter_score, _sequence, _buckets, _rotate_words)


class CodingGenerator:
    type = "coding"
    version = "1"

    def generate(self, rng: random.Random, count: int) -> list[dict[str, Any]]:
        families = list(FAMILIES)
        rng.shuffle(families)
        return [
            {"type": self.type, **families[index % len(families)](rng)} for index in range(count)
        ]
