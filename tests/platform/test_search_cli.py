"""``janus search index``, run for real: what it indexes, where, re-indexing, and mistakes
(exit code 2, one ``Error:`` line naming the file and line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from janus.platform.search import fts
from tests.core.clirun import assert_one_line_error, janus_env, run_janus
from tests.platform.search_corpus import (
    BM25_URL,
    DOCUMENT_COUNT,
    TIDES_URL,
    index,
    write_corpus,
)


def documents(index_file: Path) -> dict[str, tuple[str, str]]:
    """url → (title, body) of everything in the index."""
    connection = fts.open_for_reading(index_file)
    try:
        rows = connection.execute("SELECT url, title, body FROM documents").fetchall()
    finally:
        connection.close()
    return {url: (title, body) for url, title, body in rows}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


def test_indexes_markdown_text_and_json_lines(tmp_path, corpus):
    index_file = tmp_path / "index.sqlite3"
    result = index(corpus, "--index", index_file, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"Indexed 5 documents into {index_file} (5 new, 0 updated, 0 unchanged); "
        "the index holds 5 documents."
    )
    found = documents(index_file)
    assert len(found) == DOCUMENT_COUNT
    titles = {url: title for url, (title, _) in found.items()}
    assert not any(str(tmp_path) in url for url in found)  # nothing of the host's layout
    assert titles["corpus://corpus/guides/sourdough.md"] == "Baking sourdough bread"
    # a "# " line inside a code fence is a comment, not the title
    assert titles["corpus://corpus/guides/rust.markdown"] == "Ownership in Rust"
    assert titles["corpus://corpus/notes/volcanoes.txt"] == "volcanoes"
    assert titles[TIDES_URL] == "How tides work"
    assert found[BM25_URL][1].startswith("BM25 is a ranking function")  # "content" works too


def test_markdown_without_heading_is_titled_by_file_name(tmp_path):
    note = tmp_path / "meeting-notes.md"
    note.write_text("No heading here, just text.\n## Only a level-two heading\n")
    result = index(note, "--index", tmp_path / "i.sqlite3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    url = f"corpus://{tmp_path.name}/meeting-notes.md"  # no host path, only the folder's name
    assert documents(tmp_path / "i.sqlite3")[url][0] == "meeting-notes"


def test_base_url_replaces_file_urls_with_paths_under_it(tmp_path, corpus):
    index_file = tmp_path / "index.sqlite3"
    result = index(
        corpus, "--index", index_file, "--base-url", "https://docs.example/kb/", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert set(documents(index_file)) == {
        "https://docs.example/kb/guides/sourdough.md",
        "https://docs.example/kb/guides/rust.markdown",
        "https://docs.example/kb/notes/volcanoes.txt",
        TIDES_URL,
        BM25_URL,
    }


def test_reindexing_updates_documents_instead_of_adding_copies(tmp_path, corpus):
    index_file = tmp_path / "index.sqlite3"
    assert index(corpus, "--index", index_file, cwd=tmp_path).returncode == 0
    again = index(corpus, "--index", index_file, cwd=tmp_path)
    assert "(0 new, 0 updated, 5 unchanged); the index holds 5 documents." in again.stdout

    (corpus / "notes/volcanoes.txt").write_text("Volcanoes: revised notes on lava.\n")
    changed = index(corpus, "--index", index_file, cwd=tmp_path)
    assert "(0 new, 1 updated, 4 unchanged); the index holds 5 documents." in changed.stdout
    found = documents(index_file)
    assert len(found) == 5
    assert found["corpus://corpus/notes/volcanoes.txt"][1] == "Volcanoes: revised notes on lava.\n"
    connection = fts.open_for_reading(index_file)
    try:  # the full-text index followed the update: old words gone, new ones found
        assert fts.search(connection, "magma", 5) == []
        assert [r.url for r in fts.search(connection, "lava", 5)] == [
            "corpus://corpus/notes/volcanoes.txt"
        ]
    finally:
        connection.close()


def test_replace_starts_from_an_empty_index(tmp_path, corpus):
    index_file = tmp_path / "index.sqlite3"
    assert index(corpus, "--index", index_file, cwd=tmp_path).returncode == 0
    result = index(corpus / "papers.jsonl", "--index", index_file, "--replace", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "(2 new, 0 updated, 0 unchanged; 5 removed first); the index holds 2" in result.stdout
    assert set(documents(index_file)) == {TIDES_URL, BM25_URL}


def test_default_index_is_under_the_configured_data_dir(tmp_path, corpus):
    data = tmp_path / "data"
    config = tmp_path / "janus.toml"
    config.write_text(f'[platform]\ndata_dir = "{data}"\n')
    result = index(corpus, "--config", config, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = data / "search" / "local" / "index.sqlite3"
    assert f"into {expected} " in result.stdout
    assert len(documents(expected)) == 5


def test_index_path_from_config_found_through_janus_config(tmp_path, corpus):
    configured = tmp_path / "elsewhere" / "kb.sqlite3"
    config = tmp_path / "gateway.toml"
    config.write_text(f'[platform.search.local]\nindex_path = "{configured}"\n')
    result = run_janus(
        "search", "index", str(corpus), cwd=tmp_path, env=janus_env(JANUS_CONFIG=str(config))
    )
    assert result.returncode == 0, result.stderr
    assert len(documents(configured)) == 5


def _bad_line(corpus: Path) -> Path:
    (corpus / "papers.jsonl").write_text(
        json.dumps({"url": "https://x.example/1", "text": "fine"}) + "\n{not json\n"
    )
    return corpus


def _file(name: str, content: str | bytes):
    def make(corpus: Path) -> Path:
        path = corpus / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return make


def _dangling_link(corpus: Path) -> Path:
    (corpus / "gone.md").symlink_to(corpus / "deleted-target.md")
    return corpus


def _empty_dir(corpus: Path) -> Path:
    (corpus / "empty").mkdir()
    return corpus / "empty"


BAD_INPUT = {
    "missing-path": (lambda corpus: corpus / "missing", "missing: no such file or directory"),
    "malformed-json-line": (_bad_line, "papers.jsonl:2: not valid JSON"),
    "no-text": (_file("a.jsonl", '{"url": "u"}\n'), 'a.jsonl:1: needs a string "text"'),
    "no-url": (_file("a.jsonl", '{"text": "t"}\n'), 'a.jsonl:1: needs a non-empty string "url"'),
    "not-an-object": (_file("a.jsonl", "[1, 2]\n"), "a.jsonl:1: expected a JSON object"),
    "unsupported-type": (_file("doc.pdf", "%PDF"), "doc.pdf: unsupported file type"),
    "not-utf8": (_file("latin1.md", b"caf\xe9\n"), "latin1.md: not UTF-8 text"),
    "unreadable": (_dangling_link, "gone.md: cannot read: No such file or directory"),
    "nothing-to-index": (_empty_dir, "empty: no .md, .markdown, .txt or .jsonl files"),
}


@pytest.mark.parametrize(("make", "fragment"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_exits_2_with_one_line_naming_file_and_line(tmp_path, corpus, make, fragment):
    result = index(make(corpus), "--index", tmp_path / "index.sqlite3", cwd=tmp_path)
    assert_one_line_error(result, fragment)


def test_a_bad_line_leaves_the_index_as_it_was(tmp_path, corpus):
    index_file = tmp_path / "index.sqlite3"
    assert index(corpus, "--index", index_file, cwd=tmp_path).returncode == 0
    before = documents(index_file)
    _bad_line(corpus)
    assert_one_line_error(index(corpus, "--index", index_file, "--replace", cwd=tmp_path))
    assert documents(index_file) == before


def test_bad_local_settings_in_the_config_exit_2(tmp_path, corpus):
    config = tmp_path / "janus.toml"
    config.write_text("[platform.search.local]\nindex_file = 'x'\n")
    result = index(corpus, "--config", config, cwd=tmp_path)
    assert_one_line_error(result, str(config), "platform.search.local.index_file: unknown key")


def test_a_file_that_is_not_an_index_exits_2(tmp_path, corpus):
    not_an_index = tmp_path / "notes.sqlite3"
    not_an_index.write_text("just text, not SQLite " * 100)
    result = index(corpus, "--index", not_an_index, cwd=tmp_path)
    assert_one_line_error(result, "notes.sqlite3: not a usable search index")
