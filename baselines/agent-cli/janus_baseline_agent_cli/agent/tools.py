"""What the agent's tool calls do, inside the workspace.

Commands run in a process group of their own with their output in a temporary file: a
timeout kills the whole group (also what it started in the background), and a command
that prints gigabytes costs disk up to the sandbox's file-size limit, never the agent's
memory. The model sees at most ``max_output_chars`` of any result, head and tail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

AGENT_DIR = ".agent"  # the pack and this package; not the user's business
MAX_LISTED = 200


@dataclass(frozen=True)
class ToolResult:
    ok: bool
    output: str
    exit_code: int | None = None


class ToolError(Exception):
    """A tool call that cannot run as asked; the message goes back to the model."""


class Toolbox:
    def __init__(self, workspace: Path, max_output_chars: int, env: dict[str, str]) -> None:
        self.workspace = workspace
        self.max_output_chars = max_output_chars
        self.env = env
        self._tools: dict[str, Callable[[dict[str, Any], float], ToolResult]] = {
            "bash": self.bash,
            "python": self.python,
            "read_file": self.read_file,
            "write_file": self.write_file,
            "list_files": self.list_files,
        }

    @property
    def names(self) -> set[str]:
        return set(self._tools)

    def run(self, name: str, arguments: dict[str, Any], timeout: float) -> ToolResult:
        tool = self._tools.get(name)
        if tool is None:
            return ToolResult(False, f"unknown tool {name!r}; use one of {sorted(self._tools)}")
        try:
            return tool(arguments, timeout)
        except ToolError as exc:
            return ToolResult(False, str(exc))
        except OSError as exc:
            return ToolResult(False, f"{type(exc).__name__}: {exc}")

    # The tools -------------------------------------------------------------------------

    def bash(self, arguments: dict[str, Any], timeout: float) -> ToolResult:
        shell = shutil.which("bash") or "/bin/sh"
        return self._command([shell, "-c", _text(arguments, "command")], None, timeout)

    def python(self, arguments: dict[str, Any], timeout: float) -> ToolResult:
        code = _text(arguments, "code").encode()
        return self._command([sys.executable, "-"], code, timeout)

    def read_file(self, arguments: dict[str, Any], timeout: float) -> ToolResult:
        path = self._path(_text(arguments, "path"))
        with path.open("rb") as file:
            head = file.read(8192)
            if b"\0" in head:
                size = path.stat().st_size
                return ToolResult(True, f"{path} is a binary file of {size} bytes")
            file.seek(0)
            return ToolResult(True, _clipped_text(file, self.max_output_chars))

    def write_file(self, arguments: dict[str, Any], timeout: float) -> ToolResult:
        path = self._path(_text(arguments, "path"))
        data = _text(arguments, "content", allow_empty=True).encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return ToolResult(True, f"wrote {len(data)} bytes to {path}")

    def list_files(self, arguments: dict[str, Any], timeout: float) -> ToolResult:
        root = self._path(str(arguments.get("path") or "."))
        if not root.is_dir():
            raise ToolError(f"{root} is not a directory")
        lines = []
        for directory, subdirectories, files in os.walk(root):
            here = Path(directory)
            if here == self.workspace:
                subdirectories[:] = [d for d in subdirectories if d != AGENT_DIR]
            subdirectories.sort()
            for name in sorted(files):
                path = here / name
                with contextlib.suppress(OSError):
                    lines.append(f"{path.stat().st_size:>10}  {path.relative_to(root)}")
            if len(lines) > MAX_LISTED:
                lines = [*lines[:MAX_LISTED], f"... (more than {MAX_LISTED} files)"]
                break
        return ToolResult(True, "\n".join(lines) or f"{root} has no files")

    # Mechanics ---------------------------------------------------------------------------

    def _path(self, raw: str) -> Path:
        path = Path(raw)
        return path if path.is_absolute() else self.workspace / path

    def _command(self, argv: list[str], stdin: bytes | None, timeout: float) -> ToolResult:
        if timeout <= 0:
            return ToolResult(False, "not run: the time budget is used up")
        with tempfile.TemporaryFile() as output:
            process = subprocess.Popen(
                argv,
                cwd=self.workspace,
                env=self.env,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            timed_out = False
            try:
                process.communicate(stdin, timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                # The group also holds whatever the command left running in the background.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            output.seek(0)
            text = _clipped_text(output, self.max_output_chars)
        if timed_out:
            return ToolResult(False, f"{text}\n[killed: timed out after {timeout:.0f} s]", None)
        code = process.returncode
        return ToolResult(code == 0, f"{text}\n[exit code {code}]".lstrip("\n"), code)


def _text(arguments: dict[str, Any], name: str, allow_empty: bool = False) -> str:
    value = arguments.get(name)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ToolError(f"argument {name!r} must be a non-empty string")
    return value


def _clipped_text(file: IO[bytes], limit: int) -> str:
    """A file's text, or its first and last ``limit // 2`` bytes when it is longer."""
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(0)
    if size <= limit:
        return file.read().decode("utf-8", "replace")
    half = limit // 2
    head = file.read(half).decode("utf-8", "replace")
    file.seek(size - half)
    tail = file.read().decode("utf-8", "replace")
    return f"{head}\n[... {size - 2 * half} bytes cut ...]\n{tail}"
