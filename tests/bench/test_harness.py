"""The coding harness's own processes, run directly (real subprocesses, no sandbox): how
values cross between the tester and the answer's process, and that only the answer's
return values do. The sandboxed end-to-end run is in test_coding.py."""

from __future__ import annotations

import pytest
from janus_bench import sandbox_harness as harness

BUDGET_S = 60.0


def grade(code: str, tests: str) -> list[str]:
    return [
        harness.run_one(code, setup, test, BUDGET_S) for setup, test in harness.split_tests(tests)
    ]


PLAIN = """
def echo(value):
    return value

def fail(kind):
    raise {"value": ValueError, "key": KeyError, "custom": Custom}[kind]("no")

class Custom(LookupError):
    pass

def grow(items, more):
    items.extend(more)
    return len(items)

def twice(function, value):
    return function(function(value))

def double(x):
    return 2 * x

def itself():
    return double

LIMIT = 10
"""


@pytest.mark.parametrize(
    "value",
    [
        "None", "True", "-0.0", "1.5", "10**40", "float('inf')", "'caf\\u00e9 \\ud800'",
        "b'\\x00\\xff'", "[1, 'a', [2.5]]", "(1, (2,), ())", "{1, 2}", "set()",
        "frozenset({3})", "{(1, 2): {'k': [None]}}", "{1: 'int key', '1': 'str key'}",
    ],
)  # fmt: skip
def test_plain_values_cross_intact(value):
    tests = f"v = {value}\nassert echo(v) == v and type(echo(v)) is type(v)\n"
    assert grade(PLAIN, tests) == ["passed"]


def test_exceptions_arrive_as_their_builtin_class():
    tests = """
def raised(kind):
    try:
        fail(kind)
    except ValueError:
        return "value"
    except LookupError:
        return "lookup"
    return None

assert raised("value") == "value"
assert raised("key") == "lookup"
assert raised("custom") == "lookup"
"""
    assert grade(PLAIN, tests) == ["passed"] * 3


def test_changes_to_list_arguments_come_back():
    tests = "items = [1]\ngrow(items, [2, 3])\nassert items == [1, 2, 3]\n"
    assert grade(PLAIN, tests) == ["passed"]
    untouched = "items = {1}\nassert echo(items) == {1}\nassert items == {1}\n"
    assert grade(PLAIN, untouched) == ["passed", "passed"]


def test_the_answers_functions_and_values_can_be_passed_around():
    tests = (
        "assert twice(double, 3) == 12\nassert LIMIT == 10\n"
        "assert itself() is double or itself()(2) == 4\n"
    )
    assert grade(PLAIN, tests) == ["passed", "passed", "failed"]  # functions are not returned


def test_objects_are_not_plain_data():
    code = "class Box:\n    pass\n\ndef make():\n    return Box()\n"
    assert grade(code, "assert make() is not None\n") == ["failed"]


def test_only_the_tester_decides():
    honest = "def square(x):\n    return x * x\n"
    tests = "assert square(3) == square(-3) == 9\ndef test_it():\n    assert square(2) == 4\n"
    assert grade(honest, tests) == ["passed", "passed"]
    # Shadowing a builtin in the answer does not reach the tests' builtins.
    shadow = "len = lambda x: 100\nsorted = lambda x: x\n\ndef square(x):\n    return -1\n"
    assert grade(shadow, "assert len([square(2)]) == 100\n") == ["failed"]
    # Failing to load, leaving at once, or hanging fails, never passes.
    assert grade("raise SystemExit(0)\n", "assert True\n") == ["failed"]
    assert grade("import os\nos._exit(0)\n", "assert 1\n") == ["failed"]
    assert harness.run_one("while True:\n    pass\n", "", "assert 1", 1.0) == "timed out"
