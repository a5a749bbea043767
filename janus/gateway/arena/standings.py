"""What the arena router knows of the board: ratings with intervals, votes per pair.

The arena keeps ``CompetitorPool.arena`` current after votes, the way the competition
keeps ``CompetitorPool.ranking``, so a router needs no store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from janus.gateway.arena.ratings import Board, Rating


def pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class ArenaStandings:
    ratings: Mapping[str, Rating] = field(default_factory=dict)
    pair_votes: Mapping[tuple[str, str], int] = field(default_factory=dict)  # by pair_key

    @classmethod
    def of(cls, board: Board, pairs: Iterable[tuple[str, str]]) -> ArenaStandings:
        """From the plain board and the (A, B) competitors of every vote."""
        return cls(
            {rating.competitor_id: rating for rating in board.ratings},
            Counter(pair_key(a, b) for a, b in pairs),
        )

    def votes(self, competitor_id: str) -> int:
        rating = self.ratings.get(competitor_id)
        return rating.votes if rating else 0
