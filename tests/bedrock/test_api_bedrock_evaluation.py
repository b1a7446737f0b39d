"""Knowledge-base evaluation jobs through boto3's ``bedrock`` client against a live server: a dataset in
Bedrock's format under a data root, retrieve-only and retrieve-and-generate jobs run to completion, their
report written where ``outputDataConfig`` points (``s3://<data root name>/<key>``), stop, list and the refusals."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from app.core.errors import PathNotAllowed
from app.core.evaluation_jobs import local_path
from tests.bedrock_clients import ROLE_ARN, Clients, boto_clients, error_of, seed_kb
from tests.conftest import ServerFactory

QUESTIONS = [
    ("How often must the espresso machine be descaled?", "The espresso machine must be descaled every two weeks."),
    ("What should I descale it with?", "Descale it with citric acid."),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("roots") / "ragkb-evals"
    (folder / "datasets").mkdir(parents=True)
    lines = [
        {"conversationTurns": [{"prompt": {"content": [{"text": q}]},
                                "referenceResponses": [{"content": [{"text": a}]}]}]}
        for q, a in QUESTIONS
    ]  # fmt: skip
    (folder / "datasets" / "coffee.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def clients(module_live_server: ServerFactory, root: Path) -> Clients:
    return boto_clients(module_live_server(data_roots=[root]))


@pytest.fixture(scope="module")
def control(clients: Clients) -> Any:
    return boto3.client(
        "bedrock", endpoint_url=clients.agent.meta.endpoint_url, region_name="us-east-1",
        aws_access_key_id="AKIDRAGKBTEST", aws_secret_access_key="secret", config=Config(retries={"max_attempts": 1}),
    )  # fmt: skip


def job_request(name: str, kb_config: dict[str, Any], *, metrics: list[str], dataset: str = "coffee.jsonl") -> dict:
    return {
        "jobName": name,
        "roleArn": ROLE_ARN,
        "applicationType": "RagEvaluation",
        "evaluationConfig": {"automated": {"datasetMetricConfigs": [{
            "taskType": "QuestionAndAnswer", "metricNames": metrics,
            "dataset": {"name": "coffee", "datasetLocation": {"s3Uri": f"s3://ragkb-evals/datasets/{dataset}"}},
        }]}},
        "inferenceConfig": {"ragConfigs": [{"knowledgeBaseConfig": kb_config}]},
        "outputDataConfig": {"s3Uri": "s3://ragkb-evals/results/"},
    }  # fmt: skip


def wait(control: Any, arn: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while (job := control.get_evaluation_job(jobIdentifier=arn))["status"] in ("InProgress", "Stopping"):
        assert time.monotonic() < deadline, "the evaluation job did not finish"
        time.sleep(0.1)
    return dict(job)


def test_retrieve_and_generate_job_writes_its_report(clients: Clients, control: Any, root: Path) -> None:
    kb = seed_kb(clients, "eval-rag")
    config = {"retrieveAndGenerateConfig": {"type": "KNOWLEDGE_BASE", "knowledgeBaseConfiguration": {
        "knowledgeBaseId": kb, "modelArn": "anthropic.claude-3-haiku-20240307-v1:0"}}}  # fmt: skip
    created = control.create_evaluation_job(
        **job_request("coffee-rag", config, metrics=["Builtin.Faithfulness", "Builtin.ContextCoverage"])
    )
    arn = created["jobArn"]
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    job = wait(control, arn)
    assert (job["status"], job["jobName"], job["jobType"], job["applicationType"]) == (
        "Completed", "coffee-rag", "Automated", "RagEvaluation"
    )  # fmt: skip
    assert job["inferenceConfig"]["ragConfigs"][0]["knowledgeBaseConfig"] == config
    folder = root / "results" / "coffee-rag" / arn.rsplit("/", 1)[-1]
    report = json.loads((folder / "report.json").read_text())
    assert report["n"] == 2 and report["scored"]["faithfulness"] == 2 and report["scored"]["context_coverage"] == 2
    assert 0 <= report["means"]["faithfulness"] <= 1
    lines = [json.loads(line) for line in (folder / "output.jsonl").read_text().splitlines()]
    turn = lines[0]["conversationTurns"][0]
    assert turn["prompt"]["content"][0]["text"] == QUESTIONS[0][0]
    assert "descaled every two weeks" in turn["output"]["retrievedPassages"]["retrievalResults"][0]["content"]["text"]
    assert turn["output"]["text"] and turn["scores"]["faithfulness"] is not None
    assert (folder / "report.html").read_text().startswith("<!DOCTYPE html>")

    listed = control.list_evaluation_jobs(nameContains="coffee-rag")["jobSummaries"]
    assert [(j["jobName"], j["status"], j["evaluationTaskTypes"]) for j in listed] == [
        ("coffee-rag", "Completed", ["QuestionAndAnswer"])
    ]
    conflict = error_of(lambda: control.stop_evaluation_job(jobIdentifier=arn))
    assert conflict.response["Error"]["Code"] == "ConflictException"
    again = error_of(lambda: control.create_evaluation_job(**job_request("coffee-rag", config, metrics=[
        "Builtin.Faithfulness"])))  # fmt: skip
    assert again.response["Error"]["Code"] == "ConflictException"


def test_retrieve_only_job(clients: Clients, control: Any, root: Path) -> None:
    kb = seed_kb(clients, "eval-retrieve")
    config = {"retrieveConfig": {"knowledgeBaseId": kb, "knowledgeBaseRetrievalConfiguration": {
        "vectorSearchConfiguration": {"numberOfResults": 3}}}}  # fmt: skip
    arn = control.create_evaluation_job(**job_request("coffee-retrieve", config, metrics=["Builtin.ContextRelevance"]))[
        "jobArn"
    ]
    assert wait(control, arn)["status"] == "Completed"
    report = json.loads((root / "results" / "coffee-retrieve" / arn.rsplit("/", 1)[-1] / "report.json").read_text())
    assert report["scored"] == {"faithfulness": 0, "answer_relevance": 0, "context_relevance": 2,
                                "context_coverage": 2}  # fmt: skip


def test_bad_dataset_fails_the_job_and_refusals(clients: Clients, control: Any, root: Path) -> None:
    kb = seed_kb(clients, "eval-bad")
    config = {"retrieveConfig": {"knowledgeBaseId": kb, "knowledgeBaseRetrievalConfiguration": {
        "vectorSearchConfiguration": {"numberOfResults": 3}}}}  # fmt: skip
    (root / "datasets" / "broken.jsonl").write_text('{"conversationTurns": "no"}\n')
    arn = control.create_evaluation_job(
        **job_request("broken", config, metrics=["Builtin.ContextRelevance"], dataset="broken.jsonl")
    )["jobArn"]
    failed = wait(control, arn)
    assert failed["status"] == "Failed"
    assert "conversationTurns" in failed["failureMessages"][0]

    def message(request: dict[str, Any]) -> str:
        return str(error_of(lambda: control.create_evaluation_job(**request)).response["Error"]["Message"])

    assert "metric Builtin.Correctness is not supported" in message(
        job_request("m", config, metrics=["Builtin.Correctness"])
    )
    assert "is not a file" in message(job_request("m", config, metrics=["Builtin.Faithfulness"], dataset="nope.jsonl"))
    outside = job_request("m", config, metrics=["Builtin.Faithfulness"])
    outside["outputDataConfig"] = {"s3Uri": "s3://other-bucket/results/"}
    assert "no data root is named 'other-bucket'" in message(outside)
    missing = error_of(lambda: control.get_evaluation_job(
        jobIdentifier="arn:aws:bedrock:us-east-1:000000000000:evaluation-job/abcdefabcdef"))  # fmt: skip
    assert missing.response["Error"]["Code"] == "ResourceNotFoundException"


def test_local_path_stays_in_its_root(tmp_path: Path) -> None:
    root = tmp_path / "evals"
    root.mkdir()
    assert local_path("s3://evals/a/b/", [tmp_path / "x", root]) == root / "a" / "b"
    assert local_path("s3://evals", [root]) == root
    with pytest.raises(PathNotAllowed):
        local_path("s3://evals/../escape", [root])


def test_stop_a_running_job(clients: Clients, control: Any, root: Path) -> None:
    kb = seed_kb(clients, "eval-stop")
    line = {"conversationTurns": [{"prompt": {"content": [{"text": "How often is the machine descaled?"}]}}]}
    (root / "datasets" / "long.jsonl").write_text((json.dumps(line) + "\n") * 2000)
    config = {"retrieveConfig": {"knowledgeBaseId": kb, "knowledgeBaseRetrievalConfiguration": {
        "vectorSearchConfiguration": {"numberOfResults": 1}}}}  # fmt: skip
    request = job_request("long-one", config, metrics=["Builtin.ContextRelevance"], dataset="long.jsonl")
    arn = control.create_evaluation_job(**request)["jobArn"]
    control.stop_evaluation_job(jobIdentifier=arn)  # 2,000 turns: still running
    assert control.get_evaluation_job(jobIdentifier=arn)["status"] in ("Stopping", "Stopped")
    assert wait(control, arn)["status"] == "Stopped"
    listed = control.list_evaluation_jobs(statusEquals="Stopped")["jobSummaries"]
    assert [j["jobName"] for j in listed] == ["long-one"]
