"""The scorers of the composite's components, registered as ``janus`` plugins.

Each turns one task's observation into a 0..1 ``Score`` (``janus.interfaces.Scorer``).
The observation is what the runner saw: ``task`` (id, type), ``ok``, ``error``, ``check``
(the ``Score`` of the task's check), ``quality`` (the quality scorer's value, filled in
before the others run), ``timings`` and ``metered`` (``usage.janus_metered``, summed over
the task's turns, None when any turn lacked it). A failed task scores 0 everywhere.

Speed, cost and streaming are credited in proportion to the task's quality: a fast,
cheap, smoothly streamed wrong answer is worth nothing. ``specs/scoring.md`` explains
each formula and where its reference points come from.
"""

from __future__ import annotations

import math
from typing import Any

from janus.interfaces import Score

VERSION = "2.0"

# Time to first content (s): 1.0 at or below GOOD, 0 at or above BAD. Nielsen's response-time
# limits: about 1 s keeps the user's flow of thought, 10 s is the limit of their attention.
TTFT_GOOD_S, TTFT_BAD_S = 1.0, 10.0
# End-to-end seconds by task type (an agent writing code may take longer than a chat).
TOTAL_REFERENCE_S = {
    "chat": (3.0, 60.0),
    "streaming": (3.0, 60.0),
    "multimodal": (3.0, 60.0),
    "research": (10.0, 120.0),
    "tool_use": (10.0, 120.0),
    "coding": (15.0, 180.0),
    "artifact": (15.0, 180.0),
}
DEFAULT_TOTAL_REFERENCE_S = (10.0, 120.0)
TTFT_SHARE = 0.4  # of the speed score; the rest is end-to-end latency
# Cost in token-equivalents per task: platform tokens plus priced sandbox and tool use.
SANDBOX_SECOND_TOKENS = 200.0
SEARCH_CALL_TOKENS = 100.0
COMPONENT_CALL_TOKENS = 100.0
COST_GOOD_TOKENS, COST_BAD_TOKENS = 2_000.0, 200_000.0
# Streaming: how long the reader waits for each substantive word (the same limits as TTFT:
# a pause is a wait for the first token again), and words per event (token-by-token APIs
# send about one; a paragraph at once is not a stream). Word k of a turn is due
# TTFT_GOOD_S + k / READING_WORDS_PER_S after the request: a stream that stays ahead of an
# adult's silent reading speed (about 238 words a minute, Brysbaert 2019) never makes the
# reader wait, however it is chunked.
GAP_GOOD_S, GAP_BAD_S = 1.0, 10.0
BURST_GOOD_TOKENS, BURST_BAD_TOKENS = 4.0, 64.0
READING_WORDS_PER_S = 4.0


def log_scale(value: float, good: float, bad: float) -> float:
    """1.0 at or below ``good``, 0.0 at or above ``bad``, linear in log(value) between:
    halving a latency is worth the same at any speed."""
    if value <= good:
        return 1.0
    if value >= bad:
        return 0.0
    return (math.log(bad) - math.log(value)) / (math.log(bad) - math.log(good))


def _failed(observation: dict[str, Any]) -> Score | None:
    if not observation.get("ok"):
        return Score(0.0, {"reason": f"task failed: {observation.get('error')}"})
    return None


def _credited(raw: float, observation: dict[str, Any], details: dict[str, Any]) -> Score:
    quality = float(observation.get("quality") or 0.0)
    return Score(raw * quality, {"raw": round(raw, 4), "quality": quality, **details})


class BuiltinScorer:
    """What the bench's own scorers share: their version, and that they score every task
    unless they say otherwise (``applies``, see specs/scoring.md)."""

    component: str
    version = VERSION

    def applies(self, observation: dict[str, Any]) -> bool:
        return True


class QualityScorer(BuiltinScorer):
    """The task's check (``janus_bench.checks.evaluate``), 0 if the task failed."""

    component = "quality"

    def score(self, observation: dict[str, Any]) -> Score:
        if failed := _failed(observation):
            return failed
        check: Score | None = observation.get("check")
        if check is None:
            return Score(0.0, {"reason": "the answer was not checked"})
        return Score(min(1.0, max(0.0, float(check.value))), dict(check.details))


class SpeedScorer(BuiltinScorer):
    """Time to first content and end-to-end latency against the reference points."""

    component = "speed"

    def score(self, observation: dict[str, Any]) -> Score:
        if failed := _failed(observation):
            return failed
        timings = observation["timings"]
        good, bad = TOTAL_REFERENCE_S.get(observation["task"]["type"], DEFAULT_TOTAL_REFERENCE_S)
        ttft = timings.get("ttft_s")
        ttft_score = 0.0 if ttft is None else log_scale(ttft, TTFT_GOOD_S, TTFT_BAD_S)
        total_score = log_scale(timings["total_s"], good, bad)
        raw = TTFT_SHARE * ttft_score + (1 - TTFT_SHARE) * total_score
        return _credited(
            raw, observation, {"ttft": round(ttft_score, 4), "total": round(total_score, 4)}
        )


def token_equivalents(metered: dict[str, Any]) -> float:
    return (
        float(metered.get("prompt_tokens", 0))
        + float(metered.get("completion_tokens", 0))
        + SANDBOX_SECOND_TOKENS * float(metered.get("sandbox_seconds", 0))
        + SEARCH_CALL_TOKENS * float(metered.get("search_calls", 0))
        + COMPONENT_CALL_TOKENS * float(metered.get("component_calls", 0))
    )


class CostScorer(BuiltinScorer):
    """What the platform metered for the task (``usage.janus_metered``, signature
    verified), never what the competitor reported; no verified record costs as much as the
    worst case."""

    component = "cost"

    def score(self, observation: dict[str, Any]) -> Score:
        if failed := _failed(observation):
            return failed
        metered = observation.get("metered")
        if not isinstance(metered, dict):
            # Unsigned, altered, foreign or unverifiable meters count as none at all.
            meter = observation.get("meter") or "missing"
            reason = f"no verified metered usage ({meter}): worst case"
            return _credited(0.0, observation, {"reason": reason})
        spent = token_equivalents(metered)
        raw = log_scale(max(spent, 1.0), COST_GOOD_TOKENS, COST_BAD_TOKENS)
        return _credited(raw, observation, {"token_equivalents": round(spent, 1)})


def flow(token_arrivals: list[list[list[float]]]) -> float:
    """The mean over substantive words of ``log_scale(1 + wait)``, where a word's wait is
    how late it came after it was due (``READING_WORDS_PER_S``). Judged by when words
    arrive, not by how many chunks carried them: a long answer in one late chunk makes its
    first words wait, filler before it changes nothing."""
    total = waited = 0.0
    for arrivals in token_arrivals:
        index = 0
        for at, count in arrivals:
            for _ in range(int(count)):
                due = TTFT_GOOD_S + index / READING_WORDS_PER_S
                waited += log_scale(GAP_GOOD_S + max(0.0, at - due), GAP_GOOD_S, GAP_BAD_S)
                index += 1
        total += index
    return waited / total if total else 0.0


class StreamingScorer(BuiltinScorer):
    """Real token flow, counted in substantive words (``janus_bench.client.Substance``:
    whitespace, punctuation and repeated filler are not words of the answer): time to the
    first one, how long the reader waits for each (``flow``) and burstiness (words per
    event that brought any)."""

    component = "streaming"

    def score(self, observation: dict[str, Any]) -> Score:
        if failed := _failed(observation):
            return failed
        timings = observation["timings"]
        ttft = timings.get("ttft_s")
        if ttft is None:
            return _credited(0.0, observation, {"reason": "no content was streamed"})
        ttft_score = log_scale(ttft, TTFT_GOOD_S, TTFT_BAD_S)
        gap_score = flow(timings.get("token_arrivals") or [])
        per_event = timings["substantive_tokens"] / max(1, timings["substantive_events"])
        burst_score = log_scale(per_event, BURST_GOOD_TOKENS, BURST_BAD_TOKENS)
        raw = (ttft_score + gap_score + burst_score) / 3
        return _credited(
            raw,
            observation,
            {
                "ttft": round(ttft_score, 4),
                "gap": round(gap_score, 4),
                "burst": round(burst_score, 4),
                "tokens_per_event": round(per_event, 2),
            },
        )


class MultimodalScorer(BuiltinScorer):
    """Quality on the items whose question is an image; other items have no score."""

    component = "multimodal"

    def applies(self, observation: dict[str, Any]) -> bool:
        return observation["task"]["type"] == "multimodal"

    def score(self, observation: dict[str, Any]) -> Score:
        if failed := _failed(observation):
            return failed
        return Score(float(observation.get("quality") or 0.0), {})


BUILTIN_SCORERS = (
    QualityScorer(),
    SpeedScorer(),
    CostScorer(),
    StreamingScorer(),
    MultimodalScorer(),
)
