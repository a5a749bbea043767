"""The suites a run can use: where they are, what they contain, and their content hash.

Public suites ship inside the package; the private test suite is a directory the operator
points at (``--private-path`` or ``$JANUS_BENCH_PRIVATE``) and is never shipped, so a run
asked for it refuses to start when it is missing instead of scoring nothing. Generated
suites (``janus_bench.generated``) exist nowhere: their items are written for each run
from a secret seed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from janus_bench.generated import GENERATED_SUITES, is_generated, load_generators, new_seed

PUBLIC_SUITES = ("public/train", "public/dev")
PRIVATE_SUITE = "private/test"
PRIVATE_ENV = "JANUS_BENCH_PRIVATE"
SUITE_FILE = "suite.toml"
TASKS_FILE = "tasks.jsonl"


class SuiteError(Exception):
    """The suite cannot be used; the message says why, for the user as it is."""


@dataclass(frozen=True)
class Suite:
    id: str
    version: str
    description: str
    hash: str
    path: Path | None  # None for a generated suite
    corpus: Path | None
    tasks: tuple[dict[str, Any], ...]
    # A generated suite's secret seed (never in the result) and what is recorded instead.
    seed: str | None = None
    generation: dict[str, str] | None = None

    def identity(self) -> dict[str, str]:
        """What every result records about the suite it came from."""
        return {"id": self.id, "version": self.version, "hash": self.hash}

    @property
    def kind(self) -> str:
        """``generated``, ``private`` or ``public``: what a leaderboard row says it came from."""
        if self.generation is not None:
            return "generated"
        return "private" if self.id == PRIVATE_SUITE else "public"


def package_dir() -> Path:
    return Path(str(resources.files("janus_bench")))


def shipped_corpus() -> Path:
    return package_dir() / "corpus"


def suite_dir(suite_id: str, private_path: str | None = None) -> Path:
    """Where ``suite_id`` lives; raises ``SuiteError`` for an unknown or missing suite."""
    if suite_id in PUBLIC_SUITES:
        return package_dir() / "suites" / suite_id
    if suite_id == PRIVATE_SUITE:
        location = private_path or os.environ.get(PRIVATE_ENV, "").strip()
        if not location:
            raise SuiteError(
                f"the {PRIVATE_SUITE} suite is not shipped: give its directory with "
                f"--private-path or ${PRIVATE_ENV}"
            )
        path = Path(location).expanduser()
        if not (path / SUITE_FILE).is_file() or not (path / TASKS_FILE).is_file():
            raise SuiteError(
                f"{PRIVATE_SUITE}: {path} has no {SUITE_FILE} and {TASKS_FILE}; "
                "refusing to run a suite that is not there"
            )
        return path
    known = ", ".join((*PUBLIC_SUITES, PRIVATE_SUITE, *GENERATED_SUITES))
    raise SuiteError(f"unknown suite '{suite_id}' (known: {known})")


def corpus_dir(path: Path) -> Path | None:
    """A suite's own ``corpus/`` if it has one, else the shipped research corpus."""
    own = path / "corpus"
    if own.is_dir():
        return own
    shipped = shipped_corpus()
    return shipped if shipped.is_dir() else None


def suite_hash(suite_toml: bytes, tasks_jsonl: bytes, corpus: Path | None) -> str:
    """``sha256(suite.toml + NUL + tasks.jsonl + NUL + corpus files in sorted order)``:
    the corpus is covered because research answers come from it."""
    digest = hashlib.sha256(suite_toml + b"\0" + tasks_jsonl + b"\0")
    if corpus is not None:
        for file in sorted(p for p in corpus.rglob("*") if p.is_file()):
            digest.update(file.read_bytes())
    return "sha256:" + digest.hexdigest()


def load_suite(suite_id: str, private_path: str | None = None, seed: str | None = None) -> Suite:
    """Read a stored suite, or generate a generated one for ``seed`` (a fresh secret
    seed when None)."""
    if is_generated(suite_id):
        return _generated_suite(suite_id, seed if seed is not None else new_seed())
    path = suite_dir(suite_id, private_path)
    try:
        suite_toml = (path / SUITE_FILE).read_bytes()
        tasks_jsonl = (path / TASKS_FILE).read_bytes()
    except OSError as exc:
        raise SuiteError(f"{suite_id}: cannot read the suite in {path}: {exc.strerror}") from None
    try:
        meta = tomllib.loads(suite_toml.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SuiteError(f"{path / SUITE_FILE}: not valid TOML: {exc}") from None
    if meta.get("id") != suite_id:
        raise SuiteError(f"{path / SUITE_FILE}: id is {meta.get('id')!r}, expected {suite_id!r}")
    tasks = _parse_tasks(path / TASKS_FILE, tasks_jsonl)
    corpus = corpus_dir(path)
    return Suite(
        id=suite_id,
        version=str(meta.get("version", "")),
        description=str(meta.get("description", "")),
        hash=suite_hash(suite_toml, tasks_jsonl, corpus),
        path=path,
        corpus=corpus,
        tasks=tasks,
    )


def _generated_suite(suite_id: str, seed: str) -> Suite:
    from janus_bench.generated import generate_tasks, mix_hash, seed_digest, tasks_hash

    generators = load_generators()
    if missing := sorted(set(GENERATED_SUITES[suite_id]) - set(generators)):
        raise SuiteError(f"{suite_id}: no task generator registered for {', '.join(missing)}")
    try:
        tasks = generate_tasks(suite_id, seed, generators)
    except ValueError as exc:
        raise SuiteError(f"{suite_id}: a generator failed: {exc}") from None
    return Suite(
        id=suite_id,
        version=suite_id.rpartition("/")[2].removeprefix("v"),
        description="items generated for this run from a secret seed",
        hash=mix_hash(suite_id, generators),
        path=None,
        corpus=None,
        tasks=tasks,
        seed=seed,
        generation={"seed_sha256": seed_digest(seed), "tasks_sha256": tasks_hash(tasks)},
    )


def _parse_tasks(source: Path, data: bytes) -> tuple[dict[str, Any], ...]:
    tasks = []
    seen: set[str] = set()
    for number, line in enumerate(data.decode().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            task = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{source}:{number}: not valid JSON: {exc.msg}") from None
        if not isinstance(task, dict) or not isinstance(task.get("id"), str):
            raise SuiteError(f"{source}:{number}: a task must be an object with a string id")
        if task["id"] in seen:
            raise SuiteError(f"{source}:{number}: duplicate task id {task['id']!r}")
        seen.add(task["id"])
        tasks.append(task)
    if not tasks:
        raise SuiteError(f"{source}: the suite has no tasks")
    return tuple(tasks)


def available_suites(private_path: str | None = None) -> list[dict[str, Any]]:
    """Every suite this installation can run, for ``janus-bench list-suites``."""
    listed = []
    for suite_id in (*PUBLIC_SUITES, PRIVATE_SUITE, *GENERATED_SUITES):
        try:
            suite = load_suite(suite_id, private_path)
        except SuiteError as exc:
            listed.append({"id": suite_id, "available": False, "reason": str(exc)})
            continue
        types: dict[str, int] = {}
        for task in suite.tasks:
            types[task.get("type", "?")] = types.get(task.get("type", "?"), 0) + 1
        listed.append(
            {
                **suite.identity(),
                "available": True,
                "description": suite.description,
                "tasks": len(suite.tasks),
                "types": types,
            }
        )
    return listed
