"""Test double: an inference backend that answers from a script instead of a model.

Register it with ``ScriptedInferencePlugin()`` and select it with
``[platform.inference] backend = "scripted"``. ``ScriptedInference.respond`` decides the
answer for each request; tests replace it (it may return text or a full message dict).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

from janus.hookspecs import hookimpl
from janus.platform.backends import BackendContext

Reply = str | dict[str, Any]


def _echo_last_user_message(request: dict[str, Any]) -> Reply:
    last = request["messages"][-1].get("content")
    return f"scripted: {last}" if isinstance(last, str) else "scripted reply"


class ScriptedInference:
    respond: Callable[[dict[str, Any]], Reply] = staticmethod(_echo_last_user_message)
    requests: list[dict[str, Any]] = []

    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        models: list[str] = ["scripted-model"]

    def __init__(self, settings: Settings, context: BackendContext) -> None:
        self.settings = settings

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def describe(self) -> str:
        return "scripted inference (test double)"

    async def list_models(self) -> list[str]:
        return list(self.settings.models)

    def _message(self, request: dict[str, Any]) -> dict[str, Any]:
        type(self).requests.append(request)
        reply = type(self).respond(request)
        return {"role": "assistant", "content": reply} if isinstance(reply, str) else reply

    @staticmethod
    def _usage(request: dict[str, Any], message: dict[str, Any]) -> dict[str, int]:
        prompt = sum(len(str(m.get("content", "")).split()) for m in request["messages"])
        completion = len(str(message.get("content") or "").split()) + len(
            message.get("tool_calls") or []
        )
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        message = self._message(request)
        return {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.settings.models[0],
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
                }
            ],
            "usage": self._usage(request, message),
        }

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        message = self._message(request)

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": "chatcmpl-scripted",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": self.settings.models[0],
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        yield chunk({"role": "assistant"})
        for word in (message.get("content") or "").split(" "):
            if word:
                yield chunk({"content": word + " "})
        for index, call in enumerate(message.get("tool_calls") or []):
            yield chunk({"tool_calls": [{"index": index, **call}]})
        yield chunk({}, "tool_calls" if message.get("tool_calls") else "stop")
        yield {
            "id": "chatcmpl-scripted",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.settings.models[0],
            "choices": [],
            "usage": self._usage(request, message),
        }


class ScriptedInferencePlugin:
    @hookimpl
    def register_inference_backends(self, register):
        register("scripted", ScriptedInference)
