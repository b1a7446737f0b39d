"""The PostgreSQL schema, as numbered migrations applied in order and recorded in ``schema_migrations``.

Why numbered SQL in a module rather than Alembic: the schema is a handful of tables with no ORM models
to diff against, every replica and worker must be able to bring a fresh database up to date on start
(under an advisory lock, so concurrent starts apply each step once), and a tuple of SQL strings ships
inside the wheel with no migration environment, no ``alembic.ini`` and no extra dependency. A new
version appends a string; an applied one is never edited.

One database holds every knowledge base: the registry, their documents, and their chunks in one table
partitioned by knowledge base (each partition has its own HNSW graph and keyword index, so a knowledge
base's search never wades through another's vectors, and deleting one drops its partition).
"""

from __future__ import annotations

_KEYWORD_INDEX = r"""
    CREATE FUNCTION ragkb_impact(tf integer, words integer) RETURNS real LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT (tf::float8 / (tf + 1.2 * (0.25 + 0.75 * words::float8 / 200)))::real $$;
    CREATE TABLE keyword_postings (
        kb_id text NOT NULL, lexeme text NOT NULL, chunk bigint NOT NULL, tf integer NOT NULL,
        words integer NOT NULL
    ) PARTITION BY LIST (kb_id);
    CREATE TABLE keyword_terms (
        kb_id text NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE, lexeme text NOT NULL,
        chunks bigint NOT NULL, PRIMARY KEY (kb_id, lexeme));
    DO $$
    DECLARE kb text;
    BEGIN
        FOR kb IN SELECT id FROM knowledge_bases LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF keyword_postings FOR VALUES IN (%L)',
                           'keyword_postings_' || lower(kb), kb);
        END LOOP;
    END $$;
    INSERT INTO keyword_postings
        SELECT c.kb_id, u.lexeme, c.id, cardinality(u.positions), c.words
        FROM chunks c CROSS JOIN LATERAL unnest(c.keywords) u WHERE c.keywords IS NOT NULL;
    INSERT INTO keyword_terms SELECT kb_id, lexeme, count(*) FROM keyword_postings GROUP BY kb_id, lexeme;
    CREATE INDEX keyword_postings_by_impact
        ON keyword_postings (kb_id, lexeme, ragkb_impact(tf, words) DESC, chunk) INCLUDE (tf, words);
    CREATE FUNCTION ragkb_index_keywords() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            WITH change AS MATERIALIZED ({ADDED}) {APPLY};
        ELSIF TG_OP = 'DELETE' THEN
            WITH change AS MATERIALIZED ({REMOVED}) {APPLY};
        ELSE  -- only the chunks whose words changed (an UPDATE of metadata changes none)
            WITH change AS MATERIALIZED ({REMOVED} WHERE NOT EXISTS (SELECT FROM new_rows x WHERE {SAME})
                UNION ALL {ADDED} WHERE NOT EXISTS (SELECT FROM old_rows x WHERE {SAME})) {APPLY};
        END IF;
        RETURN NULL;
    END $$;
    -- Named to fire after chunks_keyword_stats_* (same event: alphabetical order), see above.
    CREATE TRIGGER chunks_keyword_terms_insert AFTER INSERT ON chunks REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ragkb_index_keywords();
    CREATE TRIGGER chunks_keyword_terms_delete AFTER DELETE ON chunks REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ragkb_index_keywords();
    CREATE TRIGGER chunks_keyword_terms_update AFTER UPDATE ON chunks
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ragkb_index_keywords();
"""

# The rows of a statement's transition table (``r``) as postings changes: +1 added, -1 removed.
_CHANGES = "SELECT r.kb_id, u.lexeme, r.id AS chunk, cardinality(u.positions) AS tf, r.words, {sign} AS sign " \
           "FROM {rows} r CROSS JOIN LATERAL unnest(r.keywords) u"  # fmt: skip
# Applied in one statement: postings deleted (found by their index key) and inserted, document frequencies moved.
_APPLY = """, gone AS (DELETE FROM keyword_postings p USING change c WHERE c.sign < 0 AND p.kb_id = c.kb_id
                AND p.lexeme = c.lexeme AND ragkb_impact(p.tf, p.words) = ragkb_impact(c.tf, c.words)
                AND p.chunk = c.chunk),
            added AS (INSERT INTO keyword_postings SELECT kb_id, lexeme, chunk, tf, words FROM change WHERE sign > 0
                ORDER BY kb_id, lexeme, ragkb_impact(tf, words) DESC, chunk)  -- in index order: a bulk load's pages
            INSERT INTO keyword_terms
                SELECT kb_id, lexeme, sum(sign) FROM change GROUP BY kb_id, lexeme ORDER BY kb_id, lexeme
                ON CONFLICT (kb_id, lexeme) DO UPDATE SET chunks = keyword_terms.chunks + excluded.chunks"""
_KEYWORD_CHANGES = {
    "ADDED": _CHANGES.format(sign=1, rows="new_rows"),
    "REMOVED": _CHANGES.format(sign=-1, rows="old_rows"),
    "SAME": "x.kb_id = r.kb_id AND x.id = r.id AND x.keywords = r.keywords AND x.words = r.words",
    "APPLY": _APPLY,
}

# Version N is MIGRATIONS[N - 1].
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE EXTENSION IF NOT EXISTS vector;
    CREATE TABLE knowledge_bases (
        id text PRIMARY KEY, name text NOT NULL UNIQUE, description text NOT NULL, chunking jsonb NOT NULL,
        embedder text NOT NULL, created_at text NOT NULL, updated_at text NOT NULL);
    CREATE TABLE kb_meta (
        kb_id text NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE, key text NOT NULL,
        value text NOT NULL, PRIMARY KEY (kb_id, key));
    CREATE TABLE data_sources (
        kb_id text NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE, id text NOT NULL,
        name text NOT NULL, type text NOT NULL, config jsonb NOT NULL, created_at text NOT NULL,
        updated_at text NOT NULL, PRIMARY KEY (kb_id, id), UNIQUE (kb_id, name));
    CREATE TABLE documents (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kb_id text NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
        data_source_id text NOT NULL, uri text NOT NULL, content_hash text NOT NULL, metadata_hash text NOT NULL,
        embed_metadata_hash text NOT NULL, size bigint NOT NULL, mtime_ns bigint NOT NULL, metadata jsonb NOT NULL,
        updated_at text NOT NULL, UNIQUE (kb_id, data_source_id, uri));
    CREATE SEQUENCE chunks_id_seq AS bigint;
    CREATE TABLE chunks (
        id bigint NOT NULL DEFAULT nextval('chunks_id_seq'), kb_id text NOT NULL,
        document_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        chunk_id text NOT NULL, idx integer NOT NULL, text text NOT NULL, token_count integer NOT NULL,
        location jsonb NOT NULL, metadata jsonb NOT NULL, parent_id text, searchable boolean NOT NULL,
        embedding vector(384),
        keywords tsvector GENERATED ALWAYS AS (CASE WHEN searchable THEN to_tsvector('english', text) END) STORED,
        PRIMARY KEY (kb_id, id)
    ) PARTITION BY LIST (kb_id);
    CREATE INDEX chunks_document ON chunks (kb_id, document_id);
    CREATE INDEX chunks_chunk_id ON chunks (kb_id, chunk_id);
    CREATE INDEX chunks_embedding ON chunks USING hnsw (embedding vector_cosine_ops)
        WITH (m = 16, ef_construction = 64);
    CREATE INDEX chunks_keywords ON chunks USING gin (keywords);
    CREATE TABLE ingestion_jobs (
        kb_id text NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE, id text NOT NULL,
        data_source_id text NOT NULL, status text NOT NULL, started_at text NOT NULL, updated_at text NOT NULL,
        statistics jsonb NOT NULL, failures jsonb NOT NULL, description text,
        queued_at timestamptz NOT NULL DEFAULT clock_timestamp(), worker text, lease_until timestamptz,
        stop_requested boolean NOT NULL DEFAULT false, attempts integer NOT NULL DEFAULT 0,
        PRIMARY KEY (kb_id, id));
    -- At most one unfinished job per knowledge base, whoever queues it.
    CREATE UNIQUE INDEX ingestion_jobs_one_unfinished ON ingestion_jobs (kb_id)
        WHERE status IN ('STARTING', 'IN_PROGRESS', 'STOPPING');
    CREATE INDEX ingestion_jobs_queue ON ingestion_jobs (queued_at)
        WHERE status IN ('STARTING', 'IN_PROGRESS', 'STOPPING');
    """,
    # What each ingestion job did to each document, written in the document's own transaction: a job that
    # a second worker takes over still reports exact Bedrock statistics (the first worker's share included).
    """
    CREATE TABLE job_ledger (
        kb_id text NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE, job_id text NOT NULL,
        uri text NOT NULL, data_source_id text NOT NULL, outcome text NOT NULL,
        PRIMARY KEY (kb_id, job_id, data_source_id, uri));
    """,
    # What BM25 needs of the keyword side. A chunk's length in words (as FTS5 counts tokens: runs of letters
    # and digits), stored with the chunk; per knowledge base, how many chunks have keywords and their summed
    # length, kept by triggers in the chunks' own transaction. Document frequencies are counted per query on
    # the GIN index (retrieval/store/postgres/catalog.py).
    r"""
    CREATE FUNCTION ragkb_word_count(text) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT count(*)::integer FROM regexp_matches($1, '\w+', 'g') $$;
    ALTER TABLE chunks ADD COLUMN words integer GENERATED ALWAYS AS (ragkb_word_count(text)) STORED;
    CREATE TABLE keyword_stats (
        kb_id text PRIMARY KEY REFERENCES knowledge_bases(id) ON DELETE CASCADE,
        chunks bigint NOT NULL, words bigint NOT NULL);
    INSERT INTO keyword_stats
        SELECT kb_id, count(*), sum(words) FROM chunks WHERE keywords IS NOT NULL GROUP BY kb_id;
    -- Statement-level, on transition tables: one COPY of 100,000 chunks updates each knowledge base's row
    -- once (a row trigger would update one row 100,000 times in one transaction: quadratic).
    CREATE FUNCTION ragkb_count_keyword_chunks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE keyword_stats s SET chunks = s.chunks - d.n, words = s.words - d.w
                FROM (SELECT kb_id, count(*) AS n, sum(words) AS w FROM old_rows WHERE keywords IS NOT NULL
                      GROUP BY kb_id) d
                WHERE s.kb_id = d.kb_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO keyword_stats
                SELECT kb_id, count(*), sum(words) FROM new_rows WHERE keywords IS NOT NULL GROUP BY kb_id
                ON CONFLICT (kb_id) DO UPDATE SET chunks = keyword_stats.chunks + excluded.chunks,
                    words = keyword_stats.words + excluded.words;
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER chunks_keyword_stats_insert AFTER INSERT ON chunks REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ragkb_count_keyword_chunks();
    CREATE TRIGGER chunks_keyword_stats_delete AFTER DELETE ON chunks REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ragkb_count_keyword_chunks();
    CREATE TRIGGER chunks_keyword_stats_update AFTER UPDATE ON chunks
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ragkb_count_keyword_chunks();
    """,
    # The keyword side's postings, so a query reads a few index pages instead of scoring every chunk that
    # has a query word (841 ms p50 at 100k chunks before; retrieval/store/postgres/keyword.py). Per chunk
    # and lexeme: its count (tf) and the chunk's length, ordered per lexeme by BM25's term weight at a
    # reference length, so a query reads each word's best postings first. Per lexeme: how many chunks have
    # it (df). Both kept by the chunks' statement triggers, after keyword_stats: the knowledge base's
    # keyword_stats row is locked first by every writing statement, so concurrent writers of one knowledge
    # base queue there and never deadlock on lexeme rows. Postings are partitioned by knowledge base as
    # chunks are (the registry creates and drops both).
    _KEYWORD_INDEX.format(**_KEYWORD_CHANGES),
    # Selective metadata filters read the chunks they pass from an index instead of testing every chunk's
    # metadata: containment (``@>``) on a GIN index, which ``equals``, ``in`` and ``listContains`` compile to
    # in front of their exact test (retrieval/store/postgres/filters.py). Kept by PostgreSQL in the chunks'
    # own transaction; created on every partition, present and future.
    """
    CREATE INDEX chunks_metadata ON chunks USING gin (metadata jsonb_path_ops);
    """,
)
