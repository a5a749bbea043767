"""Format stuffing: parroting the headings a long-form prompt asks for and padding with
the prompt's own words must not pass its format checks (issue 15). The items are the
public suite's streaming items; the honest competitor answers with their references."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest
from janus_bench.checks import Answer, CheckContext, evaluate, novel_words, validate_check
from janus_bench.runner import RunOptions, run_benchmark

from tests.bench import competitors

LONG_FORM = [
    task
    for task in map(
        json.loads,
        resources.files("janus_bench")
        .joinpath("suites/public/dev/tasks.jsonl")
        .read_text()
        .splitlines(),
    )
    if task["type"] == "streaming" and task["id"] != "dev-stream-006"  # 006: computed lines
]


def stuffed(prompt: str) -> str:
    """What the cheat sends: every requested heading or list marker from the prompt, each
    followed by the prompt's own words, repeated past the word minimum."""
    asked = re.findall(r"`([^`]+)`", prompt)
    markers = [m for m in asked if m.startswith("#")] or [f"{n}." for n in range(1, 11)]
    words = re.findall(r"\w+", prompt)
    body = " ".join(words * 2)
    return "\n\n".join(
        f"{marker} {body}" if marker[0].isdigit() else f"{marker}\n{body}" for marker in markers
    )


def question(task: dict) -> str:
    return task["messages"][-1]["content"]


@pytest.mark.parametrize("task", LONG_FORM, ids=lambda task: task["id"])
async def test_parroted_headings_padded_with_the_prompt_fail_the_format_check(task):
    validate_check(task["check"])
    context = CheckContext(image_facts={}, run_code=None, question=question(task))
    honest = await evaluate(task["check"], Answer(task["reference"]), context)
    cheat = await evaluate(task["check"], Answer(stuffed(question(task))), context)
    assert honest.value == 1.0
    assert cheat.value < honest.value
    length = next(part for part in cheat.details["parts"] if part["kind"] == "length")
    assert length["value"] == 0.0 and "prompt" in length["reason"]


async def test_padding_with_one_new_word_repeated_is_not_new_content():
    check = {"kind": "length", "min_words": 200}
    prompt = "Describe the water cycle in at least 200 words."
    context = CheckContext(image_facts={}, run_code=None, question=prompt)
    repeated = " ".join(["splendid"] * 250)
    assert novel_words(repeated, prompt) == 3
    assert (await evaluate(check, Answer(repeated), context)).value == 0.0


async def test_a_section_that_only_parrots_its_heading_fails_even_if_others_are_long():
    task = LONG_FORM[0]
    reference = task["reference"]
    first_heading_body = re.split(r"(?m)^## .*$", reference)[1]
    emptied = reference.replace(first_heading_body, "\n" + question(task) + "\n", 1)
    context = CheckContext(image_facts={}, run_code=None, question=question(task))
    length = next(c for c in task["check"]["checks"] if c["kind"] == "length")
    padded = emptied + "\n" + first_heading_body  # the words are still there, elsewhere
    result = await evaluate(length, Answer(padded), context)
    assert result.value == 0.0 and "section(s) 1" in result.details["reason"]


async def test_a_format_stuffing_competitor_scores_below_an_honest_minimal_one(
    suite, bench_gateway
):
    suite(LONG_FORM)
    honest = competitors.answers_from(LONG_FORM)

    def cheat(body: dict) -> str:
        return stuffed(competitors.question_of(body))

    results = {}
    for name, respond in (("honest", honest), ("stuffer", cheat)):
        target = bench_gateway(competitors.token_stream(respond, pause_s=0.0))
        results[name] = await run_benchmark(RunOptions(target=target, suite="private/test"))
    assert results["honest"]["components"]["quality"] == 1.0
    assert results["stuffer"]["components"]["quality"] < 0.7
    assert results["stuffer"]["composite"] < results["honest"]["composite"]
