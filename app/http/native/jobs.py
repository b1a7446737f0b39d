"""Native routes for ingestion jobs (``/v1/knowledge-bases/{kb}/data-sources/{ds}/ingestion-jobs``).

Jobs run in the background, one per knowledge base at a time; poll ``GET .../{job}`` until the status
is COMPLETE, FAILED or STOPPED.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.core.errors import JobConflict, JobNotFound
from app.http.deps import NativePrincipal, ServicesDep
from app.http.native.params import DataSourcePath, JobPath, KbPath
from app.http.native.schemas.resources import CONFLICT_RESPONSE, ERROR_RESPONSES, IngestionJob, IngestionJobList

router = APIRouter(responses=ERROR_RESPONSES, tags=["ingestion jobs"])
JOBS = "/knowledge-bases/{kb}/data-sources/{ds}/ingestion-jobs"
FINISHED = frozenset({"COMPLETE", "FAILED", "STOPPED"})


@router.post(
    JOBS,
    status_code=202,
    summary="Start an ingestion job",
    description="Syncs the data source in the background and returns at once with status STARTING. For a "
    "LOCAL_FOLDER: new and changed files are indexed, removed ones deleted, unchanged ones skipped; a file that "
    "fails is reported in `failures` and the rest goes on. For a CUSTOM source there is nothing to scan: the job "
    "completes at once. One job per knowledge base at a time: 409 while another is starting or running.",
    responses=CONFLICT_RESPONSE,
)
def start_ingestion_job(
    kb: KbPath, ds: DataSourcePath, services: ServicesDep, principal: NativePrincipal
) -> IngestionJob:
    """``POST .../ingestion-jobs`` -> 202 ``{"id": ..., "status": "STARTING", ...}``; poll ``GET .../{id}``."""
    info, handle, source = services.open_data_source(kb, ds, principal=principal)
    job = services.jobs.start(info.id, handle, services.folder_source(source), ds)
    return IngestionJob.from_record(info.id, job)


@router.get(JOBS, summary="List ingestion jobs", description="The data source's jobs, newest first.")
def list_ingestion_jobs(
    kb: KbPath, ds: DataSourcePath, services: ServicesDep, principal: NativePrincipal
) -> IngestionJobList:
    info, handle, _ = services.open_data_source(kb, ds, principal=principal)
    jobs = [job for job in handle.catalog.jobs() if job.data_source_id == ds]
    return IngestionJobList(ingestion_jobs=[IngestionJob.from_record(info.id, job) for job in reversed(jobs)])


@router.get(
    JOBS + "/{job}",
    summary="Get an ingestion job",
    description="Its status, and statistics that count progress while it runs (updated every 5 files).",
)
def get_ingestion_job(
    kb: KbPath, ds: DataSourcePath, job: JobPath, services: ServicesDep, principal: NativePrincipal
) -> IngestionJob:
    info, handle, _ = services.open_data_source(kb, ds, principal=principal)
    record = services.jobs.get(handle, job)
    if record.data_source_id != ds:
        raise JobNotFound(f"no ingestion job {job!r} in data source {ds}")
    return IngestionJob.from_record(info.id, record)


@router.post(
    JOBS + "/{job}/stop",
    status_code=202,
    summary="Stop an ingestion job",
    description="Asks a running job to stop after the file it is on (status STOPPING, then STOPPED); what it "
    "indexed so far stays. 409 when the job has already finished.",
    responses=CONFLICT_RESPONSE,
)
def stop_ingestion_job(
    kb: KbPath, ds: DataSourcePath, job: JobPath, services: ServicesDep, principal: NativePrincipal
) -> IngestionJob:
    info, handle, _ = services.open_data_source(kb, ds, principal=principal)
    if services.jobs.get(handle, job).data_source_id != ds:
        raise JobNotFound(f"no ingestion job {job!r} in data source {ds}")
    record = services.jobs.stop(info.id, handle, job)
    if record.status in FINISHED:
        raise JobConflict(f"ingestion job {job} has already finished ({record.status})")
    return IngestionJob.from_record(info.id, record)
