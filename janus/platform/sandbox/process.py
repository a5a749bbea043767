"""A running process's output as events, under a wall-clock deadline.

The deadline is a timer of its own, not a timeout on reading: a caller that stops reading
the stream (a stalled client) must not keep a command alive past its limit. Output beyond
``max_output_bytes`` per stream is still read, so the process never blocks on a full
pipe, but dropped. If the pipes stay open after the process ended (something it started
survived it, which the jail should make impossible), we stop waiting for them after
``EXIT_GRACE_S`` rather than hang.
"""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import AsyncGenerator, Callable
from typing import Literal

from janus.platform.sandbox.models import ExecEvent, ExecExit, ExecOutput

StreamName = Literal["stdout", "stderr"]
STREAMS: tuple[StreamName, StreamName] = ("stdout", "stderr")
READ_SIZE = 64 * 1024
QUEUED_CHUNKS = 16  # between the pipes and a slow reader: then the pipes push back
EXIT_GRACE_S = 5.0
POLL_S = 1.0


async def stream_process(
    process: asyncio.subprocess.Process,
    kill: Callable[[asyncio.subprocess.Process], None],
    wall_timeout_s: float,
    max_output_bytes: int,
) -> AsyncGenerator[ExecEvent, None]:
    """Yield the output of ``process`` (started with stdout and stderr pipes) as it comes,
    then its ``ExecExit``. ``kill(process)`` must end everything the process started."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    timed_out = False

    def on_deadline() -> None:
        nonlocal timed_out
        if process.returncode is None:
            timed_out = True
            kill(process)

    deadline = loop.call_later(wall_timeout_s, on_deadline)
    queue: asyncio.Queue[tuple[StreamName, bytes] | None] = asyncio.Queue(QUEUED_CHUNKS)
    pumps = {
        name: asyncio.create_task(_pump(name, getattr(process, name), queue, max_output_bytes))
        for name in STREAMS
    }
    decoders = {name: codecs.getincrementaldecoder("utf-8")("replace") for name in STREAMS}
    ended_at: float | None = None
    try:
        open_streams = len(pumps)
        while open_streams:
            try:
                item = await asyncio.wait_for(queue.get(), POLL_S)
            except TimeoutError:
                if process.returncode is not None:
                    ended_at = ended_at or loop.time()
                    if loop.time() - ended_at > EXIT_GRACE_S:
                        break
                continue
            if item is None:
                open_streams -= 1
                continue
            name, chunk = item
            if text := decoders[name].decode(chunk):
                yield ExecOutput(name, text)
        for name in STREAMS:
            if text := decoders[name].decode(b"", final=True):
                yield ExecOutput(name, text)
        returncode = await process.wait()
        yield ExecExit(
            exit_code=returncode if returncode >= 0 else 128 - returncode,
            duration_seconds=round(loop.time() - started, 3),
            timed_out=timed_out,
            stdout_truncated=_dropped_output(pumps["stdout"]),
            stderr_truncated=_dropped_output(pumps["stderr"]),
        )
    finally:
        deadline.cancel()
        if process.returncode is None:
            kill(process)
        for pump in pumps.values():
            pump.cancel()


async def _pump(
    name: StreamName,
    reader: asyncio.StreamReader,
    queue: asyncio.Queue[tuple[StreamName, bytes] | None],
    limit: int,
) -> bool:
    """Move one pipe's output to ``queue`` up to ``limit`` bytes; True if some was dropped."""
    kept = 0
    truncated = False
    while chunk := await reader.read(READ_SIZE):
        room = limit - kept
        truncated = truncated or len(chunk) > room
        if room > 0:
            kept += min(room, len(chunk))
            await queue.put((name, chunk[:room]))
    await queue.put(None)
    return truncated


def _dropped_output(pump: asyncio.Task[bool]) -> bool:
    return pump.done() and pump.result()
