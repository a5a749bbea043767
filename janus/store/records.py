"""The rows the store hands out: plain frozen dataclasses, the same for every backend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ArtifactRecord:
    id: str
    request_id: str
    competitor_id: str
    type: str
    mime_type: str
    display_name: str
    size_bytes: int
    sha256: str
    created_at: int
    expires_at: int


@dataclass(frozen=True)
class CompetitorRecord:
    """A submitted competitor: where it runs, where its source is, under which licence."""

    id: str
    name: str
    url: str | None
    image: str | None
    source_url: str
    license: str
    description: str
    submitted_at: float
    status: str  # "active" (in the pool) or "disabled" (kept, not routed to)
    conformance: dict[str, Any] | None = None
    # sha256 (hex) of the owner key handed out at submission: it opens the competitor's
    # own per-task results. None for competitors submitted before owner keys existed.
    owner_key_hash: str | None = None


@dataclass(frozen=True)
class EvaluationRecord:
    """One bench run against one competitor, from its start to its stored result."""

    id: str
    competitor_id: str
    status: str  # running | cancelling | finished | failed | cancelled
    suite_id: str
    subset: float
    repeat: int
    seed: int
    created_at: float
    source: str  # "gateway" (run by the gateway) or "submitted" (posted by janus-bench)
    suite_version: str | None = None
    suite_hash: str | None = None
    composite: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    components: dict[str, float] | None = None
    weights: dict[str, float] | None = None
    finished_at: float | None = None
    error: str | None = None
    result: dict[str, Any] | None = None
    # An imported result's signer (a ``[competition] trusted_signers`` name) when its
    # signature checked out; None for unsigned imports and the gateway's own runs.
    signed_by: str | None = None
    # The immutable identity of what was evaluated (image digest, plugin distribution and
    # hash); None when it runs off the platform or was not pinned.
    artifact: str | None = None
    # A generated suite's secret task seed for a run the gateway started: the champion's
    # paired re-run draws the same items with it. Server-side only: admins see it once the
    # run has ended; results and the public carry only its hash.
    task_seed: str | None = None


@dataclass(frozen=True)
class ChampionSpell:
    """One competitor's time at #1: from ``since`` until ``until`` (None: still there)."""

    competitor_id: str
    evaluation_id: str
    since: float
    until: float | None


@dataclass(frozen=True)
class BattleRecord:
    """One arena battle: who answers as A and B, and, once it happened, the vote.

    ``body`` is the chat request both competitors get (dropped once the vote is in);
    ``style_a``/``style_b`` are the answers' style counts, stored when each stream ends."""

    id: str
    client: str
    competitor_a: str
    competitor_b: str
    body: str | None
    created_at: float
    expires_at: float
    opened_a: float | None = None
    opened_b: float | None = None
    style_a: dict[str, int] | None = None
    style_b: dict[str, int] | None = None
    winner: str | None = None  # a | b | tie | both_bad
    voted_at: float | None = None
    revealed_at: float | None = None


EVALUATION_DONE = frozenset({"finished", "failed", "cancelled"})


@dataclass(frozen=True)
class RewardEntry:
    """One payout of one period's reward ledger (see ``janus.interfaces.RewardPolicy``)."""

    period: str  # e.g. "2026-12-03" for a daily period
    period_start: float
    period_end: float
    policy: str
    parameters: dict[str, Any]
    recipient_kind: str  # "competitor" | "component"
    recipient_id: str
    rank: int | None
    amount: float
    basis: dict[str, Any]  # why: rank, days at #1, attributed calls...
