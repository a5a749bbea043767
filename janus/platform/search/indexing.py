"""The operator's files as search documents: Markdown, plain text and JSON lines.

Documents are produced lazily so that a large corpus streams into the index. Bad input
raises ``DocumentError`` naming the file (and line); the caller rolls its transaction
back, so a half-read corpus never reaches the index.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
SUFFIXES = (".md", ".markdown", ".txt", ".jsonl")

_HEADING = re.compile(r"^ {0,3}# +(.*?)(?: +#+)? *$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


@dataclass(frozen=True)
class Document:
    """One searchable document; its ``url`` is its identity in the index."""

    url: str
    title: str
    body: str


class DocumentError(Exception):
    """A file (or one line of it) cannot be indexed; the message names it."""

    def __init__(self, path: Path, reason: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


def load_documents(root: Path, base_url: str | None = None) -> Iterator[Document]:
    """Every document in ``root``, a file or a directory tree.

    A file's URL is ``base_url`` plus its path relative to ``root`` when a base URL is
    given, else ``corpus://<root's name>/<path relative to root>``: stable either way, so
    indexing the same files again updates their documents instead of adding copies. Never
    the file's absolute path: search results go to competitors, and the layout of the
    operator's disk is none of theirs.
    """
    for path in _corpus_files(root):
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            yield from _json_lines(path)
            continue
        url = _file_url(path, root, base_url)
        text = _read_text(path)
        title = _markdown_title(text) if suffix in MARKDOWN_SUFFIXES else None
        yield Document(url, title or path.stem, text)


def _corpus_files(root: Path) -> list[Path]:
    if root.is_file():
        if root.suffix.lower() not in SUFFIXES:
            raise DocumentError(root, f"unsupported file type (expected {_expected()})")
        return [root]
    if not root.is_dir():
        raise DocumentError(root, "no such file or directory")

    def refuse(error: OSError) -> None:
        raise DocumentError(Path(error.filename or root), f"cannot read: {error.strerror}")

    found = []
    for directory, subdirectories, names in os.walk(root, onerror=refuse):
        # Hidden directories (.git, .venv) are tooling, not corpus.
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        found.extend(
            Path(directory, name)
            for name in sorted(names)
            if not name.startswith(".") and Path(name).suffix.lower() in SUFFIXES
        )
    if not found:
        raise DocumentError(root, f"no {_expected()} files in this directory")
    return found


def _expected() -> str:
    return ", ".join(SUFFIXES[:-1]) + " or " + SUFFIXES[-1]


CORPUS_SCHEME = "corpus://"


def _file_url(path: Path, root: Path, base_url: str | None) -> str:
    relative = path.relative_to(root).as_posix() if root.is_dir() else path.name
    if base_url is None:
        folder = (root if root.is_dir() else root.parent).resolve().name or "corpus"
        return f"{CORPUS_SCHEME}{quote(folder)}/{quote(relative)}"
    return f"{base_url.rstrip('/')}/{quote(relative)}"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DocumentError(path, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DocumentError(path, "not UTF-8 text") from None


def _markdown_title(text: str) -> str | None:
    """The first level-one ATX heading, ignoring ``#`` lines inside code fences (shell
    or Python comments)."""
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (heading := _HEADING.match(line)) and heading.group(1):
            return heading.group(1)
    return None


def _json_lines(path: Path) -> Iterator[Document]:
    try:
        with path.open(encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _json_document(path, number, line)
    except OSError as exc:
        raise DocumentError(path, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DocumentError(path, "not UTF-8 text") from None


def _json_document(path: Path, number: int, line: str) -> Document:
    """``{"url", "title"?, "text" | "content"}``; the title defaults to the URL."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DocumentError(path, f"not valid JSON ({exc.msg})", number) from None
    if not isinstance(record, dict):
        raise DocumentError(path, "expected a JSON object", number)
    url = record.get("url")
    if not isinstance(url, str) or not url.strip():
        raise DocumentError(path, 'needs a non-empty string "url"', number)
    body = record.get("text", record.get("content"))
    if not isinstance(body, str):
        raise DocumentError(path, 'needs a string "text" (or "content")', number)
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        raise DocumentError(path, '"title" must be a string', number)
    return Document(url.strip(), title or url.strip(), body)
