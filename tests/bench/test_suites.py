"""The shipped public suites: valid, disjoint, spread over every task type, each item's
reference passes its own check (code in a real bubblewrap sandbox), and keyword-stuffed or
empty answers fail every item."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import aiohttp
import janus_bench
import pytest
from janus_bench.checks import (
    TASK_TYPES,
    Answer,
    ArtifactFile,
    CheckContext,
    evaluate,
    final_answer,
    validate_task,
)
from janus_bench.images import render
from janus_bench.sandbox import SandboxRunner

from tests.platform.conftest import platform_settings
from tests.platform.scripted_inference import ScriptedInferencePlugin

PACKAGE = Path(janus_bench.__file__).parent
SUITES = PACKAGE / "suites" / "public"
SCRIPT = PACKAGE.parent / "scripts" / "public_suites"
SIZES = {"dev": 60, "train": 120}
# The intended share of each task type, in percent.
SPREAD = {
    "chat": 20,
    "research": 15,
    "coding": 15,
    "tool_use": 15,
    "artifact": 10,
    "streaming": 10,
    "multimodal": 15,
}
IMAGE_SEEDS = (0, 1, 2)


def load(split: str) -> list[dict]:
    lines = (SUITES / split / "tasks.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


TASKS = [(split, task) for split in SIZES for task in load(split)]
CODE = [task for _, task in TASKS if task["check"]["kind"] == "code_tests"]
ALL = [pytest.param(split, task, id=task["id"]) for split, task in TASKS]
NOT_CODE = [
    pytest.param(split, task, id=task["id"])
    for split, task in TASKS
    if task["check"]["kind"] != "code_tests"
]


def reference_answers(task: dict) -> list[tuple[Answer, dict]]:
    """The task's reference as answers with the image facts they were made for (one per
    image seed for a multimodal task)."""
    reference = task["reference"]
    if "image" not in task:
        return [(to_answer(reference), {})]
    answers = []
    for seed in IMAGE_SEEDS:
        _, facts = render(task["image"], seed)
        answers.append((to_answer(reference.format(**facts)), facts))
    return answers


def to_answer(reference: str | dict) -> Answer:
    if isinstance(reference, str):
        return Answer(text=reference)
    calls = [
        {
            "id": f"call-{n}",
            "type": "function",
            "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
        }
        for n, call in enumerate(reference.get("tool_calls", []))
    ]
    files = [
        ArtifactFile(file["name"], file["mime_type"], file["content"].encode())
        for file in reference.get("artifacts", [])
    ]
    return Answer(text=reference["text"], tool_calls=calls, artifacts=files)


# --- the suites as a whole -----------------------------------------------------------


@pytest.mark.parametrize("split", SIZES)
def test_suite_toml_names_the_suite_and_its_version(split):
    meta = tomllib.loads((SUITES / split / "suite.toml").read_text())
    assert meta["id"] == f"public/{split}"
    assert meta["version"] == "1"
    assert meta["description"]


@pytest.mark.parametrize(("split", "task"), ALL)
def test_every_task_is_valid(split, task):
    validate_task(task)
    assert task["id"].startswith(f"{split}-")
    assert "reference" in task


def test_ids_are_unique_across_both_suites():
    counts = Counter(task["id"] for _, task in TASKS)
    assert [task_id for task_id, n in counts.items() if n > 1] == []


def test_no_dev_item_appears_in_train():
    def content(task: dict) -> str:
        return json.dumps([task["messages"], task.get("image"), task.get("tools")])

    dev = {content(task) for task in load("dev")}
    train = {content(task) for task in load("train")}
    assert dev & train == set()
    questions = {task["messages"][-1]["content"] for task in load("dev")}
    assert questions.isdisjoint(task["messages"][-1]["content"] for task in load("train"))


@pytest.mark.parametrize(("split", "size"), SIZES.items())
def test_sizes_and_type_spread(split, size):
    tasks = load(split)
    assert len(tasks) == size
    counts = Counter(task["type"] for task in tasks)
    assert set(counts) == set(TASK_TYPES)
    for kind, percent in SPREAD.items():
        assert counts[kind] == size * percent // 100, (kind, counts[kind])


def walk(check: dict):
    yield check
    for part in check.get("checks", []):
        yield from walk(part)
    for key in ("final", "content"):
        if isinstance(check.get(key), dict):
            yield from walk(check[key])


@pytest.mark.parametrize(("split", "task"), ALL)
def test_no_bare_substring_check_and_no_judge_only_item(split, task):
    check = task["check"]
    assert check["kind"] not in ("contains", "judge")
    for node in walk(check):
        if node["kind"] == "all_of":
            kinds = [part["kind"] for part in node["checks"]]
            assert any(kind not in ("contains", "judge") for kind in kinds), task["id"]
        if node["kind"] == "artifact":
            assert node.get("content", {}).get("kind") != "contains"


def test_the_generator_script_reproduces_the_committed_files(tmp_path):
    subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], check=True)
    for split in SIZES:
        for name in ("suite.toml", "tasks.jsonl"):
            written = (tmp_path / "public" / split / name).read_bytes()
            assert written == (SUITES / split / name).read_bytes(), (split, name)


def test_the_research_corpus_is_shipped_and_original():
    documents = sorted((PACKAGE / "corpus").glob("*.md"))
    assert 8 <= len(documents) <= 15
    for document in documents:
        words = len(document.read_text().split())
        assert 300 <= words <= 1600, (document.name, words)


# --- each item against its own reference and against cheats -------------------------


@pytest.mark.parametrize(("split", "task"), NOT_CODE)
async def test_the_reference_passes_its_own_check(split, task):
    for answer, facts in reference_answers(task):
        result = await evaluate(task["check"], answer, CheckContext(facts, run_code=None))
        assert result.value == 1.0, (task["id"], result.details)


DISTRACTORS = ["0", "1", "2", "7", "12", "42", "100", "yes", "no", "red", "blue", "Paris"]


def stuffed(task: dict, facts: dict) -> Answer:
    """Every plausible candidate at once: the reference answer, the accepted variants, the
    required terms, the expected tool calls and then some."""
    reference = reference_answers(task)[0][0]
    short_answer = final_answer(reference.text)  # a long answer is not a "candidate"
    candidates = [short_answer] if len(short_answer.split()) <= 12 else []
    candidates += DISTRACTORS
    for node in walk(task["check"]):
        candidates += node.get("answers", []) + node.get("terms", [])
        if "value" in node:
            candidates.append(str(node["value"]))
        if "from_image" in node:
            fact = facts[node["from_image"]]
            candidates += fact if isinstance(fact, list) else [str(fact)]
    bogus = [
        {"id": f"x{n}", "type": "function", "function": {"name": name, "arguments": "{}"}}
        for n, name in enumerate(["get_weather", "lookup_order", "convert_currency"] * 2)
    ]
    text = "ANSWER: " + ", ".join(dict.fromkeys(candidates))
    return Answer(text=text, tool_calls=reference.tool_calls + bogus)


@pytest.mark.parametrize(("split", "task"), ALL)
async def test_keyword_stuffed_and_empty_answers_fail(split, task):
    _, facts = reference_answers(task)[0]
    context = CheckContext(facts, run_code=None)
    stuffing = await evaluate(task["check"], stuffed(task, facts), context)
    assert stuffing.value < 0.5, (task["id"], stuffing.details)
    empty = await evaluate(task["check"], Answer(text=""), context)
    assert empty.value == 0, (task["id"], empty.details)


@pytest.mark.slow
@pytest.mark.usefixtures("bubblewrap")
async def test_every_coding_reference_passes_all_its_tests_in_a_real_sandbox(
    live, tmp_path, platform_tokens, monkeypatch
):
    admin_key = "jadm-suite-references"
    monkeypatch.setenv("JANUS_ADMIN_KEY", admin_key)
    url = live.gateway(
        {},
        platform=platform_settings(tmp_path, sandbox={"backend": "local"}),
        plugins=(ScriptedInferencePlugin(),),
    )
    slots = asyncio.Semaphore(2)  # the machine has two cores

    async with aiohttp.ClientSession() as session:
        runner = SandboxRunner(session, url, admin_key)

        async def grade(task: dict):
            async with slots:
                context = CheckContext({}, run_code=runner)
                return await evaluate(task["check"], to_answer(task["reference"]), context)

        results = await asyncio.gather(*(grade(task) for task in CODE))
        wrong = Answer(text="```python\ndef unrelated():\n    return None\n```")
        failing = await evaluate(CODE[0]["check"], wrong, CheckContext({}, run_code=runner))
    failures = {
        task["id"]: result.details
        for task, result in zip(CODE, results, strict=True)
        if result.value != 1.0 or result.details["total"] < 4
    }
    assert failures == {}
    assert failing.value == 0


# --- task validation -----------------------------------------------------------------

GOOD = {
    "id": "t-1",
    "type": "chat",
    "messages": [{"role": "user", "content": "Hi?"}],
    "check": {"kind": "exact", "answer": "Hi"},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": 1}, r"^t-1: colour: unknown task field"),
        ({"type": "poetry"}, r"^t-1: type: must be one of"),
        ({"messages": []}, r"^t-1: messages: must be a non-empty list"),
        ({"messages": [{"role": "robot", "content": "x"}]}, r"^t-1: messages\[0\]"),
        ({"messages": [{"role": "assistant", "content": "x"}]}, r"^t-1: messages: the last"),
        ({"max_tokens": 0}, r"^t-1: max_tokens"),
        ({"check": {"kind": "exact"}}, r"^t-1: check: needs exactly one of answer"),
        ({"check": {"kind": "numeric", "from_image": "count"}}, r"^t-1: check\.from_image: the"),
        ({"image": {"generator": "grid_position", "params": {}}}, r"^t-1: image: only multi"),
        ({"tools": []}, r"^t-1: tools: only tool_use tasks"),
        ({"type": "tool_use"}, r"^t-1: tools: required"),
        (
            {
                "type": "multimodal",
                "image": {"generator": "grid_position", "params": {}},
                "check": {"kind": "numeric", "from_image": "count"},
            },
            r"^t-1: check\.from_image: the image has no fact 'count'",
        ),
        (
            {
                "type": "tool_use",
                "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
                "check": {"kind": "tool_call", "calls": [{"name": "g", "arguments": {}}]},
            },
            r"^t-1: check\.calls\[0\]\.name: 'g' is not one of the task's tools",
        ),
        (
            {
                "type": "tool_use",
                "tools": [{"type": "function", "function": {"name": "f"}}],
                "tool_results": [{"name": "f", "arguments": {}, "result": {}}],
                "check": {"kind": "tool_call", "calls": [{"name": "f", "arguments": {}}]},
            },
            r"^t-1: tool_results\[0\]",
        ),
    ],
)
def test_malformed_tasks_are_refused_with_the_id_and_path(change, message):
    validate_task(GOOD)
    with pytest.raises(ValueError, match=message):
        validate_task({**GOOD, **change})
