"""Tool-use scenarios with generated tools and data.

The tool's name and the data behind it (stock levels, exchange rates, events) are drawn
for the run; the bench plays the tool with the generated results (``tool_results``), and
the check wants the right call and, where there is one, the number computed from what
the tool returned.
"""

from __future__ import annotations

import json
import random
from typing import Any

from janus_bench.generators import numeric, user
from janus_bench.generators.names import code, distinct, word

MONTHS = (
    "January February March April May June July August September October November December"
).split()


def _function(name: str, description: str, properties: dict[str, dict]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": sorted(properties),
                "additionalProperties": False,
            },
        },
    }


def _stock(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(["get_stock", "stock_level", "inventory_lookup"])
    sku = f"{code(rng)}-{rng.randint(100, 999)}"
    sites = distinct(rng, lambda r: word(r, 2).lower(), rng.randint(2, 4))
    levels = {site: rng.randint(0, 400) for site in sites}
    reserved = rng.randint(0, sum(levels.values()))
    tools = [
        _function(name, "Units of a product in stock, per warehouse.", {"sku": {"type": "string"}}),
        _function("get_price", "The list price of a product.", {"sku": {"type": "string"}}),
    ]
    result = json.dumps({"sku": sku, "warehouses": levels})
    prompt = (
        f"How many units of {sku} do we have across all warehouses once the {reserved} "
        "units already promised to customers are taken out?"
    )
    return {
        "messages": user(prompt),
        "tools": tools,
        "tool_results": [{"name": name, "arguments": {"sku": sku}, "result": result}],
        "check": {
            "kind": "tool_call",
            "calls": [{"name": name, "arguments": {"sku": sku}}],
            "ordered": True,
            "final": numeric(sum(levels.values()) - reserved),
        },
    }


def _convert(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(["get_rate", "exchange_rate", "fx_quote"])
    source, target = distinct(rng, code, 2)
    rate = round(rng.uniform(0.05, 40), 4)
    amount = rng.randint(10, 9000)
    arguments = {"from": source, "to": target}
    tools = [
        _function(
            name,
            "How many units of one currency a unit of another buys today.",
            {"from": {"type": "string"}, "to": {"type": "string"}},
        )
    ]
    prompt = (
        f"I have {amount} {source}. How much is that in {target} at today's rate, "
        "rounded to 2 decimal places?"
    )
    return {
        "messages": user(prompt),
        "tools": tools,
        "tool_results": [
            {"name": name, "arguments": arguments, "result": json.dumps({"rate": rate})}
        ],
        "check": {
            "kind": "tool_call",
            "calls": [{"name": name, "arguments": arguments}],
            "ordered": True,
            "final": numeric(round(amount * rate, 2), 0.006),
        },
    }


def _booking(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(["create_event", "add_to_calendar", "book_slot"])
    title = f"{word(rng, 2)} {rng.choice(['review', 'planning', 'sync', 'workshop'])}"
    year, month, day = rng.randint(2026, 2030), rng.randrange(12), rng.randint(1, 28)
    hour, minute = rng.randint(7, 19), rng.choice([0, 15, 30, 45])
    duration = rng.choice([15, 20, 30, 45, 60, 90, 120])
    clock = f"{(hour - 1) % 12 + 1}" + (f":{minute:02d}" if minute else "")
    spoken = f"{clock} {'am' if hour < 12 else 'pm'}"
    arguments = {
        "title": title,
        "date": f"{year}-{month + 1:02d}-{day:02d}",
        "start": f"{hour:02d}:{minute:02d}",
        "duration_minutes": duration,
    }
    tools = [
        _function(
            name,
            "Create an event in the user's calendar (date YYYY-MM-DD, start 24-hour HH:MM).",
            {
                "title": {"type": "string"},
                "date": {"type": "string"},
                "start": {"type": "string"},
                "duration_minutes": {"type": "integer"},
            },
        )
    ]
    prompt = (
        f"Put '{title}' in my calendar on {day} {MONTHS[month]} {year} at {spoken}, for "
        f"{duration} minutes. Use the title exactly as written."
    )
    result = json.dumps({"event_id": f"ev-{rng.randint(1000, 9999)}", "status": "created"})
    return {
        "messages": user(prompt),
        "tools": tools,
        "tool_results": [{"name": name, "arguments": arguments, "result": result}],
        "check": {"kind": "tool_call", "calls": [{"name": name, "arguments": arguments}]},
    }


SCENARIOS = (_stock, _convert, _booking)


class ToolUseGenerator:
    type = "tool_use"
    version = "1"

    def generate(self, rng: random.Random, count: int) -> list[dict[str, Any]]:
        scenarios = list(SCENARIOS)
        rng.shuffle(scenarios)
        return [
            {"type": self.type, "max_tokens": 1024, **scenarios[index % len(scenarios)](rng)}
            for index in range(count)
        ]
