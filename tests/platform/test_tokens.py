"""Platform tokens: bound to a request and a competitor, signed, and short-lived."""

from __future__ import annotations

import time

from janus.gateway.artifacts import UrlSigner
from janus.platform.tokens import Grant, PlatformTokens, derive_key, platform_secret

TOKENS = PlatformTokens(b"secret", {"alpha": "standing-key-of-alpha"})


def test_a_minted_token_verifies_to_its_request_and_competitor():
    expires = time.time() + 30
    grant = TOKENS.verify(TOKENS.mint("alpha", "req-1", expires))
    assert grant == Grant("alpha", "req-1", round(expires, 3))
    assert grant.owner == "alpha/req-1"


def test_an_expired_token_is_refused():
    token = TOKENS.mint("alpha", "req-1", time.time() + 5)
    assert TOKENS.verify(token, now=time.time() + 6) is None


def test_a_tampered_token_is_refused():
    token = TOKENS.mint("alpha", "req-1", time.time() + 30)
    prefix, _, signature = token.split(".")
    other_claims = TOKENS.mint("beta", "req-1", time.time() + 30).split(".")[1]
    assert TOKENS.verify(f"{prefix}.{other_claims}.{signature}") is None
    assert TOKENS.verify(token[:-2]) is None
    assert TOKENS.verify("jpt1.garbage") is None


def test_a_token_from_another_secret_is_refused():
    foreign = PlatformTokens(b"other").mint("alpha", "req-1", time.time() + 30)
    assert TOKENS.verify(foreign) is None


def test_a_standing_competitor_key_grants_without_a_request():
    grant = TOKENS.verify("standing-key-of-alpha")
    assert grant.competitor_id == "alpha" and grant.request_id is None
    assert TOKENS.verify("standing-key-of-nobody") is None


def test_the_secret_comes_from_the_named_environment_variable():
    env = {"MY_SECRET": "s3cret", "ALPHA_KEY": "k"}
    secret = platform_secret("MY_SECRET", env)
    tokens = PlatformTokens.from_environment(secret, {"alpha": "ALPHA_KEY"}, env)
    same = PlatformTokens(b"s3cret")
    assert same.verify(tokens.mint("alpha", "r", time.time() + 9)) is not None
    assert tokens.verify("k").competitor_id == "alpha"


def test_without_the_variable_each_process_gets_a_random_secret():
    assert platform_secret("UNSET", {}) != platform_secret("UNSET", {})
    assert len(platform_secret("UNSET", {})) == 32


def test_derived_keys_differ_per_purpose():
    assert derive_key(b"s", "artifact-urls") != derive_key(b"s", "other")


def test_text_no_token_has_is_refused_not_an_error():
    token = TOKENS.mint("alpha", "r", time.time() + 60)
    prefix, claims, signature = token.split(".")
    for odd in (
        f"{prefix}.{claims}.{'é' * len(signature)}",  # compare_digest refuses non-ASCII str
        f"{prefix}.{claims}.{signature[:-1]}\udcff",  # an undecodable header byte
        "ünïcode-standing-key",
        "\udcff\udcfe",
    ):
        assert TOKENS.verify(odd) is None
    assert TOKENS.verify(token) is not None


def test_artifact_links_with_text_no_signature_has_are_invalid():
    signer = UrlSigner(b"k" * 32)
    good = signer.sign("abc", 99)
    assert signer.valid("abc", 99, good)
    assert not signer.valid("abc", 99, "é" * len(good))
    assert not signer.valid("\udcff", 99, good)
