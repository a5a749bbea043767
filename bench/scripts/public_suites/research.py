"""Research items: answerable only from the bench corpus (``janus_bench/corpus``), whose
facts are fictional, so no model knows them from training."""

from __future__ import annotations

from common import normalised, numeric, short

PREFIX = (
    "Answer from the research corpus indexed in the platform search (documents about "
    "fictional places and organisations; general knowledge will not help)."
)

DEV = [
    (
        "On Velmora's public transport, how much does a single-journey ticket covering two "
        "zones cost, in crowns?",
        numeric(3.10, 0.001),
        "3.10",
    ),
    (
        "How many days of paid annual leave does a Kestrel Analytics employee get per year "
        "after five full years of service?",
        numeric(30),
        "30",
    ),
    (
        "At what temperature, in °C, does the Orrin Lake Chemistry Laboratory store "
        "long-term biological samples?",
        numeric(-80),
        "-80",
    ),
    (
        "How many days is the loan period for films at Brightwater Public Library?",
        numeric(7),
        "7",
    ),
    (
        "What is the highest point on Tessaly island?",
        normalised("Mount Keld", "Keld"),
        "Mount Keld",
    ),
    (
        "Which error code does a Nimbus R3 garden rover show when it has been lifted or tilted?",
        normalised("E09"),
        "E09",
    ),
    (
        "What discount at the till, in percent, do working members of the Greenfield Food "
        "Cooperative receive?",
        numeric(12),
        "12",
    ),
    (
        "In which version of the Quillon programming language was the pipe operator introduced?",
        normalised("2.4", "Quillon 2.4", "version 2.4"),
        "2.4",
    ),
    (
        "In the Marrow Valley Nature Reserve, a walker completes both the Heron Loop and the "
        "Corrie Lochan Path on the same day. How many kilometres do they walk in total?",
        numeric(12.6, 0.01),
        "12.6",
    ),
]

TRAIN = [
    (
        "How long, in minutes, does the F1 ferry crossing between Velmora's Quayside and "
        "Skerry island take?",
        numeric(22),
        "22",
    ),
    (
        "On Velmora's public transport, how much is the penalty fare for travelling without "
        "a valid ticket if it is paid within 14 days, in crowns?",
        numeric(50),
        "50",
    ),
    (
        "A 70-year-old passenger buys a single-journey ticket covering three zones in Velmora. "
        "How much do they pay, in crowns?",
        numeric(2.00, 0.001),
        "2.00",
    ),
    (
        "What flat allowance, in crowns, does a Kestrel Analytics engineer receive for one "
        "week on call?",
        numeric(300),
        "300",
    ),
    (
        "A Kestrel Analytics engineer is on call for one week and spends 3 hours handling "
        "incidents outside working hours. How much on-call pay do they receive in total, "
        "in crowns?",
        numeric(420),
        "420",
    ),
    (
        "Who founded Kestrel Analytics together with Ada Brannock?",
        normalised("Ravi Ostrand"),
        "Ravi Ostrand",
    ),
    (
        "Which waste code does the Orrin Lake Chemistry Laboratory use for halogenated solvents?",
        normalised("OL-1", "OL1"),
        "OL-1",
    ),
    (
        "Which telephone extension do you call to reach the safety officer of the Orrin Lake "
        "Chemistry Laboratory?",
        numeric(4417),
        "4417",
    ),
    (
        "What is the maximum overdue charge for a single item at Brightwater Public Library, "
        "in crowns?",
        numeric(15),
        "15",
    ),
    (
        "An adult returns one board game to Brightwater Public Library 4 days late. What is "
        "the overdue charge, in crowns?",
        numeric(4, 0.001),
        "4.00",
    ),
    (
        "In which year was the first permanent settlement on Tessaly founded?",
        numeric(1287),
        "1287",
    ),
    (
        "What was the population of Orrinford in the 2024 census of Tessaly?",
        numeric(4215),
        "4215",
    ),
    ("What is the cutting width of the Nimbus R3 garden rover, in centimetres?", numeric(28), "28"),
    (
        "The Greenfield Food Cooperative has 300 members. How many members must attend for "
        "its general meeting to be quorate?",
        numeric(30),
        "30",
    ),
    (
        "In the Quillon programming language, what does `[10, 20, 30][1]` evaluate to?",
        numeric(10),
        "10",
    ),
    ("What file extension do Quillon source files use?", normalised(".qn", "qn"), ".qn"),
    (
        "How high is the summit of Black Crag in the Marrow Valley Nature Reserve, in metres?",
        numeric(1090),
        "1090",
    ),
    (
        "Who discovered the comet catalogued as C/1997 T2 at Saltmarsh Observatory?",
        normalised("Signe Halvorsen", "Halvorsen"),
        "Signe Halvorsen",
    ),
]


def _items(entries: list[tuple]) -> list[dict]:
    return [
        short("research", f"{PREFIX} {question}", check, answer)
        for question, check, answer in entries
    ]


def dev() -> list[dict]:
    return _items(DEV)


def train() -> list[dict]:
    return _items(TRAIN)
