"""Runs inside a platform sandbox (never in the bench process): grades one coding answer.

The bench writes this file and a job file (the answer's code, the hidden tests and a
nonce) into a fresh sandbox and runs ``python3 -I harness.py``. The job file is read and
deleted before any of the answer's code runs, and this process makes itself undumpable,
so the answer can read the tests neither from the file system nor from this process's
memory.

The answer never sees an expected value. Each test ``assert EXPR == LITERAL`` (or another
comparison with a literal) runs in a child process that evaluates only ``EXPR`` with the
answer's code and writes the value's ``repr`` to a file; this process compares it with
the literal. A child that exits early, crashes, prints, or writes something that is not
a plain literal fails that test, and to forge a right value it would have to compute it.
Other asserts (``assert is_valid(x)``) and ``test_*`` functions can only report "it held",
which an answer could forge; the public suites use comparisons with literals.

Only this process writes the result line, prefixed by the nonce the children never see,
so an answer that prints a fake result line is not believed. Standard library only.
"""

import ast
import ctypes
import json
import operator
import os
import signal
import subprocess
import sys
import tempfile
import time

JOB = "/workspace/.janus_bench/job.json"
MAX_VALUE_BYTES = 1 << 20
PR_SET_DUMPABLE = 4

CHILD = r"""
import json, os, sys, types
job = json.loads(sys.stdin.read())
sys.stdin.close()
out = os.fdopen(job["fd"], "w")
module = types.ModuleType("solution")
module.__file__ = "solution.py"
sys.modules["solution"] = module
exec(compile(job["code"], "solution.py", "exec"), module.__dict__)
scope = dict(module.__dict__, __name__="bench_tests")
exec(compile(job["setup"], "tests.py", "exec"), scope)
value = eval(compile(job["expression"], "tests.py", "eval"), scope)
out.write(repr(value))
out.close()
"""

COMPARISONS = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda value, container: value in container,
    ast.NotIn: lambda value, container: value not in container,
}


def literal(node):
    """The value of ``node`` if it is a plain literal, else None and False."""
    try:
        return ast.literal_eval(node), True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None, False


def split_tests(tests):
    """One unit per test: ``(setup, expression, check)``. ``setup`` is the tests' other
    statements before it (all of them for a ``test_*`` function), ``expression`` what the
    child evaluates, ``check(value)`` this process's verdict on the value it wrote."""
    tree = ast.parse(tests)
    setup_before = []
    units = []
    for node in tree.body:
        if isinstance(node, ast.Assert):
            setup = ast.unparse(ast.Module(body=list(setup_before), type_ignores=[]))
            units.append((setup, *judged(node.test)))
        else:
            setup_before.append(node)
    everything = ast.unparse(ast.Module(body=setup_before, type_ignores=[]))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            units.append((everything, f"({node.name}(), True)[1]", lambda value: value is True))
    return units


def judged(test):
    """What the child evaluates for ``assert test`` and how its value is judged."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in COMPARISONS:
        expected, is_literal = literal(test.comparators[0])
        if is_literal:
            compare = COMPARISONS[type(test.ops[0])]
            return ast.unparse(test.left), lambda value: compare(value, expected)
    return f"bool({ast.unparse(test)})", lambda value: value is True


def run_one(code, setup, expression, check, timeout_s):
    with tempfile.TemporaryFile() as written:
        child = subprocess.Popen(
            [sys.executable, "-I", "-c", CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(written.fileno(),),
            start_new_session=True,
        )
        job = {"code": code, "setup": setup, "expression": expression, "fd": written.fileno()}
        try:
            child.communicate(json.dumps(job).encode(), timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return "timed out"
        finally:
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except OSError:
                pass
            child.wait()
        if child.returncode != 0:
            return "failed"
        written.seek(0)
        value, is_literal = literal_text(written.read(MAX_VALUE_BYTES + 1))
    if not is_literal:
        return "failed"
    try:
        return "passed" if check(value) else "failed"
    except TypeError:
        return "failed"


def literal_text(data):
    if len(data) > MAX_VALUE_BYTES:
        return None, False
    try:
        return literal(ast.parse(data.decode(), mode="eval").body)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None, False


def undumpable():
    """Keep this process's memory (the tests, the nonce) away from the answer's children,
    which run as the same user: /proc/<pid>/mem needs a dumpable process."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def main():
    undumpable()
    with open(JOB) as file:
        job = json.load(file)
    os.unlink(JOB)
    nonce = job["nonce"]
    try:
        units = split_tests(job["tests"])
    except SyntaxError as exc:
        print(nonce, json.dumps({"passed": 0, "total": 0, "detail": f"tests: {exc}"}))
        return
    # ``timeout_s`` is the budget of the whole grading; each test gets what is left.
    deadline = time.monotonic() + job["timeout_s"]
    outcomes = []
    for setup, expression, check in units:
        left = deadline - time.monotonic()
        outcomes.append(
            run_one(job["code"], setup, expression, check, left) if left > 0 else "timed out"
        )
    failures = [f"test {n + 1} {o}" for n, o in enumerate(outcomes) if o != "passed"]
    detail = "; ".join(failures) or "all tests passed"
    result = {"passed": outcomes.count("passed"), "total": len(outcomes), "detail": detail}
    print(nonce, json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
