"""What the store needs from a database: a few statements, transactions, one error.

The queries are written once (``?`` placeholders, portable types) in ``janus.store.store``;
each backend runs them its own way. ``Session`` is the part that both a database and one of
its transactions offer, so a query does not care whether it runs inside a transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

Row = tuple[Any, ...]


class StoreConflict(Exception):
    """A write broke a uniqueness rule (the id exists, someone else was faster)."""


@dataclass(frozen=True)
class Dialect:
    name: str
    # The column that orders rows of append-only tables by insertion.
    insertion_order: str


class Session(Protocol):
    dialect: Dialect

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one statement; return how many rows it changed."""

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def fetchone(self, sql: str, *args: Any) -> Row | None: ...


class Database(Session, Protocol):
    async def open(self) -> None:
        """Connect and bring the schema up to date (migrations run here)."""

    async def close(self) -> None: ...

    def transaction(self) -> AbstractAsyncContextManager[Session]:
        """All statements on the yielded session commit together or not at all."""
