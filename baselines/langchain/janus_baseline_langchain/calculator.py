"""Exact arithmetic for the ``calculator`` tool, without ``eval``.

The model's expression is untrusted text: it is parsed with ``ast`` and only numbers,
``+ - * / // % **`` (``^`` too, as on a calculator), unary signs, parentheses and a few
named functions are evaluated. Values are ``Fraction``s, so ``0.1 + 0.2`` is exactly
``0.3`` and ``1/3`` stays ``1/3``. Sizes are bounded, so ``9**9**9`` is refused instead of
occupying the event loop for hours.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction

MAX_LENGTH = 1000
MAX_NODES = 300
MAX_BITS = 4096  # of any numerator or denominator along the way
MAX_DIGITS = 1200  # about as many decimal digits
APPROXIMATE_DIGITS = 25


class CalculationError(ValueError):
    """The expression is not valid, not supported, or its value is undefined."""


_BINARY: dict[type[ast.operator], Callable[[Fraction, Fraction], Fraction]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: Fraction(a // b),
    ast.Mod: lambda a, b: a % b,
}
_POWER = (ast.Pow, ast.BitXor)


def _round(value: Fraction, digits: Fraction = Fraction(0)) -> Fraction:
    return Fraction(round(value, _integer(digits, "round() digits")))


_FUNCTIONS: dict[str, Callable[..., Fraction]] = {
    "abs": lambda value: abs(value),
    "min": lambda *values: min(values),
    "max": lambda *values: max(values),
    "round": _round,
    "floor": lambda value: Fraction(math.floor(value)),
    "ceil": lambda value: Fraction(math.ceil(value)),
}


def calculate(expression: str) -> str:
    """The exact value of ``expression``, rendered for a reader (see ``render``)."""
    return render(evaluate(expression))


def evaluate(expression: str) -> Fraction:
    if len(expression) > MAX_LENGTH:
        raise CalculationError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise CalculationError(f"not an arithmetic expression: {exc.msg}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise CalculationError(f"the expression has more than {MAX_NODES} parts")
    try:
        return _Evaluator(expression.strip()).visit(tree.body)
    except ZeroDivisionError:
        raise CalculationError("division by zero") from None


def render(value: Fraction) -> str:
    """Integers as integers, terminating decimals exactly, other fractions as ``p/q`` with
    an approximation beside them (marked ``≈``, so nobody mistakes it for the value)."""
    if value.denominator == 1:
        return str(value.numerator)
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    if denominator == 1:
        places = max(twos, fives)
        scaled = abs(value.numerator) * 10**places // value.denominator
        sign = "-" if value < 0 else ""
        whole, fraction = divmod(scaled, 10**places)
        return f"{sign}{whole}.{fraction:0{places}d}"
    with localcontext() as context:
        context.prec = APPROXIMATE_DIGITS
        approximation = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{value.numerator}/{value.denominator} (≈ {approximation})"


class _Evaluator(ast.NodeVisitor):
    def __init__(self, source: str) -> None:
        self.source = source

    def generic_visit(self, node: ast.AST) -> Fraction:
        raise CalculationError(f"'{ast.unparse(node)}' is not supported")

    def visit_Constant(self, node: ast.Constant) -> Fraction:
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise CalculationError(f"{node.value!r} is not a number")
        if isinstance(node.value, int):
            return _bounded(Fraction(node.value))
        # The literal as written, so that 0.1 means one tenth, not the nearest binary float;
        # through Decimal, whose exponent is checked before 1e999999999 becomes an integer.
        literal = ast.get_source_segment(self.source, node) or repr(node.value)
        number = Decimal(literal.replace("_", ""))
        if not number.is_finite() or abs(number.adjusted()) > MAX_DIGITS:
            raise CalculationError(f"{literal} is out of range")
        return _bounded(Fraction(number))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Fraction:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        return self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> Fraction:
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, _POWER):
            return _power(left, right)
        operation = _BINARY.get(type(node.op))
        if operation is None:
            return self.generic_visit(node)
        return _bounded(operation(left, right))

    def visit_Call(self, node: ast.Call) -> Fraction:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        function = _FUNCTIONS.get(name or "")
        if function is None:
            known = ", ".join(sorted(_FUNCTIONS))
            raise CalculationError(f"'{ast.unparse(node)}': the functions are {known}")
        if node.keywords or not node.args:
            raise CalculationError(f"'{ast.unparse(node)}': needs positional arguments")
        try:
            return _bounded(function(*(self.visit(argument) for argument in node.args)))
        except TypeError:
            raise CalculationError(f"'{ast.unparse(node)}': wrong number of arguments") from None


def _power(base: Fraction, exponent: Fraction) -> Fraction:
    power = _integer(exponent, "exponents")
    largest = max(abs(base.numerator), base.denominator).bit_length()
    if largest * abs(power) > MAX_BITS:
        raise CalculationError(f"the result would have more than {MAX_BITS} bits")
    return base**power


def _integer(value: Fraction, what: str) -> int:
    if value.denominator != 1:
        raise CalculationError(f"{what} must be integers to stay exact")
    return value.numerator


def _bounded(value: Fraction) -> Fraction:
    if max(abs(value.numerator), value.denominator).bit_length() > MAX_BITS:
        raise CalculationError(f"a value along the way has more than {MAX_BITS} bits")
    return value
