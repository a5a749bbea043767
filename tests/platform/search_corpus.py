"""A small corpus for the search tests (Markdown, text and JSON lines) and a way to index it
with the real ``janus search index`` command."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.core.clirun import run_janus

TIDES_URL = "https://papers.example/tides"
BM25_URL = "https://papers.example/bm25"

MARKDOWN = {
    "guides/sourdough.md": (
        "# Baking sourdough bread\n\nA starter of wild yeast and lactobacilli leavens the "
        "dough. Feed the starter with flour and water the day before baking.\n"
    ),
    "guides/rust.markdown": (
        "```sh\n# not the title: a shell comment\ncargo build\n```\n\n"
        "# Ownership in Rust\n\nEvery value has one owner; borrowing lends it out for a "
        "while, and the borrow checker proves no reference outlives its value.\n"
    ),
}
TEXT = {
    "notes/volcanoes.txt": (
        "Volcanoes erupt when pressure from gas-rich magma below the crust exceeds the "
        "strength of the rock above it.\n"
    ),
}
JSON_LINES = [
    {
        "url": TIDES_URL,
        "title": "How tides work",
        "text": "Tides are the rise and fall of sea levels, caused by the gravitational pull "
        "of the moon and the sun on the oceans.",
    },
    {
        "url": BM25_URL,
        "title": "Okapi BM25",
        "content": "BM25 is a ranking function that search engines use to estimate the "
        "relevance of documents to a given query.",
    },
]
DOCUMENT_COUNT = len(MARKDOWN) + len(TEXT) + len(JSON_LINES)


def write_corpus(root: Path) -> Path:
    for relative, text in {**MARKDOWN, **TEXT}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    lines = "\n".join(json.dumps(record) for record in JSON_LINES)
    (root / "papers.jsonl").write_text(lines + "\n\n", encoding="utf-8")  # a blank line is fine
    return root


def index(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m janus search index ARGS...``, as an operator would run it."""
    return run_janus("search", "index", *map(str, args), cwd=cwd)
