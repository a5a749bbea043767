"""``janus-guardrail-pii`` is a real distribution: built, installed, listed by ``janus``."""

from __future__ import annotations

from pathlib import Path

from tests.distributions import listed_after_install

SOURCE = Path(__file__).parents[2] / "plugins" / "janus-guardrail-pii"


def test_installed_with_pip_it_is_a_janus_plugin(tmp_path):
    row = listed_after_install(SOURCE, tmp_path, "guardrail-pii")
    assert row == {
        "name": "guardrail-pii",
        "version": "0.1.0",
        "hooks": ["register_guardrails"],
        "builtin": False,
    }
