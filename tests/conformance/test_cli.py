"""``janus validate``: the table, the JSON report and the exit codes, through a real process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conformance.competitors import Behaviour, competitor


def janus_validate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "janus", "validate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_conforming_server_exits_0_with_a_table(live):
    _, url = live.competitor(competitor())
    result = janus_validate(url)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[3:12]}
    assert set(rows.values()) == {"pass"} and len(rows) == 9, result.stdout
    assert "9/9 checks passed: the server conforms." in result.stdout


def test_a_failing_check_exits_1_and_names_it(live):
    _, url = live.competitor(competitor(Behaviour(done=False)))
    result = janus_validate(url)
    assert result.returncode == 1, result.stdout + result.stderr
    (row,) = [line for line in result.stdout.splitlines() if "FAIL" in line]
    assert row.split()[0] == "stream_done" and "without data: [DONE]" in row
    assert "8/9 checks passed: the server does NOT conform." in result.stdout


def test_json_output_is_the_report(live):
    _, url = live.competitor(competitor(Behaviour(usage=False)))
    result = janus_validate(url, "--json", "--model", "m", "--api-key", "k")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is False and report["url"] == url
    assert [c["name"] for c in report["checks"] if not c["passed"]] == ["usage"]


@pytest.mark.parametrize("url", ["not-a-url", "ftp://example.org/"])
def test_bad_input_exits_2_with_one_line(url):
    result = janus_validate(url)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "URL" in result.stderr


def test_a_bad_option_exits_2():
    result = janus_validate("http://127.0.0.1:9", "--health-timeout", "-1")
    assert result.returncode == 2 and "health-timeout" in result.stderr
