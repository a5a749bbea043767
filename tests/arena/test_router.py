"""The ``arena`` router: which pairs it draws, and that a seed makes the draws repeatable."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from janus.builtin.routers import ArenaRouter, pair_weight
from janus.errors import JanusError
from janus.gateway.arena.ratings import Rating
from janus.gateway.arena.standings import ArenaStandings, pair_key
from janus.gateway.competitors import Competitor, CompetitorPool
from janus.protocol import ChatCompletionRequest

REQUEST = ChatCompletionRequest.model_validate(
    {"model": "arena", "messages": [{"role": "user", "content": "hi"}]}
)


def pool_of(*ids: str, standings: ArenaStandings | None = None) -> CompetitorPool:
    # Test double: the router never sends anything, so the competitors have no HTTP client.
    pool = CompetitorPool([Competitor(i, i, f"http://{i}.invalid", None) for i in ids], None, [])
    if standings is not None:
        pool.arena = standings
    return pool


def rating(competitor_id: str, value: float, half_width: float, votes: int) -> Rating:
    return Rating(competitor_id, value, value - half_width, value + half_width, votes, 0, 1)


# alpha and bravo are close (their intervals overlap); charlie is far below both; all
# three have many votes.
SETTLED = ArenaStandings(
    {
        "alpha": rating("alpha", 1100, 30, 400),
        "bravo": rating("bravo", 1090, 30, 400),
        "charlie": rating("charlie", 800, 30, 400),
    },
    {
        pair_key("alpha", "bravo"): 200,
        pair_key("alpha", "charlie"): 200,
        pair_key("bravo", "charlie"): 200,
    },
)


async def draws(router: ArenaRouter, pool: CompetitorPool, count: int) -> list[tuple[str, str]]:
    return [tuple(c.id for c in await router.route(REQUEST, pool)) for _ in range(count)]


async def test_pairs_whose_order_is_uncertain_are_drawn_most():
    picked = Counter(
        pair_key(*pair)
        for pair in await draws(
            ArenaRouter(random.Random(1)),
            pool_of("alpha", "bravo", "charlie", standings=SETTLED),
            600,
        )
    )
    assert picked[("alpha", "bravo")] > 0.6 * 600
    assert picked[("alpha", "charlie")] > 0  # every pair keeps a chance
    assert pair_weight(SETTLED, "alpha", "bravo") > 5 * pair_weight(SETTLED, "alpha", "charlie")


async def test_a_new_competitor_is_in_most_battles_until_it_has_votes():
    pool = pool_of("alpha", "bravo", "charlie", "newcomer", standings=SETTLED)
    battles = await draws(ArenaRouter(random.Random(2)), pool, 600)
    with_newcomer = sum("newcomer" in pair for pair in battles)
    assert with_newcomer > 0.7 * 600


async def test_a_seeded_router_draws_the_same_battles_and_both_orders():
    pool = pool_of("alpha", "bravo", "charlie", standings=SETTLED)
    first = await draws(ArenaRouter(random.Random(7)), pool, 50)
    assert await draws(ArenaRouter(random.Random(7)), pool, 50) == first
    assert ("alpha", "bravo") in first and ("bravo", "alpha") in first
    assert all(a != b for a, b in first)


async def test_one_competitor_is_no_battle():
    with pytest.raises(JanusError) as caught:
        await ArenaRouter(random.Random(1)).route(REQUEST, pool_of("alpha"))
    assert (caught.value.status, caught.value.code) == (503, "arena_unavailable")
