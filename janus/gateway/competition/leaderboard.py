"""The leaderboard and who is champion.

Rows come from each competitor's LATEST finished evaluation of every task of the canonical
suite, on the version and hash pinned for it (``BoardRules``: the configuration, else the
installed janus-bench's copy; never the most recent evaluation, so one stray import cannot
move the board), scored with the configured weights: never its best run, never a subset,
never another version of the suite, never a composite weighted differently from the rest.

Not every row is ranked. A row is listed apart (``ranked: false`` and why) when the suite
is public and the operator did not allow it, when it was imported without a trusted
signature, when the competitor runs off the platform (a URL: unmetered, and free to change
after its evaluation) unless ``rank_external`` is set, or when the artifact evaluated is
not the one that runs now. Only ranked rows can be champion or receive rewards.

A champion whose latest audit failed after the evaluation it was ranked on is taken off
the board (``suspended``) before anything else is decided. The crown rule (``crown``),
among the ranked rows only: a challenger takes #1 only when a paired test over the same
tasks, against the champion's run of those tasks, says it is better at a level that shrinks
with every attempt, so neither noise, a lucky draw, ``repeat`` nor re-running until it
works can flip the order. With no champion yet (or when the champion left the board), the
best composite takes #1, ties going to the earlier submission. Everyone else is ordered by
composite.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from janus.gateway.competition.crown import CrownJudge, CrownVerdict
from janus.store import ChampionSpell, EvaluationRecord, Store

SECONDS_PER_DAY = 86400.0
UNMETERED_EXTERNAL = "unmetered external"
DEFAULT_CROWN_ALPHA = 0.05
AUDIT_SOURCE = "audit"  # the ``source`` of an audit's evaluation record (audits.py)


def suite_kind(suite_id: str) -> str:
    """What a board's rows came from: items generated per run (``generated/...``), the
    private suite (``private/...``), else a public one (its answers ship with janus-bench)."""
    if suite_id.startswith("generated/"):
        return "generated"
    return "private" if suite_id.startswith("private/") else "public"


@dataclass(frozen=True)
class Entrant:
    """A competitor that may appear on the board: its name and when it was submitted
    (None for a configured competitor, which counts as there from the start).

    ``external``: it runs off the platform (a URL). ``identity``: the immutable identity of
    the artifact that runs now (image digest, plugin distribution and hash), compared with
    the one its evaluation ran. ``unranked_reason``: why it cannot be ranked at all."""

    name: str
    submitted_at: float | None
    external: bool = False
    identity: str | None = None
    unranked_reason: str | None = None


@dataclass(frozen=True)
class BoardRules:
    """What the board ranks on: the pinned suite (``version``/``hash``; both None: not
    pinned, nothing matches), the weights, and what the operator allows."""

    suite_id: str
    version: str | None
    hash: str | None
    weights: dict[str, float]
    allow_public_suite: bool = False
    rank_external: bool = False
    trusted_signers: frozenset[str] = frozenset()

    @property
    def suite_kind(self) -> str:
        return suite_kind(self.suite_id)

    def pinned(self, evaluation: EvaluationRecord) -> bool:
        if self.version is None and self.hash is None:
            return False
        return (self.version is None or evaluation.suite_version == self.version) and (
            self.hash is None or evaluation.suite_hash == self.hash
        )

    def trusted(self, evaluation: EvaluationRecord) -> bool:
        """Run by this gateway, or imported with a trusted signer's signature."""
        return evaluation.source != "submitted" or evaluation.signed_by in self.trusted_signers

    def unranked_reason(self, evaluation: EvaluationRecord, entrant: Entrant) -> str | None:
        """Why this row is listed apart; None when it is ranked."""
        if self.suite_kind == "public" and not self.allow_public_suite:
            return "public suite"
        if not self.trusted(evaluation):
            return "untrusted import"
        if entrant.external and not self.rank_external:
            return UNMETERED_EXTERNAL
        if entrant.unranked_reason:
            return entrant.unranked_reason
        if (
            entrant.identity is not None
            and evaluation.source == "gateway"
            and evaluation.artifact != entrant.identity
        ):
            return "changed since its evaluation"
        return None


@dataclass(frozen=True)
class Standing:
    competitor_id: str
    evaluation: EvaluationRecord
    entrant: Entrant
    unranked_reason: str | None = None

    @property
    def ranked(self) -> bool:
        return self.unranked_reason is None

    @property
    def composite(self) -> float:
        assert self.evaluation.composite is not None
        return self.evaluation.composite

    def order_key(self) -> tuple[float, float, str]:
        """Best composite first; on a tie, the earlier submission; then the id."""
        submitted = self.entrant.submitted_at
        return (-self.composite, -math.inf if submitted is None else submitted, self.competitor_id)


def current_standings(
    evaluations: Iterable[EvaluationRecord],
    entrants: dict[str, Entrant],
    rules: BoardRules,
) -> list[Standing]:
    """One standing per entrant on the pinned suite, ranked or not, in ``order_key`` order.

    ``evaluations`` are full-suite runs of the canonical suite, oldest first."""
    latest: dict[str, EvaluationRecord] = {}
    for evaluation in sorted(evaluations, key=lambda e: (e.finished_at or 0.0, e.created_at)):
        if (
            evaluation.competitor_id in entrants
            and _same_weights(evaluation.weights or {}, rules.weights)
            and rules.pinned(evaluation)
        ):
            latest[evaluation.competitor_id] = evaluation
    standings = [
        Standing(cid, ev, entrants[cid], rules.unranked_reason(ev, entrants[cid]))
        for cid, ev in latest.items()
    ]
    return sorted(standings, key=Standing.order_key)


def _same_weights(used: dict[str, float], configured: dict[str, float]) -> bool:
    components = set(used) | set(configured)
    return all(
        math.isclose(float(used.get(c, 0.0)), float(configured.get(c, 0.0))) for c in components
    )


async def choose_champion(
    standings: list[Standing],
    incumbent: str | None,
    judge: CrownJudge,
    runs: list[EvaluationRecord],
    since: float,
) -> tuple[Standing | None, dict[str, CrownVerdict]]:
    """Apply the crown rule among the ranked ``standings`` (in ``order_key`` order);
    ``runs`` every finished run of the ranked suite (oldest first), ``since`` when the
    incumbent was crowned. Returns the champion and each challenger's verdict."""
    standings = [s for s in standings if s.ranked]
    if not standings:
        return None, {}
    holder = next((s for s in standings if s.competitor_id == incumbent), None)
    if holder is None:
        return standings[0], {}
    verdicts = {
        challenger.competitor_id: await judge.judge(
            challenger.evaluation, runs, holder.competitor_id, since
        )
        for challenger in standings
        if challenger is not holder
    }
    # The best challenger that wins its test.
    winner = next(
        (s for s in standings if s is not holder and verdicts[s.competitor_id].crowned), None
    )
    return winner or holder, verdicts


def ranked(standings: list[Standing], champion: Standing | None) -> list[Standing]:
    """The ranked standings, champion first."""
    rest = [s for s in standings if s.ranked and s is not champion]
    return rest if champion is None else [champion, *rest]


async def settle_champion(
    store: Store,
    standings: list[Standing],
    now: float,
    judge: CrownJudge,
    runs: list[EvaluationRecord],
) -> tuple[Standing | None, list[ChampionSpell], dict[str, CrownVerdict]]:
    """Decide the champion, record a change in the history, and return it, the history
    and the challengers' verdicts.

    The store's compare-and-set makes concurrent replicas agree: whoever loses the race
    re-reads the history and decides again."""
    verdicts: dict[str, CrownVerdict] = {}
    for _ in range(3):
        history = await store.champion_history()
        spell = next((s for s in history if s.until is None), None)
        incumbent = spell.competitor_id if spell else None
        on_board = {s.competitor_id for s in standings if s.ranked}
        champion, verdicts = await choose_champion(
            standings,
            incumbent if incumbent in on_board else None,
            judge,
            runs,
            spell.since if spell else now,
        )
        if champion is None or champion.competitor_id == incumbent:
            if champion is None and incumbent is not None:
                await store.abdicate(incumbent, now)
                continue
            return champion, history, verdicts
        replacing = incumbent
        if incumbent is not None and incumbent not in on_board:
            await store.abdicate(incumbent, now)
            replacing = None
        await store.crown(champion.competitor_id, champion.evaluation.id, now, replacing=replacing)
    return champion, await store.champion_history(), verdicts


def days_at_first(history: list[ChampionSpell], competitor_id: str, now: float) -> float:
    total = sum(
        (spell.until if spell.until is not None else now) - spell.since
        for spell in history
        if spell.competitor_id == competitor_id
    )
    return round(total / SECONDS_PER_DAY, 4)


def _challenge(
    verdict: CrownVerdict | None, standing: Standing, champion: Standing | None
) -> dict[str, Any] | None:
    """A challenger's last test against the champion (None for the champion itself)."""
    if verdict is None or standing is champion:
        return None
    return verdict.as_dict()


def ci_of(evaluation: EvaluationRecord) -> dict[str, float] | None:
    if evaluation.ci_low is None or evaluation.ci_high is None:
        return None
    return {"low": evaluation.ci_low, "high": evaluation.ci_high}


def spell_dict(spell: ChampionSpell) -> dict[str, Any]:
    return {
        "competitor_id": spell.competitor_id,
        "since": spell.since,
        "until": spell.until,
        "evaluation_id": spell.evaluation_id,
    }


def latest_audits(audits: Iterable[EvaluationRecord]) -> dict[str, EvaluationRecord]:
    """Each competitor's newest finished audit."""
    latest: dict[str, EvaluationRecord] = {}
    for audit in sorted(audits, key=lambda a: (a.finished_at or 0.0, a.created_at)):
        if audit.status == "finished":
            latest[audit.competitor_id] = audit
    return latest


def audit_summary(audit: EvaluationRecord | None) -> dict[str, Any] | None:
    if audit is None:
        return None
    return {
        "id": audit.id,
        "passed": audit.error is None,
        "composite": audit.composite,
        "ci": ci_of(audit),
        "finished_at": audit.finished_at,
        "reason": audit.error,
    }


def failed_audit(standing: Standing, audit: EvaluationRecord | None) -> bool:
    """A failed audit newer than the evaluation the standing rests on: off the board."""
    return (
        audit is not None
        and audit.error is not None
        and (audit.finished_at or 0.0) > (standing.evaluation.finished_at or 0.0)
    )


async def build_leaderboard(
    store: Store,
    rules: BoardRules,
    entrants: dict[str, Entrant],
    now: float | None = None,
    audits: Iterable[EvaluationRecord] = (),
    judge: CrownJudge | None = None,
) -> dict[str, Any]:
    """The ``GET /v1/leaderboard`` body (specs/competition.md), settling the champion.

    Ranked rows come first (``rank`` 1, 2, ...), then the rows listed apart (``rank``
    None, ``ranked`` false, ``unranked_reason``). ``judge`` keeps per-task scores between
    calls (default: a fresh one at ``DEFAULT_CROWN_ALPHA``)."""
    now = time.time() if now is None else now
    judge = judge or CrownJudge(store, rules.weights, DEFAULT_CROWN_ALPHA)
    runs = [
        e for e in await store.full_suite_evaluations(rules.suite_id) if e.competitor_id in entrants
    ]
    standings = current_standings(runs, entrants, rules)
    # What the crown's paired test may pair with: runs on the pinned suite that count.
    runs = [e for e in runs if rules.pinned(e) and rules.trusted(e)]
    audited = latest_audits(audits)
    suspended = [s for s in standings if failed_audit(s, audited.get(s.competitor_id))]
    standings = [s for s in standings if s not in suspended]
    champion, history, verdicts = await settle_champion(store, standings, now, judge, runs)
    order = ranked(standings, champion)
    order += [s for s in standings if not s.ranked]
    rows = []
    for position, standing in enumerate(order, start=1):
        evaluation = standing.evaluation
        rows.append(
            {
                "rank": position if standing.ranked else None,
                "competitor_id": standing.competitor_id,
                "name": standing.entrant.name,
                "composite": evaluation.composite,
                "ci": ci_of(evaluation),
                "components": evaluation.components or {},
                "evaluated_at": evaluation.finished_at,
                "submitted_at": standing.entrant.submitted_at,
                "days_at_first": days_at_first(history, standing.competitor_id, now),
                "champion": standing is champion,
                "evaluation_id": evaluation.id,
                "ranked": standing.ranked,
                "unranked_reason": standing.unranked_reason,
                "imported": evaluation.source == "submitted",
                "signed_by": evaluation.signed_by,
                "suite_kind": rules.suite_kind,
                "external": standing.entrant.external,
                "artifact": evaluation.artifact,
                "audit": audit_summary(audited.get(standing.competitor_id)),
                "challenge": _challenge(verdicts.get(standing.competitor_id), standing, champion),
            }
        )
    return {
        "object": "list",
        "suite": {
            "id": rules.suite_id,
            "version": rules.version,
            "hash": rules.hash,
            "kind": rules.suite_kind,
        },
        "suspended": [
            {
                "competitor_id": s.competitor_id,
                "name": s.entrant.name,
                "evaluation_id": s.evaluation.id,
                "audit": audit_summary(audited[s.competitor_id]),
            }
            for s in suspended
        ],
        "weights": rules.weights,
        "data": rows,
        "champion_history": [spell_dict(spell) for spell in history],
    }
