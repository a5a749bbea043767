"""Durable state: artifacts, meters, the competition and marketplace attribution.

One interface (``Store``) over two backends: SQLite, a file under the data directory (the
embedded default), and PostgreSQL when ``[store] url`` holds a DSN, which several gateway
replicas can share. Both run the same versioned migrations at start-up.
"""

from __future__ import annotations

from janus.config import Config, ConfigError
from janus.platform.app import data_dir
from janus.store.database import StoreConflict
from janus.store.postgres import PostgresDatabase
from janus.store.records import (
    EVALUATION_DONE,
    ArtifactRecord,
    BattleRecord,
    ChampionSpell,
    CompetitorRecord,
    EvaluationRecord,
    RewardEntry,
)
from janus.store.sqlite import SqliteDatabase
from janus.store.store import Store

SQLITE_FILE_NAME = "janus.sqlite3"
POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")

__all__ = [
    "EVALUATION_DONE",
    "ArtifactRecord",
    "BattleRecord",
    "ChampionSpell",
    "CompetitorRecord",
    "EvaluationRecord",
    "RewardEntry",
    "Store",
    "StoreConflict",
    "open_store",
]


def open_store(config: Config) -> Store:
    """The store ``config`` asks for, not yet connected: ``await store.open()`` connects
    and migrates (the gateway does it at start-up)."""
    url = config.store.url.strip()
    if not url:
        return Store(SqliteDatabase(data_dir(config) / SQLITE_FILE_NAME))
    if url.startswith(POSTGRESQL_SCHEMES):
        return Store(PostgresDatabase(url))
    raise ConfigError("store.url: must be empty (SQLite) or a postgresql:// DSN")
