"""The arena's HTTP API (specs/arena.md): battles, their two anonymous streams, votes and
the boards.

A battle is created with a chat request; the ``[arena] router`` picks its two competitors.
The creator gets two stream URLs (each can be opened once, while the battle lasts) and
votes once both answers have streamed; the vote reveals who answered. Identities are never
shown before: ``GET`` on a battle hides them until it is voted or revealed, and a battle
whose identities were revealed without a vote can no longer be voted on. The battle id is
128 random bits: it is the capability to stream and vote, given only to its creator.
"""

from __future__ import annotations

import asyncio
import json
import math
import secrets
import time
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from janus.builtin.guardrails.ratelimit import TokenBuckets
from janus.config import ArenaConfig
from janus.errors import JanusError, invalid_request
from janus.gateway.admin import is_admin
from janus.gateway.arena.anonymous import AnonymousExchange, AnonymousRelay
from janus.gateway.arena.ratings import Board, Vote, fit_board
from janus.gateway.arena.standings import ArenaStandings
from janus.gateway.arena.style import Style
from janus.gateway.chat import platform_access, read_body, validate_changed
from janus.gateway.client_address import client_address
from janus.gateway.competition.http import parse_body
from janus.gateway.competitors import CompetitorPool
from janus.gateway.housekeeping import keep_metering
from janus.gateway.keys import (
    ADMIN_KEY,
    ARTIFACTS,
    BACKGROUND,
    CONFIG,
    GUARDRAILS,
    PLUGINS,
    POOL,
    STORE,
    STREAMS,
    record_of,
)
from janus.interfaces import Router
from janus.plugins import PluginError
from janus.protocol import parse_chat_request
from janus.store import BattleRecord, Store

SIDES = ("a", "b")
PREFIX = "/v1/arena"


class VoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    winner: Literal["a", "b", "tie", "both_bad"]


class Arena:
    """One gateway's arena: its router, rate limits and the boards computed last."""

    def __init__(self, config: ArenaConfig, store: Store, router: Router) -> None:
        self.config = config
        self.store = store
        self.router = router
        self.battle_limits = TokenBuckets(config.battles_per_minute, config.battle_burst)
        self.vote_limits = TokenBuckets(config.votes_per_minute, config.vote_burst)
        self._boards: tuple[int, dict[str, Any]] | None = None  # (votes, leaderboard)
        self._fitting = asyncio.Lock()

    async def leaderboard(self, pool: CompetitorPool) -> dict[str, Any]:
        """Both boards of every vote in the store (refitted when the votes changed, off
        the event loop), and the router's standings brought up to date with them."""
        count = await self.store.battle_vote_count()
        async with self._fitting:
            if self._boards is not None and self._boards[0] == count:
                return self._boards[1]
            battles = await self.store.battle_votes()
            votes = [_vote(battle) for battle in battles]
            plain, styled = await asyncio.to_thread(self._fit, votes)
            pool.arena = ArenaStandings.of(plain, [(v.a, v.b) for v in votes])
            names = {competitor.id: competitor.name for competitor in pool}
            board = {
                "object": "arena.leaderboard",
                "votes": len(votes),
                "updated_at": int(time.time()),
                "bradley_terry": _named(plain.to_dict(), names),
                "style_controlled": _named(styled.to_dict(), names),
            }
            self._boards = (len(votes), board)
            return board

    async def load_standings(self, pool: CompetitorPool) -> None:
        """Give the router its first standings, from the votes already stored."""
        if self._boards is None:
            await self.leaderboard(pool)

    def _fit(self, votes: list[Vote]) -> tuple[Board, Board]:
        rounds, seed = self.config.bootstrap_rounds, self.config.seed
        return (
            fit_board(votes, style=False, rounds=rounds, seed=seed),
            fit_board(votes, style=True, rounds=rounds, seed=seed),
        )


ARENA = web.AppKey("arena", Arena)


def setup_arena(app: web.Application) -> None:
    """Add the arena's routes (call after the store is set up)."""
    config = app[CONFIG].arena
    routers = app[PLUGINS].collect("register_routers")
    if config.router not in routers:
        known = ", ".join(sorted(routers)) or "none"
        raise PluginError(f"arena.router: no router named '{config.router}' (installed: {known})")
    app[ARENA] = Arena(config, app[STORE], routers[config.router])
    routes = app.router
    routes.add_post(f"{PREFIX}/battles", create_battle)
    routes.add_get(f"{PREFIX}/battles/{{battle_id}}", get_battle)
    routes.add_get(f"{PREFIX}/battles/{{battle_id}}/streams/{{side:[ab]}}", stream_battle)
    routes.add_post(f"{PREFIX}/battles/{{battle_id}}/vote", vote)
    routes.add_post(f"{PREFIX}/battles/{{battle_id}}/reveal", reveal)
    routes.add_get(f"{PREFIX}/leaderboard", leaderboard)


async def create_battle(request: web.Request) -> web.Response:
    arena, config = request.app[ARENA], request.app[CONFIG]
    client = client_address(request, config.gateway.trusted_proxies)
    _limit(arena.battle_limits, client, "arena battles")
    body = _as_stream(await read_body(request))
    chat = parse_chat_request(body)
    guardrails = request.app[GUARDRAILS]
    if guardrails.active:
        admin = is_admin(request, request.app[ADMIN_KEY])
        check = guardrails.start(request, body, record_of(request).request_id, admin=admin)
        try:
            if (changed := await check.check_request()) is not None:
                body = json.dumps(changed, separators=(",", ":")).encode()
                chat = validate_changed(changed)
            await check.verdict()
        finally:
            check.finish()
    pool = request.app[POOL]
    await arena.load_standings(pool)
    candidates = await arena.router.route(chat, pool)
    pair = list({competitor.id: competitor for competitor in candidates}.values())[:2]
    if len(pair) < 2:
        raise JanusError(
            f"The router '{arena.config.router}' found no pair of competitors for a battle.",
            status=503,
            type="server_error",
            code="arena_unavailable",
        )
    now = time.time()
    battle = BattleRecord(
        id="battle_" + secrets.token_urlsafe(16),
        client=client,
        competitor_a=pair[0].id,
        competitor_b=pair[1].id,
        body=body.decode(),
        created_at=now,
        expires_at=now + arena.config.battle_ttl_s,
    )
    await arena.store.add_battle(battle)
    return web.json_response(_view(battle, pool, now), status=201)


async def get_battle(request: web.Request) -> web.Response:
    battle = await _battle(request)
    return web.json_response(_view(battle, request.app[POOL], time.time()))


async def stream_battle(request: web.Request) -> web.StreamResponse:
    arena, settings = request.app[ARENA], request.app[CONFIG].gateway
    side = request.match_info["side"]
    battle = await _battle(request)
    now = time.time()
    if battle.expires_at <= now:
        raise _expired()
    competitor_id = battle.competitor_a if side == "a" else battle.competitor_b
    competitor = request.app[POOL].get(competitor_id)
    if competitor is None or battle.body is None:
        raise JanusError(
            f"Competitor {side.upper()} of this battle can no longer answer.",
            status=409,
            code="battle_unavailable",
        )
    if not await arena.store.open_battle_stream(battle.id, side, now):
        raise JanusError(
            f"The stream of {side.upper()} was opened already: each answer streams once.",
            status=409,
            code="stream_already_opened",
            param="side",
        )
    record = record_of(request)
    record.stream = True
    body = json.loads(battle.body)
    body["model"] = competitor.id  # as if the client had asked for it by name
    exchange = AnonymousExchange(
        json.dumps(body, separators=(",", ":")).encode(),
        record.request_id,
        time.time() + settings.request_timeout_s,
        platform_access(request),
        request.app[ARTIFACTS],
        f"{request.scheme}://{request.host}",
        label=side.upper(),
    )
    guardrails = request.app[GUARDRAILS]
    # The request checks ran when the battle was created; the answer's chunks are
    # checked here like any other stream's.
    check = (
        guardrails.start(request, exchange.body, record.request_id) if guardrails.active else None
    )
    relay = AnonymousRelay(request, record, settings, side.upper())
    streams = request.app[STREAMS]
    streams.add(relay)
    deadline = asyncio.get_running_loop().time() + settings.request_timeout_s
    try:
        return await relay.run([competitor], exchange, deadline, check)
    finally:
        streams.discard(relay)
        if check is not None:
            check.finish()
        keep_metering(request.app, exchange.finish())
        style = Style.of(exchange.text).to_dict()
        await asyncio.shield(arena.store.finish_battle_stream(battle.id, side, style))


async def vote(request: web.Request) -> web.Response:
    arena, config = request.app[ARENA], request.app[CONFIG]
    _limit(arena.vote_limits, client_address(request, config.gateway.trusted_proxies), "votes")
    body = await parse_body(request, VoteBody)
    battle = await _battle(request)
    now = time.time()
    if not await arena.store.vote_battle(battle.id, body.winner, now):
        raise _why_no_vote(await _battle(request), now)
    _refresh_boards(request.app)
    return web.json_response(_view(await _battle(request), request.app[POOL], now))


async def reveal(request: web.Request) -> web.Response:
    battle = await _battle(request)
    now = time.time()
    await request.app[ARENA].store.reveal_battle(battle.id, now)
    return web.json_response(_view(await _battle(request), request.app[POOL], now))


async def leaderboard(request: web.Request) -> web.Response:
    return web.json_response(await request.app[ARENA].leaderboard(request.app[POOL]))


# Helpers ---------------------------------------------------------------------------------


def _as_stream(raw: bytes) -> bytes:
    """The battle's chat request: streamed, and ``model`` optional (the arena picks)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_request(
            f"The request body is not valid JSON: {exc}", code="invalid_json"
        ) from None
    if not isinstance(data, dict):
        raise invalid_request("The request body must be a JSON object.", code="invalid_body")
    data.setdefault("model", "arena")
    data["stream"] = True
    return json.dumps(data, separators=(",", ":")).encode()


def _limit(buckets: TokenBuckets, client: str, what: str) -> None:
    wait = buckets.take(client)
    if wait:
        seconds = max(1, math.ceil(wait))
        raise JanusError(
            f"Too many {what} from this address; retry in {seconds} s.",
            status=429,
            type="rate_limit_error",
            code="rate_limit_exceeded",
            headers={"Retry-After": str(seconds)},
        )


async def _battle(request: web.Request) -> BattleRecord:
    battle_id = request.match_info["battle_id"]
    battle = await request.app[ARENA].store.get_battle(battle_id)
    if battle is None:
        raise JanusError(
            f"No arena battle has id '{battle_id}' (it may have expired unvoted).",
            status=404,
            code="battle_not_found",
        )
    return battle


def _expired() -> JanusError:
    return JanusError(
        "This battle has expired: start a new one.", status=410, code="battle_expired"
    )


def _why_no_vote(battle: BattleRecord, now: float) -> JanusError:
    if battle.winner is not None:
        return JanusError("This battle has its vote already.", status=409, code="already_voted")
    if battle.revealed_at is not None:
        return JanusError(
            "The competitors of this battle were revealed: it can no longer be voted on.",
            status=409,
            code="identities_revealed",
        )
    if battle.expires_at <= now:
        return _expired()
    return JanusError(
        "Both answers must have streamed before a vote.", status=409, code="battle_not_finished"
    )


def _view(battle: BattleRecord, pool: CompetitorPool, now: float) -> dict[str, Any]:
    revealed = battle.revealed_at is not None
    if battle.winner is not None:
        status = "voted"
    elif revealed:
        status = "revealed"
    elif battle.expires_at <= now:
        status = "expired"
    else:
        status = "open"
    view: dict[str, Any] = {
        "id": battle.id,
        "object": "arena.battle",
        "status": status,
        "created_at": int(battle.created_at),
        "expires_at": int(battle.expires_at),
        "streams": {side: f"{PREFIX}/battles/{battle.id}/streams/{side}" for side in SIDES},
        "winner": battle.winner,
        "competitors": None,
    }
    if revealed:
        view["competitors"] = {
            side: _who(competitor_id, pool)
            for side, competitor_id in zip(
                SIDES, (battle.competitor_a, battle.competitor_b), strict=True
            )
        }
    return view


def _who(competitor_id: str, pool: CompetitorPool) -> dict[str, str]:
    competitor = pool.get(competitor_id)
    return {"id": competitor_id, "name": competitor.name if competitor else competitor_id}


def _vote(battle: BattleRecord) -> Vote:
    return Vote(
        battle.competitor_a,
        battle.competitor_b,
        battle.winner or "tie",
        Style.from_dict(battle.style_a or {}),
        Style.from_dict(battle.style_b or {}),
    )


def _named(board: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    for row in board["data"]:
        row["name"] = names.get(row["competitor_id"], row["competitor_id"])
    return board


def _refresh_boards(app: web.Application) -> None:
    """Refit after a vote, in the background: the router's standings follow the votes."""
    task = asyncio.get_running_loop().create_task(app[ARENA].leaderboard(app[POOL]))
    background = app[BACKGROUND]
    background.add(task)
    task.add_done_callback(background.discard)
