"""Bench results of the real ``public/dev`` suite for imports, signed or not.

Every task scores ``composite / 100`` on each component that applies to it, so the
recomputed composite is exactly ``composite`` whatever the weights."""

from __future__ import annotations

from typing import Any

from janus_bench.catalog import load_suite

from janus.config import DEFAULT_WEIGHTS
from janus.signatures import sign_result

SUITE = "public/dev"
SIGNER = "test-lab"
SIGNER_KEY = "test-lab-shared-key"
SIGNER_ENV = "JANUS_TEST_SIGNER_KEY"
# A board that ranks these results: public suite allowed, URL competitors ranked, the
# test signer trusted.
TRUSTING: dict[str, Any] = {
    "allow_public_suite": True,
    "rank_external": True,
    "trusted_signers": [{"name": SIGNER, "key_env": SIGNER_ENV}],
}


def bench_result(
    composite: float,
    *,
    weights: dict[str, float] | None = None,
    seed: int = 0,
    shares: dict[str, float] | None = None,
    spread: float = 0.0,
) -> dict[str, Any]:
    """``shares`` sets components apart (their weighted mean is then the composite);
    ``spread`` moves every other task's scores up and down by that much, for an interval
    that is not a point."""
    suite = load_suite(SUITE)
    shares = shares or dict.fromkeys(DEFAULT_WEIGHTS, composite / 100)

    def score(name: str, index: int) -> float:
        return min(1.0, max(0.0, shares[name] + (spread if index % 2 else -spread)))

    tasks = [
        {
            "id": task["id"],
            "type": task["type"],
            "repeat": 0,
            "ok": True,
            "scores": {
                name: score(name, index)
                if name != "multimodal" or task["type"] == "multimodal"
                else None
                for name in DEFAULT_WEIGHTS
            },
            "details": {"answer": f"the answer to {task['id']}"},
        }
        for index, task in enumerate(suite.tasks)
    ]
    return {
        "suite": suite.identity(),
        "composite": composite,
        "ci": {"low": composite, "high": composite},
        "components": dict(shares),
        "weights": dict(weights or DEFAULT_WEIGHTS),
        "seed": seed,
        "tasks": tasks,
    }


def signed(body: dict[str, Any], key: str = SIGNER_KEY, signer: str = SIGNER) -> dict[str, Any]:
    return sign_result(key.encode(), signer, body)
