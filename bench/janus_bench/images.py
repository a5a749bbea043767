"""Images for multimodal tasks, drawn fresh for every item and seed.

A task names a generator and its parameters; the bench renders the picture with a seed
derived from the run seed and the task id, so the answer differs between items and runs
and cannot be memorised. Each generator returns the facts its picture shows (the count,
the colour, the text ...), and checks take their expected value from those facts
(``"from_image": "count"``). Drawing is plain Pillow with its built-in font: no files,
no network, the same bytes for the same spec and seed.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFont

SIZE = 512
BACKGROUND = (255, 255, 255)

# Colours far apart, with names nobody argues about.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 150, 50),
    "blue": (30, 80, 220),
    "yellow": (240, 200, 0),
    "orange": (245, 130, 0),
    "purple": (130, 50, 170),
    "black": (20, 20, 20),
}
# The names an answer may use for each colour.
COLOUR_NAMES: dict[str, list[str]] = {name: [name] for name in COLOURS} | {
    "purple": ["purple", "violet"]
}
SHAPES = ("circle", "square", "triangle")
COUNT_RANGE = (2, 7)  # how many of the counted shape, unless the params say otherwise

WORDS = (
    "amber anchor arrow basket beacon birch bridge cactus candle canyon castle cedar "
    "cinder clover comet copper coral cotton crane crystal dagger delta desert dolphin "
    "ember falcon feather fern forest fossil galaxy garden glacier granite harbor hazel "
    "helmet island ivory jasmine jungle kettle lantern lemon lily linen magnet maple "
    "marble meadow meteor mirror monkey nectar needle oasis ocean olive onyx orbit "
    "orchid otter paddle panda parrot pepper pillar planet pocket prism quartz quill "
    "rabbit radish raven ribbon river rocket saddle salmon sapphire signal silver "
    "spider spiral spruce summit tablet thistle thunder tiger timber tulip tunnel "
    "velvet violin walnut whale willow window winter zebra"
).split()


@dataclass(frozen=True)
class Generator:
    """One kind of picture: how to draw it and which parameters it takes."""

    draw: Callable[[random.Random, dict[str, Any]], tuple[Image.Image, dict[str, Any]]]
    params: dict[str, Callable[[Any], bool]]  # name -> is this value acceptable
    param_help: str


def render(spec: dict, seed: int | str) -> tuple[bytes, dict]:
    """Draw ``spec`` (``{"generator": name, "params": {...}}``) for ``seed``: PNG and facts."""
    validate_spec(spec)
    generator = GENERATORS[spec["generator"]]
    image, facts = generator.draw(random.Random(f"{spec['generator']}:{seed}"), spec["params"])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue(), facts


def validate_spec(spec: Any, path: str = "image") -> None:
    """Raise ``ValueError("<path>: <problem>")`` when ``spec`` is not a drawable image."""
    if not isinstance(spec, dict) or set(spec) != {"generator", "params"}:
        raise ValueError(f"{path}: must be an object with exactly generator and params")
    name = spec["generator"]
    if name not in GENERATORS:
        raise ValueError(f"{path}.generator: must be one of {', '.join(sorted(GENERATORS))}")
    params = spec["params"]
    if not isinstance(params, dict):
        raise ValueError(f"{path}.params: must be an object")
    generator = GENERATORS[name]
    for key, value in params.items():
        if key not in generator.params:
            raise ValueError(f"{path}.params.{key}: unknown parameter of {name}")
        if not generator.params[key](value):
            raise ValueError(f"{path}.params.{key}: invalid ({generator.param_help})")
    if params.get("min", COUNT_RANGE[0]) > params.get("max", COUNT_RANGE[1]):
        raise ValueError(f"{path}.params: min is above max")


def fact_keys(spec: dict) -> frozenset[str]:
    """The facts every picture of ``spec`` has (what a check's ``from_image`` may name)."""
    return frozenset(render(spec, 0)[1])


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (SIZE, SIZE), BACKGROUND)
    return image, ImageDraw.Draw(image)


def _shape(draw: ImageDraw.ImageDraw, shape: str, cx: float, cy: float, r: float, fill) -> None:
    if shape == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
    elif shape == "square":
        draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=fill)
    else:
        draw.polygon([(cx, cy - r), (cx + r, cy + r * 0.8), (cx - r, cy + r * 0.8)], fill=fill)


def _cells(rng: random.Random, count: int, grid: int) -> list[tuple[float, float, float]]:
    """``count`` distinct cells of a ``grid`` by ``grid`` layout: centre and the half-width a
    shape may use, so shapes never touch."""
    size = SIZE / grid
    chosen = rng.sample(range(grid * grid), count)
    return [((i % grid + 0.5) * size, (i // grid + 0.5) * size, size / 2 - 6) for i in chosen]


def _count_shapes(rng: random.Random, params: dict) -> tuple[Image.Image, dict]:
    shape = params.get("shape", "circle")
    count = rng.randint(params.get("min", COUNT_RANGE[0]), params.get("max", COUNT_RANGE[1]))
    distractors = rng.randint(2, 6)
    others = [s for s in SHAPES if s != shape]
    kinds = [shape] * count + [rng.choice(others) for _ in range(distractors)]
    image, draw = _canvas()
    colours = list(COLOURS.values())
    for kind, (cx, cy, room) in zip(kinds, _cells(rng, len(kinds), 5), strict=True):
        radius = rng.uniform(room * 0.55, room * 0.85)
        jitter = room - radius
        cx, cy = cx + rng.uniform(-jitter, jitter), cy + rng.uniform(-jitter, jitter)
        _shape(draw, kind, cx, cy, radius, rng.choice(colours))
    return image, {"count": count, "shape": shape, "distractors": distractors}


def _dominant_colour(rng: random.Random, params: dict) -> tuple[Image.Image, dict]:
    names = rng.sample(list(COLOURS), rng.randint(4, 5))  # 3+ others can fill the rest
    tiles = 64
    dominant = rng.randint(26, 34)
    rest = tiles - dominant
    cap = int(dominant * 0.6)  # every other colour clearly smaller
    shares = [0] * (len(names) - 1)
    for _ in range(rest):
        open_slots = [i for i, share in enumerate(shares) if share < cap]
        shares[rng.choice(open_slots)] += 1
    layout = [names[0]] * dominant
    for name, share in zip(names[1:], shares, strict=True):
        layout += [name] * share
    rng.shuffle(layout)
    image, draw = _canvas()
    tile = SIZE // 8
    for index, name in enumerate(layout):
        x, y = index % 8 * tile, index // 8 * tile
        draw.rectangle((x, y, x + tile - 1, y + tile - 1), fill=COLOURS[name])
    facts = {"colour": names[0], "colour_names": COLOUR_NAMES[names[0]], "tiles": dominant}
    return image, facts


def _text_of(rng: random.Random, kind: str) -> tuple[str, dict]:
    if kind == "word":
        word = rng.choice(WORDS).upper()
        return word, {"text": word}
    if kind == "number":
        number = rng.randint(1000, 99999)
        return str(number), {"text": str(number), "value": number}
    if kind == "code":
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        code = f"{letters}-{rng.randint(100, 999)}"
        return code, {"text": code}
    left, right = rng.randint(11, 89), rng.randint(11, 89)
    return f"{left} + {right}", {"text": f"{left} + {right}", "value": left + right}


def _read_text(rng: random.Random, params: dict) -> tuple[Image.Image, dict]:
    text, facts = _text_of(rng, params.get("kind", "word"))
    image, draw = _canvas()
    font = ImageFont.load_default(size=rng.randint(64, 84))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    width, height = right - left, bottom - top
    x = rng.uniform(10, SIZE - 10 - width) - left
    y = rng.uniform(40, SIZE - 40 - height) - top
    ink = rng.choice([COLOURS["black"], COLOURS["blue"], COLOURS["red"], COLOURS["purple"]])
    draw.text((x, y), text, fill=ink, font=font)
    return image, facts


def _compare_sizes(rng: random.Random, params: dict) -> tuple[Image.Image, dict]:
    shape = params.get("shape", "circle")
    names = rng.sample(list(COLOURS), 3)
    small = rng.uniform(24, 33)  # the largest stays inside its third of the width
    radii = [small, small * rng.uniform(1.4, 1.6), small * rng.uniform(2.1, 2.4)]
    order = list(range(3))
    rng.shuffle(order)
    image, draw = _canvas()
    column = SIZE / 3
    for slot, index in enumerate(order):
        radius = radii[index]
        cx = (slot + 0.5) * column + rng.uniform(
            -(column / 2 - radius - 4), column / 2 - radius - 4
        )
        cy = rng.uniform(radius + 20, SIZE - radius - 20)
        _shape(draw, shape, cx, cy, radius, COLOURS[names[index]])
    facts = {
        "largest_colour": names[2],
        "largest_colour_names": COLOUR_NAMES[names[2]],
        "smallest_colour": names[0],
        "smallest_colour_names": COLOUR_NAMES[names[0]],
    }
    return image, facts


_ROWS = ("top", "middle", "bottom")
_COLUMNS = ("left", "middle", "right")


def _position_names(row: int, column: int) -> list[str]:
    if row == 1 and column == 1:
        return ["center", "centre", "middle", "middle center", "middle centre"]
    rows = [_ROWS[row]] + (["upper"] if row == 0 else ["lower"] if row == 2 else [])
    columns = [_COLUMNS[column]] + (["center", "centre"] if column == 1 else [])
    names = [f"{r} {c}" for r in rows for c in columns]
    if row == 1:
        names += [f"{c} {r}" for r in rows for c in columns] + list(columns)
    if column == 1:
        names += [f"{r} {c}" for r in rows for c in ("center", "centre")] + rows
    return sorted(set(names))


def _grid_position(rng: random.Random, params: dict) -> tuple[Image.Image, dict]:
    row, column = rng.randrange(3), rng.randrange(3)
    image, draw = _canvas()
    cell = (SIZE - 32) // 3
    origin = (SIZE - 3 * cell) // 2
    colour = COLOURS[rng.choice(["red", "blue", "green", "orange", "purple"])]
    centre_x, centre_y = origin + (column + 0.5) * cell, origin + (row + 0.5) * cell
    radius = rng.uniform(cell * 0.25, cell * 0.42)
    _shape(draw, rng.choice(SHAPES), centre_x, centre_y, radius, colour)
    for line in range(4):
        at = origin + line * cell
        draw.line((origin, at, origin + 3 * cell, at), fill=COLOURS["black"], width=4)
        draw.line((at, origin, at, origin + 3 * cell), fill=COLOURS["black"], width=4)
    facts = {
        "row": row + 1,
        "column": column + 1,
        "cell": row * 3 + column + 1,
        "position": "center" if (row, column) == (1, 1) else f"{_ROWS[row]} {_COLUMNS[column]}",
        "position_names": _position_names(row, column),
    }
    return image, facts


def _count_range(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12


GENERATORS: dict[str, Generator] = {
    "count_shapes": Generator(
        _count_shapes,
        {"shape": lambda v: v in SHAPES, "min": _count_range, "max": _count_range},
        f"shape: one of {', '.join(SHAPES)}; min/max: integers 1..12",
    ),
    "dominant_colour": Generator(_dominant_colour, {}, "takes no parameters"),
    "read_text": Generator(
        _read_text,
        {"kind": lambda v: v in ("word", "number", "code", "sum")},
        "kind: word, number, code or sum",
    ),
    "compare_sizes": Generator(
        _compare_sizes,
        {"shape": lambda v: v in SHAPES},
        f"shape: one of {', '.join(SHAPES)}",
    ),
    "grid_position": Generator(
        _grid_position,
        {},
        "takes no parameters",
    ),
}
