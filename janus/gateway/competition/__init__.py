"""The competition API: competitors, evaluations, the leaderboard (specs/competition.md)."""

from __future__ import annotations

from aiohttp import web

from janus.gateway.competition import evaluations, submissions
from janus.gateway.competition.audits import setup_audits
from janus.gateway.competition.http import admin_only, listing
from janus.gateway.competition.leaderboard import spell_dict
from janus.gateway.competition.rewards import ledger_dict, reward_plan
from janus.gateway.competition.state import COMPETITION, Competition, run_competition
from janus.gateway.keys import CONFIG, PLUGINS, STORE


def setup_competition(app: web.Application) -> None:
    """Add the competition routes and resources to the gateway ``app``.

    Call after the store and the competitor pool are set up: the competition joins the
    pool once it is open (its cleanup context runs after theirs)."""
    app[COMPETITION] = Competition(app[CONFIG], app[STORE], reward_plan(app[CONFIG], app[PLUGINS]))
    app.cleanup_ctx.append(run_competition)
    routes = app.router
    routes.add_get("/v1/competitors", submissions.list_competitors)
    routes.add_post("/v1/competitors", submissions.submit_competitor)
    routes.add_patch("/v1/competitors/{competitor_id}", submissions.change_competitor)
    routes.add_delete("/v1/competitors/{competitor_id}", submissions.remove_competitor)
    routes.add_get("/v1/evaluations", evaluations.list_evaluations)
    routes.add_post("/v1/evaluations", evaluations.start_evaluation)
    routes.add_post("/v1/evaluations/results", evaluations.import_result)
    routes.add_get("/v1/evaluations/{evaluation_id}", evaluations.get_evaluation)
    routes.add_delete("/v1/evaluations/{evaluation_id}", evaluations.cancel_evaluation)
    routes.add_post("/v1/evaluations/{evaluation_id}/cancel", evaluations.cancel_evaluation)
    routes.add_get("/v1/evaluations/{evaluation_id}/events", evaluations.evaluation_events)
    routes.add_get("/v1/leaderboard", leaderboard)
    routes.add_get("/v1/leaderboard/history", leaderboard_history)
    routes.add_get("/v1/rewards", rewards)
    routes.add_post("/v1/rewards/compute", compute_rewards)
    setup_audits(app)


async def leaderboard(request: web.Request) -> web.Response:
    return web.json_response(await request.app[COMPETITION].leaderboard())


async def leaderboard_history(request: web.Request) -> web.Response:
    history = await request.app[COMPETITION].store.champion_history()
    return listing([spell_dict(spell) for spell in history])


async def rewards(request: web.Request) -> web.Response:
    """The reward ledger (public): every stored period, its policy and payouts."""
    competition = request.app[COMPETITION]
    name = competition.rewards.name if competition.rewards else None
    entries = await competition.store.reward_ledger(name)
    return web.json_response(ledger_dict(entries, competition.rewards))


async def compute_rewards(request: web.Request) -> web.Response:
    """Admin: settle the closed periods now rather than at the next sync."""
    admin_only(request)
    added = await request.app[COMPETITION].settle_rewards()
    return web.json_response({"object": "list", "data": added})
