"""The embedded backend: one SQLite file, used from one dedicated thread.

All SQLite work runs on that thread, so the event loop never waits on the disk and the
connection is only ever used by the thread that opened it. An asyncio lock gives a
transaction the connection to itself until it commits. ``PRAGMA user_version`` records
how many migrations a database has had.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from janus.store.database import Dialect, Row, StoreConflict
from janus.store.migrations import MIGRATIONS

T = TypeVar("T")
SQLITE = Dialect("sqlite", insertion_order="rowid")
_UNIQUENESS = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


class _Statements:
    """Statements on the store thread's connection (callers hold the lock)."""

    dialect = SQLITE

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database

    async def execute(self, sql: str, *args: Any) -> int:
        return await self._database._on_thread(lambda db: db.execute(sql, args).rowcount)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        await self._database._on_thread(lambda db: db.executemany(sql, rows))

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return await self._database._on_thread(lambda db: db.execute(sql, args).fetchall())

    async def fetchone(self, sql: str, *args: Any) -> Row | None:
        return await self._database._on_thread(lambda db: db.execute(sql, args).fetchone())


class SqliteDatabase:
    dialect = SQLITE

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="janus-store")
        self._connection: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()
        self._statements = _Statements(self)

    async def _on_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def run() -> T:
            assert self._connection is not None, "open() the store first"
            try:
                return work(self._connection)
            except sqlite3.IntegrityError as exc:
                if exc.sqlite_errorname in _UNIQUENESS:
                    raise StoreConflict(str(exc)) from None
                raise

        return await asyncio.get_running_loop().run_in_executor(self._executor, run)

    async def open(self) -> None:
        def connect() -> None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: each statement commits alone unless a transaction is open.
            self._connection = sqlite3.connect(self.path, isolation_level=None)
            self._connection.execute("PRAGMA journal_mode=WAL")
            _migrate(self._connection)

        await asyncio.get_running_loop().run_in_executor(self._executor, connect)

    async def close(self) -> None:
        if self._connection is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._connection.close)
            self._connection = None
        self._executor.shutdown(wait=True)

    async def execute(self, sql: str, *args: Any) -> int:
        async with self._lock:
            return await self._statements.execute(sql, *args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as session:
            await session.executemany(sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        async with self._lock:
            return await self._statements.fetch(sql, *args)

    async def fetchone(self, sql: str, *args: Any) -> Row | None:
        async with self._lock:
            return await self._statements.fetchone(sql, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Statements]:
        async with self._lock:
            await self._on_thread(lambda db: db.execute("BEGIN IMMEDIATE"))
            try:
                yield self._statements
            except BaseException:
                await asyncio.shield(self._on_thread(lambda db: db.execute("ROLLBACK")))
                raise
            await self._on_thread(lambda db: db.execute("COMMIT"))


def _migrate(connection: sqlite3.Connection) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        # executescript commits first and runs in autocommit, so the migration brackets
        # itself: its tables and the new version land together or not at all.
        connection.executescript(
            f"BEGIN; {migration.for_dialect('sqlite')}; PRAGMA user_version = {number}; COMMIT;"
        )
