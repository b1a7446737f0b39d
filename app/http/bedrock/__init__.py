"""Bedrock-compatible routes at Bedrock's own paths, in Bedrock's wire format, one module per boto3 client:
``agent`` (``bedrock-agent``: knowledge bases and data sources; it includes ``agent_jobs`` and
``agent_documents``, and ``agent_runtime`` for ``bedrock-agent-runtime``), ``agent_stream``
(``bedrock-agent-runtime``: RetrieveAndGenerateStream), ``agent_sessions`` (``bedrock-agent-runtime``:
sessions), ``runtime`` (``bedrock-runtime``: ApplyGuardrail), ``converse`` (``bedrock-runtime``: Converse
and InvokeModel, passed through to the chat model, guarded), ``guardrails`` (``bedrock``: guardrail CRUD)
and ``evaluation_jobs`` (``bedrock``: knowledge-base evaluation jobs). ``protocol`` validates inputs against
botocore's model, ``sigv4`` checks signatures, ``views`` renders Bedrock's shapes; guardrails are applied by
``app/core/guardrails/apply.py``. This package imports ``app.core`` and ``app.http``'s ``deps``/``errors``, never
``app.http.native``.
"""

from fastapi import APIRouter

from app.http.bedrock import agent, agent_sessions, agent_stream, converse, evaluation_jobs, guardrails, runtime

router = APIRouter()
for _module in (agent, agent_stream, agent_sessions, runtime, converse, guardrails, evaluation_jobs):
    router.include_router(_module.router)
