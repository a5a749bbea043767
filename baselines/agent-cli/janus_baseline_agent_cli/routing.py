"""Fast or agent: cheap rules first, a short model call only when they are unsure.

The fast path is one streamed model call; the agent path is a sandbox and many calls.
Rules catch the obvious cases for free. In between, the model classifies with a short
timeout. Any doubt left — an unclear or failed classification — goes to the agent:
slower, but able to check its work, which is the better way to be wrong.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any, Literal

import openai

from janus_baseline_agent_cli.answer import Usage
from janus_baseline_agent_cli.conversation import last_user_content, text_of

Path = Literal["fast", "agent"]

# Requests that want something run, computed, read or produced.
AGENT_WORDS = re.compile(
    r"\b(code|script|program|python|bash|shell|sql|regex|debug|compile|execute|csv|json|"
    r"xlsx?|excel|spreadsheet|pdf|dataset|data ?frame|files?|compute|calculate|simulate|"
    r"analy[sz]e|statistics|regression|plot|chart|graph|diagram|visuali[sz]e|create|"
    r"build|generate|convert|download)\b",
    re.IGNORECASE,
)
ARITHMETIC = re.compile(r"\d\s*[+*/^\u00d7\u00f7]\s*\d")  # also multiplication and division signs
CODE_FENCE = "```"
GREETING = re.compile(
    r"^\W*(hi|hello|hey|hiya|greetings|good (morning|afternoon|evening)|thanks|thank you|"
    r"how are you)\b",
    re.IGNORECASE,
)
QUESTION_START = re.compile(
    r"^\W*(who|what|when|where|which|why|how|is|are|was|were|do|does|did|can|could|should|"
    r"would|define|explain|tell me)\b",
    re.IGNORECASE,
)
GREETING_MAX_WORDS = 8
SHORT_QUESTION_MAX_WORDS = 25
TEXT_PARTS = {"text", "image_url"}  # a model reads these itself; other parts need tools

CLASSIFIER_PROMPT = (
    "You route requests for an AI assistant. Reply with exactly one word. Reply 'agent' "
    "if a good answer needs running code, reading or writing files or data, exact "
    "computation, or producing files such as plots or documents. Reply 'fast' if a "
    "direct answer from knowledge or plain writing is enough."
)
CLASSIFIED_CHARS = 4000


@dataclass(frozen=True)
class Decision:
    path: Path
    reason: str
    decided_by: Literal["rules", "model", "default"]

    def describe(self) -> str:
        return f"Route: {self.path} path ({self.decided_by}): {self.reason}.\n"


def by_rules(body: dict[str, Any]) -> Decision | None:
    """The decision when the request makes it obvious, else None."""
    messages = body.get("messages") or []
    if body.get("tools"):
        return Decision(
            "fast", "the client brought its own tools, so it runs the tool loop", "rules"
        )
    if messages and messages[-1].get("role") == "tool":
        return Decision("fast", "the client is returning results of its own tools", "rules")
    content = last_user_content(messages)
    if isinstance(content, list) and any(p.get("type") not in TEXT_PARTS for p in content):
        return Decision("agent", "an attached file needs tools", "rules")
    text = text_of(content)
    if CODE_FENCE in text:
        return Decision("agent", "the request contains code", "rules")
    if match := AGENT_WORDS.search(text):
        return Decision("agent", f"the request mentions '{match.group(0).lower()}'", "rules")
    if ARITHMETIC.search(text):
        return Decision("agent", "the request contains a computation", "rules")
    words = len(text.split())
    if GREETING.search(text) and words <= GREETING_MAX_WORDS:
        return Decision("fast", "a greeting", "rules")
    if words <= SHORT_QUESTION_MAX_WORDS and (
        text.rstrip().endswith("?") or QUESTION_START.search(text)
    ):
        return Decision("fast", "a short question", "rules")
    return None


async def decide(
    body: dict[str, Any], client: openai.AsyncOpenAI, model: str, timeout_s: float, usage: Usage
) -> Decision:
    if decision := by_rules(body):
        return decision
    text = text_of(last_user_content(body.get("messages") or []))
    return await classify(text, client, model, timeout_s, usage)


async def classify(
    text: str, client: openai.AsyncOpenAI, model: str, timeout_s: float, usage: Usage
) -> Decision:
    """Ask the model; on any error, timeout or unclear reply, choose the agent."""
    try:
        async with asyncio.timeout(timeout_s):
            reply = await client.chat.completions.create(
                model=model,
                messages=[
                    {"role": "system", "content": CLASSIFIER_PROMPT},
                    {"role": "user", "content": text[:CLASSIFIED_CHARS]},
                ],
                max_tokens=3,
                temperature=0,
            )
    except TimeoutError:
        return Decision("agent", f"the classifier did not answer within {timeout_s:g} s", "default")
    except openai.OpenAIError as exc:
        return Decision("agent", f"the classifier failed ({type(exc).__name__})", "default")
    if reply.usage is not None:
        usage.add(reply.usage.model_dump())
    word = (reply.choices[0].message.content or "").strip().lower() if reply.choices else ""
    if word.startswith("fast"):
        return Decision("fast", "the model judged a direct answer enough", "model")
    if word.startswith("agent"):
        return Decision("agent", "the model judged that tools are needed", "model")
    return Decision("agent", "the classifier's reply was unclear", "default")
