"""The service's tables in PostgreSQL, as numbered migrations (the knowledge bases' schema is the library's,
``retrieval/store/postgres/migrations.py``; this one is recorded apart, in ``app_schema_migrations``, so the
library never learns of API keys or guardrails). Same rule: a new version appends a string, an applied one
is never edited.

Timestamps are the same ISO 8601 text the SQLite stores keep, so a record reads the same from either store.
"""

from __future__ import annotations

from retrieval import Database

VERSIONS_TABLE = "app_schema_migrations"

# Version N is MIGRATIONS[N - 1].
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE api_keys (
        id text PRIMARY KEY, hash text NOT NULL UNIQUE, description text NOT NULL, kb_ids jsonb,
        created_at text NOT NULL);
    -- versions_made lives on the DRAFT row: numbers of deleted versions are not handed out again.
    CREATE TABLE guardrails (
        id text NOT NULL, version text NOT NULL, name text NOT NULL, description text NOT NULL,
        config jsonb NOT NULL, versions_made integer NOT NULL DEFAULT 0, created_at text NOT NULL,
        updated_at text NOT NULL, PRIMARY KEY (id, version), UNIQUE (name, version));
    CREATE TABLE sessions (
        id text PRIMARY KEY, created_at text NOT NULL, updated_at text NOT NULL, ended_at text,
        metadata jsonb NOT NULL);
    CREATE TABLE session_turns (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id text NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, kb_id text NOT NULL,
        question text NOT NULL, answer text NOT NULL, at text NOT NULL);
    CREATE INDEX session_turns_by_session ON session_turns (session_id, kb_id);
    CREATE TABLE tags (
        resource text NOT NULL, key text NOT NULL, value text NOT NULL, PRIMARY KEY (resource, key));
    -- owner and heartbeat_at: which process runs a job, and when it last said so (a job whose process
    -- stopped is marked Failed once its heartbeat is stale; other replicas' running jobs are left alone).
    CREATE TABLE evaluation_jobs (
        id text PRIMARY KEY, name text NOT NULL UNIQUE, status text NOT NULL, request jsonb NOT NULL,
        created_at text NOT NULL, updated_at text NOT NULL, failures jsonb NOT NULL, owner text,
        heartbeat_at timestamptz);
    """,
    # Creation order for jobs created in the same millisecond (created_at ties).
    """
    ALTER TABLE evaluation_jobs ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
    """,
    # The console's stores (playground history, human evaluation, guardrail test cases, violation log). JSON
    # kept as the text SQLite keeps (records read back byte for byte); seq: insertion order, as SQLite's rowid.
    """
    CREATE TABLE playground_turns (
        id text PRIMARY KEY, conversation_id text NOT NULL, kb text NOT NULL, owner text NOT NULL,
        query text NOT NULL, answer text NOT NULL, record text NOT NULL, asked_at text NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY);
    CREATE INDEX playground_turns_by_owner ON playground_turns (owner, conversation_id, asked_at);
    CREATE TABLE human_eval_jobs (
        id text PRIMARY KEY, name text NOT NULL, instructions text NOT NULL, method text NOT NULL,
        reviewers text NOT NULL, items integer NOT NULL, created_at text NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY);
    CREATE TABLE human_eval_items (
        job_id text NOT NULL REFERENCES human_eval_jobs(id) ON DELETE CASCADE, idx integer NOT NULL,
        record text NOT NULL, PRIMARY KEY (job_id, idx));
    CREATE TABLE human_eval_ratings (
        job_id text NOT NULL, idx integer NOT NULL, reviewer text NOT NULL, value text NOT NULL,
        rated_at text NOT NULL, PRIMARY KEY (job_id, idx, reviewer),
        FOREIGN KEY (job_id, idx) REFERENCES human_eval_items ON DELETE CASCADE);
    CREATE TABLE guardrail_test_cases (
        id text PRIMARY KEY, guardrail_id text NOT NULL, name text NOT NULL, source text NOT NULL,
        text text NOT NULL, sources text NOT NULL, query text NOT NULL, expected text NOT NULL,
        created_at text NOT NULL, seq bigint GENERATED ALWAYS AS IDENTITY);
    CREATE INDEX guardrail_test_cases_by_guardrail ON guardrail_test_cases (guardrail_id);
    CREATE TABLE guardrail_violations (
        id text PRIMARY KEY, at text NOT NULL, guardrail_id text NOT NULL, version text NOT NULL,
        path text NOT NULL, source text NOT NULL, scores text NOT NULL, action text NOT NULL,
        excerpt text NOT NULL, seq bigint GENERATED ALWAYS AS IDENTITY);
    CREATE INDEX guardrail_violations_by_time ON guardrail_violations (at DESC, seq DESC);
    """,
    # Creation order for API keys created in the same millisecond (created_at ties; the random id is no order).
    """
    ALTER TABLE api_keys ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
    """,
)


def prepare(database: Database) -> Database:
    """``database`` with the service's tables brought up to date (every process does this on start)."""
    database.migrate(MIGRATIONS, table=VERSIONS_TABLE)
    return database
