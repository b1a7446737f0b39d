"""The native API under ``/v1``: resource-style JSON for knowledge bases, data sources, ingestion jobs,
documents, queries, grounding checks and guardrails. Every route depends on ``NativePrincipal``: with auth
on, a Bearer API key, and a key scoped to some knowledge bases sees only those (the others are 404, exactly
as names that exist nowhere, and lists leave them out). Request bodies refuse unknown fields; every error has the shape
``{"error": {"code", "message", "status"}}``.

Routes live by resource in this package's modules (pydantic models in ``schemas/``); this module only
gathers them.
"""

from fastapi import APIRouter

from app.http.native import documents, grounding, guardrail_tests, jobs, knowledge_bases, retrieval

router = APIRouter()
for _module in (knowledge_bases, jobs, documents, retrieval, grounding, guardrail_tests):
    router.include_router(_module.router)
