"""Runs inside a platform sandbox (never in the bench process): grades one coding answer.

The bench writes this file and a job file (the answer's code, the hidden tests and a
nonce) into a fresh sandbox and runs ``python3 -I harness.py``. The job file is read and
deleted before any of the answer's code runs, and this process makes itself undumpable,
so the answer can read the tests neither from the file system nor from this process's
memory.

**The tests never run in a process the answer can patch.** Each test (a top-level
``assert``, or a ``test*`` function) runs in a *tester* process that never imports the
answer: the answer's names there are proxies. Calling one sends the arguments, as plain
data, to a separate *answer* process that loaded the answer's code; it calls the function
and sends back the return value (or the builtin class of the exception it raised, and the
new contents of list, dict and set arguments it changed) as plain data again. Comparisons,
``bool``, helper functions of the tests and every builtin run in the tester, so an answer
that rebinds ``bool`` or ``__eq__``, patches builtins or ``sys.modules``, or rewrites
``int.__eq__`` through ``ctypes`` changes only its own process: all it can choose is what
its functions return, which is what is being graded. Values cross as Python literals
(lists, tuples, dicts, sets, strings, bytes, numbers, None) built by an encoder captured
before the answer's code runs; anything else (an object, a generator) is an error in the
test. The tester makes itself undumpable before the answer process starts, so the answer
cannot reach into it through ``/proc``, and it never sees an expected value it could
print: only the tester does.

Only this process writes the result line, prefixed by the nonce the children never see,
so an answer that prints a fake result line is not believed. Standard library only.
"""

import ast
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

JOB = "/workspace/.janus_bench/job.json"
MAX_VERDICT_BYTES = 64
PR_SET_DUMPABLE = 4

# Shared by both children: framing and the plain-data codec. Values travel as JSON in
# which every object is a tag (``{"t": [...]}`` a tuple, ``"S"`` a set, ``"F"`` a
# frozenset, ``"d"`` a dict as pairs, ``"b"`` bytes, ``"f"`` a float that JSON cannot
# write), so nothing is ambiguous and decoding is C-fast even for a million numbers.
CODEC = r"""
import json as _json, math as _math, os as _os
MAX_MESSAGE = 64 << 20
_FLAT = (int, str)
_TAGS = {tuple: "t", set: "S", frozenset: "F"}
_UNTAG = {"t": tuple, "S": set, "F": frozenset}


def tree(value, depth=0):
    if depth > 100:
        raise TypeError("nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if _math.isfinite(value) else {"f": value.hex()}
    if kind is list:
        if all(type(item) in _FLAT for item in value):
            return list(value)  # a copy: the answer's process compares before and after
        return [tree(item, depth + 1) for item in value]
    if kind in _TAGS:
        return {_TAGS[kind]: [tree(item, depth + 1) for item in value]}
    if kind is bytes:
        return {"b": value.hex()}
    if kind is dict:
        return {"d": [[tree(k, depth + 1), tree(v, depth + 1)] for k, v in value.items()]}
    if isinstance(getattr(value, "janus_answer_name", None), str):
        return {"p": value.janus_answer_name}  # one of the answer's own functions
    raise TypeError("a %s is not plain data" % kind.__name__)


def value(node):
    kind = type(node)
    if kind is list:
        if all(type(item) in _FLAT for item in node):
            return node
        return [value(item) for item in node]
    if kind is dict:
        ((tag, body),) = node.items()
        if tag == "f":
            return float.fromhex(body)
        if tag == "b":
            return bytes.fromhex(body)
        if tag == "d":
            return {value(k): value(v) for k, v in body}
        if tag == "p":
            return answer_function(body)
        return _UNTAG[tag](value(item) for item in body)
    if node is None or kind in (bool, int, float, str):
        return node
    raise TypeError("not plain data")


def answer_function(name):  # what an answer's function passed as a value becomes
    raise TypeError("a function is not plain data")


def send(fd, message):
    data = _json.dumps(message).encode()
    data = len(data).to_bytes(8, "big") + data
    while data:
        data = data[_os.write(fd, data):]


def receive(fd):
    size = int.from_bytes(_exactly(fd, 8), "big")
    if size > MAX_MESSAGE:
        raise EOFError("message too large")
    return _json.loads(_exactly(fd, size))


def _exactly(fd, size):
    parts, left = [], size
    while left:
        part = _os.read(fd, min(left, 1 << 20))
        if not part:
            raise EOFError("the other process is gone")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)
"""

# The answer's process: loads the answer, tells the tester its names, then calls them.
# What it sends back is its own choice, as the answer's return values are; nothing it
# does here can reach the tester's comparisons.
ANSWER = (
    CODEC
    + r"""
import builtins, json, sys, types
_job = json.loads(sys.stdin.read())
sys.stdin.close()
_calls, _replies = _job["calls"], _job["replies"]
_module = types.ModuleType("solution")
_module.__file__ = "solution.py"
sys.modules["solution"] = _module
try:
    exec(compile(_job.pop("code"), "solution.py", "exec"), _module.__dict__)
except BaseException:
    _os._exit(1)
def answer_function(name):
    return getattr(_module, str(name))


_names = {}
for _name, _value in list(_module.__dict__.items()):
    if _name.startswith("__") or hasattr(builtins, _name):
        continue
    if callable(_value):
        _names[_name] = "call"
    else:
        try:
            _names[_name] = ["value", tree(_value)]
        except TypeError:
            pass
send(_replies, _names)


def _builtin_error(error):
    for cls in type(error).__mro__:
        if cls.__module__ == "builtins":
            return cls.__name__
    return "Exception"


while True:
    try:
        _name, _args, _kwargs = receive(_calls)
    except EOFError:
        _os._exit(0)
    _args, _kwargs = value(_args), value(_kwargs)
    _before = [tree(arg) if type(arg) in (list, dict, set) else None for arg in _args]
    try:
        _reply = ["ok", tree(getattr(_module, _name)(*_args, **_kwargs))]
    except Exception as _error:
        _reply = ["raise", _builtin_error(_error), str(_error)[:200]]
    except BaseException:
        _os._exit(1)
    _changed = []
    for _index, _old in enumerate(_before):
        if _old is not None and tree(_args[_index]) != _old:
            _changed.append([_index, tree(_args[_index])])
    send(_replies, [*_reply, _changed])
"""
)

# The tester: runs the tests with proxies for the answer's names; never imports the answer.
TESTER = (
    CODEC
    + r"""
import builtins, ctypes, json, os, sys, types
job = json.loads(sys.stdin.read())
sys.stdin.close()
try:
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # undumpable: the answer cannot reach in
except (OSError, AttributeError):
    pass
sys.stdout.write("ready")
sys.stdout.close()
verdict = os.fdopen(job["verdict"], "w")
calls, replies = job["calls"], job["replies"]


def refill(original, new):
    if type(original) is list:
        original[:] = new
    elif type(original) in (dict, set):
        original.clear()
        original.update(new)


def proxy(name):
    def call(*args, **kwargs):
        send(calls, [name, tree(args), tree(kwargs)])
        outcome, *body, changed = receive(replies)
        for index, new in changed:
            refill(args[index], value(new))
        if outcome == "ok":
            return value(body[0])
        error = getattr(builtins, str(body[0]), None)
        if not (isinstance(error, type) and issubclass(error, Exception)):
            error = RuntimeError
        raise error(str(body[1]))

    call.__name__ = call.__qualname__ = call.janus_answer_name = name
    return call


def answer_function(name):
    if not hasattr(solution, str(name)):
        raise TypeError("not a function of the answer")
    return getattr(solution, str(name))


solution = types.ModuleType("solution")
for name, kind in receive(replies).items():
    # The answer's process says what its names are; it does not get to shadow a builtin
    # (a proxied ``len`` would let it choose what ``len(x) == 3`` sees).
    if name.isidentifier() and not name.startswith("__") and not hasattr(builtins, name):
        setattr(solution, name, proxy(name) if kind == "call" else value(kind[1]))
sys.modules["solution"] = solution
scope = dict(vars(solution), __name__="bench_tests", __builtins__=builtins)
exec(compile(job["setup"], "tests.py", "exec"), scope)
exec(compile(job["test"], "tests.py", "exec"), scope)
verdict.write("passed")
verdict.close()
"""
)


def split_tests(tests):
    """One unit per test: ``(setup, test)``. ``setup`` is the tests' other statements
    before it (all of them for a ``test*`` function); ``test`` runs it (an ``assert``, or a
    call of the function)."""
    tree = ast.parse(tests)
    setup_before = []
    units = []
    for node in tree.body:
        if isinstance(node, ast.Assert):
            setup = ast.unparse(ast.Module(body=list(setup_before), type_ignores=[]))
            units.append((setup, ast.unparse(node)))
        else:
            setup_before.append(node)
    everything = ast.unparse(ast.Module(body=setup_before, type_ignores=[]))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            units.append((everything, f"{node.name}()"))
    return units


def _start(program, job, pass_fds, stdout):
    child = subprocess.Popen(
        [sys.executable, "-I", "-c", program],
        stdin=subprocess.PIPE,
        stdout=stdout,
        stderr=subprocess.DEVNULL,
        pass_fds=pass_fds,
        start_new_session=True,
    )
    child.stdin.write(json.dumps(job).encode())
    child.stdin.close()
    return child


def _stop(child):
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except OSError:
        pass
    child.wait()


def run_one(code, setup, test, timeout_s):
    """Run one test: the tester first (undumpable before the answer exists), then the
    answer's process; "passed" only if the tester wrote so itself."""
    deadline = time.monotonic() + timeout_s
    calls_read, calls_write = os.pipe()
    replies_read, replies_write = os.pipe()
    children = []
    try:
        with tempfile.TemporaryFile() as verdict:
            tester = _start(
                TESTER,
                {
                    "setup": setup,
                    "test": test,
                    "calls": calls_write,
                    "replies": replies_read,
                    "verdict": verdict.fileno(),
                },
                (calls_write, replies_read, verdict.fileno()),
                subprocess.PIPE,
            )
            children.append(tester)
            if tester.stdout.read(5) != b"ready":
                return "failed"
            answer = _start(
                ANSWER,
                {"code": code, "calls": calls_read, "replies": replies_write},
                (calls_read, replies_write),
                subprocess.DEVNULL,
            )
            children.append(answer)
            for fd in (calls_read, calls_write, replies_read, replies_write):
                os.close(fd)
            try:
                tester.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                return "timed out"
            if tester.returncode != 0:
                return "failed"
            verdict.seek(0)
            return "passed" if verdict.read(MAX_VERDICT_BYTES) == b"passed" else "failed"
    finally:
        for fd in (calls_read, calls_write, replies_read, replies_write):
            try:
                os.close(fd)
            except OSError:
                pass
        for child in children:
            _stop(child)


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
    for setup, test in units:
        left = deadline - time.monotonic()
        outcomes.append(run_one(job["code"], setup, test, left) if left > 0 else "timed out")
    failures = [f"test {n + 1} {o}" for n, o in enumerate(outcomes) if o != "passed"]
    detail = "; ".join(failures) or "all tests passed"
    result = {"passed": outcomes.count("passed"), "total": len(outcomes), "detail": detail}
    print(nonce, json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
