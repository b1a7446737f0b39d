"""The PostgreSQL backend: every piece of a knowledge base's state in one database shared by processes.

- ``migrations.py``: the schema, as numbered migrations; ``database.py``: the pool, applying them on open;
- ``registry.py``: the knowledge bases (what :class:`~retrieval.home.Home` is for the embedded store);
- ``catalog.py``: one knowledge base's documents, chunks, data sources and jobs (the SQLite catalog's API);
- ``knowledge_base.py``: search in SQL (pgvector HNSW, full-text search, filters on ``jsonb``);
- ``keyword.py``: HYBRID's keyword side, BM25 from the postings the chunks' triggers keep;
- ``filters.py``: Bedrock metadata filters as SQL;
- ``queue.py``: ingestion jobs queued for ``ragkb worker`` processes (leases, heartbeats, stop requests).
"""
