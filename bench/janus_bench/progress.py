"""A progress bar on stderr, written by hand (no dependency): redrawn in place on a
terminal, one line per task otherwise (logs, CI)."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.failures = 0

    def __call__(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "started":
            self._line(f"running {event['total']} task(s)", end="\n")
        elif kind == "task":
            self.failures += event.get("error") is not None
            done, total = event["done"], event["total"]
            filled = WIDTH * done // max(1, total)
            bar = "#" * filled + "." * (WIDTH - filled)
            status = "error" if event.get("error") else f"quality {event['quality']:.2f}"
            text = f"[{bar}] {done}/{total} {event['task_id']} ({status})"
            if self.failures:
                text += f" failed: {self.failures}"
            self._line(text, end="" if self.interactive and done < total else "\n")
        elif kind == "finished":
            self._line(f"finished: composite {event['composite']:.1f}", end="\n")

    def _line(self, text: str, end: str) -> None:
        if self.interactive:
            self.stream.write("\r\x1b[2K" + text + end)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
