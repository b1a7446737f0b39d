"""Bedrock ``bedrock`` evaluation jobs for knowledge bases: ``CreateEvaluationJob``, ``GetEvaluationJob``,
``ListEvaluationJobs`` and ``StopEvaluationJob``.

A job is an automated ``RagEvaluation`` of one knowledge base, retrieve-only (``retrieveConfig``) or
retrieve-and-generate (``retrieveAndGenerateConfig``), over one dataset in Bedrock's JSONL format. It runs in
the background (``app/core/evaluation_jobs.py``) and scores with ragkb's own checker, whatever
``evaluatorModelConfig`` names; metric names map to ragkb's metrics (:data:`METRICS`). The dataset and the
output folder are S3 URIs read as local paths: ``s3://<bucket>/<key>`` is ``<key>`` in the data root whose
folder is named ``<bucket>``. Model evaluations, human evaluations and precomputed sources are refused.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.core.errors import RequestError
from app.core.evaluation_jobs import Ask, EvaluationJob, check_dataset, local_path
from app.core.keys import Principal
from app.core.services import Services
from app.http.bedrock.agent_runtime import search
from app.http.bedrock.protocol import CONTROL, bedrock_input, page, policy
from app.http.bedrock.views import ACCOUNT_ID
from app.http.deps import AwsPrincipal, ServicesDep

router = APIRouter(tags=["bedrock"])

# Bedrock's metric names -> ragkb's (evaluation/rag.py); answer relevance is reported with every job.
METRICS = {
    "Builtin.Faithfulness": "faithfulness",
    "Builtin.ContextRelevance": "context_relevance",
    "Builtin.ContextCoverage": "context_coverage",
}
_DATASETS = "evaluationConfig.automated.datasetMetricConfigs[]"
_RAG = "inferenceConfig.ragConfigs[].knowledgeBaseConfig"
_SEARCH = ["numberOfResults", "overrideSearchType", "filter"]
CREATE_JOB = policy(
    ["jobName", "jobDescription", "roleArn", "applicationType", f"{_DATASETS}.taskType", f"{_DATASETS}.metricNames",
     f"{_DATASETS}.dataset.name", f"{_DATASETS}.dataset.datasetLocation.s3Uri", "outputDataConfig.s3Uri",
     f"{_RAG}.retrieveConfig.knowledgeBaseId",
     *(f"{_RAG}.retrieveConfig.knowledgeBaseRetrievalConfiguration.vectorSearchConfiguration.{p}" for p in _SEARCH),
     f"{_RAG}.retrieveAndGenerateConfig.type",
     f"{_RAG}.retrieveAndGenerateConfig.knowledgeBaseConfiguration.knowledgeBaseId",
     *(f"{_RAG}.retrieveAndGenerateConfig.knowledgeBaseConfiguration.retrievalConfiguration."
       f"vectorSearchConfiguration.{p}" for p in _SEARCH)],
    ignored=["clientRequestToken", "evaluationConfig.automated.evaluatorModelConfig",
             f"{_RAG}.retrieveAndGenerateConfig.knowledgeBaseConfiguration.modelArn"],
    reasons={
        "evaluationConfig.human": "human evaluations are not supported: ragkb runs automated evaluations",
        "inferenceConfig.models": "model evaluations are not supported: ragkb evaluates knowledge bases "
        "(inferenceConfig.ragConfigs)",
        "inferenceConfig.ragConfigs[].precomputedRagSourceConfig": "precomputed sources are not evaluated as jobs: "
        "score them with `ragkb eval rag --dataset FILE`",
        "customerEncryptionKeyId": "customerEncryptionKeyId is not supported: reports are written unencrypted",
        "jobTags": "jobTags are not supported: ragkb tags knowledge bases",
    },
)  # fmt: skip
JOB_ID = policy(["jobIdentifier"])
LIST_JOBS = policy(["creationTimeAfter", "creationTimeBefore", "statusEquals", "applicationTypeEquals",
                    "nameContains", "maxResults", "nextToken", "sortBy", "sortOrder"])  # fmt: skip

CreateInput = Annotated[dict[str, Any], Depends(bedrock_input(CONTROL, "CreateEvaluationJob", CREATE_JOB))]
GetInput = Annotated[dict[str, Any], Depends(bedrock_input(CONTROL, "GetEvaluationJob", JOB_ID))]
StopInput = Annotated[dict[str, Any], Depends(bedrock_input(CONTROL, "StopEvaluationJob", JOB_ID))]
ListInput = Annotated[dict[str, Any], Depends(bedrock_input(CONTROL, "ListEvaluationJobs", LIST_JOBS))]


@router.post("/evaluation-jobs", status_code=202, summary="CreateEvaluationJob")
def create_evaluation_job(principal: AwsPrincipal, services: ServicesDep, params: CreateInput) -> dict[str, Any]:
    if params.get("applicationType", "RagEvaluation") != "RagEvaluation":
        raise RequestError("applicationType ModelEvaluation is not supported: ragkb evaluates knowledge bases")
    if "automated" not in params["evaluationConfig"] or "ragConfigs" not in params["inferenceConfig"]:
        raise RequestError("ragkb runs automated evaluations of knowledge bases: send evaluationConfig.automated "
                           "and inferenceConfig.ragConfigs")  # fmt: skip
    configs = params["evaluationConfig"]["automated"]["datasetMetricConfigs"]
    if len(configs) != 1:
        raise RequestError("ragkb evaluates one dataset per job: send one datasetMetricConfigs entry")
    unknown = [name for name in configs[0]["metricNames"] if name not in METRICS]
    if unknown:
        raise RequestError(f"metric {unknown[0]} is not supported: ragkb computes {', '.join(METRICS)}")
    location = configs[0]["dataset"].get("datasetLocation")
    if location is None:
        raise RequestError("dataset.datasetLocation.s3Uri is required: ragkb has no built-in datasets")
    dataset = local_path(location["s3Uri"], services.settings.data_roots)
    check_dataset(dataset)
    output = local_path(params["outputDataConfig"]["s3Uri"], services.settings.data_roots)
    ask = _asker(services, principal, params["inferenceConfig"]["ragConfigs"][0]["knowledgeBaseConfig"])
    job = services.evaluations.store.create(params["jobName"], params)
    services.evaluations.start(job, dataset=dataset, output=output, ask=ask, checker=lambda: services.checker)
    return {"jobArn": job_arn(services, job)}


@router.get("/evaluation-jobs/{jobIdentifier:path}", summary="GetEvaluationJob")
def get_evaluation_job(principal: AwsPrincipal, services: ServicesDep, params: GetInput) -> dict[str, Any]:
    job = services.evaluations.store.get(_job_id(params))
    request = job.request
    view: dict[str, Any] = {
        "jobName": job.name, "status": job.status, "jobArn": job_arn(services, job), "roleArn": request["roleArn"],
        "jobType": "Automated", "applicationType": "RagEvaluation", "evaluationConfig": request["evaluationConfig"],
        "inferenceConfig": request["inferenceConfig"], "outputDataConfig": request["outputDataConfig"],
        "creationTime": job.created_at, "lastModifiedTime": job.updated_at,
    }  # fmt: skip
    if request.get("jobDescription"):
        view["jobDescription"] = request["jobDescription"]
    if job.failures:
        view["failureMessages"] = list(job.failures)
    return view


@router.get("/evaluation-jobs", summary="ListEvaluationJobs")
def list_evaluation_jobs(principal: AwsPrincipal, services: ServicesDep, params: ListInput) -> dict[str, Any]:
    jobs = [
        job for job in services.evaluations.store.all()
        if params.get("statusEquals", job.status) == job.status
        and params.get("nameContains", "") in job.name
        and params.get("applicationTypeEquals", "RagEvaluation") == "RagEvaluation"
        and str(params.get("creationTimeAfter", "")) <= job.created_at
        and job.created_at <= str(params.get("creationTimeBefore", "9999"))
    ]  # fmt: skip
    jobs.sort(key=lambda job: job.created_at, reverse=params.get("sortOrder", "Descending") == "Descending")
    items, token = page(jobs, max_results=params.get("maxResults"), next_token=params.get("nextToken"))
    response: dict[str, Any] = {"jobSummaries": [_summary(services, job) for job in items]}
    if token:
        response["nextToken"] = token
    return response


@router.post("/evaluation-job/{jobIdentifier:path}/stop", summary="StopEvaluationJob")
def stop_evaluation_job(principal: AwsPrincipal, services: ServicesDep, params: StopInput) -> dict[str, Any]:
    services.evaluations.stop(_job_id(params))
    return {}


def job_arn(services: Services, job: EvaluationJob) -> str:
    return f"arn:aws:bedrock:{services.settings.aws_region}:{ACCOUNT_ID}:evaluation-job/{job.id}"


def _summary(services: Services, job: EvaluationJob) -> dict[str, Any]:
    configs = job.request["evaluationConfig"]["automated"]["datasetMetricConfigs"]
    return {
        "jobArn": job_arn(services, job), "jobName": job.name, "status": job.status, "creationTime": job.created_at,
        "jobType": "Automated", "evaluationTaskTypes": [c["taskType"] for c in configs],
        "applicationType": "RagEvaluation",
    }  # fmt: skip


def _job_id(params: dict[str, Any]) -> str:
    return str(params["jobIdentifier"]).rsplit("/", 1)[-1]


def _asker(services: Services, principal: Principal, config: dict[str, Any]) -> Ask:
    """The job's ``ask``: the knowledge base is opened (and the caller's access checked) now, not in the job."""
    if "retrieveConfig" in config:
        retrieve = config["retrieveConfig"]
        _, kb = services.open_kb(retrieve["knowledgeBaseId"], principal=principal, by_id=True)
        settings = retrieve["knowledgeBaseRetrievalConfiguration"]
        return lambda prompt: (
            [hit.text for hit in search(kb, prompt, settings, reranker=services.reranker_for)],
            None,
        )
    rag = config["retrieveAndGenerateConfig"]
    if rag["type"] != "KNOWLEDGE_BASE" or "knowledgeBaseConfiguration" not in rag:
        raise RequestError("retrieveAndGenerateConfig must be of type KNOWLEDGE_BASE with a knowledgeBaseConfiguration")
    kb_config = rag["knowledgeBaseConfiguration"]
    _, kb = services.open_kb(kb_config["knowledgeBaseId"], principal=principal, by_id=True)

    def ask(prompt: str) -> tuple[list[str], str | None]:
        hits = search(kb, prompt, kb_config.get("retrievalConfiguration"), reranker=services.reranker_for)
        return [hit.text for hit in hits], services.generator.generate(prompt, hits).text

    return ask
