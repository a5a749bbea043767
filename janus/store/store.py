"""Durable state, one interface over both backends.

Every query is written here once; ``janus.store.sqlite`` and ``janus.store.postgres`` only
run them. JSON values are kept as text so both backends store them the same way.
"""

from __future__ import annotations

import json
from dataclasses import astuple, fields, replace
from typing import Any

from janus.store.database import Database, Row, StoreConflict
from janus.store.records import (
    ArtifactRecord,
    BattleRecord,
    ChampionSpell,
    CompetitorRecord,
    EvaluationRecord,
    RewardEntry,
)

_ARTIFACT_COLUMNS = ", ".join(field.name for field in fields(ArtifactRecord))
_COMPETITOR_COLUMNS = (
    "id, name, url, image, source_url, license, description, submitted_at, status, conformance, "
    "owner_key_hash"
)
_EVALUATION_COLUMNS = (
    "id, competitor_id, status, suite_id, subset, repeats, seed, created_at, source, "
    "suite_version, suite_hash, composite, ci_low, ci_high, components, weights, "
    "finished_at, error, result, signed_by, artifact, task_seed"
)
_EVALUATION_SUMMARY_COLUMNS = _EVALUATION_COLUMNS.replace(", result,", ", NULL,")
_JSON_EVALUATION_FIELDS = ("components", "weights", "result")
_BATTLE_COLUMNS = ", ".join(field.name for field in fields(BattleRecord))
# A battle's side → its columns (never user text in SQL: the side is checked here).
_SIDES = {"a": ("opened_a", "style_a"), "b": ("opened_b", "style_b")}


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _float(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def _competitor(row: Row) -> CompetitorRecord:
    *plain, conformance, owner_key_hash = row
    return CompetitorRecord(*plain, conformance=_loads(conformance), owner_key_hash=owner_key_hash)


def _battle(row: Row) -> BattleRecord:
    record = BattleRecord(*row)
    return replace(record, style_a=_loads(record.style_a), style_b=_loads(record.style_b))


def _evaluation(row: Row) -> EvaluationRecord:
    record = EvaluationRecord(*row)
    return replace(
        record, **{name: _loads(getattr(record, name)) for name in _JSON_EVALUATION_FIELDS}
    )


class Store:
    """Artifacts, meters, competitors, evaluations, champions and component calls."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @property
    def backend(self) -> str:
        return self.database.dialect.name

    async def open(self) -> None:
        """Connect and run the pending migrations."""
        await self.database.open()

    async def close(self) -> None:
        await self.database.close()

    # Artifacts and metering ------------------------------------------------------------

    async def add_artifact(self, record: ArtifactRecord) -> None:
        placeholders = ", ".join("?" * len(fields(ArtifactRecord)))
        await self.database.execute(
            f"INSERT INTO artifacts ({_ARTIFACT_COLUMNS}) VALUES ({placeholders})",
            *astuple(record),
        )

    async def get_artifact(self, artifact_id: str) -> ArtifactRecord | None:
        row = await self.database.fetchone(
            f"SELECT {_ARTIFACT_COLUMNS} FROM artifacts WHERE id = ?", artifact_id
        )
        return ArtifactRecord(*row) if row else None

    async def delete_expired_artifacts(self, now: int) -> list[str]:
        rows = await self.database.fetch(
            "DELETE FROM artifacts WHERE expires_at <= ? RETURNING id", now
        )
        return [row[0] for row in rows]

    async def record_metering(self, rows: list[tuple[str | None, str, float, dict[str, Any]]]):
        """Store (request id, competitor id, time, metered dict) rows for the bench."""
        await self.database.executemany(
            "INSERT INTO metering (request_id, competitor_id, recorded_at, metered) "
            "VALUES (?, ?, ?, ?)",
            [(rid, cid, float(at), json.dumps(metered)) for rid, cid, at, metered in rows],
        )

    async def metering_for(self, request_id: str) -> list[dict[str, Any]]:
        order = self.database.dialect.insertion_order
        rows = await self.database.fetch(
            f"SELECT metered FROM metering WHERE request_id = ? ORDER BY {order}", request_id
        )
        return [json.loads(row[0]) for row in rows]

    # Marketplace component calls (attribution) -----------------------------------------

    async def record_component_call(
        self,
        *,
        component_id: str,
        competitor_id: str,
        request_id: str | None,
        called_at: float,
        status: int,
    ) -> None:
        await self.database.execute(
            "INSERT INTO component_calls "
            "(component_id, competitor_id, request_id, called_at, status) VALUES (?, ?, ?, ?, ?)",
            component_id,
            competitor_id,
            request_id,
            float(called_at),
            int(status),
        )

    async def component_usage(self, component_id: str | None = None) -> list[dict[str, Any]]:
        """Calls per (component, competitor), busiest first."""
        where, args = ("WHERE component_id = ?", (component_id,)) if component_id else ("", ())
        rows = await self.database.fetch(
            "SELECT component_id, competitor_id, count(*), max(called_at) FROM component_calls "
            f"{where} GROUP BY component_id, competitor_id "
            "ORDER BY count(*) DESC, component_id, competitor_id",
            *args,
        )
        return [
            {"component_id": c, "competitor_id": who, "calls": n, "last_called_at": last}
            for c, who, n, last in rows
        ]

    async def component_call_counts(self) -> dict[str, int]:
        rows = await self.database.fetch(
            "SELECT component_id, count(*) FROM component_calls GROUP BY component_id"
        )
        return {component_id: int(calls) for component_id, calls in rows}

    # Competitors --------------------------------------------------------------------------

    async def add_competitor(self, record: CompetitorRecord) -> None:
        """Raise ``StoreConflict`` when the id is taken."""
        await self.database.execute(
            f"INSERT INTO competitors ({_COMPETITOR_COLUMNS}) VALUES ({', '.join('?' * 11)})",
            record.id,
            record.name,
            record.url,
            record.image,
            record.source_url,
            record.license,
            record.description,
            float(record.submitted_at),
            record.status,
            _dumps(record.conformance),
            record.owner_key_hash,
        )

    async def get_competitor(self, competitor_id: str) -> CompetitorRecord | None:
        row = await self.database.fetchone(
            f"SELECT {_COMPETITOR_COLUMNS} FROM competitors WHERE id = ?", competitor_id
        )
        return _competitor(row) if row else None

    async def list_competitors(self) -> list[CompetitorRecord]:
        rows = await self.database.fetch(
            f"SELECT {_COMPETITOR_COLUMNS} FROM competitors ORDER BY submitted_at, id"
        )
        return [_competitor(row) for row in rows]

    async def update_competitor(self, competitor_id: str, **changes: Any) -> bool:
        """Change some of ``name, url, image, source_url, license, description, status``."""
        allowed = {"name", "url", "image", "source_url", "license", "description", "status"}
        if unknown := set(changes) - allowed:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
        if not changes:
            return await self.get_competitor(competitor_id) is not None
        assignments = ", ".join(f"{name} = ?" for name in changes)
        changed = await self.database.execute(
            f"UPDATE competitors SET {assignments} WHERE id = ?", *changes.values(), competitor_id
        )
        return changed > 0

    async def delete_competitor(self, competitor_id: str) -> bool:
        return (
            await self.database.execute("DELETE FROM competitors WHERE id = ?", competitor_id) > 0
        )

    # Evaluations -------------------------------------------------------------------------

    async def add_evaluation(self, record: EvaluationRecord) -> None:
        values = [_evaluation_value(field.name, record) for field in fields(EvaluationRecord)]
        await self.database.execute(
            f"INSERT INTO evaluations ({_EVALUATION_COLUMNS}) "
            f"VALUES ({', '.join('?' * len(values))})",
            *values,
        )

    async def finish_evaluation(
        self,
        evaluation_id: str,
        *,
        status: str,
        finished_at: float,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> bool:
        """Record how a run ended (its result when it has one). Only a run that has not
        ended yet can end: a cancelled run stays cancelled."""
        summary = summarize_result(result) if result is not None else {}
        changed = await self.database.execute(
            "UPDATE evaluations SET status = ?, finished_at = ?, error = ?, result = ?, "
            "suite_version = ?, suite_hash = ?, composite = ?, ci_low = ?, ci_high = ?, "
            "components = ?, weights = COALESCE(?, weights) "
            "WHERE id = ? AND status IN ('running', 'cancelling')",
            status,
            float(finished_at),
            error,
            _dumps(result),
            summary.get("suite_version"),
            summary.get("suite_hash"),
            _float(summary.get("composite")),
            _float(summary.get("ci_low")),
            _float(summary.get("ci_high")),
            _dumps(summary.get("components")),
            _dumps(summary.get("weights")),
            evaluation_id,
        )
        return changed > 0

    async def beat_evaluation(self, evaluation_id: str, now: float) -> None:
        """The gateway running this evaluation is alive (see ``end_abandoned_evaluations``)."""
        await self.database.execute(
            "UPDATE evaluations SET heartbeat_at = ? WHERE id = ?", float(now), evaluation_id
        )

    async def end_abandoned_evaluations(self, *, now: float, silent_for_s: float) -> list[str]:
        """End as ``failed`` the runs whose gateway has not beaten their heart (or, never
        having beaten it, not started them) for ``silent_for_s``: it stopped without ending
        them. A last ``failed`` event tells their followers. Returns their ids."""
        rows = await self.database.fetch(
            "SELECT id FROM evaluations WHERE status IN ('running', 'cancelling') "
            "AND source = 'gateway' AND COALESCE(heartbeat_at, created_at) < ?",
            float(now - silent_for_s),
        )
        error = "abandoned: the gateway running it stopped before it ended"
        ended = []
        for (evaluation_id,) in rows:
            if await self.finish_evaluation(
                evaluation_id, status="failed", finished_at=now, error=error
            ):
                events = await self.evaluation_events(evaluation_id)
                seq = events[-1][0] + 1 if events else 0
                await self.add_evaluation_event(
                    evaluation_id, seq, {"event": "failed", "error": error}
                )
                ended.append(evaluation_id)
        return ended

    async def request_cancel(self, evaluation_id: str) -> bool:
        """Ask for a running run to stop: it becomes ``cancelling`` until the gateway running
        it has stopped it and stored its last event. False when it is not running."""
        changed = await self.database.execute(
            "UPDATE evaluations SET status = 'cancelling' WHERE id = ? AND status = 'running'",
            evaluation_id,
        )
        return changed > 0

    async def get_evaluation(self, evaluation_id: str) -> EvaluationRecord | None:
        row = await self.database.fetchone(
            f"SELECT {_EVALUATION_COLUMNS} FROM evaluations WHERE id = ?", evaluation_id
        )
        return _evaluation(row) if row else None

    async def list_evaluations(self, competitor_id: str | None = None) -> list[EvaluationRecord]:
        """Newest first, without the (large) per-task results."""
        where, args = ("WHERE competitor_id = ?", (competitor_id,)) if competitor_id else ("", ())
        rows = await self.database.fetch(
            f"SELECT {_EVALUATION_SUMMARY_COLUMNS} FROM evaluations {where} "
            "ORDER BY created_at DESC, id",
            *args,
        )
        return [_evaluation(row) for row in rows]

    async def full_suite_evaluations(self, suite_id: str) -> list[EvaluationRecord]:
        """Finished runs of every task of ``suite_id`` (never a subset), oldest first,
        without their per-task results: what the leaderboard is made of."""
        rows = await self.database.fetch(
            f"SELECT {_EVALUATION_SUMMARY_COLUMNS} FROM evaluations "
            "WHERE suite_id = ? AND status = 'finished' AND subset >= 100 "
            "AND composite IS NOT NULL ORDER BY finished_at, id",
            suite_id,
        )
        return [_evaluation(row) for row in rows]

    async def awaiting_evaluation(
        self, suite_id: str, *, min_subset: float, images_only: bool
    ) -> list[str]:
        """Active submitted competitors (only those without a ``url`` when ``images_only``)
        with no run on ``suite_id`` covering at least ``min_subset`` that is under way or
        finished, oldest submission first: the automatic-evaluation queue, read from the
        store so that it survives a restart (a run its stopping gateway cancelled, or that
        failed, leaves its competitor waiting)."""
        images = "AND c.url IS NULL " if images_only else ""
        rows = await self.database.fetch(
            f"SELECT c.id FROM competitors c WHERE c.status = 'active' {images}"
            "AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.competitor_id = c.id "
            "AND e.suite_id = ? AND e.subset >= ? "
            "AND e.status IN ('running', 'cancelling', 'finished')) "
            "ORDER BY c.submitted_at, c.id",
            suite_id,
            float(min_subset),
        )
        return [row[0] for row in rows]

    async def add_evaluation_event(self, evaluation_id: str, seq: int, event: dict) -> None:
        await self.database.execute(
            "INSERT INTO evaluation_events (evaluation_id, seq, event) VALUES (?, ?, ?)",
            evaluation_id,
            int(seq),
            json.dumps(event),
        )

    async def evaluation_events(
        self, evaluation_id: str, after: int = -1
    ) -> list[tuple[int, dict]]:
        rows = await self.database.fetch(
            "SELECT seq, event FROM evaluation_events WHERE evaluation_id = ? AND seq > ? "
            "ORDER BY seq",
            evaluation_id,
            int(after),
        )
        return [(seq, json.loads(event)) for seq, event in rows]

    # Champions ---------------------------------------------------------------------------

    async def champion_history(self) -> list[ChampionSpell]:
        rows = await self.database.fetch(
            "SELECT competitor_id, evaluation_id, since, until FROM champion_history "
            "ORDER BY since, competitor_id"
        )
        return [ChampionSpell(*row) for row in rows]

    async def crown(
        self, competitor_id: str, evaluation_id: str, at: float, *, replacing: str | None
    ) -> bool:
        """Make ``competitor_id`` the champion, if ``replacing`` still is (None: nobody).

        Compare-and-set, so that when two replicas decide at once only one spell opens;
        returns whether this call did it.
        """
        try:
            async with self.database.transaction() as session:
                if replacing is not None:
                    closed = await session.execute(
                        "UPDATE champion_history SET until = ?, is_open = NULL "
                        "WHERE is_open = 1 AND competitor_id = ?",
                        float(at),
                        replacing,
                    )
                    if not closed:
                        raise StoreConflict(f"'{replacing}' is no longer the champion")
                await session.execute(
                    "INSERT INTO champion_history (competitor_id, evaluation_id, since, is_open) "
                    "VALUES (?, ?, ?, 1)",
                    competitor_id,
                    evaluation_id,
                    float(at),
                )
        except StoreConflict:
            return False
        return True

    async def abdicate(self, competitor_id: str, at: float) -> bool:
        """Close ``competitor_id``'s open spell (it left the leaderboard)."""
        closed = await self.database.execute(
            "UPDATE champion_history SET until = ?, is_open = NULL "
            "WHERE is_open = 1 AND competitor_id = ?",
            float(at),
            competitor_id,
        )
        return closed > 0

    # Rewards ---------------------------------------------------------------------------

    async def component_calls_between(self, start: float, end: float) -> dict[str, int]:
        """Successful calls (status below 400) per component in ``[start, end)``: the
        usage marketplace rewards are attributed by."""
        rows = await self.database.fetch(
            "SELECT component_id, count(*) FROM component_calls "
            "WHERE called_at >= ? AND called_at < ? AND status < 400 GROUP BY component_id",
            float(start),
            float(end),
        )
        return {component_id: int(calls) for component_id, calls in rows}

    async def add_reward_period(
        self, policy: str, period: str, entries: list[RewardEntry], computed_at: float
    ) -> bool:
        """Store one period's payouts under ``policy``, once: a period already in the
        ledger is never rewritten (it may have been paid). False when it was there."""
        try:
            async with self.database.transaction() as session:
                if await session.fetchone(
                    "SELECT 1 FROM reward_ledger WHERE policy = ? AND period = ?", policy, period
                ):
                    return False
                await session.executemany(
                    f"INSERT INTO reward_ledger ({_REWARD_COLUMNS}) VALUES ({', '.join('?' * 11)})",
                    [_reward_row(entry, computed_at) for entry in entries],
                )
        except StoreConflict:
            return False  # another replica stored it first
        return True

    async def reward_ledger(self, policy: str | None = None) -> list[RewardEntry]:
        """The ledger, oldest period first; in a period, competitors by rank, then
        components by amount."""
        where, args = ("WHERE policy = ?", (policy,)) if policy else ("", ())
        rows = await self.database.fetch(
            f"SELECT {_REWARD_COLUMNS} FROM reward_ledger {where} "
            "ORDER BY period_start, policy, recipient_kind, rank, amount DESC, recipient_id",
            *args,
        )
        return [
            RewardEntry(
                period=period,
                period_start=start,
                period_end=end,
                policy=name,
                parameters=json.loads(parameters),
                recipient_kind=kind,
                recipient_id=recipient,
                rank=rank,
                amount=amount,
                basis=json.loads(basis),
            )
            for (
                period,
                start,
                end,
                name,
                parameters,
                kind,
                recipient,
                rank,
                amount,
                basis,
                _computed_at,
            ) in rows
        ]

    # Arena battles ----------------------------------------------------------------------

    async def add_battle(self, record: BattleRecord) -> None:
        await self.database.execute(
            "INSERT INTO arena_battles (id, client, competitor_a, competitor_b, body, "
            "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            record.id,
            record.client,
            record.competitor_a,
            record.competitor_b,
            record.body,
            float(record.created_at),
            float(record.expires_at),
        )

    async def get_battle(self, battle_id: str) -> BattleRecord | None:
        row = await self.database.fetchone(
            f"SELECT {_BATTLE_COLUMNS} FROM arena_battles WHERE id = ?", battle_id
        )
        return _battle(row) if row else None

    async def open_battle_stream(self, battle_id: str, side: str, now: float) -> bool:
        """Claim ``side``'s stream: true once per side, and only before the battle expires
        (a stream is an answer the competitor is paid to write: it is not replayed)."""
        opened, _ = _SIDES[side]
        changed = await self.database.execute(
            f"UPDATE arena_battles SET {opened} = ? "
            f"WHERE id = ? AND {opened} IS NULL AND expires_at > ?",
            float(now),
            battle_id,
            float(now),
        )
        return changed > 0

    async def finish_battle_stream(self, battle_id: str, side: str, style: dict[str, int]) -> None:
        _, column = _SIDES[side]
        await self.database.execute(
            f"UPDATE arena_battles SET {column} = ? WHERE id = ?", _dumps(style), battle_id
        )

    async def vote_battle(self, battle_id: str, winner: str, now: float) -> bool:
        """Record the battle's one vote, which reveals who answered. Compare-and-set: false
        when it is voted already, revealed, expired or not yet answered on both sides
        (``get_battle`` tells which). The request body is not kept past the vote."""
        changed = await self.database.execute(
            "UPDATE arena_battles SET winner = ?, voted_at = ?, revealed_at = ?, body = NULL "
            "WHERE id = ? AND winner IS NULL AND revealed_at IS NULL AND expires_at > ? "
            "AND style_a IS NOT NULL AND style_b IS NOT NULL",
            winner,
            float(now),
            float(now),
            battle_id,
            float(now),
        )
        return changed > 0

    async def reveal_battle(self, battle_id: str, now: float) -> bool:
        """Show who answered without a vote: the battle can no longer be voted on."""
        changed = await self.database.execute(
            "UPDATE arena_battles SET revealed_at = ?, body = NULL "
            "WHERE id = ? AND revealed_at IS NULL",
            float(now),
            battle_id,
        )
        return changed > 0

    async def battle_votes(self) -> list[BattleRecord]:
        """Every voted battle, oldest vote first, without request bodies."""
        rows = await self.database.fetch(
            f"SELECT {_BATTLE_COLUMNS} FROM arena_battles WHERE winner IS NOT NULL "
            "ORDER BY voted_at, id"
        )
        return [_battle(row) for row in rows]

    async def battle_vote_count(self) -> int:
        row = await self.database.fetchone(
            "SELECT count(*) FROM arena_battles WHERE winner IS NOT NULL"
        )
        return int(row[0]) if row else 0

    async def delete_expired_battles(self, now: float) -> int:
        """Forget battles that expired without a vote; voted ones are the board."""
        return await self.database.execute(
            "DELETE FROM arena_battles WHERE winner IS NULL AND expires_at <= ?", float(now)
        )


_FLOAT_EVALUATION_FIELDS = ("subset", "created_at", "composite", "ci_low", "ci_high", "finished_at")


_REWARD_COLUMNS = (
    "period, period_start, period_end, policy, parameters, recipient_kind, recipient_id, "
    "rank, amount, basis, computed_at"
)


def _reward_row(entry: RewardEntry, computed_at: float) -> tuple[Any, ...]:
    return (
        entry.period,
        float(entry.period_start),
        float(entry.period_end),
        entry.policy,
        json.dumps(entry.parameters, sort_keys=True),
        entry.recipient_kind,
        entry.recipient_id,
        entry.rank,
        float(entry.amount),
        json.dumps(entry.basis, sort_keys=True),
        float(computed_at),
    )


def _evaluation_value(name: str, record: EvaluationRecord) -> Any:
    """A field as its column holds it: JSON as text, floats as floats (PostgreSQL is strict
    about parameter types)."""
    value = getattr(record, name)
    if name in _JSON_EVALUATION_FIELDS:
        return _dumps(value)
    if name in _FLOAT_EVALUATION_FIELDS:
        return _float(value)
    return value


def summarize_result(result: dict[str, Any]) -> dict[str, Any]:
    """The columns the leaderboard needs, out of a janus-bench result (CONTRACTS A)."""
    suite = result.get("suite") or {}
    ci = result.get("ci") or {}
    return {
        "suite_version": _text(suite.get("version")),
        "suite_hash": _text(suite.get("hash")),
        "composite": result.get("composite"),
        "ci_low": ci.get("low"),
        "ci_high": ci.get("high"),
        "components": result.get("components"),
        "weights": result.get("weights"),
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
