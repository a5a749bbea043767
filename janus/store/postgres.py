"""The shared backend: PostgreSQL through an asyncpg connection pool.

Several gateway replicas can use one database. Migrations run at start-up under an
advisory lock, so replicas starting together apply each one exactly once; the
``janus_schema`` table records how far the database has come.
"""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from janus.store.database import Dialect, Row, StoreConflict
from janus.store.migrations import MIGRATIONS

POSTGRESQL = Dialect("postgresql", insertion_order="seq")
# Any constant will do; it only has to be the same for every replica.
_MIGRATION_LOCK = 0x4A414E5553


@functools.lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    """The store writes ``?`` placeholders; PostgreSQL wants ``$1, $2, ...``."""
    counter = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


def _rowcount(status: str) -> int:
    """asyncpg answers ``"UPDATE 3"``, ``"INSERT 0 1"``: the count is the last word."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _Connection:
    """Statements on one connection (the pool's, or a transaction's)."""

    dialect = POSTGRESQL

    def __init__(self, target: asyncpg.Pool | asyncpg.Connection) -> None:
        self._target = target

    async def execute(self, sql: str, *args: Any) -> int:
        try:
            return _rowcount(await self._target.execute(_numbered(sql), *args))
        except asyncpg.UniqueViolationError as exc:
            raise StoreConflict(str(exc)) from None

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            await self._target.executemany(_numbered(sql), list(rows))
        except asyncpg.UniqueViolationError as exc:
            raise StoreConflict(str(exc)) from None

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return [tuple(record) for record in await self._target.fetch(_numbered(sql), *args)]

    async def fetchone(self, sql: str, *args: Any) -> Row | None:
        record = await self._target.fetchrow(_numbered(sql), *args)
        return tuple(record) if record is not None else None


class PostgresDatabase:
    dialect = POSTGRESQL

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._pool: asyncpg.Pool | None = None

    def _statements(self) -> _Connection:
        assert self._pool is not None, "open() the store first"
        return _Connection(self._pool)

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=10)
        async with self._pool.acquire() as connection, connection.transaction():
            await _migrate(connection)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def execute(self, sql: str, *args: Any) -> int:
        return await self._statements().execute(sql, *args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._statements().executemany(sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return await self._statements().fetch(sql, *args)

    async def fetchone(self, sql: str, *args: Any) -> Row | None:
        return await self._statements().fetchone(sql, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Connection]:
        assert self._pool is not None, "open() the store first"
        async with self._pool.acquire() as connection, connection.transaction():
            yield _Connection(connection)


async def _migrate(connection: asyncpg.Connection) -> None:
    await connection.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
    await connection.execute("CREATE TABLE IF NOT EXISTS janus_schema (version INTEGER NOT NULL)")
    version = await connection.fetchval("SELECT max(version) FROM janus_schema") or 0
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        await connection.execute(migration.for_dialect("postgresql"))
        await connection.execute("INSERT INTO janus_schema (version) VALUES ($1)", number)
