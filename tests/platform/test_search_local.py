"""The ``local`` backend directly: BM25 ranking, user text that is not FTS5 syntax, and
queries that stay off the event loop."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from janus.config import ConfigError
from janus.platform.backends import SearchBackend
from janus.platform.search import fts
from janus.platform.search.indexing import Document, load_documents
from janus.platform.search.local import LocalSearchBackend
from tests.platform.search_corpus import BM25_URL, TIDES_URL, write_corpus

# Each of these is an FTS5 syntax error (or worse) if passed through as a MATCH expression.
FTS5_SYNTAX = [
    '"AND OR (',
    "NEAR(",
    "title:tides",
    "tides*",
    "^moon",
    '"unterminated',
    "NOT",
    "a AND",
    "-moon +sun",
    "col:(x OR",
    "{title body}: moon",
    "''; DROP TABLE documents; --",
]


@pytest.fixture
def backend_factory(start_backend):
    async def start(**settings) -> LocalSearchBackend:
        return await start_backend(LocalSearchBackend, "data", **settings)

    return start


@pytest.fixture
def index_file(tmp_path: Path) -> Path:
    path = tmp_path / "index.sqlite3"
    connection = fts.create(path)
    fts.add(connection, load_documents(write_corpus(tmp_path / "corpus")))
    connection.close()
    return path


async def test_relevant_document_ranks_first_with_higher_is_better_scores(
    backend_factory, index_file
):
    backend = await backend_factory(index_path=str(index_file))
    assert isinstance(backend, SearchBackend)
    results = await backend.search("why does the sea level rise and fall", 5)
    assert results[0].url == TIDES_URL and results[0].title == "How tides work"
    assert all(r.score > 0 for r in results)
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    bm25 = await backend.search("ranking function for search engines", 5)
    assert bm25[0].url == BM25_URL
    assert "ranking function" in bm25[0].snippet


async def test_snippets_are_one_line_of_the_body(backend_factory, index_file):
    backend = await backend_factory(index_path=str(index_file))
    (sourdough,) = await backend.search("lactobacilli", 1)
    assert sourdough.snippet.startswith("# Baking sourdough bread A starter of wild yeast")


async def test_stemming_matches_other_word_forms(backend_factory, index_file):
    backend = await backend_factory(index_path=str(index_file))
    results = await backend.search("erupting volcano", 3)
    assert results[0].title == "volcanoes"


def test_title_matches_weigh_more_than_body_matches(tmp_path):
    connection = fts.create(tmp_path / "i.sqlite3")
    fts.add(
        connection,
        [
            Document("u:body", "Notes", "a page that mentions quartz once among other words"),
            Document("u:title", "Quartz", "a page about a mineral among other words here"),
        ],
    )
    assert [r.url for r in fts.search(connection, "quartz", 2)] == ["u:title", "u:body"]


async def test_top_k_limits_the_results(backend_factory, index_file):
    backend = await backend_factory(index_path=str(index_file))
    assert len(await backend.search("the of and a", 2)) == 2


@pytest.mark.parametrize("query", FTS5_SYNTAX)
async def test_fts5_syntax_in_user_text_is_searched_as_words(backend_factory, index_file, query):
    backend = await backend_factory(index_path=str(index_file))
    await backend.search(query, 5)  # no sqlite3.OperationalError


async def test_words_inside_fts5_syntax_still_match(backend_factory, index_file):
    backend = await backend_factory(index_path=str(index_file))
    assert (await backend.search("title:tides*", 5))[0].url == TIDES_URL


async def test_text_without_words_finds_nothing(backend_factory, index_file):
    backend = await backend_factory(index_path=str(index_file))
    assert await backend.search('"() * ^ :', 5) == []


async def test_queries_run_on_the_backends_threads_not_the_event_loop(
    backend_factory, index_file, monkeypatch
):
    threads: list[str] = []
    search = fts.search

    def recording(connection, query, top_k):
        threads.append(threading.current_thread().name)
        return search(connection, query, top_k)

    monkeypatch.setattr(fts, "search", recording)
    backend = await backend_factory(index_path=str(index_file))
    await backend.search("tides", 1)
    assert threads and threads[0].startswith("janus-search")


async def test_start_creates_an_empty_index_in_the_backend_data_dir(backend_factory, tmp_path):
    backend = await backend_factory()
    assert backend.path == tmp_path / "data" / "index.sqlite3" and backend.path.is_file()
    assert backend.describe().endswith("(0 documents at start-up)")
    assert await backend.search("anything", 5) == []


async def test_documents_indexed_while_running_are_found_without_a_restart(
    backend_factory, tmp_path
):
    backend = await backend_factory()
    assert await backend.search("obsidian", 5) == []
    connection = fts.create(backend.path)
    fts.add(connection, [Document("u:glass", "Obsidian", "volcanic glass")])
    connection.close()
    assert [r.url for r in await backend.search("obsidian", 5)] == ["u:glass"]


async def test_a_file_that_is_not_an_index_stops_start_up(backend_factory, tmp_path):
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_text("not a database " * 100)
    with pytest.raises(ConfigError, match=r"platform\.search\.local: .*bogus\.sqlite3"):
        await backend_factory(index_path=str(bogus))


def test_hidden_directories_are_not_indexed(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD.md").write_text("# tooling\n")
    (tmp_path / "page.md").write_text("# Page\n")
    assert [d.title for d in load_documents(tmp_path)] == ["Page"]
