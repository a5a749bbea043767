"""Multimodal items: questions about a picture drawn per item and seed (``images.py``)."""

from __future__ import annotations

from common import ANSWER_LINE, task


def _item(generator: str, params: dict, question: str, check: dict, reference: str) -> dict:
    return task(
        "multimodal",
        f"{question} {ANSWER_LINE}",
        check,
        f"ANSWER: {reference}",
        image={"generator": generator, "params": params},
    )


def count(shape: str, question: str, low: int = 2, high: int = 7) -> dict:
    return _item(
        "count_shapes",
        {"shape": shape, "min": low, "max": high},
        question,
        {"kind": "numeric", "from_image": "count"},
        "{count}",
    )


def dominant(question: str) -> dict:
    return _item(
        "dominant_colour",
        {},
        question,
        {"kind": "normalised", "from_image": "colour_names"},
        "{colour}",
    )


def read(kind: str, question: str) -> dict:
    if kind in ("number", "sum"):
        check = {"kind": "numeric", "from_image": "value"}
        reference = "{value}"
    elif kind == "word":
        check = {"kind": "normalised", "from_image": "text"}
        reference = "{text}"
    else:
        check = {"kind": "exact", "from_image": "text"}
        reference = "{text}"
    return _item("read_text", {"kind": kind}, question, check, reference)


def largest(shape: str, question: str, smallest: bool = False) -> dict:
    key = "smallest_colour" if smallest else "largest_colour"
    return _item(
        "compare_sizes",
        {"shape": shape},
        question,
        {"kind": "normalised", "from_image": f"{key}_names"},
        "{" + key + "}",
    )


def cell(question: str) -> dict:
    return _item("grid_position", {}, question, {"kind": "numeric", "from_image": "cell"}, "{cell}")


def position(question: str) -> dict:
    return _item(
        "grid_position",
        {},
        question,
        {"kind": "normalised", "from_image": "position_names"},
        "{position}",
    )


def dev() -> list[dict]:
    return [
        count("circle", "How many circles are in the image? Count only circles."),
        count("square", "Count the squares in this picture. Ignore every other shape."),
        dominant("Which colour covers the largest area of this image? Answer with one word."),
        read("word", "What word is written in the image? Answer in capital letters."),
        read("number", "What number is written in the image?"),
        largest(
            "circle",
            "Three circles of different sizes are shown. What colour is the "
            "largest one? Answer with one word.",
        ),
        cell(
            "The image shows a 3 by 3 grid with one cell marked by a coloured shape. Number "
            "the cells 1 to 9 from left to right, top row first. Which cell is marked?"
        ),
        read("sum", "The image shows an addition. What is the result?"),
        position(
            "The image shows a 3 by 3 grid with one cell marked by a coloured shape. "
            "Where is the marked cell? Answer like `top left`, `middle right` or "
            "`center`."
        ),
    ]


def train() -> list[dict]:
    return [
        count("triangle", "How many triangles does this image contain?"),
        count("circle", "Count the circles in the picture (not squares or triangles).", 3, 9),
        count("square", "How many squares can you see?", 1, 5),
        count("triangle", "Count every triangle in the image, whatever its colour.", 4, 8),
        count("circle", "How many round shapes (circles) are drawn?", 1, 4),
        count("square", "Tell me the number of squares in this image.", 5, 9),
        dominant("What is the most common colour of the tiles in this image?"),
        dominant("Name the colour that takes up the most space in the picture."),
        read("word", "Read the word shown in the picture and write it in capital letters."),
        read("code", "Transcribe the code shown in the image exactly (letters, hyphen, digits)."),
        read("number", "Which number appears in the image?"),
        read("sum", "Compute the sum written in the picture."),
        largest("square", "Which colour is the biggest square? Answer with one word."),
        largest("triangle", "What colour is the smallest triangle? Answer with one word.", True),
        largest("circle", "Give the colour of the smallest circle in one word.", True),
        cell(
            "This 3 by 3 grid has one marked cell. Counting cells 1 to 9 left to right, row "
            "by row from the top, what is the number of the marked cell?"
        ),
        position(
            "In which part of the 3 by 3 grid is the coloured shape? Answer with a "
            "position such as `bottom left`, `top middle` or `center`."
        ),
        read("code", "What is the serial code printed in the image? Copy it exactly."),
    ]
