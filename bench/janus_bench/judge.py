"""The optional LLM judge of ``judge`` checks: platform inference with a pinned model.

Opt-in (``RunOptions.judge_model``): a judge's grade is only as reproducible as its model,
so the run names the model, refuses to start if the platform does not serve it, and
records it in the result. The prompt is ``checks.judge_messages`` (fixed and hardened
against instructions inside the answer). Calls are metered to the bench's own key.
"""

from __future__ import annotations

import aiohttp

from janus_bench.checks import judge_messages, parse_judge_reply
from janus_bench.platform import PlatformService

INFERENCE = "/platform/v1"
JUDGE_MAX_TOKENS = 8


class JudgeUnavailable(Exception):
    """The platform cannot judge (unreachable, refused, or not serving the model)."""


class PlatformJudge:
    """``judge`` for ``checks.CheckContext``: (rubric, question, answer) -> 0..1."""

    def __init__(
        self, session: aiohttp.ClientSession, platform_url: str, key: str, model: str
    ) -> None:
        self._inference = PlatformService(session, platform_url, INFERENCE, key, JudgeUnavailable)
        self.model = model

    async def check_available(self) -> None:
        models = await self._inference.call("GET", "/models")
        served = [model.get("id") for model in models["data"]]
        if self.model not in served:
            raise JudgeUnavailable(
                f"the platform does not serve the judge model {self.model!r} "
                f"(it serves: {', '.join(map(str, served)) or 'none'})"
            )

    async def __call__(self, rubric: str, question: str, answer: str) -> float:
        body = {
            "model": self.model,
            "messages": judge_messages(rubric, question, answer),
            "max_tokens": JUDGE_MAX_TOKENS,
            "temperature": 0,
        }
        reply = await self._inference.call("POST", "/chat/completions", json=body)
        try:
            text = reply["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise JudgeUnavailable("the judge's reply has no message") from None
        grade = parse_judge_reply(text)
        return 0.0 if grade is None else grade  # a judge that does not grade gives nothing
