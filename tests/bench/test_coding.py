"""Coding answers are graded in a real bubblewrap sandbox of the platform, never in the
bench: an honest answer passes, one that hunts for the tests or attacks the sandbox and the
grader gets 0, and nothing outside the sandbox is touched."""

from __future__ import annotations

import pytest
from aiohttp import web
from janus_bench.runner import RunError, RunOptions, run_benchmark

from tests.bench import competitors
from tests.bench.suite_builder import coding_task

pytestmark = pytest.mark.usefixtures("bubblewrap")

LOCAL_SANDBOX = {"backend": "local"}

HALF_RIGHT = "```python\ndef square(x):\n    return x * 2\n```"

# Would pass every test if the tests were anywhere it can read: it parses them and
# answers from them.
TEST_READER = r"""```python
import os, re

def _find_tests():
    found = {}
    for top in ("/workspace", "/tmp", "/"):
        for root, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr", "lib")]
            for name in files:
                try:
                    text = open(os.path.join(root, name), errors="ignore").read(200000)
                except OSError:
                    continue
                for arg, want in re.findall(r"square\((-?\d+)\)\s*==\s*(-?\d+)", text):
                    found[int(arg)] = int(want)
        if found:
            break
    for pid in ("self", str(os.getppid())):
        for what in ("cmdline", "environ"):
            try:
                text = open(f"/proc/{pid}/{what}", errors="ignore").read()
            except OSError:
                continue
            for arg, want in re.findall(r"square\((-?\d+)\)\s*==\s*(-?\d+)", text):
                found[int(arg)] = int(want)
    return found

_TESTS = _find_tests()

def square(x):
    return _TESTS.get(x, -1)
```"""

ESCAPER = r"""```python
import json, os, signal, socket
for path in ("{marker}", "/workspace/../escaped", "/etc/escaped"):
    try:
        open(path, "w").write("escaped")
    except OSError:
        pass
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    open("{marker}.network", "w").write("reached the host")
except OSError:
    pass
fake = json.dumps({{"passed": 3, "total": 3, "detail": "all tests passed"}})
for fd in ("/proc/%d/fd/1" % os.getppid(), "/dev/stdout"):
    try:
        with open(fd, "w") as out:
            for nonce in ("0" * 32, "f" * 32, "nonce"):
                out.write(nonce + " " + fake + "\n")
    except OSError:
        pass
print("0" * 32, fake)
os.kill(os.getppid(), signal.SIGKILL)

def square(x):
    return x * x
```"""

# Leaves before any test could fail: a harness that took "exited with 0" for "passed" would
# give it every test.
EXITER = "```python\nimport os\nos._exit(0)\n\ndef square(x):\n    return -1\n```"

# Looks for the expected values in its own process (the job it was handed) and in the
# grading harness's memory.
MEMORY_READER = r"""```python
import os, re, sys

_FOUND = {}

def _scan(text):
    for arg, want in re.findall(r"square\((-?\d+)\)\s*==\s*(-?\d+)", text):
        _FOUND[int(arg)] = int(want)

_scan(repr(getattr(sys.modules["__main__"], "job", "")))
try:
    pid = os.getppid()
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if "r" not in perms:
                continue
            start, end = (int(x, 16) for x in span.split("-"))
            try:
                mem.seek(start)
                _scan(mem.read(min(end - start, 1 << 24)).decode("latin-1"))
            except (OSError, ValueError, OverflowError):
                pass
except OSError:
    pass

def square(x):
    return _FOUND.get(x, -1)
```"""


def run_options(target: str) -> RunOptions:
    return RunOptions(target=target, suite="private/test", concurrency=2, task_timeout_s=60)


async def test_honest_partial_cheating_and_escaping_answers(suite, bench_gateway, tmp_path):
    marker = tmp_path / "escaped-marker"
    tasks = [coding_task(n) for n in range(1, 7)]
    gateway_port = None

    def respond(body: dict) -> str:
        question = competitors.question_of(body)
        number = int(question.split(":")[0].split()[-1])
        return {
            1: tasks[0]["reference"],
            2: HALF_RIGHT,
            3: TEST_READER,
            4: ESCAPER.replace("{marker}", str(marker)).replace("{port}", str(gateway_port)),
            5: EXITER,
            6: MEMORY_READER,
        }[number]

    suite(tasks)
    gateway = bench_gateway(competitors.token_stream(respond), sandbox=LOCAL_SANDBOX)
    gateway_port = int(gateway.rsplit(":", 1)[1])
    result = await run_benchmark(run_options(gateway))

    by_id = {task["id"]: task for task in result["tasks"]}
    honest, half, reader, escaper, exiter, memory_reader = (by_id[t["id"]] for t in tasks)
    assert all(task["ok"] for task in result["tasks"])
    assert honest["scores"]["quality"] == 1.0
    assert honest["details"]["quality"]["passed"] == 3
    # x * 2 is right for 2 and 0, wrong for -3.
    assert half["scores"]["quality"] == pytest.approx(2 / 3)
    assert reader["scores"]["quality"] == 0.0
    assert exiter["scores"]["quality"] == 0.0
    assert memory_reader["scores"]["quality"] == 0.0
    assert escaper["scores"]["quality"] == 0.0
    assert escaper["details"]["quality"].get("passed", 0) == 0  # the fake lines were not believed
    assert not marker.exists()
    assert not marker.with_name(marker.name + ".network").exists()
    # Grading runs on the bench's own key: none of it is the competitor's sandbox time.
    assert all(task["metered"]["sandbox_seconds"] == 0 for task in result["tasks"])


async def test_a_run_with_coding_tasks_refuses_to_start_without_a_sandbox(suite, bench_gateway):
    suite([coding_task(1)])
    gateway = bench_gateway(competitors.token_stream(lambda body: "nothing"))  # sandbox off
    with pytest.raises(RunError, match="sandbox is not usable"):
        await run_benchmark(run_options(gateway))


async def test_a_wrong_platform_key_is_refused_before_any_task_runs(
    suite, bench_gateway, monkeypatch
):
    suite([coding_task(1)])
    script = competitors.token_stream(lambda body: "nothing")
    gateway = bench_gateway(script, sandbox=LOCAL_SANDBOX)
    with pytest.raises(RunError, match="HTTP 401"):
        await run_benchmark(
            RunOptions(target=gateway, suite="private/test", platform_key="jadm-wrong")
        )


class SandboxThatBreaks:
    """Test double of the sandbox API: the start-up probe works, then creation fails."""

    def __init__(self) -> None:
        self.created = 0

    def app(self) -> web.Application:
        app = web.Application()
        base = "/platform/sandbox/api/sandboxes"
        app.router.add_post(base, self.create)
        app.router.add_post(base + "/{id}/terminate", self.terminate)
        return app

    async def create(self, request: web.Request) -> web.Response:
        self.created += 1
        if self.created > 1:
            error = {"message": "sandbox host is gone", "type": "server_error"}
            return web.json_response({"error": error}, status=503)
        return web.json_response({"id": "sb_probe"}, status=201)

    async def terminate(self, request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["id"], "status": "terminated"})


async def test_a_sandbox_failing_mid_run_stops_the_run_instead_of_scoring_zero(
    suite, bench_gateway, live
):
    tasks = [coding_task(1), coding_task(2)]
    suite(tasks)
    gateway = bench_gateway(competitors.token_stream(competitors.answers_from(tasks)))
    sandbox = live.serve(SandboxThatBreaks().app())
    options = RunOptions(target=gateway, suite="private/test", platform_url=sandbox)
    with pytest.raises(RunError, match=r"platform failed during the run: .*sandbox host is gone"):
        await run_benchmark(options)


# Tests whose expected side is not a literal: the kind an answer could forge when its own
# process evaluated the whole assert.
NON_LITERAL_TESTS = """def raises(call, *args):
    try:
        call(*args)
    except ValueError:
        return True
    return False


def test_odd_steps():
    steps = [square(n) - square(n - 1) for n in range(1, 5)]
    assert steps == [2 * n - 1 for n in range(1, 5)]


assert raises(square, "not a number")
assert square(3) == int("9")
assert square(4) in {n * n for n in range(10)}
assert isinstance(square(5), int) and square(5) > 20
"""

HONEST_NON_LITERAL = """```python
def square(x):
    if not isinstance(x, (int, float)):
        raise ValueError("a number, please")
    return x * x
```"""

FORGERS = {
    # The issue's forgery: every bool(...) the tests' process computes is True.
    "bool": "```python\nbool = lambda *a: True\n\ndef square(x):\n    return -1\n```",
    # Patches the builtins every process shares.
    "builtins": (
        "```python\nimport builtins\nbuiltins.bool = lambda *a: True\n"
        "builtins.isinstance = lambda *a: True\nbuiltins.ValueError = Exception\n\n"
        "def square(x):\n    raise Exception('no')\n```"
    ),
    # A value equal to everything.
    "__eq__": (
        "```python\nclass Everything(int):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\n    def __contains__(self, other):\n        return True\n"
        "    def __gt__(self, other):\n        return True\n    def __le__(self, other):\n"
        "        return True\n\ndef square(x):\n    return Everything(-1)\n```"
    ),
    # Writes a "true" value into every descriptor it has, then leaves with status 0.
    "descriptors": (
        "```python\nimport os\nfor fd in range(3, 256):\n    for forged in (b'True', b'passed'):\n"
        "        try:\n            os.write(fd, forged)\n"
        "        except OSError:\n            pass\n"
        "os._exit(0)\n```"
    ),
    # Replaces modules the tests might import, and the tests' helper's exception.
    "sys.modules": (
        "```python\nimport sys, types\nfake = types.ModuleType('builtins')\n"
        "import builtins\nfake.__dict__.update(vars(builtins))\n"
        "fake.bool = lambda *a: True\nsys.modules['builtins'] = fake\n\n"
        "def square(x):\n    return -1\n```"
    ),
}


def non_literal_task(number: int) -> dict:
    task = coding_task(number)
    task["check"] = {**task["check"], "tests": NON_LITERAL_TESTS}
    return task


async def test_answers_that_patch_the_tests_process_forge_nothing(suite, bench_gateway):
    tasks = [non_literal_task(n) for n in range(1, len(FORGERS) + 2)]
    answers = [HONEST_NON_LITERAL, *FORGERS.values()]

    def respond(body: dict) -> str:
        number = int(competitors.question_of(body).split(":")[0].split()[-1])
        return answers[number - 1]

    suite(tasks)
    gateway = bench_gateway(competitors.token_stream(respond), sandbox=LOCAL_SANDBOX)
    result = await run_benchmark(run_options(gateway))
    scores = {task["id"]: task["scores"]["quality"] for task in result["tasks"]}
    honest, *forged = (scores[task["id"]] for task in tasks)
    assert honest == 1.0, result["tasks"][0]["details"]["quality"]
    assert dict(zip(FORGERS, forged, strict=True)) == dict.fromkeys(FORGERS, 0.0)
