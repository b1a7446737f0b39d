"""Where a knowledge base keeps its data: one room per storage backend.

- ``catalog.py``: the SQLite catalog (documents, chunks, keyword index; the source of truth),
  with its data sources and ingestion jobs tables in ``ingestion.py``;
- ``sqlite.py``: the SQLite connection shared by threads (one lock, WAL) that the catalog, the
  registry of knowledge bases and the service's key and guardrail stores open;
- ``vectors.py``: the :class:`VectorStore` protocol, FAISS and an in-memory fake; ``faiss_index.py``
  the FAISS index types behind it;
- ``metadata_index.py``: the in-memory columns that evaluate metadata filters;
- ``keyword_index.py``: tantivy's BM25 index beside the catalog's FTS5, stamped like the FAISS file.

- ``postgres/``: the PostgreSQL backend (registry, catalog, search in SQL, job queue), chosen by the app's
  wiring when ``RAGKB_DATABASE_URL`` is set.
"""
