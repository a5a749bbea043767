"""Arena battles in the store, on both real backends (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

from janus.store import BattleRecord, Store


def _battle(battle_id: str, expires_at: float = 1000.0) -> BattleRecord:
    return BattleRecord(
        id=battle_id,
        client="127.0.0.1",
        competitor_a="alpha",
        competitor_b="bravo",
        body='{"messages": []}',
        created_at=10.0,
        expires_at=expires_at,
    )


STYLE = {"length": 12, "headers": 0, "list_items": 2, "bold": 1}


async def _answered(store: Store, battle_id: str, **extra) -> None:
    await store.add_battle(_battle(battle_id, **extra))
    for side in "ab":
        assert await store.open_battle_stream(battle_id, side, now=20.0)
        await store.finish_battle_stream(battle_id, side, STYLE)


async def test_each_stream_of_a_battle_opens_once_and_only_before_it_expires(store: Store):
    await store.add_battle(_battle("b-1", expires_at=100.0))
    assert await store.open_battle_stream("b-1", "a", now=20.0)
    assert not await store.open_battle_stream("b-1", "a", now=21.0)
    assert not await store.open_battle_stream("b-1", "b", now=100.0)
    assert await store.open_battle_stream("b-1", "b", now=99.0)
    battle = await store.get_battle("b-1")
    assert (battle.opened_a, battle.opened_b) == (20.0, 99.0)
    assert await store.get_battle("b-unknown") is None


async def test_a_battle_takes_one_vote_once_both_answers_are_in(store: Store):
    await store.add_battle(_battle("b-1"))
    assert not await store.vote_battle("b-1", "a", now=30.0)  # nothing answered yet
    await store.open_battle_stream("b-1", "a", now=20.0)
    await store.finish_battle_stream("b-1", "a", STYLE)
    assert not await store.vote_battle("b-1", "a", now=30.0)  # B not answered yet
    await store.open_battle_stream("b-1", "b", now=20.0)
    await store.finish_battle_stream("b-1", "b", {**STYLE, "length": 40})
    assert await store.vote_battle("b-1", "tie", now=30.0)
    assert not await store.vote_battle("b-1", "b", now=31.0)
    battle = await store.get_battle("b-1")
    assert (battle.winner, battle.voted_at, battle.revealed_at) == ("tie", 30.0, 30.0)
    assert battle.body is None
    assert battle.style_b == {**STYLE, "length": 40}
    assert [b.id for b in await store.battle_votes()] == ["b-1"]
    assert await store.battle_vote_count() == 1


async def test_concurrent_votes_on_one_battle_record_exactly_one(store: Store):
    await _answered(store, "b-1")
    results = await asyncio.gather(
        *(store.vote_battle("b-1", winner, now=30.0) for winner in ("a", "b", "tie", "a"))
    )
    assert sorted(results) == [False, False, False, True]


async def test_no_vote_after_a_reveal_or_after_expiry(store: Store):
    await _answered(store, "b-revealed")
    assert await store.reveal_battle("b-revealed", now=25.0)
    assert not await store.vote_battle("b-revealed", "a", now=30.0)
    assert (await store.get_battle("b-revealed")).revealed_at == 25.0
    await _answered(store, "b-expired", expires_at=50.0)
    assert not await store.vote_battle("b-expired", "a", now=50.0)
    assert await store.battle_vote_count() == 0


async def test_expired_battles_without_a_vote_are_forgotten_and_votes_kept(store: Store):
    await _answered(store, "b-voted", expires_at=50.0)
    assert await store.vote_battle("b-voted", "b", now=40.0)
    await store.add_battle(_battle("b-abandoned", expires_at=50.0))
    await store.add_battle(_battle("b-live", expires_at=500.0))
    assert await store.delete_expired_battles(now=60.0) == 1
    assert await store.get_battle("b-abandoned") is None
    assert await store.get_battle("b-live") is not None
    assert [b.id for b in await store.battle_votes()] == ["b-voted"]
