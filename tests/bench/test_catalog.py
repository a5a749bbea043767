"""Finding and loading suites: the content hash, the private suite, malformed files."""

from __future__ import annotations

import hashlib

import pytest
from janus_bench.catalog import SuiteError, load_suite, suite_hash

from tests.bench.suite_builder import chat_task, write_suite


def test_the_hash_covers_suite_toml_tasks_and_the_corpus(tmp_path):
    path = write_suite(tmp_path / "s", [chat_task(1)])
    suite = load_suite("private/test", str(path))
    digest = hashlib.sha256(
        (path / "suite.toml").read_bytes()
        + b"\0"
        + (path / "tasks.jsonl").read_bytes()
        + b"\0"
        + (path / "corpus" / "facts.md").read_bytes()
    )
    assert suite.hash == "sha256:" + digest.hexdigest()
    assert suite.identity() == {"id": "private/test", "version": "7", "hash": suite.hash}
    assert [task["id"] for task in suite.tasks] == ["t-chat-001"]

    (path / "corpus" / "facts.md").write_text("# Facts\n\nThe moon of Zorb is Quell.\n")
    assert load_suite("private/test", str(path)).hash != suite.hash
    assert suite_hash(b"a", b"b", None) != suite_hash(b"a", b"c", None)


def test_the_private_suite_comes_from_the_flag_or_the_environment(tmp_path, monkeypatch):
    path = write_suite(tmp_path / "s", [chat_task(1)])
    monkeypatch.setenv("JANUS_BENCH_PRIVATE", str(path))
    assert load_suite("private/test").path == path
    monkeypatch.delenv("JANUS_BENCH_PRIVATE")
    with pytest.raises(SuiteError, match="not shipped"):
        load_suite("private/test")


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        ("not json\n", "tasks.jsonl:1: not valid JSON"),
        ('{"type": "chat"}\n', "string id"),
        ('{"id": "a"}\n{"id": "a"}\n', "tasks.jsonl:2: duplicate task id 'a'"),
        ("\n", "has no tasks"),
    ],
)
def test_malformed_suites_are_refused_with_the_line(tmp_path, tasks, message):
    path = write_suite(tmp_path / "s", [])
    (path / "tasks.jsonl").write_text(tasks)
    with pytest.raises(SuiteError, match=message):
        load_suite("private/test", str(path))


def test_a_suite_must_say_which_suite_it_is(tmp_path):
    path = write_suite(tmp_path / "s", [chat_task(1)], suite_id="public/dev")
    with pytest.raises(SuiteError, match="expected 'private/test'"):
        load_suite("private/test", str(path))


def test_unknown_suites_are_named():
    with pytest.raises(SuiteError, match="unknown suite 'public/test'"):
        load_suite("public/test")
