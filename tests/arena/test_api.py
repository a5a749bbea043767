"""The arena's API against a real gateway and scripted competitors on real sockets."""

from __future__ import annotations

import json

import aiohttp
import pytest

from janus.config import parse_config
from janus.gateway.app import create_app
from janus.gateway.keys import POOL, STORE
from janus.plugins import PluginError, load_plugins
from janus.sse import SSEParser
from tests.scripted_competitor import DONE, chunk, sse
from tests.web.scripts import in_band_error

PROMPT = {"messages": [{"role": "user", "content": "Who are you?"}]}


SIGNATURES = {"alpha": "Plain", "bravo": "Fancy"}


def speaker(name: str):
    """A competitor that names itself everywhere a careless gateway could leak it, except
    in its text (a signature the test maps back to it)."""
    return sse(
        chunk(
            role="assistant",
            model=f"{name}-model-7b",
            system_fingerprint=f"fp-{name}",
            id=f"{name}-completion-1",
        ),
        chunk(f"{SIGNATURES[name]}. ", model=f"{name}-model-7b"),
        chunk("**Bold** answer.", model=f"{name}-model-7b", finish="stop"),
        DONE,
    )


def start(live, scripts: dict, **arena):
    competitors = {}
    urls = {}
    for name, script in scripts.items():
        competitors[name], urls[name] = live.competitor(script)
    apps = []
    gateway = live.gateway(urls, arena=arena, inspect=apps.append)
    return gateway, competitors, apps[0]


async def call(method: str, url: str, body=None) -> tuple[int, dict, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, json=body) as response,
    ):
        return response.status, await response.json(), dict(response.headers)


async def read_stream(url: str) -> tuple[int, list, bytes]:
    """GET a battle stream: its status, events (JSON or "[DONE]") and raw bytes."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        raw = await response.read()
    if response.status != 200:
        return response.status, [json.loads(raw)], raw
    events = [
        "[DONE]" if event.data == b"[DONE]" else json.loads(event.data)
        for event in SSEParser().feed(raw)
    ]
    return response.status, events, raw


def text_of(events: list) -> str:
    return "".join(
        e["choices"][0]["delta"].get("content") or ""
        for e in events
        if isinstance(e, dict) and e.get("choices")
    )


async def test_a_full_battle_hides_who_answered_until_the_vote_reveals_it(live):
    gateway, competitors, app = start(live, {"alpha": speaker("alpha"), "bravo": speaker("bravo")})
    status, battle, _ = await call("POST", gateway + "/v1/arena/battles", PROMPT)
    assert status == 201, battle
    assert battle["object"] == "arena.battle" and battle["status"] == "open"
    assert battle["competitors"] is None and battle["expires_at"] > battle["created_at"]
    battle_url = f"{gateway}/v1/arena/battles/{battle['id']}"

    status, refused, _ = await call("POST", battle_url + "/vote", {"winner": "a"})
    assert (status, refused["error"]["code"]) == (409, "battle_not_finished")

    answers = {}
    for side, label in (("a", "A"), ("b", "B")):
        status, events, raw = await read_stream(gateway + battle["streams"][side])
        assert status == 200 and events[-1] == "[DONE]"
        assert {e["model"] for e in events if isinstance(e, dict)} == {label}
        assert {e["id"] for e in events if isinstance(e, dict)} == {f"chatcmpl-arena-{side}"}
        assert b"alpha" not in raw and b"bravo" not in raw and b"fp-" not in raw
        answers[side] = text_of(events)
    assert sorted(answers.values()) == ["Fancy. **Bold** answer.", "Plain. **Bold** answer."]
    for competitor_id, competitor in competitors.items():
        (request,) = competitor.requests
        assert request["model"] == competitor_id and request["stream"] is True
        assert request["messages"] == PROMPT["messages"]

    status, again, _ = await call("GET", gateway + battle["streams"]["a"])
    assert (status, again["error"]["code"]) == (409, "stream_already_opened")
    status, hidden, _ = await call("GET", battle_url)
    assert status == 200 and hidden["competitors"] is None and hidden["winner"] is None

    status, voted, _ = await call("POST", battle_url + "/vote", {"winner": "a"})
    assert status == 200 and voted["status"] == "voted" and voted["winner"] == "a"
    revealed_a = voted["competitors"]["a"]["id"]
    assert answers["a"] == f"{SIGNATURES[revealed_a]}. **Bold** answer."
    assert {voted["competitors"]["a"]["id"], voted["competitors"]["b"]["id"]} == set(competitors)

    status, twice, _ = await call("POST", battle_url + "/vote", {"winner": "b"})
    assert (status, twice["error"]["code"]) == (409, "already_voted")
    status, shown, _ = await call("GET", battle_url)
    assert shown["competitors"] == voted["competitors"] and shown["winner"] == "a"

    status, board, _ = await call("GET", gateway + "/v1/arena/leaderboard")
    assert status == 200 and board["votes"] == 1
    for name in ("bradley_terry", "style_controlled"):
        rows = board[name]["data"]
        assert rows[0]["competitor_id"] == revealed_a and rows[0]["votes"] == 1
        assert rows[0]["wins"] == 1 and rows[1]["wins"] == 0
    # The router's standings follow the votes.
    assert app[POOL].arena.votes(revealed_a) == 1
    assert app[POOL].arena.pair_votes == {("alpha", "bravo"): 1}
    assert set(board["style_controlled"]["style_coefficients"]) == {
        "length",
        "headers",
        "list_items",
        "bold",
    }


async def test_a_battle_revealed_without_a_vote_can_no_longer_be_voted_on(live):
    gateway, _, _ = start(live, {"alpha": speaker("alpha"), "bravo": speaker("bravo")})
    _, battle, _ = await call("POST", gateway + "/v1/arena/battles", PROMPT)
    for side in "ab":
        await read_stream(gateway + battle["streams"][side])
    battle_url = f"{gateway}/v1/arena/battles/{battle['id']}"
    status, revealed, _ = await call("POST", battle_url + "/reveal")
    assert status == 200 and revealed["status"] == "revealed"
    assert revealed["competitors"] is not None and revealed["winner"] is None
    status, refused, _ = await call("POST", battle_url + "/vote", {"winner": "b"})
    assert (status, refused["error"]["code"]) == (409, "identities_revealed")
    _, board, _ = await call("GET", gateway + "/v1/arena/leaderboard")
    assert board["votes"] == 0 and board["bradley_terry"]["data"] == []


async def test_an_expired_battle_neither_streams_nor_takes_a_vote(live):
    gateway, _, app = start(live, {"alpha": speaker("alpha"), "bravo": speaker("bravo")})
    _, battle, _ = await call("POST", gateway + "/v1/arena/battles", PROMPT)
    await read_stream(gateway + battle["streams"]["a"])
    await read_stream(gateway + battle["streams"]["b"])
    # Expire it by the clock the gateway reads: its expiry moves into the past.
    live.call(
        app[STORE].database.execute(
            "UPDATE arena_battles SET expires_at = 1 WHERE id = ?", battle["id"]
        )
    )
    battle_url = f"{gateway}/v1/arena/battles/{battle['id']}"
    status, refused, _ = await call("POST", battle_url + "/vote", {"winner": "tie"})
    assert status == 410 and refused["error"]["code"] == "battle_expired"
    assert set(refused["error"]) == {"message", "type", "param", "code"}
    _, other, _ = await call("POST", gateway + "/v1/arena/battles", PROMPT)
    live.call(
        app[STORE].database.execute(
            "UPDATE arena_battles SET expires_at = 1 WHERE id = ?", other["id"]
        )
    )
    status, events, _ = await read_stream(gateway + other["streams"]["a"])
    assert status == 410 and events[0]["error"]["code"] == "battle_expired"
    status, shown, _ = await call("GET", battle_url)
    assert shown["status"] == "expired" and shown["competitors"] is None


async def test_battles_and_votes_are_rate_limited_per_client(live):
    gateway, _, _ = start(
        live,
        {"alpha": speaker("alpha"), "bravo": speaker("bravo")},
        battle_burst=2,
        battles_per_minute=0.5,
        vote_burst=1,
        votes_per_minute=0.5,
    )
    for _ in range(2):
        status, _, _ = await call("POST", gateway + "/v1/arena/battles", PROMPT)
        assert status == 201
    status, limited, headers = await call("POST", gateway + "/v1/arena/battles", PROMPT)
    assert status == 429 and limited["error"]["code"] == "rate_limit_exceeded"
    assert int(headers["Retry-After"]) >= 1
    vote_url = gateway + "/v1/arena/battles/battle_unknown/vote"
    status, _, _ = await call("POST", vote_url, {"winner": "a"})
    assert status == 404
    status, limited, _ = await call("POST", vote_url, {"winner": "a"})
    assert status == 429 and limited["error"]["type"] == "rate_limit_error"


async def test_bad_requests_get_openai_shaped_errors(live):
    gateway, _, _ = start(live, {"alpha": speaker("alpha"), "bravo": speaker("bravo")})
    status, error, _ = await call("POST", gateway + "/v1/arena/battles", {"messages": "hi"})
    assert status == 400 and error["error"]["param"] == "messages"
    _, battle, _ = await call("POST", gateway + "/v1/arena/battles", PROMPT)
    status, error, _ = await call(
        "POST", f"{gateway}/v1/arena/battles/{battle['id']}/vote", {"winner": "alpha"}
    )
    assert status == 400 and error["error"]["param"] == "winner"
    status, error, _ = await call("GET", gateway + "/v1/arena/battles/battle_nope")
    assert status == 404 and error["error"]["code"] == "battle_not_found"

    lonely, _, _ = start(live, {"alpha": speaker("alpha")})
    status, error, _ = await call("POST", lonely + "/v1/arena/battles", PROMPT)
    assert status == 503 and error["error"]["code"] == "arena_unavailable"


async def test_a_competitor_failing_mid_answer_is_reported_without_its_name(live):
    failing = sse(chunk("Half an answer and"), in_band_error("alpha-model-7b ran out of memory"))
    gateway, _, _ = start(live, {"alpha": failing, "bravo": speaker("bravo")})
    _, battle, _ = await call("POST", gateway + "/v1/arena/battles", PROMPT)
    raws = {}
    for side in "ab":
        _, _, raws[side] = await read_stream(gateway + battle["streams"][side])
    failed = next(side for side, raw in raws.items() if b'"error"' in raw)
    assert b"memory" not in raws[failed] and b"alpha-model" not in raws[failed]
    assert f"Competitor {failed.upper()} could not finish".encode() in raws[failed]
    # A broken answer can still be judged: the vote goes through.
    status, voted, _ = await call(
        "POST", f"{gateway}/v1/arena/battles/{battle['id']}/vote", {"winner": "both_bad"}
    )
    assert status == 200 and voted["competitors"][failed]["id"] == "alpha"


def test_an_unknown_arena_router_stops_start_up():
    config = parse_config({"arena": {"router": "no-such-router"}}, "test config")
    with pytest.raises(PluginError, match=r"arena\.router: no router named 'no-such-router'"):
        create_app(config, load_plugins(use_env=False, allow=set()))
