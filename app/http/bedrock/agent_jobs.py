"""Bedrock ``bedrock-agent`` ingestion jobs: start, get, list and stop.

A job syncs its data source in the background: a LOCAL_FOLDER source is scanned (new and changed files
indexed, removed ones deleted); a CUSTOM source has nothing to scan and completes at once. One job runs
per knowledge base at a time; starting another meanwhile is a ``ConflictException``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.core.errors import JobConflict, JobNotFound
from app.core.services import Services
from app.http.bedrock.protocol import AGENT, bedrock_input, page, policy
from app.http.bedrock.views import ingestion_job_summary, ingestion_job_view
from app.http.deps import AwsPrincipal, ServicesDep
from retrieval import IngestionJob, KnowledgeBase

router = APIRouter(tags=["bedrock-agent"])
JOBS = "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/"
FINISHED = frozenset({"COMPLETE", "FAILED", "STOPPED"})

START_JOB = policy(["knowledgeBaseId", "dataSourceId", "description"], ignored=["clientToken"])
JOB_ID = policy(["knowledgeBaseId", "dataSourceId", "ingestionJobId"])
LIST_JOBS = policy(["knowledgeBaseId", "dataSourceId", "filters", "sortBy", "maxResults", "nextToken"])

StartInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "StartIngestionJob", START_JOB))]
GetInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "GetIngestionJob", JOB_ID))]
ListInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "ListIngestionJobs", LIST_JOBS))]
StopInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "StopIngestionJob", JOB_ID))]


@router.put(JOBS, status_code=202, summary="StartIngestionJob")
def start_ingestion_job(principal: AwsPrincipal, services: ServicesDep, params: StartInput) -> dict[str, Any]:
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    source = services.data_source(kb, params["dataSourceId"])
    job = services.jobs.start(
        info.id, kb, services.folder_source(source), source.id, description=params.get("description")
    )
    return {"ingestionJob": ingestion_job_view(info.id, job)}


@router.get(JOBS + "{ingestionJobId}", summary="GetIngestionJob")
def get_ingestion_job(principal: AwsPrincipal, services: ServicesDep, params: GetInput) -> dict[str, Any]:
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    job = _job(services, kb, params["dataSourceId"], params["ingestionJobId"])
    return {"ingestionJob": ingestion_job_view(info.id, job)}


@router.post(JOBS, summary="ListIngestionJobs")
def list_ingestion_jobs(principal: AwsPrincipal, services: ServicesDep, params: ListInput) -> dict[str, Any]:
    """Filters: ``STATUS`` ``EQ`` any of the values. Sort: ``STATUS`` or ``STARTED_AT``; newest first by default."""
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    source = services.data_source(kb, params["dataSourceId"])
    jobs = [job for job in kb.catalog.jobs() if job.data_source_id == source.id]
    for condition in params.get("filters", []):  # the model allows only STATUS EQ
        jobs = [job for job in jobs if job.status in condition["values"]]
    sort = params.get("sortBy", {"attribute": "STARTED_AT", "order": "DESCENDING"})
    key = "status" if sort["attribute"] == "STATUS" else "started_at"
    jobs.sort(key=lambda job: (getattr(job, key), job.started_at), reverse=sort["order"] == "DESCENDING")
    items, token = page(jobs, max_results=params.get("maxResults"), next_token=params.get("nextToken"))
    response: dict[str, Any] = {"ingestionJobSummaries": [ingestion_job_summary(info.id, job) for job in items]}
    if token:
        response["nextToken"] = token
    return response


@router.post(JOBS + "{ingestionJobId}/stop", status_code=202, summary="StopIngestionJob")
def stop_ingestion_job(principal: AwsPrincipal, services: ServicesDep, params: StopInput) -> dict[str, Any]:
    """Asks a running job to stop after its current file (``STOPPING``, then ``STOPPED``); a finished job is a
    ``ConflictException``."""
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    job_id = _job(services, kb, params["dataSourceId"], params["ingestionJobId"]).id
    job = services.jobs.stop(info.id, kb, job_id)
    if job.status in FINISHED:
        raise JobConflict(f"ingestion job {job_id} has already finished ({job.status}); it cannot be stopped")
    return {"ingestionJob": ingestion_job_view(info.id, job)}


def _job(services: Services, kb: KnowledgeBase, data_source_id: str, job_id: str) -> IngestionJob:
    source = services.data_source(kb, data_source_id)
    job = services.jobs.get(kb, job_id)
    if job.data_source_id != source.id:
        raise JobNotFound(f"no ingestion job {job_id!r} in data source {data_source_id}")
    return job
