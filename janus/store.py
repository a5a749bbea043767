"""Durable state: artifact metadata and the platform's metering records.

SQLite by default (a file under the data directory). All SQLite work runs on one
dedicated thread, so the event loop never waits on the disk and the connection is only
ever used by the thread that opened it. Migrations are numbered and applied in order at
start-up; ``PRAGMA user_version`` records how far a database has come.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        competitor_id TEXT NOT NULL,
        type TEXT NOT NULL,
        mime_type TEXT NOT NULL,
        display_name TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX artifacts_expires_at ON artifacts (expires_at);
    CREATE TABLE metering (
        request_id TEXT,
        competitor_id TEXT NOT NULL,
        recorded_at REAL NOT NULL,
        metered TEXT NOT NULL
    );
    CREATE INDEX metering_request ON metering (request_id);
    """,
)


@dataclass(frozen=True)
class ArtifactRecord:
    id: str
    request_id: str
    competitor_id: str
    type: str
    mime_type: str
    display_name: str
    size_bytes: int
    sha256: str
    created_at: int
    expires_at: int


_ARTIFACT_COLUMNS = ", ".join(field.name for field in fields(ArtifactRecord))


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="janus-store")
        self._connection: sqlite3.Connection | None = None

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def on_store_thread() -> T:
            assert self._connection is not None, "Store.open() first"
            with self._connection:
                return work(self._connection)

        return await asyncio.get_running_loop().run_in_executor(self._executor, on_store_thread)

    async def open(self) -> None:
        def connect() -> None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(self.path)
            self._connection.execute("PRAGMA journal_mode=WAL")
            _migrate(self._connection)

        await asyncio.get_running_loop().run_in_executor(self._executor, connect)

    async def close(self) -> None:
        if self._connection is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._connection.close)
            self._connection = None
        self._executor.shutdown(wait=True)

    async def add_artifact(self, record: ArtifactRecord) -> None:
        placeholders = ", ".join("?" * len(fields(ArtifactRecord)))
        await self._run(
            lambda db: db.execute(
                f"INSERT INTO artifacts ({_ARTIFACT_COLUMNS}) VALUES ({placeholders})",
                astuple(record),
            )
        )

    async def get_artifact(self, artifact_id: str) -> ArtifactRecord | None:
        row = await self._run(
            lambda db: db.execute(
                f"SELECT {_ARTIFACT_COLUMNS} FROM artifacts WHERE id = ?", (artifact_id,)
            ).fetchone()
        )
        return ArtifactRecord(*row) if row else None

    async def delete_expired_artifacts(self, now: int) -> list[str]:
        def delete(db: sqlite3.Connection) -> list[str]:
            ids = [
                row[0]
                for row in db.execute("SELECT id FROM artifacts WHERE expires_at <= ?", (now,))
            ]
            db.executemany("DELETE FROM artifacts WHERE id = ?", [(i,) for i in ids])
            return ids

        return await self._run(delete)

    async def record_metering(self, rows: list[tuple[str | None, str, float, dict[str, Any]]]):
        """Store (request id, competitor id, time, metered dict) rows for the bench."""
        await self._run(
            lambda db: db.executemany(
                "INSERT INTO metering (request_id, competitor_id, recorded_at, metered) "
                "VALUES (?, ?, ?, ?)",
                [(rid, cid, at, json.dumps(metered)) for rid, cid, at, metered in rows],
            )
        )

    async def metering_for(self, request_id: str) -> list[dict[str, Any]]:
        rows = await self._run(
            lambda db: db.execute(
                "SELECT metered FROM metering WHERE request_id = ? ORDER BY rowid", (request_id,)
            ).fetchall()
        )
        return [json.loads(row[0]) for row in rows]


def _migrate(connection: sqlite3.Connection) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with connection:
            connection.executescript(script)
            connection.execute(f"PRAGMA user_version = {number}")
