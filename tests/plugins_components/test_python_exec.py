"""The python-exec component through a real gateway on the real bubblewrap sandbox."""

from __future__ import annotations

import janus_component_python_exec.plugin as python_exec
import pytest

from tests.marketplace.client import call, get, metric
from tests.platform.conftest import platform_settings
from tests.platform.scripted_inference import ScriptedInferencePlugin

RUN = "/platform/components/python-exec/run"


@pytest.fixture
def gateway(live, tmp_path, platform_tokens, bubblewrap) -> str:
    return live.gateway(
        {},
        platform=platform_settings(tmp_path, sandbox={"backend": "local"}),
        plugins=(ScriptedInferencePlugin(), python_exec),
    )


async def run(gateway: str, token: str, **body) -> dict:
    status, answer = await call(gateway, RUN, token, body)
    assert status == 200, answer
    return answer


async def test_a_snippet_runs_with_its_stdin_and_is_attributed(gateway, token):
    code = "import sys\nname = input()\nprint('hello', name[::-1])\nprint('warn', file=sys.stderr)"
    answer = await run(gateway, token, code=code, stdin="alice\n")
    assert answer["stdout"] == "hello ecila\n"
    assert answer["stderr"] == "warn\n"
    assert answer["exit_code"] == 0 and answer["timed_out"] is False
    assert answer["duration_seconds"] > 0
    _, usage = await get(gateway + "/v1/marketplace/usage")
    assert [(r["component_id"], r["competitor_id"], r["calls"]) for r in usage["data"]] == [
        ("python-exec", "tester", 1)
    ]
    assert await metric(gateway, "janus_platform_sandbox_seconds_total", competitor="tester") > 0


async def test_exit_codes_and_tracebacks_come_back(gateway, token):
    answer = await run(gateway, token, code="raise SystemExit(3)")
    assert answer["exit_code"] == 3
    answer = await run(gateway, token, code="1 / 0")
    assert answer["exit_code"] == 1 and "ZeroDivisionError" in answer["stderr"]


@pytest.mark.slow
async def test_a_runaway_snippet_is_stopped_at_its_timeout(gateway, token):
    answer = await run(gateway, token, code="while True: pass", timeout_s=1.0)
    assert answer["timed_out"] is True and answer["exit_code"] != 0


async def test_the_snippet_has_no_network_and_no_leftovers(gateway, token):
    code = (
        "import os, socket\n"
        "open('left.txt', 'w').write('x')\n"
        "try:\n"
        "    socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
        "    print('online')\n"
        "except OSError:\n"
        "    print('offline')\n"
    )
    assert (await run(gateway, token, code=code))["stdout"] == "offline\n"
    # Every call gets a fresh sandbox: the previous call's file is gone.
    answer = await run(gateway, token, code="import os; print(os.path.exists('left.txt'))")
    assert answer["stdout"] == "False\n"


@pytest.mark.parametrize(
    ("body", "param"),
    [({"code": ""}, "code"), ({"code": "1", "timeout_s": 0}, "timeout_s"), ({}, "code")],
)
async def test_a_bad_request_is_a_400_naming_the_field(gateway, token, body, param):
    status, answer = await call(gateway, RUN, token, body)
    assert status == 400 and answer["error"]["param"] == param
