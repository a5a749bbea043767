"""Each scorer on hand-made observations: formulas, reference points, failure handling."""

from __future__ import annotations

import math

import pytest
from janus_bench import scorers
from janus_bench.scorers import (
    CostScorer,
    MultimodalScorer,
    QualityScorer,
    SpeedScorer,
    StreamingScorer,
    log_scale,
)

from janus.interfaces import Score, Scorer
from janus.plugins import load_plugins

FAST = {
    "ttft_s": 0.2,
    "total_s": 1.0,
    "max_gap_s": 0.1,
    "content_events": 30,
    "text_events": 30,
    "text_tokens": 45,
    "substantive_events": 30,
    "substantive_tokens": 45,
    "token_arrivals": [[[0.2 + 0.1 * n, 5] for n in range(9)]],
}
METERED = {
    "competitor": "c",
    "prompt_tokens": 300,
    "completion_tokens": 200,
    "sandbox_seconds": 0.0,
    "search_calls": 0,
    "component_calls": 0,
}


def observation(quality: float = 1.0, kind: str = "chat", **extra) -> dict:
    base = {
        "task": {"id": "t", "type": kind},
        "ok": True,
        "error": None,
        "check": Score(quality, {"kind": "exact"}),
        "quality": quality,
        "timings": dict(FAST),
        "metered": dict(METERED),
    }
    return {**base, **extra}


def failed() -> dict:
    return observation(ok=False, error="HTTP 500: boom", check=None, quality=0.0)


def test_the_plugin_registers_one_scorer_per_component():
    registered = load_plugins(use_env=False).collect("register_scorers")
    assert set(registered) == {"quality", "speed", "cost", "streaming", "multimodal"}
    for name, scorer in registered.items():
        assert isinstance(scorer, Scorer)
        assert scorer.component == name and scorer.version == scorers.VERSION


def test_log_scale_is_one_below_good_zero_above_bad_and_log_linear_between():
    assert log_scale(0.1, 1, 100) == 1.0
    assert log_scale(1, 1, 100) == 1.0
    assert log_scale(10, 1, 100) == pytest.approx(0.5)
    assert log_scale(100, 1, 100) == 0.0
    assert log_scale(1e9, 1, 100) == 0.0


@pytest.mark.parametrize(
    "scorer", [QualityScorer(), SpeedScorer(), CostScorer(), StreamingScorer()]
)
def test_a_failed_task_scores_zero_in_every_component(scorer):
    score = scorer.score(failed())
    assert score.value == 0.0
    assert "HTTP 500" in score.details["reason"]


def test_multimodal_fails_to_zero_too_and_applies_only_to_image_items():
    scorer = MultimodalScorer()
    assert not scorer.applies(observation(kind="chat"))
    image_item = observation(0.75, kind="multimodal")
    assert scorer.applies(image_item)
    assert scorer.score(image_item).value == 0.75
    assert scorer.score({**failed(), "task": {"id": "m", "type": "multimodal"}}).value == 0.0


def test_quality_is_the_checks_value_clamped():
    assert QualityScorer().score(observation(0.5)).value == 0.5
    assert QualityScorer().score(observation(check=Score(1.7))).value == 1.0
    unchecked = QualityScorer().score(observation(check=None))
    assert unchecked.value == 0.0


def test_speed_combines_ttft_and_total_against_the_references_of_the_task_type():
    assert SpeedScorer().score(observation()).value == 1.0
    slow = observation(timings={**FAST, "ttft_s": 10.0, "total_s": 60.0})
    assert SpeedScorer().score(slow).value == 0.0
    # A 30 s answer is slow for a chat but fine for a coding agent.
    thirty = {**FAST, "total_s": 30.0}
    chat = SpeedScorer().score(observation(timings=thirty)).value
    coding = SpeedScorer().score(observation(kind="coding", timings=thirty)).value
    assert chat < coding
    assert SpeedScorer().score(observation(timings={**FAST, "ttft_s": None})).value == 0.6


@pytest.mark.parametrize("scorer", [SpeedScorer(), CostScorer(), StreamingScorer()])
def test_speed_cost_and_streaming_are_credited_in_proportion_to_quality(scorer):
    full = scorer.score(observation(1.0)).value
    half = scorer.score(observation(0.5)).value
    assert full > 0
    assert half == pytest.approx(full / 2)
    assert scorer.score(observation(0.0)).value == 0.0


def test_cost_comes_from_the_metered_record_not_from_reported_usage():
    cheap = CostScorer().score(observation(metered={**METERED, "prompt_tokens": 0}))
    dear = CostScorer().score(observation(metered={**METERED, "prompt_tokens": 50_000}))
    assert cheap.value > dear.value
    reported_zero = observation(usage={"prompt_tokens": 0, "completion_tokens": 0})
    assert CostScorer().score(reported_zero).value == CostScorer().score(observation()).value


def test_a_missing_metered_record_costs_as_the_worst_case():
    score = CostScorer().score(observation(metered=None))
    assert score.value == 0.0 and "worst case" in score.details["reason"]


def test_sandbox_seconds_and_tool_calls_cost_like_tokens():
    plain = CostScorer().score(observation()).value
    sandboxed = CostScorer().score(observation(metered={**METERED, "sandbox_seconds": 60.0}))
    searching = CostScorer().score(observation(metered={**METERED, "search_calls": 40}))
    assert sandboxed.value < plain and searching.value < plain
    assert sandboxed.details["token_equivalents"] == 500 + 60 * scorers.SANDBOX_SECOND_TOKENS


def test_streaming_rewards_a_steady_token_flow():
    steady = StreamingScorer().score(observation())
    assert steady.value == 1.0
    one_chunk = StreamingScorer().score(
        observation(timings={**FAST, "substantive_events": 1, "token_arrivals": [[[0.2, 45]]]})
    )
    assert one_chunk.details["burst"] == pytest.approx(log_scale(45, 4, 64), abs=1e-4)
    assert one_chunk.value < steady.value
    two_chunks_apart = StreamingScorer().score(
        observation(
            timings={
                **FAST,
                "max_gap_s": 8.0,
                "substantive_events": 2,
                "token_arrivals": [[[0.2, 3], [9.9, 42]]],
            }
        )
    )
    assert two_chunks_apart.value < one_chunk.value + 0.01
    assert two_chunks_apart.details["gap"] < one_chunk.details["gap"] - 0.4


def test_flow_is_judged_by_when_words_arrive_not_by_chunks():
    # The same 200 words ready after 6 s: one chunk, or the same words in 200 chunks at
    # once, wait exactly as long; neither is a perfect flow.
    one = scorers.flow([[[6.0, 200]]])
    assert one == scorers.flow([[[6.0, 1]] * 200])
    assert one < 0.96
    assert scorers.flow([[[6.0, 20]]]) < 0.6  # a short answer: every word waited
    # Words that keep ahead of a reader never make them wait.
    reader_pace = [[[0.5 + n / 8, 1] for n in range(200)]]
    assert scorers.flow(reader_pace) == 1.0
    # A stall in the middle costs the words behind it.
    stalled = [[[0.5 + n / 8, 1] for n in range(100)] + [[40.0, 100]]]
    assert scorers.flow(stalled) < 0.8


def test_streaming_without_any_content_scores_zero():
    nothing = observation(
        timings={**FAST, "ttft_s": None, "substantive_events": 0, "token_arrivals": [[]]}
    )
    assert StreamingScorer().score(nothing).value == 0.0


def test_scores_stay_within_zero_and_one():
    extreme = observation(timings={**FAST, "ttft_s": 0.0, "total_s": 0.0, "max_gap_s": 0.0})
    for scorer in scorers.BUILTIN_SCORERS:
        value = scorer.score(extreme).value
        assert 0.0 <= value <= 1.0 and not math.isnan(value)
