"""``judge`` checks: graded by a pinned platform model when asked for, skipped otherwise."""

from __future__ import annotations

import pytest
from janus_bench.checks import JUDGE_SYSTEM_PROMPT
from janus_bench.runner import RunError, RunOptions, run_benchmark

from tests.bench import competitors
from tests.bench.suite_builder import chat_task
from tests.platform.scripted_inference import ScriptedInference

JUDGED = {
    "id": "t-judged-001",
    "type": "chat",
    "messages": [{"role": "user", "content": "Name a colour and say why you like it."}],
    "check": {
        "kind": "all_of",
        "checks": [
            {"kind": "length", "min_words": 3},
            {"kind": "judge", "rubric": "Names one colour and gives a reason."},
        ],
    },
    "reference": "Blue, because it is calm.",
}


@pytest.fixture
def judging(monkeypatch):
    """The scripted platform model grades every judge prompt 0.5 (and echoes otherwise)."""

    def respond(request):
        if request["messages"][0]["content"] == JUDGE_SYSTEM_PROMPT:
            return "0.5"
        return "scripted reply"

    monkeypatch.setattr(ScriptedInference, "respond", staticmethod(respond))


@pytest.fixture
def gateway(suite, bench_gateway):
    suite([JUDGED])
    return bench_gateway(competitors.token_stream(competitors.answers_from([JUDGED])))


async def test_a_pinned_model_grades_judge_checks_on_the_bench_key(gateway, judging):
    options = RunOptions(target=gateway, suite="private/test", judge_model="scripted-model")
    result = await run_benchmark(options)
    (task,) = result["tasks"]
    assert task["scores"]["quality"] == pytest.approx(0.75)  # mean of 1.0 (length) and 0.5
    assert result["judge_model"] == "scripted-model"
    (request,) = [r for r in ScriptedInference.requests if r.get("max_tokens") == 8]
    assert request["model"] == "scripted-model" and request["temperature"] == 0
    assert "Blue, because it is calm." in request["messages"][1]["content"]


async def test_without_a_pinned_model_judge_checks_are_skipped_and_say_so(gateway, judging):
    result = await run_benchmark(RunOptions(target=gateway, suite="private/test"))
    (task,) = result["tasks"]
    assert task["scores"]["quality"] == 1.0  # the length part alone
    parts = task["details"]["quality"]["parts"]
    assert parts[1]["skipped"] is True
    assert result["judge_model"] is None
    assert not [r for r in ScriptedInference.requests if r.get("max_tokens") == 8]


async def test_a_model_the_platform_does_not_serve_is_refused_at_the_start(gateway):
    options = RunOptions(target=gateway, suite="private/test", judge_model="gpt-imaginary")
    with pytest.raises(RunError, match="does not serve the judge model 'gpt-imaginary'"):
        await run_benchmark(options)


async def test_a_model_the_platform_does_not_serve_is_refused_even_without_judge_tasks(
    suite, bench_gateway
):
    tasks = [chat_task(1)]
    suite(tasks)
    gateway = bench_gateway(competitors.token_stream(competitors.answers_from(tasks)))
    options = RunOptions(target=gateway, suite="private/test", judge_model="gpt-imaginary")
    with pytest.raises(RunError, match="does not serve the judge model 'gpt-imaginary'"):
        await run_benchmark(options)
