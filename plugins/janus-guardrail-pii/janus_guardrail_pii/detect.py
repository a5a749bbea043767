"""Finding personal data in text: cheap regular expressions, then checksums.

The expressions are deliberately loose (any 13-19 digit run may be a card number) and the
checksums (Luhn for cards, ISO 7064 mod-97 for IBANs) throw out the false positives, so a
reference number or a timestamp is not redacted while a real card number in any common
spacing is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

Kind = Literal["email", "phone", "card", "iban"]
KINDS: tuple[Kind, ...] = ("email", "phone", "card", "iban")

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_CARD = re.compile(r"(?<![\d-])(?<!\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)")
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?"
    r"|[A-Z0-9]{11,30})(?![A-Za-z0-9])"
)
# An optional "+" or "00" country prefix, then 7-15 digits (E.164) with short separators;
# never the tail of a longer digit run.
_PHONE = re.compile(
    r"(?<![\w+])(?<!\d[ .()-])(?:\+|\b00)?\(?\d(?:[ .()-]{0,2}\d){6,14}(?!\w|[ .-]\d)"
)

_DIGIT_GROUPS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A piece of text shaped like ``kind``; ``valid`` once its checksum agreed."""

    kind: Kind
    start: int
    end: int
    valid: bool


def luhn_ok(digits: str) -> bool:
    """The Luhn check every payment card number passes (and 90% of digit runs fail)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    """ISO 13616: move the country and check digits to the end, letters to numbers, mod 97."""
    if not 15 <= len(iban) <= 34:
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _card(text: str) -> bool:
    digits = _digits(text)
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _phone(text: str) -> bool:
    """International numbers are marked ("+" or "00") and E.164-long; national ones must
    be written the way people write phone numbers, in three or more groups of 9-11 digits
    ("(555) 123-4567", "020 7946 0958"). A bare run of digits is an order number or an id
    far more often than a phone number, so it is left alone."""
    digits = _digits(text)
    if text.startswith(("+", "00")):
        return 8 <= len(digits.removeprefix("00") if text.startswith("00") else digits) <= 15
    return 9 <= len(digits) <= 11 and len(_DIGIT_GROUPS.findall(text)) >= 3


_CHECKS: dict[Kind, tuple[re.Pattern[str], Callable[[str], bool]]] = {
    "email": (_EMAIL, lambda text: True),
    "card": (_CARD, _card),
    "iban": (_IBAN, lambda text: iban_ok(text.replace(" ", ""))),
    "phone": (_PHONE, _phone),
}


def candidates(text: str, kinds: Iterable[Kind], start: int = 0) -> Iterator[Candidate]:
    """Every piece of ``text`` from ``start`` on shaped like one of ``kinds``."""
    for kind in kinds:
        pattern, check = _CHECKS[kind]
        for match in pattern.finditer(text, start):
            yield Candidate(kind, match.start(), match.end(), check(match.group()))


def select(found: Iterable[Candidate]) -> list[Candidate]:
    """The valid candidates to redact, without overlaps: leftmost first, then longest
    (a card number is also a run of digits a phone pattern accepts)."""
    chosen: list[Candidate] = []
    end = -1
    for candidate in sorted(
        (c for c in found if c.valid),
        key=lambda c: (c.start, c.start - c.end, c.kind == "phone"),
    ):
        if candidate.start >= end:
            chosen.append(candidate)
            end = candidate.end
    return chosen
