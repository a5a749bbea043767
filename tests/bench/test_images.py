"""Multimodal images: valid PNGs, the same for the same seed, different across seeds, and
facts that describe what was drawn."""

from __future__ import annotations

import io

import pytest
from janus_bench.images import COLOURS, GENERATORS, fact_keys, render, validate_spec
from PIL import Image

SPECS = [
    {"generator": "count_shapes", "params": {"shape": "circle"}},
    {"generator": "count_shapes", "params": {"shape": "triangle", "min": 3, "max": 4}},
    {"generator": "dominant_colour", "params": {}},
    {"generator": "read_text", "params": {"kind": "word"}},
    {"generator": "read_text", "params": {"kind": "number"}},
    {"generator": "read_text", "params": {"kind": "code"}},
    {"generator": "read_text", "params": {"kind": "sum"}},
    {"generator": "compare_sizes", "params": {"shape": "square"}},
    {"generator": "grid_position", "params": {}},
]


def pixels(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (512, 512)
    return image.convert("RGB")


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec["generator"])
def test_the_same_seed_gives_the_same_bytes_and_facts(spec):
    assert render(spec, 11) == render(spec, 11)
    assert render(spec, "run-3:dev-mm-001") == render(spec, "run-3:dev-mm-001")


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec["generator"])
def test_different_seeds_give_different_images_and_facts(spec):
    renders = [render(spec, seed) for seed in range(12)]
    assert len({png for png, _ in renders}) == 12
    facts = {repr(facts) for _, facts in renders}
    assert len(facts) >= 2
    keys = fact_keys(spec)
    assert all(set(facts) == keys for _, facts in renders)


def test_every_generator_is_covered():
    assert {spec["generator"] for spec in SPECS} == set(GENERATORS)


def test_count_shapes_draws_the_counted_number_of_separate_shapes():
    """Counting connected blobs of non-background pixels recovers count + distractors."""
    for seed in range(5):
        png, facts = render({"generator": "count_shapes", "params": {"shape": "square"}}, seed)
        assert 2 <= facts["count"] <= 7
        assert blobs(pixels(png)) == facts["count"] + facts["distractors"]


def blobs(image: Image.Image) -> int:
    width, height = image.size
    data = image.load()
    seen = set()
    count = 0
    for start in ((x, y) for y in range(0, height, 2) for x in range(0, width, 2)):
        if start in seen or data[start] == (255, 255, 255):
            continue
        count += 1
        stack = [start]
        seen.add(start)
        while stack:
            x, y = stack.pop()
            for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                if 0 <= nx < width and 0 <= ny < height and (nx, ny) not in seen:
                    if data[nx, ny] != (255, 255, 255):
                        seen.add((nx, ny))
                        stack.append((nx, ny))
    return count


def test_the_dominant_colour_covers_the_most_pixels():
    for seed in range(5):
        png, facts = render({"generator": "dominant_colour", "params": {}}, seed)
        counts = {name: 0 for name in COLOURS}
        by_rgb = {rgb: name for name, rgb in COLOURS.items()}
        for rgb in pixels(png).get_flattened_data():
            if rgb in by_rgb:
                counts[by_rgb[rgb]] += 1
        ranked = sorted(counts, key=counts.get, reverse=True)
        assert ranked[0] == facts["colour"]
        assert counts[ranked[1]] <= 0.6 * counts[ranked[0]]


def test_grid_position_fills_the_named_cell():
    for seed in range(6):
        png, facts = render({"generator": "grid_position", "params": {}}, seed)
        image = pixels(png)
        cell = (512 - 32) // 3
        x = 16 + (facts["column"] - 1) * cell + cell // 2
        y = 16 + (facts["row"] - 1) * cell + cell // 2
        assert image.getpixel((x, y)) != (255, 255, 255)
        assert facts["cell"] == (facts["row"] - 1) * 3 + facts["column"]
        assert facts["position"] in facts["position_names"]


def test_compare_sizes_largest_colour_has_the_most_pixels():
    for seed in range(5):
        png, facts = render({"generator": "compare_sizes", "params": {}}, seed)
        counts: dict[str, int] = {}
        by_rgb = {rgb: name for name, rgb in COLOURS.items()}
        for rgb in pixels(png).get_flattened_data():
            if rgb in by_rgb:
                counts[by_rgb[rgb]] = counts.get(by_rgb[rgb], 0) + 1
        assert max(counts, key=counts.get) == facts["largest_colour"]
        assert min(counts, key=counts.get) == facts["smallest_colour"]


def test_read_text_facts_are_consistent():
    for seed in range(5):
        _, number = render({"generator": "read_text", "params": {"kind": "number"}}, seed)
        assert str(number["value"]) == number["text"]
        _, total = render({"generator": "read_text", "params": {"kind": "sum"}}, seed)
        left, right = total["text"].split(" + ")
        assert int(left) + int(right) == total["value"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("count_shapes", r"^image: must be an object with exactly generator and params"),
        ({"generator": "fractal", "params": {}}, r"^image\.generator: must be one of"),
        ({"generator": "grid_position", "params": []}, r"^image\.params: must be an object"),
        ({"generator": "count_shapes", "params": {"shape": "hexagon"}}, r"^image\.params\.shape"),
        ({"generator": "count_shapes", "params": {"min": 0}}, r"^image\.params\.min: invalid"),
        ({"generator": "count_shapes", "params": {"min": 5, "max": 2}}, r"^image\.params: min"),
        ({"generator": "count_shapes", "params": {"min": 9}}, r"^image\.params: min is above"),
        ({"generator": "read_text", "params": {"size": 3}}, r"^image\.params\.size: unknown"),
    ],
)
def test_bad_specs_are_refused_with_the_path(spec, message):
    with pytest.raises(ValueError, match=message):
        validate_spec(spec)
