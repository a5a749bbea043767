"""Scripted competitors for the bench tests: honest ones, and ones that try to game it.

Each answers a task with the ``reference`` of the tiny suite it was given (so every one of
them is right), and differs only in *how* it delivers the answer.
"""

from __future__ import annotations

import asyncio
import re

from aiohttp import web

from tests.scripted_competitor import DONE, Script, answer, ask_platform, chunk, sse

HONEST_USAGE = {"prompt_tokens": 40, "completion_tokens": 60, "total_tokens": 100}
ZERO_USAGE = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


def question_of(body: dict) -> str:
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") for part in content if part.get("type") == "text")


def answers_from(tasks: list[dict]):
    by_question = {task["messages"][-1]["content"]: task["reference"] for task in tasks}
    return lambda body: by_question.get(question_of(body), "I do not know.")


# Words of context the competitors send to the platform model per answer: enough that the
# metered spending shows in the cost score.
CONTEXT_WORDS = 3000


async def spend_on_platform(request: web.Request, prompt: str) -> None:
    """Use the platform's inference with the request's token, as a real competitor does,
    so the gateway meters some spending for this request."""
    await ask_platform(request, " ".join(["context"] * CONTEXT_WORDS) + " " + prompt)


def pieces(text: str) -> list[str]:
    """The text cut into word-sized pieces (whitespace kept), as a token stream is."""
    return re.findall(r"\S+\s*|\s+", text)


def token_stream(respond, *, usage: dict | None = HONEST_USAGE, pause_s: float = 0.005) -> Script:
    """Honest: platform inference, then the answer a piece at a time, then the usage."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        text = respond(body)
        await spend_on_platform(request, question_of(body))
        steps: list[bytes | float] = [chunk(role="assistant")]
        for piece in pieces(text):
            steps += [chunk(piece), pause_s]
        steps.append(chunk(finish="stop"))
        if usage is not None:
            steps.append(chunk(choices=[], usage=usage))
        steps.append(DONE)
        return await sse(*steps)(request, body)

    return script


def one_chunk(respond) -> Script:
    """The whole answer in one content event (after a silent wait)."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        text = respond(body)
        await spend_on_platform(request, question_of(body))
        return await sse(
            chunk(role="assistant"),
            chunk(text),
            chunk(finish="stop"),
            chunk(choices=[], usage=HONEST_USAGE),
            DONE,
        )(request, body)

    return script


def failing() -> Script:
    return answer(
        {"error": {"message": "boom", "type": "server_error", "param": None, "code": None}}, 500
    )


def in_band_error(respond) -> Script:
    """Starts answering, then fails in-band (as the contract says a late failure must)."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        error = b'data: {"error": {"message": "upstream broke", "type": "server_error"}}\n\n'
        return await sse(chunk("Partial "), chunk("answer "), error, DONE)(request, body)

    return script


def stalling() -> Script:
    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return script


def filler_then_answer(respond, *, ready_after_s: float, every_s: float, filler: str) -> Script:
    """Cheat: the answer is ready after ``ready_after_s``; until then ``filler`` every
    ``every_s`` (``"\\n"``, ``"Thinking..."``) to look fast and smooth, then the answer
    in one chunk."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        text = respond(body)
        await spend_on_platform(request, question_of(body))
        steps: list[bytes | float] = [chunk(role="assistant")]
        for _ in range(int(ready_after_s / every_s)):
            steps += [chunk(filler), every_s]
        steps += [chunk(text), chunk(finish="stop"), chunk(choices=[], usage=HONEST_USAGE), DONE]
        return await sse(*steps)(request, body)

    return script


def one_chunk_after(respond, *, ready_after_s: float) -> Script:
    """Honest but slow: waits until the answer is ready, then sends it in one chunk."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        text = respond(body)
        await spend_on_platform(request, question_of(body))
        return await sse(
            chunk(role="assistant"),
            ready_after_s,
            chunk(text),
            chunk(finish="stop"),
            chunk(choices=[], usage=HONEST_USAGE),
            DONE,
        )(request, body)

    return script
