"""Arena ratings: Bradley-Terry fits on pairwise votes, with bootstrap confidence intervals.

Both boards are one model fitted two ways. Bradley-Terry says competitor i beats j with
probability ``sigmoid(b_i - b_j)``; that is a logistic regression whose features are +1 for the
competitor shown as A and -1 for B. The plain board fits only those; the style-controlled
board adds, per battle, the normalised differences of length and Markdown counts
(``(a - b) / (a + b)``, then standardised), as Chatbot Arena does, so that a competitor
is not rated up for writing longer or bolder answers. Ties and "both bad" count as half a
win each. The fit is Newton's method (iteratively reweighted least squares) with a small
ridge that keeps it defined when one competitor won or lost everything.

Pure Python on purpose: features are sparse (two competitors and four style numbers per
vote), so an iteration costs O(votes) however many competitors there are, and the plain
board first aggregates votes per pair. Ratings are on the Elo-like scale (1000 the mean,
400 points for 10:1 odds). Confidence intervals are percentiles of a seeded bootstrap over
votes, so the same votes and seed always give the same board.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from janus.gateway.arena.style import STYLE_FEATURES, Style

WINNERS = ("a", "b", "tie", "both_bad")
SCALE = 400.0 / math.log(10.0)
CENTRE = 1000.0
RIDGE = 1e-3
_MAX_ITERATIONS = 100
_MAX_STEP = 4.0
_CONVERGED = 1e-9

# One row of a weighted logistic regression: sparse features (index, value), then the
# weight of outcome 1 (A won) and of outcome 0 (B won).
Row = tuple[tuple[tuple[int, float], ...], float, float]


@dataclass(frozen=True)
class Vote:
    a: str
    b: str
    winner: str  # one of WINNERS
    style_a: Style = field(default_factory=Style)
    style_b: Style = field(default_factory=Style)

    @property
    def score(self) -> float:
        """What A scored: 1 a win, 0 a loss, ½ a tie or "both bad"."""
        return {"a": 1.0, "b": 0.0}.get(self.winner, 0.5)


@dataclass(frozen=True)
class Rating:
    competitor_id: str
    rating: float
    ci_low: float
    ci_high: float
    votes: int
    wins: float  # ties count ½
    rank: int  # 1 + how many are better beyond doubt (their low above this high)

    def to_dict(self) -> dict[str, object]:
        return {
            "competitor_id": self.competitor_id,
            "rating": round(self.rating, 1),
            "ci_low": round(self.ci_low, 1),
            "ci_high": round(self.ci_high, 1),
            "votes": self.votes,
            "wins": self.wins,
            "rank": self.rank,
        }


@dataclass(frozen=True)
class Board:
    ratings: list[Rating]  # best first
    votes: int
    # Style-controlled only: the fitted effect of each style feature (standardised units).
    style_coefficients: dict[str, float] | None = None

    def to_dict(self) -> dict[str, object]:
        board: dict[str, object] = {
            "votes": self.votes,
            "data": [rating.to_dict() for rating in self.ratings],
        }
        if self.style_coefficients is not None:
            board["style_coefficients"] = {
                name: round(value, 4) for name, value in self.style_coefficients.items()
            }
        return board


def fit_board(votes: Sequence[Vote], *, style: bool, rounds: int, seed: int) -> Board:
    """The board of ``votes``: point ratings from all of them, CIs from ``rounds``
    bootstrap resamples drawn with ``random.Random(seed)``."""
    if not votes:
        return Board([], 0, {} if style else None)
    ids = sorted({vote.a for vote in votes} | {vote.b for vote in votes})
    index = {competitor: i for i, competitor in enumerate(ids)}
    beta = _fit_votes(votes, index, style)
    rng = random.Random(seed)
    samples: list[list[float]] = [[] for _ in ids]
    for _ in range(rounds):
        resample = rng.choices(votes, k=len(votes))
        for i, value in enumerate(_ratings(_fit_votes(resample, index, style), len(ids))):
            samples[i].append(value)
    point = _ratings(beta, len(ids))
    counts, wins = _tallies(votes)
    intervals = [_interval(sample, value) for sample, value in zip(samples, point, strict=True)]
    ratings = [
        Rating(competitor, point[i], *intervals[i], counts[competitor], wins[competitor], 0)
        for competitor, i in index.items()
    ]
    ratings = _ranked(ratings)
    coefficients = (
        {name: beta[len(ids) + k] for k, name in enumerate(STYLE_FEATURES)} if style else None
    )
    return Board(ratings, len(votes), coefficients)


def _tallies(votes: Sequence[Vote]) -> tuple[Counter[str], defaultdict[str, float]]:
    counts: Counter[str] = Counter()
    wins: defaultdict[str, float] = defaultdict(float)
    for vote in votes:
        counts[vote.a] += 1
        counts[vote.b] += 1
        wins[vote.a] += vote.score
        wins[vote.b] += 1.0 - vote.score
    return counts, wins


def _ranked(ratings: list[Rating]) -> list[Rating]:
    ranked = []
    for rating in ratings:
        better = sum(1 for other in ratings if other.ci_low > rating.ci_high)
        ranked.append(
            Rating(
                rating.competitor_id,
                rating.rating,
                rating.ci_low,
                rating.ci_high,
                rating.votes,
                rating.wins,
                better + 1,
            )
        )
    return sorted(ranked, key=lambda r: (-r.rating, r.competitor_id))


def _interval(sample: list[float], point: float) -> tuple[float, float]:
    if not sample:
        return point, point
    ordered = sorted(sample)
    return _percentile(ordered, 0.025), _percentile(ordered, 0.975)


def _percentile(ordered: list[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ratings(beta: list[float], competitors: int) -> list[float]:
    strengths = beta[:competitors]
    mean = sum(strengths) / competitors
    return [CENTRE + SCALE * (value - mean) for value in strengths]


def _fit_votes(votes: Sequence[Vote], index: dict[str, int], style: bool) -> list[float]:
    if style:
        rows = _style_rows(votes, index)
        return fit_logistic(rows, len(index) + len(STYLE_FEATURES))
    return fit_logistic(_pair_rows(votes, index), len(index))


def _pair_rows(votes: Sequence[Vote], index: dict[str, int]) -> list[Row]:
    """One row per pair of competitors: the plain board's sufficient statistics."""
    pairs: defaultdict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for vote in votes:
        a, b, score = index[vote.a], index[vote.b], vote.score
        if a > b:
            a, b, score = b, a, 1.0 - score
        pairs[(a, b)][0] += score
        pairs[(a, b)][1] += 1.0 - score
    return [(((a, 1.0), (b, -1.0)), won, lost) for (a, b), (won, lost) in pairs.items()]


def _style_rows(votes: Sequence[Vote], index: dict[str, int]) -> list[Row]:
    first = len(index)
    differences = [
        [_normalised(getattr(v.style_a, name), getattr(v.style_b, name)) for name in STYLE_FEATURES]
        for v in votes
    ]
    scales = [_spread([row[k] for row in differences]) for k in range(len(STYLE_FEATURES))]
    rows: list[Row] = []
    for vote, difference in zip(votes, differences, strict=True):
        style = tuple((first + k, value / scales[k]) for k, value in enumerate(difference) if value)
        features = ((index[vote.a], 1.0), (index[vote.b], -1.0), *style)
        rows.append((features, vote.score, 1.0 - vote.score))
    return rows


def _normalised(a: float, b: float) -> float:
    return (a - b) / (a + b) if a + b else 0.0


def _spread(values: list[float]) -> float:
    """The standard deviation (1 when there is none, so a constant feature stays 0)."""
    mean = sum(values) / len(values)
    deviation = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return deviation if deviation > 1e-12 else 1.0


def fit_logistic(rows: Sequence[Row], dimensions: int, ridge: float = RIDGE) -> list[float]:
    """Maximise the weighted log-likelihood minus ``ridge/2·|β|²`` by Newton's method."""
    beta = [0.0] * dimensions
    for _ in range(_MAX_ITERATIONS):
        gradient = [-ridge * value for value in beta]
        hessian = [[ridge if i == j else 0.0 for j in range(dimensions)] for i in range(dimensions)]
        for features, won, lost in rows:
            z = sum(beta[i] * value for i, value in features)
            p = _sigmoid(z)
            total = won + lost
            residual = won - total * p
            curvature = total * p * (1.0 - p)
            for i, value in features:
                gradient[i] += residual * value
                row = hessian[i]
                for j, other in features:
                    row[j] += curvature * value * other
        step = _solve(hessian, gradient)
        largest = max((abs(s) for s in step), default=0.0)
        if largest > _MAX_STEP:
            step = [s * _MAX_STEP / largest for s in step]
        beta = [value + s for value, s in zip(beta, step, strict=True)]
        if largest < _CONVERGED:
            break
    return beta


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Solve ``matrix · x = vector`` (symmetric positive definite) by Cholesky."""
    n = len(vector)
    lower = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            total = matrix[i][j] - sum(lower[i][k] * lower[j][k] for k in range(j))
            if i == j:
                lower[i][i] = math.sqrt(max(total, 1e-300))
            else:
                lower[i][j] = total / lower[j][j]
    forward = [0.0] * n
    for i in range(n):
        forward[i] = (vector[i] - sum(lower[i][k] * forward[k] for k in range(i))) / lower[i][i]
    solution = [0.0] * n
    for i in reversed(range(n)):
        solution[i] = (
            forward[i] - sum(lower[k][i] * solution[k] for k in range(i + 1, n))
        ) / lower[i][i]
    return solution
