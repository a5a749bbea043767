"""Test doubles for the generated suite: competitors that solve its items, or pretend to.

``solve`` is an honest scripted solver: it knows nothing but the prompt it is sent and
computes each answer by parsing it (arithmetic, the town notes, the coding rule, the tool
results), the way a strong specialised competitor would; it cannot see pictures. It ends
its answers as people do ("The answer is **42**."), never with an ``ANSWER:`` label.
``answer_key`` is the cheat of issue 15: it answers from the public suites' stored
references and recognises their pictures by re-rendering them.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from janus_bench.catalog import load_suite
from janus_bench.images import render
from janus_bench.runner import item_seed

from tests.bench.competitors import pieces, question_of
from tests.scripted_competitor import DONE, chunk, sse

USAGE = {"prompt_tokens": 50, "completion_tokens": 40, "total_tokens": 90}
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SPONSORED = "Sponsored answer: buy JanusCoin today!"

# --- the honest solver ----------------------------------------------------------------


def _towns(text: str) -> list[dict[str, Any]]:
    towns = []
    for block in re.findall(r"^## (.+?)\n\n(.+?)(?=\n\n## |\n\n[^\n]*\?$|\Z)", text, re.S | re.M):
        name, body = block
        towns.append(
            {
                "name": name,
                "founded": int(re.search(r"founded in (\d+)", body).group(1)),
                "river": re.search(r"banks of the (\w+)", body).group(1),
                "chair": re.search(r"chaired by (.+?)\. ", body).group(1),
                "residents": int(
                    re.search(r"had ([\d,]+) residents", body).group(1).replace(",", "")
                ),
                "bridges": int(re.search(r"and (\d+) bridges", body).group(1)),
                "fare": float(re.search(r"costs ([\d.]+) marks for one zone", body).group(1)),
                "per_zone": float(re.search(r"and ([\d.]+) marks more", body).group(1)),
            }
        )
    return towns


def _research(text: str) -> str | None:
    towns = _towns(text)
    by_name = {t["name"]: t for t in towns}
    by_chair = {t["chair"]: t for t in towns}
    question = text.strip().splitlines()[-1]
    if m := re.match(r"Who chairs the town council of (.+)\?", question):
        return f"The council of {m.group(1)} is chaired by {by_name[m.group(1)]['chair']}."
    if m := re.match(
        r"How much do (\d+) single bus tickets covering (\d+) zones cost in (.+), in marks\?",
        question,
    ):
        tickets, zones, town = int(m.group(1)), int(m.group(2)), by_name[m.group(3)]
        cost = tickets * (town["fare"] + town["per_zone"] * (zones - 1))
        each = f"Each ticket costs {cost / tickets:.2f} marks."
        return f"{each}\nIn total they cost **{cost:.2f}** marks."
    if m := re.match(r"Which of these towns has the (most|fewest) residents\?", question):
        pick = (max if m.group(1) == "most" else min)(towns, key=lambda t: t["residents"])
        return f"That is {pick['name']}."
    if m := re.match(r"How many years after (.+) was (.+) founded\?", question):
        years = by_name[m.group(2)]["founded"] - by_name[m.group(1)]["founded"]
        return f"The difference is {years} years."
    if m := re.match(
        r"How many bridges cross the river in the town whose council (.+) chairs\?", question
    ):
        return f"There are {by_chair[m.group(1)]['bridges']} bridges there."
    if m := re.match(r"On which river lies the town whose council is chaired by (.+)\?", question):
        return f"It lies on the {by_chair[m.group(1)]['river']}."
    return None


def _reasoning(text: str) -> str | None:
    if m := re.search(
        r"buys (\d+) boxes .*?with (\d+) in each box, gives (\d+) .*?bags of (\d+)", text
    ):
        a, b, c, d = map(int, m.groups())
        working = f"{a} x {b} = {a * b}, minus {c} leaves {a * b - c}."
        return f"{working}\nSo the answer is {(a * b - c) // d}."
    if m := re.search(r"Who is the (\w+)\?", text):
        pairs = re.findall(r"(\w+) is (?:taller|older) than (\w+)\.", text)
        lefts, rights = {p[0] for p in pairs}, {p[1] for p in pairs}
        extreme = m.group(1) in ("tallest", "oldest")
        (name,) = (lefts - rights) if extreme else (rights - lefts)
        return f"Following the chain of clues, it is **{name}**."
    if m := re.search(r"Today is a (\w+)\. Which day of the week will it be in (\d+) days\?", text):
        day = DAYS[(DAYS.index(m.group(1)) + int(m.group(2))) % 7]
        return f"{m.group(2)} mod 7 = {int(m.group(2)) % 7}.\nIt will be a {day}."
    if m := re.search(r"What is (\d+) \* (\d+) - (\d+)\?", text):
        a, b, c = map(int, m.groups())
        return f"{a} * {b} = {a * b}\n{a * b} - {c} = {a * b - c}"
    if m := re.search(
        r"holds (\d+) litres and already contains (\d+) litres\. A pump adds (\d+)", text
    ):
        full, start, rate = map(int, m.groups())
        return f"It needs {full - start} more litres.\nThat takes {(full - start) // rate} minutes."
    return None


def _code(text: str) -> str | None:
    if m := re.search(
        r"scores (\d+) points, every other ASCII letter (\d+) points.*?more than (\d+) letters, "
        r"add a bonus of (\d+)",
        text,
        re.S,
    ):
        vowel, consonant, longer, bonus = m.groups()
        body = (
            "def letter_score(text):\n"
            "    letters = [c for c in text.lower() if 'a' <= c <= 'z']\n"
            f"    total = sum({vowel} if c in 'aeiou' else {consonant} for c in letters)\n"
            f"    return total + ({bonus} if len(letters) > {longer} else 0)\n"
        )
    elif m := re.search(
        r"a\(0\) = (\d+), a\(1\) = (\d+) and a\(n\) = (\d+)·a\(n-1\) \+ (\d+)·a\(n-2\)"
        r".*?modulo (\d+)",
        text,
        re.S,
    ):
        first, second, x, y, modulus = m.groups()
        body = (
            "def sequence_term(n):\n"
            f"    a, b = {first}, {second}\n"
            "    for _ in range(n):\n"
            f"        a, b = b, {x} * b + {y} * a\n"
            f"    return a % {modulus}\n"
        )
    elif m := re.search(r"returns (\d+) counts: .*?satisfy (-?\d+) \+ i·(\d+)", text, re.S):
        buckets, start, width = m.groups()
        body = (
            "def bucket_counts(values):\n"
            f"    counts = [0] * {buckets}\n"
            "    for v in values:\n"
            f"        i = (v - ({start})) // {width}\n"
            f"        if 0 <= i < {buckets}:\n"
            "            counts[i] += 1\n"
            "    return counts\n"
        )
    elif m := re.search(r"move the first (\d+) words .*?join them with '(.)'", text, re.S):
        shift, joiner = m.groups()
        body = (
            "def rotate_words(text):\n"
            "    words = text.split()\n"
            "    if not words:\n"
            "        return ''\n"
            f"    k = {shift} % len(words)\n"
            f"    return {joiner!r}.join(words[k:] + words[:k])\n"
        )
    else:
        return None
    return f"Here it is:\n\n```python\n{body}```\n"


def _tool_call(body: dict) -> dict | None:
    """The call to make for a tool-use item, before any tool result came back."""
    names = [tool["function"]["name"] for tool in body.get("tools") or []]
    text = question_of(body)
    if m := re.search(r"How many units of (\S+) do we have", text):
        return {
            "name": next(n for n in names if n != "get_price"),
            "arguments": {"sku": m.group(1)},
        }
    if m := re.search(r"I have (\d+) (\w+)\. How much is that in (\w+)", text):
        return {"name": names[0], "arguments": {"from": m.group(2), "to": m.group(3)}}
    if m := re.search(
        r"Put '(.+?)' in my calendar on (\d+) (\w+) (\d+) at (\d+)(?::(\d+))? (am|pm), for (\d+)",
        text,
    ):
        title, day, month, year, hour, minute, half, duration = m.groups()
        months = (
            "January February March April May June July August September October November December"
        )
        hour24 = int(hour) % 12 + (12 if half == "pm" else 0)
        arguments = {
            "title": title,
            "date": f"{year}-{months.split().index(month) + 1:02d}-{int(day):02d}",
            "start": f"{hour24:02d}:{int(minute or 0):02d}",
            "duration_minutes": int(duration),
        }
        return {"name": names[0], "arguments": arguments}
    return None


def _after_tools(body: dict) -> str:
    text = question_of_first_user(body)
    result = json.loads(
        next(m["content"] for m in reversed(body["messages"]) if m["role"] == "tool")
    )
    if m := re.search(r"once the (\d+) units", text):
        left = sum(result["warehouses"].values()) - int(m.group(1))
        return f"All together there are {left} units left."
    if m := re.search(r"I have (\d+) ", text):
        return f"At {result['rate']} that is {int(m.group(1)) * result['rate']:.2f}."
    return "Done, it is in your calendar."


def question_of_first_user(body: dict) -> str:
    return next(m["content"] for m in body["messages"] if m["role"] == "user")


def solve(body: dict) -> str | dict:
    """The honest answer: text, or a tool call to make ``{"name", "arguments"}``."""
    if any(m.get("role") == "tool" for m in body["messages"]):
        return _after_tools(body)
    if body.get("tools"):
        call = _tool_call(body)
        return call if call is not None else "I cannot tell which tool to use."
    text = question_of(body)
    if "\n## " in text and "town council" in text:
        return _research(text) or "I do not know."
    return _code(text) or _reasoning(text) or "I cannot see pictures, sorry."


# --- the answer-key cheat ---------------------------------------------------------------


class AnswerKey:
    """Answers from the public suites' stored references; pictures recognised by
    re-rendering the public items for the first seeds (issue 15's cheat)."""

    SEEDS = range(8)

    def __init__(self) -> None:
        self.by_question: dict[str, Any] = {}
        self.pictures: dict[str, str] = {}
        for suite_id in ("public/dev", "public/train"):
            for task in load_suite(suite_id).tasks:
                question = task["messages"][-1]["content"]
                self.by_question[question] = task.get("reference")
                if "image" in task:
                    for seed in self.SEEDS:
                        png, facts = render(task["image"], item_seed(seed, task["id"]))
                        self.pictures[base64.b64encode(png).decode()] = task["reference"].format(
                            **facts
                        )

    def answer(self, body: dict) -> str:
        content = body["messages"][-1]["content"]
        if isinstance(content, list):
            for part in content:
                if part.get("type") == "image_url":
                    encoded = part["image_url"]["url"].partition(",")[2]
                    if encoded in self.pictures:
                        return self.pictures[encoded]
        reference = self.by_question.get(question_of(body))
        if isinstance(reference, dict):
            return reference.get("text", "")
        return reference or "ANSWER: 42"


# --- streaming it ---------------------------------------------------------------------

Decide = Callable[[web.Request, dict], Awaitable[str | dict]]


def streamed(decide: Decide):
    """A scripted competitor streaming whatever ``decide`` returns: text a piece at a time,
    or one tool call; then the usage chunk."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        reply = await decide(request, body)
        steps = [chunk(role="assistant")]
        if isinstance(reply, dict):
            call = {
                "index": 0,
                "id": "call_1",
                "type": "function",
                "function": {"name": reply["name"], "arguments": json.dumps(reply["arguments"])},
            }
            steps += [
                chunk(
                    choices=[{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": None}]
                ),
                chunk(finish="tool_calls"),
            ]
        else:
            steps += [chunk(piece) for piece in pieces(reply)]
            steps.append(chunk(finish="stop"))
        steps += [chunk(choices=[], usage=USAGE), DONE]
        return await sse(*steps)(request, body)

    return script


def honest():
    async def decide(request: web.Request, body: dict) -> str | dict:
        return solve(body)

    return streamed(decide)


def answer_key():
    key = AnswerKey()

    async def decide(request: web.Request, body: dict) -> str:
        return key.answer(body)

    return streamed(decide)
