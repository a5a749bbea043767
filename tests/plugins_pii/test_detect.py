"""The PII guardrail's detection and redaction, without a gateway."""

from __future__ import annotations

import pytest
from janus_guardrail_pii.detect import iban_ok, luhn_ok
from janus_guardrail_pii.redact import Redactor

ALL = ("email", "phone", "card", "iban")
TEXT = (
    "Mail bob.smith+x@mail.example.co.uk, call +44 20 7946 0958 or (555) 123-4567, "
    "card 4111-1111-1111-1111, IBAN GB82 WEST 1234 5698 7654 32 / DE89370400440532013000."
)
REDACTED = "Mail [email], call [phone] or [phone], card [card], IBAN [iban] / [iban]."
HARMLESS = (
    "Order 12345 shipped on 2024-01-15 at 10:30; not a card: 4111 1111 1111 1112; "
    "not an IBAN: GB00WEST12345698765432; version 1.2.3; 50 % of 1999; "
    "ticket 123456789, account 20240115103000, call-id 0012345."
)


def test_checksums():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("GB82WEST12345698765432") and not iban_ok("GB00WEST12345698765432")


def test_redacts_each_kind_and_leaves_lookalikes():
    redactor = Redactor(ALL, "[{kind}]", 64)
    assert redactor.redact(TEXT) == (REDACTED, "", 6)
    assert redactor.redact(HARMLESS) == (HARMLESS, "", 0)


@pytest.mark.parametrize(
    ("text", "is_phone"),
    [
        ("+44 20 7946 0958", True),
        ("0044 20 7946 0958", True),
        ("(555) 123-4567", True),
        ("020 7946 0958", True),
        ("555.123.4567", True),
        ("+1 555", False),  # too short for any E.164 number
        ("123456789", False),  # a bare run: an id, not a phone
        ("5551234567", False),
        ("12 34", False),
    ],
)
def test_phone_numbers_are_the_ones_written_like_phone_numbers(text, is_phone):
    send, _, count = Redactor(("phone",), "[phone]", 64).redact(f"call {text} now")
    assert (count == 1, send == "call [phone] now") == (is_phone, is_phone)


def test_only_the_chosen_kinds():
    send, _, count = Redactor(("card",), "***", 64).redact(TEXT)
    assert count == 1 and "***" in send and "bob.smith" in send and "GB82" in send


@pytest.mark.parametrize("step", [1, 2, 5, 13])
def test_a_stream_split_anywhere_gives_the_same_text(step):
    redactor = Redactor(ALL, "[{kind}]", 64)
    sent, held, before = "", "", ""
    for start in range(0, len(TEXT), step):
        send, held, _ = redactor.redact(held + TEXT[start : start + step], before, final=False)
        sent, before = sent + send, (before + send)[-64:]
        assert "4111" not in sent and "7946" not in sent  # never half a number
    sent += redactor.redact(held, before, final=True)[0]
    assert sent == REDACTED
