"""The calculator is exact and evaluates arithmetic only, never arbitrary code."""

from __future__ import annotations

import time

import pytest
from janus_baseline_langchain.calculator import CalculationError, calculate


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("0.1 + 0.2", "0.3"),
        ("1/3 + 1/6", "0.5"),
        ("1/3", "1/3 (≈ 0.3333333333333333333333333)"),
        ("-7/8", "-0.875"),
        ("2 ** 100", "1267650600228229401496703205376"),
        ("2 ^ 10", "1024"),
        ("(2 + 3) * 4 - 10 // 3 % 2", "19"),
        ("12345678901234567890 * 98765432109876543210", "1219326311370217952237463801111263526900"),
        ("1e-3 * 3", "0.003"),
        ("round(2/3, 3) + abs(-1) + max(1, 2) + floor(7/2) + ceil(1/2)", "7.667"),
        ("1_000 + 1", "1001"),
    ],
)
def test_exact_values(expression, value):
    assert calculate(expression) == value


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("1 / 0", "division by zero"),
        ("__import__('os').system('true')", "the functions are"),
        ("open('/etc/passwd')", "the functions are"),
        ("(1).__class__", "not supported"),
        ("x + 1", "not supported"),
        ("'a' * 3", "not a number"),
        ("2 ** 0.5", "must be integers"),
        ("min()", "needs positional arguments"),
        ("1 +", "not an arithmetic expression"),
    ],
)
def test_anything_else_is_refused(expression, reason):
    with pytest.raises(CalculationError, match=reason):
        calculate(expression)


@pytest.mark.parametrize("expression", ["9 ** 9 ** 9", "1e999999999", "(10 ** 1000) ** 5"])
def test_huge_values_are_refused_at_once(expression):
    started = time.monotonic()
    with pytest.raises(CalculationError):
        calculate(expression)
    assert time.monotonic() - started < 0.5
