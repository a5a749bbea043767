"""Research items over a corpus of fictional documents written for the run.

Every run invents a handful of towns (founding year, council chair, population, bridges,
bus fares) and asks questions only those documents answer, some needing two facts or a
calculation. The documents are given in the prompt, as a user pastes notes they want
answered: the shipped corpus is indexed in the platform search by the operator ahead of
time, and a per-run corpus there would need indexing for every evaluation, be visible to
every competitor while it runs, and collide between concurrent runs. The trade-off: these
items test reading and reasoning over given text, not searching.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from janus_bench.generators import choice, numeric, user
from janus_bench.generators.names import distinct, person, place, word

TOWNS = 4
# Ways people hand over their notes (one fixed phrase would mark every research item).
OPENINGS = (
    "Here are my notes on a few towns.",
    "I copied these town profiles from a regional guide.",
    "Some background on the towns we are looking at:",
    "From the briefing pack:",
    "Notes from my trip planning:",
)


@dataclass(frozen=True)
class Town:
    name: str
    founded: int
    chair: str
    river: str
    residents: int
    bridges: int
    fare: float  # one zone, in marks
    per_zone: float  # each further zone

    def document(self) -> str:
        return (
            f"## {self.name}\n\n"
            f"{self.name} was founded in {self.founded} on the banks of the {self.river}. "
            f"Its town council is chaired by {self.chair}. At the last census {self.name} had "
            f"{self.residents:,} residents, and {self.bridges} bridges cross the river within "
            f"the town. A single bus ticket costs {self.fare:.2f} marks for one zone and "
            f"{self.per_zone:.2f} marks more for each further zone."
        )


def corpus(rng: random.Random) -> list[Town]:
    names = distinct(rng, place, TOWNS)
    chairs = distinct(rng, person, TOWNS)
    rivers = distinct(rng, lambda r: word(r, 2), TOWNS)
    years = rng.sample(range(1620, 1960), TOWNS)
    residents = rng.sample(range(4_000, 240_000), TOWNS)
    return [
        Town(
            name=names[i],
            founded=years[i],
            chair=chairs[i],
            river=rivers[i],
            residents=residents[i],
            bridges=rng.randint(2, 17),
            fare=rng.randint(30, 80) * 0.05,
            per_zone=rng.randint(8, 24) * 0.05,
        )
        for i in range(TOWNS)
    ]


def _chair(rng: random.Random, towns: list[Town]) -> tuple[str, dict]:
    town = rng.choice(towns)
    return f"Who chairs the town council of {town.name}?", choice(
        town.chair, [t.chair for t in towns]
    )


def _fare(rng: random.Random, towns: list[Town]) -> tuple[str, dict]:
    town, zones, tickets = rng.choice(towns), rng.randint(2, 6), rng.randint(1, 4)
    cost = tickets * (town.fare + town.per_zone * (zones - 1))
    return (
        f"How much do {tickets} single bus tickets covering {zones} zones cost in "
        f"{town.name}, in marks?",
        numeric(round(cost, 2), 0.006),
    )


def _largest(rng: random.Random, towns: list[Town]) -> tuple[str, dict]:
    most = rng.random() < 0.5
    pick = (max if most else min)(towns, key=lambda t: t.residents)
    return (
        f"Which of these towns has the {'most' if most else 'fewest'} residents?",
        choice(pick.name, [t.name for t in towns]),
    )


def _years_between(rng: random.Random, towns: list[Town]) -> tuple[str, dict]:
    first, second = sorted(rng.sample(towns, 2), key=lambda t: t.founded)
    return (
        f"How many years after {first.name} was {second.name} founded?",
        numeric(second.founded - first.founded),
    )


def _bridges_of_chair(rng: random.Random, towns: list[Town]) -> tuple[str, dict]:
    town = rng.choice(towns)
    return (
        f"How many bridges cross the river in the town whose council {town.chair} chairs?",
        numeric(town.bridges),
    )


def _river_of_chair(rng: random.Random, towns: list[Town]) -> tuple[str, dict]:
    town = rng.choice(towns)
    return (
        f"On which river lies the town whose council is chaired by {town.chair}?",
        choice(town.river, [t.river for t in towns]),
    )


QUESTIONS = (_chair, _fare, _largest, _years_between, _bridges_of_chair, _river_of_chair)


class ResearchGenerator:
    type = "research"
    version = "1"

    def generate(self, rng: random.Random, count: int) -> list[dict[str, Any]]:
        towns = corpus(rng)
        notes = "\n\n".join(town.document() for town in towns)
        questions = list(QUESTIONS)
        rng.shuffle(questions)
        items = []
        for index in range(count):
            question, check = questions[index % len(questions)](rng, towns)
            prompt = f"{rng.choice(OPENINGS)}\n\n{notes}\n\n{question}"
            items.append(
                {"type": self.type, "messages": user(prompt), "max_tokens": 1024, "check": check}
            )
        return items
