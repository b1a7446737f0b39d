"""The PostgreSQL backend: pgvector latency and recall, ingestion with workers, SciFact quality against the
embedded store."""
