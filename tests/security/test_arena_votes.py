"""Attacks on the arena's votes, against a real gateway over real sockets.

An attacker who wants to move a competitor on the arena board tries to learn who is A
and who is B before voting (the battle, both streams' bytes and headers, an error), to
vote after having seen who answered, to vote more than once on one battle (in turn and in
a race), to vote on battles it did not create by guessing their ids, and to stuff battles
from one address while forging ``X-Forwarded-For``. Every attempt must fail.
"""

from __future__ import annotations

import asyncio
import json
import secrets

import aiohttp
import pytest

from tests.scripted_competitor import DONE, chunk, sse
from tests.web.scripts import in_band_error

pytestmark = pytest.mark.slow

PROMPT = {"messages": [{"role": "user", "content": "Which of you is better?"}]}
SECRETS = ("zeus", "hera", "zeus-70b", "hera-8x7b")


class Attacker:
    """An HTTP client that plays by none of the arena's rules."""

    def __init__(self, gateway: str) -> None:
        self.gateway = gateway

    async def call(self, method: str, path: str, body=None, headers=None):
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, self.gateway + path, json=body, headers=headers) as reply,
        ):
            raw = await reply.read()
            return reply.status, raw, dict(reply.headers)

    async def battle(self, headers=None) -> tuple[int, dict]:
        status, raw, _ = await self.call("POST", "/v1/arena/battles", PROMPT, headers)
        return status, json.loads(raw)

    async def vote(self, battle_id: str, winner: str) -> tuple[int, bytes]:
        status, raw, _ = await self.call(
            "POST", f"/v1/arena/battles/{battle_id}/vote", {"winner": winner}
        )
        return status, raw


def leaky(name: str, model: str):
    """A competitor whose every field but its text says who it is."""
    return sse(
        chunk(role="assistant", model=model, system_fingerprint=f"fp-{name}", id=f"{name}-1"),
        chunk("An answer.", model=model, id=f"{name}-1", finish="stop"),
        DONE,
    )


def arena_gateway(live, **arena) -> str:
    _, zeus = live.competitor(leaky("zeus", "zeus-70b"))
    _, hera = live.competitor(
        sse(chunk("Half", model="hera-8x7b"), in_band_error("hera-8x7b is overloaded"))
    )
    return live.gateway({"zeus": zeus, "hera": hera}, arena=arena)


def assert_no_secret(data: bytes, where: str) -> None:
    lowered = data.lower()
    for secret in SECRETS:
        assert secret.encode() not in lowered, f"{where} names {secret!r}"


async def test_who_answered_cannot_be_learnt_before_the_vote(live):
    attacker = Attacker(arena_gateway(live))
    status, battle = await attacker.battle()
    assert status == 201
    assert_no_secret(str(battle).encode(), "the new battle")
    for side in "ab":
        status, raw, headers = await attacker.call("GET", battle["streams"][side])
        assert status == 200
        assert_no_secret(raw, f"stream {side}")
        assert_no_secret(str(headers).encode(), f"stream {side}'s headers")
        status, raw, _ = await attacker.call("GET", battle["streams"][side])  # a replay
        assert status == 409
        assert_no_secret(raw, "a replayed stream")
    status, raw, _ = await attacker.call("GET", f"/v1/arena/battles/{battle['id']}")
    assert status == 200
    assert_no_secret(raw, "the battle before the vote")


async def test_a_voter_who_saw_the_identities_cannot_vote(live):
    attacker = Attacker(arena_gateway(live))
    _, battle = await attacker.battle()
    for side in "ab":
        await attacker.call("GET", battle["streams"][side])
    status, raw, _ = await attacker.call("POST", f"/v1/arena/battles/{battle['id']}/reveal")
    assert status == 200 and b"zeus" in raw  # now it knows...
    for winner in ("a", "b", "tie", "both_bad"):
        status, raw = await attacker.vote(battle["id"], winner)
        assert status == 409 and b"identities_revealed" in raw  # ...and cannot use it
    _, raw, _ = await attacker.call("GET", "/v1/arena/leaderboard")
    assert json.loads(raw)["votes"] == 0


async def test_a_battle_counts_one_vote_however_many_race(live):
    attacker = Attacker(arena_gateway(live, vote_burst=100, votes_per_minute=600))
    _, battle = await attacker.battle()
    for side in "ab":
        await attacker.call("GET", battle["streams"][side])
    results = await asyncio.gather(
        *(attacker.vote(battle["id"], ("a", "b")[i % 2]) for i in range(24))
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 23
    _, raw, _ = await attacker.call("GET", "/v1/arena/leaderboard")
    assert json.loads(raw)["votes"] == 1


async def test_guessed_battle_ids_find_nothing_to_vote_on(live):
    attacker = Attacker(arena_gateway(live, vote_burst=100, votes_per_minute=600))
    _, real = await attacker.battle()
    assert len(real["id"].removeprefix("battle_")) >= 22  # 128 random bits, URL-safe
    guesses = [real["id"][:-1] + c for c in "ABCDEFGHIJ" if not real["id"].endswith(c)]
    guesses += ["battle_" + secrets.token_urlsafe(16) for _ in range(20)]
    for guess in guesses:
        status, raw = await attacker.vote(guess, "a")
        assert status == 404 and b"battle_not_found" in raw


async def test_forging_x_forwarded_for_does_not_escape_the_battle_rate_limit(live):
    attacker = Attacker(arena_gateway(live, battle_burst=3, battles_per_minute=0.5))
    statuses = []
    for i in range(8):
        status, _ = await attacker.battle({"X-Forwarded-For": f"203.0.113.{i}"})
        statuses.append(status)
    assert statuses == [201, 201, 201] + [429] * 5
