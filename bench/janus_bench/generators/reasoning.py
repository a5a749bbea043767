"""Short reasoning items (type ``chat``): arithmetic in words, orderings, calendars."""

from __future__ import annotations

import random
from typing import Any

from janus_bench.generators import choice, numeric, user
from janus_bench.generators.names import distinct, word

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
GOODS = ("apples", "candles", "jars of honey", "notebooks", "seed packets", "lanterns")


def _first_name(rng: random.Random) -> str:
    return word(rng, 2)


def _shares(rng: random.Random) -> dict[str, Any]:
    who, friend = distinct(rng, _first_name, 2)
    boxes, per_box = rng.randint(3, 19), rng.randint(6, 24)
    given = rng.randint(1, boxes * per_box // 3)
    bag = rng.randint(4, 11)
    goods = rng.choice(GOODS)
    prompt = (
        f"{who} buys {boxes} boxes of {goods}, with {per_box} in each box, gives {given} of "
        f"them to {friend}, and packs the rest into bags of {bag}. How many bags can "
        f"{who} fill completely?"
    )
    return {"messages": user(prompt), "check": numeric((boxes * per_box - given) // bag)}


def _ordering(rng: random.Random) -> dict[str, Any]:
    names = distinct(rng, _first_name, rng.randint(4, 5))
    adjective, most, least = rng.choice(
        [("taller", "tallest", "shortest"), ("older", "oldest", "youngest")]
    )
    order = names[:]  # order[0] is the most
    rng.shuffle(order)
    clues = [f"{order[i]} is {adjective} than {order[i + 1]}." for i in range(len(order) - 1)]
    rng.shuffle(clues)
    asked_most = rng.random() < 0.5
    question = f"Who is the {most if asked_most else least}?"
    answer = order[0] if asked_most else order[-1]
    return {"messages": user(" ".join([*clues, question])), "check": choice(answer, names)}


def _weekday(rng: random.Random) -> dict[str, Any]:
    today, days = rng.randrange(7), rng.randint(20, 900)
    prompt = f"Today is a {DAYS[today]}. Which day of the week will it be in {days} days?"
    return {"messages": user(prompt), "check": choice(DAYS[(today + days) % 7], list(DAYS))}


def _expression(rng: random.Random) -> dict[str, Any]:
    a, b, c = rng.randint(101, 2999), rng.randint(11, 97), rng.randint(1000, 99999)
    prompt = f"What is {a} * {b} - {c}?"
    return {"messages": user(prompt), "check": numeric(a * b - c)}


def _filling(rng: random.Random) -> dict[str, Any]:
    rate = rng.randint(3, 40)
    minutes = rng.randint(7, 180)
    start = rng.randint(0, 500)
    tank = word(rng, 2)
    prompt = (
        f"The {tank} tank holds {start + rate * minutes} litres and already contains {start} "
        f"litres. A pump adds {rate} litres a minute. How many minutes until it is full?"
    )
    return {"messages": user(prompt), "check": numeric(minutes)}


FAMILIES = (_shares, _ordering, _weekday, _expression, _filling)


class ReasoningGenerator:
    type = "chat"
    version = "1"

    def generate(self, rng: random.Random, count: int) -> list[dict[str, Any]]:
        families = list(FAMILIES)
        rng.shuffle(families)
        items = []
        for index in range(count):
            item = families[index % len(families)](rng)
            items.append({"type": self.type, "max_tokens": 1024, **item})
        return items
