"""The service's own state in PostgreSQL, beside the knowledge bases (``RAGKB_DATABASE_URL``): API keys,
guardrails, conversation sessions, tags and evaluation jobs, so every ``ragkb serve`` replica sees the same.

- ``schema.py``: the tables, as numbered migrations recorded in ``app_schema_migrations``;
- ``keys.py``, ``guardrails.py``, ``sessions.py``, ``tags.py``, ``evaluation_jobs.py``: one store each, with
  the methods (and behaviour, checked by the same tests) of its SQLite twin under ``RAGKB_HOME``.

``app/core/wiring.py`` (``StateStores``) chooses between the two.
"""
