"""The schema, as numbered migrations applied in order at start-up, for both backends.

A migration is written once when portable SQL does the job; where the backends differ
(how an append-only table remembers insertion order), each gets its own text. Never edit
a migration that has shipped: add the next one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    sqlite: str
    postgresql: str

    @classmethod
    def portable(cls, sql: str) -> Migration:
        return cls(sql, sql)

    def for_dialect(self, name: str) -> str:
        return self.postgresql if name == "postgresql" else self.sqlite


_ARTIFACTS = """
    CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        competitor_id TEXT NOT NULL,
        type TEXT NOT NULL,
        mime_type TEXT NOT NULL,
        display_name TEXT NOT NULL,
        size_bytes BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE INDEX artifacts_expires_at ON artifacts (expires_at);
"""

MIGRATIONS: tuple[Migration, ...] = (
    # 1: artifact metadata and the platform's meters. SQLite orders meters by rowid.
    Migration(
        sqlite=_ARTIFACTS
        + """
        CREATE TABLE metering (
            request_id TEXT,
            competitor_id TEXT NOT NULL,
            recorded_at REAL NOT NULL,
            metered TEXT NOT NULL
        );
        CREATE INDEX metering_request ON metering (request_id);
        """,
        postgresql=_ARTIFACTS
        + """
        CREATE TABLE metering (
            seq BIGSERIAL PRIMARY KEY,
            request_id TEXT,
            competitor_id TEXT NOT NULL,
            recorded_at DOUBLE PRECISION NOT NULL,
            metered TEXT NOT NULL
        );
        CREATE INDEX metering_request ON metering (request_id);
        """,
    ),
    # 2: the competition (competitors, evaluations and their events, champions) and the
    # marketplace's component calls.
    Migration.portable(
        """
        CREATE TABLE competitors (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            url TEXT,
            image TEXT,
            source_url TEXT NOT NULL,
            license TEXT NOT NULL,
            description TEXT NOT NULL,
            submitted_at DOUBLE PRECISION NOT NULL,
            status TEXT NOT NULL,
            conformance TEXT
        );
        CREATE TABLE evaluations (
            id TEXT PRIMARY KEY,
            competitor_id TEXT NOT NULL,
            status TEXT NOT NULL,
            suite_id TEXT NOT NULL,
            subset DOUBLE PRECISION NOT NULL,
            repeats INTEGER NOT NULL,
            seed BIGINT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            source TEXT NOT NULL,
            suite_version TEXT,
            suite_hash TEXT,
            composite DOUBLE PRECISION,
            ci_low DOUBLE PRECISION,
            ci_high DOUBLE PRECISION,
            components TEXT,
            weights TEXT,
            finished_at DOUBLE PRECISION,
            error TEXT,
            result TEXT
        );
        CREATE INDEX evaluations_by_suite ON evaluations (suite_id, status, finished_at);
        CREATE INDEX evaluations_by_competitor ON evaluations (competitor_id, created_at);
        CREATE TABLE evaluation_events (
            evaluation_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            event TEXT NOT NULL,
            PRIMARY KEY (evaluation_id, seq)
        );
        CREATE TABLE champion_history (
            competitor_id TEXT NOT NULL,
            evaluation_id TEXT NOT NULL,
            since DOUBLE PRECISION NOT NULL,
            until DOUBLE PRECISION,
            -- 1 while the spell is open, NULL once closed: UNIQUE lets only one be open,
            -- so two replicas can never crown two champions at once.
            is_open INTEGER UNIQUE
        );
        CREATE TABLE component_calls (
            component_id TEXT NOT NULL,
            competitor_id TEXT NOT NULL,
            request_id TEXT,
            called_at DOUBLE PRECISION NOT NULL,
            status INTEGER NOT NULL
        );
        CREATE INDEX component_calls_by_component ON component_calls (component_id);
        """
    ),
    # 3: the gateway running an evaluation beats its heart in it, so a run whose gateway
    # died is found and ended instead of staying "running" for ever.
    Migration.portable("ALTER TABLE evaluations ADD COLUMN heartbeat_at DOUBLE PRECISION;"),
    # 4: competition integrity. A submitted competitor's owner key (its hash), who signed
    # an imported result and which artifact an evaluation ran, and the reward ledger.
    Migration.portable(
        """
        ALTER TABLE competitors ADD COLUMN owner_key_hash TEXT;
        ALTER TABLE evaluations ADD COLUMN signed_by TEXT;
        ALTER TABLE evaluations ADD COLUMN artifact TEXT;
        CREATE TABLE reward_ledger (
            period TEXT NOT NULL,
            period_start DOUBLE PRECISION NOT NULL,
            period_end DOUBLE PRECISION NOT NULL,
            policy TEXT NOT NULL,
            parameters TEXT NOT NULL,
            recipient_kind TEXT NOT NULL,
            recipient_id TEXT NOT NULL,
            rank INTEGER,
            amount DOUBLE PRECISION NOT NULL,
            basis TEXT NOT NULL,
            computed_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (period, policy, recipient_kind, recipient_id)
        );
        """
    ),
    # 5: a generated suite's secret task seed, kept server-side so the champion's paired
    # re-run draws the same items; never published (results carry only its hash).
    Migration.portable("ALTER TABLE evaluations ADD COLUMN task_seed TEXT;"),
    # 6: the arena's battles; a battle's vote is its winner column, so one per battle.
    Migration.portable(
        """
        CREATE TABLE arena_battles (
            id TEXT PRIMARY KEY,
            client TEXT NOT NULL,
            competitor_a TEXT NOT NULL,
            competitor_b TEXT NOT NULL,
            body TEXT,
            created_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL,
            opened_a DOUBLE PRECISION,
            opened_b DOUBLE PRECISION,
            style_a TEXT,
            style_b TEXT,
            winner TEXT,
            voted_at DOUBLE PRECISION,
            revealed_at DOUBLE PRECISION
        );
        CREATE INDEX arena_battles_by_vote ON arena_battles (voted_at);
        CREATE INDEX arena_battles_by_expiry ON arena_battles (expires_at);
        """
    ),
)
