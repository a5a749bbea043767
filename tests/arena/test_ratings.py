"""The arena's Bradley-Terry boards recover strengths from simulated votes (seeded)."""

from __future__ import annotations

import math
import random

from janus.gateway.arena.ratings import SCALE, Vote, fit_board
from janus.gateway.arena.style import Style

# True ratings on the Elo-like scale; the board centres on 1000, so these average 1000.
TRUE = {"alpha": 1150.0, "bravo": 1050.0, "charlie": 950.0, "delta": 850.0}


def win_probability(a: float, b: float) -> float:
    return 1.0 / (1.0 + math.exp(-(a - b) / SCALE))


def simulate(count: int, seed: int, tie_rate: float = 0.1) -> list[Vote]:
    rng = random.Random(seed)
    ids = sorted(TRUE)
    votes = []
    for _ in range(count):
        a, b = rng.sample(ids, 2)
        roll = rng.random()
        if roll < tie_rate:
            winner = rng.choice(("tie", "both_bad"))
        else:
            winner = "a" if rng.random() < win_probability(TRUE[a], TRUE[b]) else "b"
        votes.append(Vote(a, b, winner))
    return votes


def test_the_fit_recovers_known_strengths_and_their_order():
    board = fit_board(simulate(4000, seed=1), style=False, rounds=40, seed=3)
    assert [r.competitor_id for r in board.ratings] == ["alpha", "bravo", "charlie", "delta"]
    for rating in board.ratings:
        assert abs(rating.rating - TRUE[rating.competitor_id]) < 30, rating
        assert rating.ci_low <= rating.rating <= rating.ci_high
        assert rating.ci_low <= TRUE[rating.competitor_id] + 15
        assert rating.ci_high >= TRUE[rating.competitor_id] - 15
    assert board.votes == 4000
    assert sum(r.votes for r in board.ratings) == 8000
    assert [r.rank for r in board.ratings] == [1, 2, 3, 4]


def test_few_votes_give_wide_overlapping_intervals_and_shared_ranks():
    board = fit_board(simulate(12, seed=2), style=False, rounds=60, seed=3)
    widths = [r.ci_high - r.ci_low for r in board.ratings]
    assert min(widths) > 100
    assert board.ratings[-1].rank < 4  # nobody is beyond doubt below all the others


def test_the_same_votes_and_seed_give_the_same_board_and_another_seed_other_intervals():
    votes = simulate(300, seed=4)
    first = fit_board(votes, style=False, rounds=30, seed=9)
    assert fit_board(votes, style=False, rounds=30, seed=9) == first
    other = fit_board(votes, style=False, rounds=30, seed=10)
    assert [r.rating for r in other.ratings] == [r.rating for r in first.ratings]
    assert [r.ci_low for r in other.ratings] != [r.ci_low for r in first.ratings]


def test_a_competitor_that_lost_everything_gets_a_finite_rating_at_the_bottom():
    votes = [Vote("strong", "weak", "a") for _ in range(20)] + [
        Vote("weak", "strong", "b") for _ in range(20)
    ]
    board = fit_board(votes, style=False, rounds=20, seed=1)
    assert [r.competitor_id for r in board.ratings] == ["strong", "weak"]
    assert all(math.isfinite(r.rating) for r in board.ratings)
    assert board.ratings[0].wins == 40 and board.ratings[1].wins == 0


def test_style_control_separates_length_from_quality():
    """Voters here only like length: the longer answer wins 70% of the time. "verbose"
    writes the longer one in four battles out of five against an otherwise equal "terse".
    The plain board rates verbose well above; the style-controlled board puts the credit on
    length, not on verbose."""
    rng = random.Random(5)
    long, short = Style(length=1200, list_items=6), Style(length=300, list_items=1)
    length_effect = 0.85  # log-odds for the longer answer
    votes = []
    for _ in range(1500):
        verbose_first = rng.random() < 0.5
        # A fifth of the battles are verbose vs a mirror of itself writing short answers:
        # that is what lets the fit tell length from competitor.
        mirrored = rng.random() < 0.2
        a, b = ("verbose", "terse") if verbose_first else ("terse", "verbose")
        style_a, style_b = (long, short) if verbose_first else (short, long)
        if mirrored:
            style_a, style_b = (short, long) if verbose_first else (long, short)
        longer_a = style_a.length > style_b.length
        p_a = 1 / (1 + math.exp(-length_effect if longer_a else length_effect))
        votes.append(Vote(a, b, "a" if rng.random() < p_a else "b", style_a, style_b))
    plain = fit_board(votes, style=False, rounds=10, seed=1)
    controlled = fit_board(votes, style=True, rounds=10, seed=1)
    gap = {r.competitor_id: r.rating for r in plain.ratings}
    assert gap["verbose"] - gap["terse"] > 60
    styled = {r.competitor_id: r.rating for r in controlled.ratings}
    assert abs(styled["verbose"] - styled["terse"]) < 40
    assert controlled.style_coefficients["length"] > 0.3
    assert plain.style_coefficients is None


def test_no_votes_no_board():
    assert fit_board([], style=True, rounds=10, seed=1).ratings == []
