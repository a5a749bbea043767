"""The store, run against both real backends: SQLite in a temporary file and a throw-away
PostgreSQL server."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace

import pytest

from janus.config import ConfigError
from janus.store import (
    ArtifactRecord,
    CompetitorRecord,
    EvaluationRecord,
    RewardEntry,
    Store,
    StoreConflict,
    open_store,
)
from janus.store.migrations import MIGRATIONS
from janus.store.postgres import PostgresDatabase
from janus.store.sqlite import SqliteDatabase
from tests.store.conftest import store_config as _config


def _artifact(artifact_id: str, expires_at: int) -> ArtifactRecord:
    return ArtifactRecord(
        artifact_id, "req-1", "alpha", "image", "image/png", "a.png", 10, "ab" * 32, 1, expires_at
    )


def _competitor(competitor_id: str, submitted_at: float = 100.0) -> CompetitorRecord:
    return CompetitorRecord(
        id=competitor_id,
        name=competitor_id.title(),
        url=f"https://{competitor_id}.example",
        image=None,
        source_url=f"https://git.example/{competitor_id}",
        license="MIT",
        description="",
        submitted_at=submitted_at,
        status="active",
        conformance={"passed": True, "checks": []},
    )


def _evaluation(evaluation_id: str, competitor_id: str = "alpha", **extra) -> EvaluationRecord:
    values = dict(
        id=evaluation_id,
        competitor_id=competitor_id,
        status="running",
        suite_id="public/dev",
        subset=100.0,
        repeat=1,
        seed=0,
        created_at=10.0,
        source="gateway",
    )
    return EvaluationRecord(**{**values, **extra})


RESULT = {
    "suite": {"id": "public/dev", "version": "3", "hash": "sha256:abc"},
    "composite": 71.5,
    "ci": {"low": 65.0, "high": 78.0},
    "components": {"quality": 0.8, "speed": 0.7, "cost": 0.6, "streaming": 0.9, "multimodal": 0},
    "weights": {"quality": 45, "speed": 20, "cost": 15, "streaming": 10, "multimodal": 10},
    "tasks": [{"id": "t1", "ok": True}],
}


async def test_artifacts_are_kept_until_they_expire(store: Store):
    await store.add_artifact(_artifact("art-old", expires_at=50))
    await store.add_artifact(_artifact("art-new", expires_at=500))
    assert await store.get_artifact("art-old") == _artifact("art-old", expires_at=50)
    assert await store.delete_expired_artifacts(now=100) == ["art-old"]
    assert await store.get_artifact("art-old") is None
    assert (await store.get_artifact("art-new")).expires_at == 500


async def test_meters_come_back_in_the_order_they_were_recorded(store: Store):
    await store.record_metering([("req-1", "alpha", 5.0, {"n": 1}), ("req-2", "beta", 5.0, {})])
    await store.record_metering(
        [("req-1", "alpha", 5.0, {"n": 2}), ("req-1", "alpha", 4, {"n": 3})]
    )
    assert await store.metering_for("req-1") == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert await store.metering_for("nobody") == []


async def test_component_calls_are_counted_per_component_and_competitor(store: Store):
    for component, competitor, at in [("ocr", "alpha", 1), ("ocr", "alpha", 3), ("ocr", "beta", 2)]:
        await store.record_component_call(
            component_id=component,
            competitor_id=competitor,
            request_id="r",
            called_at=at,
            status=200,
        )
    await store.record_component_call(
        component_id="tts", competitor_id="beta", request_id=None, called_at=9, status=500
    )
    assert await store.component_call_counts() == {"ocr": 3, "tts": 1}
    assert await store.component_usage("ocr") == [
        {"component_id": "ocr", "competitor_id": "alpha", "calls": 2, "last_called_at": 3.0},
        {"component_id": "ocr", "competitor_id": "beta", "calls": 1, "last_called_at": 2.0},
    ]
    assert len(await store.component_usage()) == 3


async def test_competitors_are_added_changed_and_removed(store: Store):
    await store.add_competitor(_competitor("beta", submitted_at=200.0))
    await store.add_competitor(_competitor("alpha"))
    with pytest.raises(StoreConflict):
        await store.add_competitor(_competitor("alpha", submitted_at=300.0))
    assert [c.id for c in await store.list_competitors()] == ["alpha", "beta"]
    assert await store.get_competitor("alpha") == _competitor("alpha")
    assert await store.update_competitor("alpha", name="Alpha 2", status="disabled")
    changed = await store.get_competitor("alpha")
    assert (changed.name, changed.status) == ("Alpha 2", "disabled")
    assert not await store.update_competitor("nobody", name="x")
    with pytest.raises(ValueError, match="submitted_at"):
        await store.update_competitor("alpha", submitted_at=1.0)
    assert await store.delete_competitor("alpha")
    assert not await store.delete_competitor("alpha")
    assert await store.get_competitor("alpha") is None


async def test_an_evaluation_keeps_its_result_and_how_it_ended(store: Store):
    await store.add_evaluation(_evaluation("ev-1"))
    assert await store.finish_evaluation("ev-1", status="finished", finished_at=20, result=RESULT)
    stored = await store.get_evaluation("ev-1")
    assert (stored.status, stored.suite_version, stored.suite_hash) == (
        "finished",
        "3",
        "sha256:abc",
    )
    assert (stored.composite, stored.ci_low, stored.ci_high) == (71.5, 65.0, 78.0)
    assert stored.components == RESULT["components"] and stored.result == RESULT
    # Ended is ended: a late finish cannot overwrite it.
    assert not await store.finish_evaluation("ev-1", status="failed", finished_at=30, error="x")
    assert (await store.get_evaluation("ev-1")).status == "finished"
    listed = await store.list_evaluations("alpha")
    assert [e.id for e in listed] == ["ev-1"] and listed[0].result is None


async def test_owner_keys_signers_and_artifacts_are_kept(store: Store):
    await store.add_competitor(replace(_competitor("alpha"), owner_key_hash="ab" * 32))
    assert (await store.get_competitor("alpha")).owner_key_hash == "ab" * 32
    signed = replace(_evaluation("ev-1"), signed_by="lab", artifact="sha256:" + "cd" * 32)
    await store.add_evaluation(signed)
    await store.finish_evaluation("ev-1", status="finished", finished_at=20, result=RESULT)
    for stored in (await store.get_evaluation("ev-1"), (await store.list_evaluations())[0]):
        assert (stored.signed_by, stored.artifact) == ("lab", "sha256:" + "cd" * 32)


async def test_a_generated_runs_secret_task_seed_is_kept(store: Store):
    """The champion's paired re-run draws the same generated items with it."""
    await store.add_evaluation(replace(_evaluation("ev-1"), task_seed="5e" * 16))
    await store.finish_evaluation("ev-1", status="finished", finished_at=20, result=RESULT)
    for stored in (await store.get_evaluation("ev-1"), (await store.list_evaluations())[0]):
        assert stored.task_seed == "5e" * 16
    await store.add_evaluation(_evaluation("ev-2"))
    assert (await store.get_evaluation("ev-2")).task_seed is None


def _reward(period: str, recipient: str, amount: float, kind: str = "competitor", rank=1):
    start = {"d1": 0.0, "d2": 86400.0}[period]
    return RewardEntry(
        period=period,
        period_start=start,
        period_end=start + 86400,
        policy="winner-takes-most",
        parameters={"pool": 1000.0, "period": "day"},
        recipient_kind=kind,
        recipient_id=recipient,
        rank=rank if kind == "competitor" else None,
        amount=amount,
        basis={"share": 0.7},
    )


async def test_a_reward_period_is_stored_once_and_read_back_in_order(store: Store):
    second = [_reward("d2", "beta", 300.0, rank=2), _reward("d2", "alpha", 700.0)]
    first = [_reward("d1", "ocr", 100.0, kind="component"), _reward("d1", "alpha", 900.0)]
    assert await store.add_reward_period("winner-takes-most", "d2", second, computed_at=5.0)
    assert await store.add_reward_period("winner-takes-most", "d1", first, computed_at=5.0)
    again = [_reward("d1", "alpha", 1.0)]
    assert not await store.add_reward_period("winner-takes-most", "d1", again, computed_at=6.0)
    ledger = await store.reward_ledger("winner-takes-most")
    assert [(e.period, e.recipient_id, e.amount) for e in ledger] == [
        ("d1", "alpha", 900.0),
        ("d1", "ocr", 100.0),
        ("d2", "alpha", 700.0),
        ("d2", "beta", 300.0),
    ]
    assert ledger[0] == first[1]  # JSON parameters and basis come back as they went in
    assert await store.reward_ledger("another-policy") == []


async def test_component_calls_are_counted_per_period(store: Store):
    for at, status in [(10.0, 200), (20.0, 200), (30.0, 502), (100.0, 200)]:
        await store.record_component_call(
            component_id="ocr", competitor_id="alpha", request_id=None, called_at=at, status=status
        )
    assert await store.component_calls_between(0.0, 100.0) == {"ocr": 2}
    assert await store.component_calls_between(100.0, 200.0) == {"ocr": 1}


async def test_a_cancel_request_lets_the_run_end_as_cancelled_once(store: Store):
    await store.add_evaluation(_evaluation("ev-1", weights={"quality": 1.0}))
    assert await store.request_cancel("ev-1")
    assert not await store.request_cancel("ev-1")
    assert (await store.get_evaluation("ev-1")).status == "cancelling"
    assert await store.finish_evaluation("ev-1", status="cancelled", finished_at=2, error="x")
    assert not await store.finish_evaluation(
        "ev-1", status="finished", finished_at=3, result=RESULT
    )
    cancelled = await store.get_evaluation("ev-1")
    assert (cancelled.status, cancelled.finished_at) == ("cancelled", 2.0)
    assert cancelled.weights == {"quality": 1.0}  # kept when a run ends without a result


async def test_full_suite_evaluations_leave_out_subsets_and_unfinished_runs(store: Store):
    await store.add_evaluation(_evaluation("full"))
    await store.add_evaluation(_evaluation("subset", subset=10.0))
    await store.add_evaluation(_evaluation("other-suite", suite_id="public/train"))
    await store.add_evaluation(_evaluation("running"))
    for evaluation_id in ("full", "subset", "other-suite"):
        await store.finish_evaluation(
            evaluation_id, status="finished", finished_at=5, result=RESULT
        )
    assert [e.id for e in await store.full_suite_evaluations("public/dev")] == ["full"]


async def test_runs_whose_gateway_stopped_beating_their_heart_are_ended(store: Store):
    await store.add_evaluation(_evaluation("orphan", created_at=10.0))  # never beaten
    await store.add_evaluation(_evaluation("stale", created_at=10.0))
    await store.beat_evaluation("stale", 50.0)
    await store.add_evaluation(_evaluation("alive", created_at=10.0))
    await store.beat_evaluation("alive", 95.0)
    await store.add_evaluation(_evaluation("new", created_at=90.0))
    await store.add_evaluation(_evaluation("imported", created_at=10.0, source="submitted"))
    await store.add_evaluation_event("stale", 0, {"event": "started", "total": 3})
    ended = await store.end_abandoned_evaluations(now=100.0, silent_for_s=30.0)
    assert sorted(ended) == ["orphan", "stale"]
    stale = await store.get_evaluation("stale")
    assert (stale.status, stale.finished_at) == ("failed", 100.0)
    assert "abandoned" in stale.error
    assert [event for _, event in await store.evaluation_events("stale")][-1]["event"] == ("failed")
    for evaluation_id in ("alive", "new", "imported"):
        assert (await store.get_evaluation(evaluation_id)).status == "running"
    assert await store.end_abandoned_evaluations(now=100.0, silent_for_s=30.0) == []


async def test_the_automatic_evaluation_queue_is_read_from_the_store(store: Store):
    def image(competitor_id: str, submitted_at: float, **extra) -> CompetitorRecord:
        record = _competitor(competitor_id, submitted_at)
        return replace(record, url=None, image=f"localhost/{competitor_id}:1", **extra)

    await store.add_competitor(image("boxed-late", 300.0))
    await store.add_competitor(image("boxed", 200.0))
    await store.add_competitor(_competitor("hosted", 100.0))  # runs at its url
    await store.add_competitor(image("off", 50.0, status="disabled"))
    for competitor_id in ("done", "running", "cancelled", "failed", "subset", "elsewhere"):
        await store.add_competitor(image(competitor_id, 400.0))
    await store.add_evaluation(_evaluation("ev-done", "done"))
    await store.finish_evaluation("ev-done", status="finished", finished_at=5, result=RESULT)
    await store.add_evaluation(_evaluation("ev-running", "running"))
    await store.add_evaluation(_evaluation("ev-cancelled", "cancelled"))
    await store.request_cancel("ev-cancelled")
    await store.finish_evaluation("ev-cancelled", status="cancelled", finished_at=5, error="x")
    await store.add_evaluation(_evaluation("ev-failed", "failed"))
    await store.finish_evaluation("ev-failed", status="failed", finished_at=5, error="x")
    await store.add_evaluation(_evaluation("ev-subset", "subset", subset=10.0))
    await store.add_evaluation(_evaluation("ev-elsewhere", "elsewhere", suite_id="public/x"))

    waiting = ["boxed", "boxed-late", "cancelled", "elsewhere", "failed", "subset"]
    assert await store.awaiting_evaluation("public/dev", min_subset=100, images_only=True) == (
        waiting
    )
    everyone = await store.awaiting_evaluation("public/dev", min_subset=100, images_only=False)
    assert everyone == ["hosted", *waiting]
    # A run on a share of the suite counts when the queue asks for no more than that share.
    assert "subset" not in await store.awaiting_evaluation(
        "public/dev", min_subset=10, images_only=True
    )


async def test_evaluation_events_replay_from_any_point(store: Store):
    for seq in range(3):
        await store.add_evaluation_event("ev-1", seq, {"event": "task", "done": seq})
    assert [seq for seq, _ in await store.evaluation_events("ev-1")] == [0, 1, 2]
    assert await store.evaluation_events("ev-1", after=1) == [(2, {"event": "task", "done": 2})]


async def test_only_one_champion_can_be_crowned_at_a_time(store: Store):
    assert await store.crown("alpha", "ev-a", 10.0, replacing=None)
    assert not await store.crown("beta", "ev-b", 11.0, replacing=None)
    results = await asyncio.gather(
        store.crown("beta", "ev-b", 12.0, replacing="alpha"),
        store.crown("gamma", "ev-c", 12.0, replacing="alpha"),
    )
    assert sorted(results) == [False, True]
    history = await store.champion_history()
    assert (history[0].competitor_id, history[0].until) == ("alpha", 12.0)
    assert history[1].until is None and len(history) == 2
    assert await store.abdicate(history[1].competitor_id, 20.0)
    assert (await store.champion_history())[1].until == 20.0


def test_open_store_refuses_an_unknown_url(tmp_path):
    with pytest.raises(ConfigError, match=r"store\.url"):
        open_store(_config(tmp_path, "mysql://db/janus"))


def test_open_store_picks_the_backend_from_the_url(tmp_path):
    assert isinstance(open_store(_config(tmp_path)).database, SqliteDatabase)
    postgres = open_store(_config(tmp_path, "postgresql://db.internal/janus"))
    assert isinstance(postgres.database, PostgresDatabase)


async def test_an_older_sqlite_database_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "janus.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript(MIGRATIONS[0].sqlite)
        old.execute("INSERT INTO metering VALUES ('req-1', 'alpha', 1.0, '{\"n\": 1}')")
        old.execute("PRAGMA user_version = 1")
    store = open_store(_config(tmp_path))
    await store.open()
    try:
        assert await store.metering_for("req-1") == [{"n": 1}]
        await store.add_competitor(_competitor("alpha"))
    finally:
        await store.close()
    with sqlite3.connect(path) as reopened:
        assert reopened.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


async def test_postgres_replicas_starting_together_migrate_once(postgres_url, tmp_path):
    replicas = [open_store(_config(tmp_path, postgres_url)) for _ in range(3)]
    await asyncio.gather(*(replica.open() for replica in replicas))
    try:
        versions = await replicas[0].database.fetch("SELECT version FROM janus_schema")
        assert sorted(v for (v,) in versions) == list(range(1, len(MIGRATIONS) + 1))
        await replicas[1].add_competitor(_competitor("alpha"))
        assert (await replicas[2].get_competitor("alpha")).name == "Alpha"
    finally:
        await asyncio.gather(*(replica.close() for replica in replicas))
