"""The local search index: an SQLite FTS5 table ranked with BM25.

Synchronous on purpose: ``janus search index`` calls it directly, and the gateway's
``local`` backend calls it from its worker threads, never from the event loop. The index
is in WAL mode so the gateway keeps answering while an operator re-indexes.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from janus.platform.backends import SearchResult
from janus.platform.search.indexing import Document

# ``documents`` owns the rows (url is the identity that makes re-indexing an update);
# ``documents_fts`` is an external-content FTS5 index over it, kept in step by triggers.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
    title, body, content='documents', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS documents_inserted AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER IF NOT EXISTS documents_deleted AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER IF NOT EXISTS documents_updated AFTER UPDATE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO documents_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
"""

# A match in the title counts twice as much as one in the body.
_SEARCH = """
SELECT d.title, d.url, snippet(documents_fts, 1, '', '', '…', 32),
       bm25(documents_fts, 2.0, 1.0) AS rank
FROM documents_fts JOIN documents AS d ON d.id = documents_fts.rowid
WHERE documents_fts MATCH ?
ORDER BY rank
LIMIT ?
"""

_WORD = re.compile(r"\w+")


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # by add(..., replace=True)

    @property
    def indexed(self) -> int:
        return self.added + self.updated + self.unchanged


class UnusableIndex(Exception):
    """The index cannot be opened or created: unwritable place, or a file that is not one."""


def create(path: Path) -> sqlite3.Connection:
    """Open the index at ``path`` for writing, creating the file and schema if needed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise UnusableIndex(f"{path}: cannot open the search index ({exc})") from None
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.executescript(_SCHEMA)
    except sqlite3.Error as exc:
        connection.close()
        raise UnusableIndex(f"{path}: not a usable search index ({exc})") from None
    return connection


def open_for_reading(path: Path) -> sqlite3.Connection:
    """A connection that can only read (the schema must exist: see ``create``).

    ``check_same_thread`` is off only so that the owner can close it from another thread
    once the worker that used it has stopped.
    """
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA query_only = ON")
    return connection


def add(
    connection: sqlite3.Connection, documents: Iterable[Document], *, replace: bool = False
) -> IndexReport:
    """Insert or update ``documents`` by URL in one transaction: if reading them fails
    halfway (a malformed line), the index is left as it was."""
    report = IndexReport()
    connection.execute("BEGIN IMMEDIATE")
    try:
        if replace:
            report.removed = connection.execute("DELETE FROM documents").rowcount
        for document in documents:
            _upsert(connection, document, report)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return report


def _upsert(connection: sqlite3.Connection, document: Document, report: IndexReport) -> None:
    row = connection.execute(
        "SELECT title, body FROM documents WHERE url = ?", (document.url,)
    ).fetchone()
    if row is None:
        connection.execute(
            "INSERT INTO documents (url, title, body) VALUES (?, ?, ?)",
            (document.url, document.title, document.body),
        )
        report.added += 1
    elif row != (document.title, document.body):
        connection.execute(
            "UPDATE documents SET title = ?, body = ? WHERE url = ?",
            (document.title, document.body, document.url),
        )
        report.updated += 1
    else:
        report.unchanged += 1


def count(connection: sqlite3.Connection) -> int:
    return connection.execute("SELECT count(*) FROM documents").fetchone()[0]


def search(connection: sqlite3.Connection, query: str, top_k: int) -> list[SearchResult]:
    """The ``top_k`` best documents for ``query``, best first, score higher-is-better
    (FTS5's ``bm25()`` is lower-is-better, so its sign is flipped)."""
    expression = match_expression(query)
    if not expression:
        return []
    rows = connection.execute(_SEARCH, (expression, top_k)).fetchall()
    return [
        SearchResult(title, url, " ".join(snippet.split()), -rank)  # one line, like SearXNG's
        for title, url, snippet, rank in rows
    ]


def match_expression(query: str) -> str:
    """An FTS5 query for arbitrary user text.

    FTS5 has a query language of its own (AND, OR, NOT, NEAR, ``col:``, ``*``, quotes);
    user text must never be parsed as one, or ``"AND OR (`` is a syntax error. Each word
    becomes a quoted string, and any of them may match: BM25 then ranks documents with
    more of the (rarer) words first, which suits questions written as sentences.
    """
    words = dict.fromkeys(word.lower() for word in _WORD.findall(query))
    return " OR ".join(f'"{word}"' for word in words)
