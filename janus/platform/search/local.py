"""The ``local`` search backend: the FTS5 index an operator fills with ``janus search index``.

This is what makes research tasks reproducible offline. Queries run on a few worker
threads of the backend's own, each with its own connection (an sqlite3 connection
belongs to one thread), so searches never block the event loop and several run at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from janus.config import ConfigError
from janus.hookspecs import hookimpl
from janus.platform.backends import BackendContext, SearchResult
from janus.platform.search import fts

INDEX_FILE_NAME = "index.sqlite3"
READER_THREADS = 4


class LocalSearchBackend:
    class Settings(BaseModel):
        """``[platform.search.local]``."""

        model_config = ConfigDict(extra="forbid")
        # Default: <platform.data_dir>/search/local/index.sqlite3; ``~`` is expanded.
        index_path: str | None = None

    def __init__(self, settings: Settings, context: BackendContext) -> None:
        self.path = index_path(settings, context.data_dir)
        self._documents = 0
        self._readers = ThreadPoolExecutor(READER_THREADS, thread_name_prefix="janus-search")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()

    async def start(self) -> None:
        """Create the index if there is none yet, so a fresh gateway answers (with no
        results) instead of failing until someone indexes a corpus."""
        self._documents = await asyncio.to_thread(self._prepare)

    def _prepare(self) -> int:
        try:
            connection = fts.create(self.path)
        except fts.UnusableIndex as exc:
            raise ConfigError(f"platform.search.local: {exc}") from None
        try:
            return fts.count(connection)
        finally:
            connection.close()

    async def close(self) -> None:
        await asyncio.to_thread(self._readers.shutdown)  # lets queries in flight finish
        for connection in self._connections:
            connection.close()

    def describe(self) -> str:
        return f"local FTS5 index {self.path} ({self._documents} documents at start-up)"

    async def search(self, query: str, top_k: int) -> list[SearchResult]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self._search, query, top_k)

    def _search(self, query: str, top_k: int) -> list[SearchResult]:
        return fts.search(self._connection(), query, top_k)

    def _connection(self) -> sqlite3.Connection:
        """This worker thread's connection, opened on its first query."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = fts.open_for_reading(self.path)
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection


def index_path(settings: LocalSearchBackend.Settings, data_dir: Path) -> Path:
    """Where the index lives: the configured path, else the backend's data directory.
    ``janus search index`` resolves it the same way, so it fills the index the gateway
    reads."""
    if settings.index_path:
        return Path(settings.index_path).expanduser()
    return data_dir / INDEX_FILE_NAME


@hookimpl
def register_search_backends(register) -> None:
    register("local", LocalSearchBackend)
