"""Invented names for generated tasks: people, places and things that exist nowhere else.

Names are built from syllables, so a run's entities (and the facts about them) cannot be
looked up or remembered from an earlier run.
"""

from __future__ import annotations

import random

_ONSETS = "b br d dr f g gr k kl l m n p pr r s st t th tr v w z".split()
_VOWELS = "a e i o u ai ea ou".split()
_CODAS = ["", "", "", "n", "r", "l", "s", "th", "m", "x"]
_PLACE_ENDINGS = ("ford", "holm", "mere", "wick", "stead", "by", "haven", "moor")


def word(rng: random.Random, syllables: int) -> str:
    parts = [rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)]
    return ("".join(parts) + rng.choice(_CODAS)).capitalize()


def person(rng: random.Random) -> str:
    return f"{word(rng, 2)} {word(rng, 3)}"


def place(rng: random.Random) -> str:
    return word(rng, 2) + rng.choice(_PLACE_ENDINGS)


def code(rng: random.Random, letters: int = 3) -> str:
    return "".join(rng.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(letters))


def distinct(rng: random.Random, make, count: int) -> list[str]:
    """``count`` different names from ``make(rng)``."""
    names: list[str] = []
    while len(names) < count:
        name = make(rng)
        if name not in names:
            names.append(name)
    return names
