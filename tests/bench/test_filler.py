"""Filler cannot buy speed or streaming: only substantive words count (issue 15).

The issue's case (the same answer ready after 6 s, sent as one chunk or preceded by a
``"\\n"`` chunk every 0.4 s) is replayed through the bench's own stream observer with the
event times given, so the comparison is exact; a live run behind a real gateway then shows
the observer ignores real filler on the wire.
"""

from __future__ import annotations

import pytest
from janus_bench.client import Substance, _Observer
from janus_bench.runner import RunOptions, _timings, run_benchmark
from janus_bench.scorers import SpeedScorer, StreamingScorer

from janus.interfaces import Score
from tests.bench import competitors
from tests.bench.suite_builder import chat_task

ANSWER = " ".join(f"word{n}" for n in range(150)) + "\nANSWER: 4"


def delta(content: str) -> dict:
    return {"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}]}


def observed(events: list[tuple[float, str]], done_at: float) -> dict:
    """The observation the scorers see for content events at the given seconds."""
    observer = _Observer()
    observer.started = 0.0
    for at, content in events:
        observer.chunk(delta(content), at)
    timings = _timings([observer.finish(done_at)])
    return {
        "task": {"id": "t", "type": "chat"},
        "ok": True,
        "error": None,
        "check": Score(1.0, {}),
        "quality": 1.0,
        "timings": timings,
        "metered": None,
    }


@pytest.mark.parametrize("filler", ["\n", " ", "...", "Thinking...", "\u200b", ""])
def test_filler_before_a_late_answer_scores_no_better_than_the_answer_alone(filler):
    one_chunk = observed([(6.0, ANSWER)], 6.1)
    padded = observed([(0.4 * n, filler) for n in range(1, 15)] + [(6.0, ANSWER)], 6.1)
    for scorer in (SpeedScorer(), StreamingScorer()):
        honest, cheat = scorer.score(one_chunk).value, scorer.score(padded).value
        assert cheat <= honest + 1e-9, (scorer.component, cheat, honest)
    assert padded["timings"]["ttft_s"] >= 5.9  # the filler was not the first token


def test_the_same_words_streamed_as_they_are_ready_score_better_than_one_late_chunk():
    words = ANSWER.split(" ")
    streamed = observed([(0.3 + 0.03 * n, w + " ") for n, w in enumerate(words)], 6.1)
    late = observed([(6.0, ANSWER)], 6.1)
    assert StreamingScorer().score(streamed).value > StreamingScorer().score(late).value + 0.4
    assert late["timings"]["substantive_events"] == 1


def test_substance_counts_new_words_once_and_filler_never():
    channel = Substance()
    assert channel.count("\n\n  ") == 0
    assert channel.count("... --- !!") == 0
    assert channel.count("The cat sat") == 3
    assert channel.count(" on the mat.") == 3
    # A word split over two chunks is one word.
    assert channel.count(" refrig") == 1 and channel.count("erator hums") == 1
    looping = Substance()
    counts = [looping.count("still working ") for _ in range(10)]
    assert sum(counts) <= 4 and counts[-5:] == [0] * 5


def test_a_short_piece_repeated_through_the_turn_is_filler_even_the_first_time():
    honest = observed([(6.0, ANSWER)], 6.1)
    thinking = observed([(0.4 * n, "Thinking...") for n in range(1, 15)] + [(6.0, ANSWER)], 6.1)
    assert thinking["timings"]["ttft_s"] == honest["timings"]["ttft_s"] == 6.0


READY_AFTER_S = 1.0
TASKS = [chat_task(n) for n in range(1, 3)]


async def test_a_filler_competitor_on_the_wire_gets_no_token_before_its_answer(
    suite, bench_gateway
):
    suite(TASKS)
    respond = competitors.answers_from(TASKS)
    cheat = competitors.filler_then_answer(
        respond, ready_after_s=READY_AFTER_S, every_s=0.1, filler="\n"
    )
    result = await run_benchmark(RunOptions(target=bench_gateway(cheat), suite="private/test"))
    assert result["components"]["quality"] == 1.0
    for task in result["tasks"]:
        timings = task["timings"]
        assert timings["content_events"] > 5  # the filler arrived, and was not counted
        assert timings["substantive_events"] == 1
        assert timings["ttft_s"] >= READY_AFTER_S
        # Words per event as for one chunk: the empty chunks did not dilute it.
        assert task["details"]["streaming"]["tokens_per_event"] == timings["substantive_tokens"]


def test_zero_token_chunks_do_not_lower_tokens_per_event():
    lean = observed([(0.2, "alpha beta gamma delta epsilon zeta eta theta")], 0.3)
    words = "alpha beta gamma delta epsilon zeta eta theta"
    padded = observed([(0.1, ""), (0.15, " "), (0.17, "..."), (0.2, words)], 0.3)
    assert padded["timings"]["substantive_events"] == lean["timings"]["substantive_events"] == 1
    assert StreamingScorer().score(padded).details["tokens_per_event"] == 8


def test_alternating_filler_is_filler_and_an_honest_streams_common_words_still_count():
    honest = observed([(6.0, ANSWER)], 6.1)
    fillers = ["Thinking...", "Working on it", "\n"]
    alternating = observed([(0.4 * n, fillers[n % 3]) for n in range(1, 15)] + [(6.0, ANSWER)], 6.1)
    assert alternating["timings"]["ttft_s"] == honest["timings"]["ttft_s"]
    # Word by word, "the" said many times: once the answer has started, every new
    # three-word context counts, so a real token stream is not mistaken for filler.
    text = "the cat saw the dog and the bird near the tree by the lake"
    words = [(0.1 * (n + 1), w + " ") for n, w in enumerate(text.split())]
    streamed = observed(words, 2.0)
    assert streamed["timings"]["ttft_s"] == pytest.approx(0.2)  # the leading "the" only
    assert streamed["timings"]["substantive_tokens"] == len(text.split()) - 1
