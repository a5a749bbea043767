"""Chat items: short answers with precise checks (facts, arithmetic, units, strings, logic)."""

from __future__ import annotations

import random

from common import normalised, numeric, short

FACTS_DEV = [
    ("What is the chemical symbol of the element tungsten?", normalised("W"), "W"),
    (
        "Which planet of our solar system has the shortest orbital period around the Sun?",
        normalised("Mercury"),
        "Mercury",
    ),
    ("In which year did Apollo 11 land on the Moon?", numeric(1969), "1969"),
    ("What is the capital city of Australia?", normalised("Canberra"), "Canberra"),
]
FACTS_TRAIN = [
    ("How many bones does a typical adult human skeleton have?", numeric(206), "206"),
    ("What is the largest ocean on Earth?", normalised("Pacific", "Pacific Ocean"), "Pacific"),
    (
        "Who wrote the novel Pride and Prejudice?",
        normalised("Jane Austen", "Austen"),
        "Jane Austen",
    ),
    ("What is the chemical formula of table salt?", normalised("NaCl"), "NaCl"),
    (
        "Which gas do plants take in from the air for photosynthesis?",
        normalised("carbon dioxide", "CO2"),
        "carbon dioxide",
    ),
    ("How many sides does a dodecagon have?", numeric(12), "12"),
    (
        "At sea level, at what temperature in degrees Fahrenheit does pure water boil?",
        numeric(212),
        "212",
    ),
    ("Which chemical element has atomic number 26?", normalised("iron", "Fe"), "iron"),
]

LOGIC_DEV = [
    (
        "Alice is older than Bob. Carol is younger than Bob. Dan is older than Alice. "
        "Who is the youngest of the four?",
        normalised("Carol"),
        "Carol",
    ),
    (
        "If today is a Wednesday, which day of the week will it be 100 days from today?",
        normalised("Friday"),
        "Friday",
    ),
]
LOGIC_TRAIN = [
    (
        "A farmer has 17 sheep. All but 9 of them run away. How many sheep does the farmer "
        "have left?",
        numeric(9),
        "9",
    ),
    ("What is the next number in the sequence 2, 6, 12, 20, 30, ...?", numeric(42), "42"),
    (
        "Tom has twice as many apples as Ann. Together they have 27 apples. How many apples "
        "does Tom have?",
        numeric(18),
        "18",
    ),
    (
        "If today is a Saturday, which day of the week will it be 45 days from today?",
        normalised("Tuesday"),
        "Tuesday",
    ),
    (
        "Five runners finish a race with no ties. P finishes before Q, R finishes after Q, "
        "S finishes before P, and T finishes last. Who finishes second?",
        normalised("P"),
        "P",
    ),
    (
        "How many times is the digit 7 written when you write out every whole number from "
        "1 to 100?",
        numeric(20),
        "20",
    ),
]


def arithmetic(rng: random.Random, count: int) -> list[tuple]:
    items = []
    for n in range(count):
        a, b = rng.randint(120, 9800), rng.randint(13, 97)
        if n % 3 == 0:
            items.append((f"Compute {a} * {b}.", numeric(a * b), str(a * b)))
        elif n % 3 == 1:
            c = rng.randint(1000, 99999)
            value = a * b - c
            items.append((f"Compute {a} * {b} - {c}.", numeric(value), str(value)))
        else:
            total = a * b
            items.append((f"Compute {total} / {b}.", numeric(a), str(a)))
    return items


def conversions(rng: random.Random, count: int) -> list[tuple]:
    items = []
    for n in range(count):
        if n % 3 == 0:
            miles = rng.randint(3, 60) + rng.choice([0, 0.5, 0.25])
            km = round(miles * 1.609344, 2)
            question = (
                f"Convert {miles:g} miles to kilometres (1 mile = 1.609344 km), rounded to "
                "2 decimal places."
            )
            items.append((question, numeric(km, 0.006), f"{km:.2f}"))
        elif n % 3 == 1:
            fahrenheit = rng.randint(-40, 120)
            celsius = round((fahrenheit - 32) * 5 / 9, 1)
            question = f"Convert {fahrenheit} °F to degrees Celsius, rounded to 1 decimal place."
            items.append((question, numeric(celsius, 0.051), f"{celsius:.1f}"))
        else:
            kmh = rng.choice([18, 36, 54, 72, 90, 108, 126, 144])
            question = f"A train travels at {kmh} km/h. What is its speed in metres per second?"
            items.append((question, numeric(kmh / 3.6, 1e-6), f"{kmh / 3.6:g}"))
    return items


WORDS = (
    "lantern orchestra pineapple avalanche labyrinth telescope marmalade carousel "
    "hurricane kaleidoscope blueprint harmonica dandelion ferocious parliament"
).split()


def strings(rng: random.Random, count: int, pool: list[str]) -> list[tuple]:
    items = []
    words = rng.sample(pool, count)
    for n, word in enumerate(words):
        if n % 3 == 0:
            question = f"Write the word '{word}' backwards (letters in reverse order)."
            items.append((question, normalised(word[::-1]), word[::-1]))
        elif n % 3 == 1:
            letter = rng.choice(sorted(set(word)))
            times = word.count(letter)
            question = f"How many times does the letter '{letter}' occur in '{word}'?"
            items.append((question, numeric(times), str(times)))
        else:
            letters = "".join(sorted(word))
            question = f"Sort the letters of '{word}' alphabetically and write them as one word."
            items.append((question, normalised(letters), letters))
    return items


def _items(entries: list[tuple]) -> list[dict]:
    return [short("chat", question, check, answer) for question, check, answer in entries]


def dev() -> list[dict]:
    rng = random.Random("chat-dev")
    return _items(
        FACTS_DEV
        + LOGIC_DEV
        + arithmetic(rng, 2)
        + conversions(rng, 2)
        + strings(rng, 2, WORDS[:6])
    )


def train() -> list[dict]:
    rng = random.Random("chat-train")
    return _items(
        FACTS_TRAIN
        + LOGIC_TRAIN
        + arithmetic(rng, 4)
        + conversions(rng, 3)
        + strings(rng, 3, WORDS[6:])
    )
