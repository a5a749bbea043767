"""Two competitors for the security tests: an attacker and its bystander victim.

``hostile``: its client's last message is a JSON object of *orders*; it runs the attack
battery (``jailbreak.py``, installed beside this module) in a child process of its own
jail, with its own platform token and URL added to the orders, and answers with the
battery's findings as the message content (a JSON list, one finding per attack).

``bystander``: an honest competitor that keeps every message it is sent, and the platform
token of the request, in memory: what a hostile neighbour would read out of it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

from aiohttp import web

from janus.hookspecs import hookimpl

TOKEN_HEADER = "X-Janus-Platform-Token"
URL_HEADER = "X-Janus-Platform-Url"
BATTERY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jailbreak.py")
BATTERY_TIMEOUT_S = 1200  # a safety net for a wedged battery, never reached by a working one


def _answer(content: str) -> web.Response:
    return web.json_response(
        {
            "id": "chatcmpl-hostile",
            "object": "chat.completion",
            "created": 0,
            "model": "hostile",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": content},
                }
            ],
        }
    )


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _app(chat) -> web.Application:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/health", _health)
    return app


async def run_battery(orders: dict) -> list[dict]:
    """Run the battery in a child process; its findings, and how it ended if it died."""
    battery = await asyncio.create_subprocess_exec(
        sys.executable,
        BATTERY,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(
            battery.communicate(json.dumps(orders).encode()), BATTERY_TIMEOUT_S
        )
    except TimeoutError:
        battery.kill()
        out, err = await battery.communicate()
    findings = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    if battery.returncode != 0:
        findings.append(
            {"attack": "battery", "exit_code": battery.returncode, "stderr": err.decode()[-2000:]}
        )
    return findings


def make_hostile() -> web.Application:
    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        orders = json.loads(body["messages"][-1]["content"])
        orders["own_token"] = request.headers.get(TOKEN_HEADER, "")
        orders["platform_url"] = request.headers.get(URL_HEADER, "")
        return _answer(json.dumps(await run_battery(orders)))

    return _app(chat)


REMEMBERED: list[str] = []


def make_bystander() -> web.Application:
    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        REMEMBERED.append(body["messages"][-1]["content"])
        REMEMBERED.append(request.headers.get(TOKEN_HEADER, ""))
        return _answer(f"remembered {len(REMEMBERED) // 2} message(s), pid {os.getpid()}")

    return _app(chat)


@hookimpl
def register_competitors(register):
    register("hostile", make_hostile)
    register("bystander", make_bystander)
