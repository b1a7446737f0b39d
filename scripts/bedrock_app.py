"""A Bedrock application, written as one would write it for AWS, run against ragkb: boto3 only.

    python scripts/bedrock_app.py --endpoint http://127.0.0.1:8000 --bucket ragkb-evals

It creates a knowledge base with a CUSTOM data source and ingests a small HR handbook, then:
streams an answer with citations (``retrieve_and_generate_stream``), reranks a retrieval
(``rerankingConfiguration``), holds a two-turn session (the follow-up answered in context), renames the
knowledge base (``update_knowledge_base``) and tags it, and runs an evaluation job to completion over a dataset
it writes to ``s3://<bucket>/datasets/handbook.jsonl`` (the server maps that bucket to its data root of the same
name; pass ``--dataset-dir`` to write the file there). Prints what it saw and exits non-zero if anything is off.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import boto3

HANDBOOK = {
    "vacation": "Full-time staff get 25 vacation days a year. Vacation is booked in the HR portal.",
    "part-time": "Part-time staff get vacation days pro rata to their contract hours.",
    "remote": "Part-time staff may work remotely. Part-time staff agree remote days with their manager.",
    "expenses": "Travel expenses are refunded within 30 days when the receipt is uploaded.",
}
ROLE = "arn:aws:iam::123456789012:role/AmazonBedrockExecutionRoleForKnowledgeBase"
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"


def run(endpoint: str, *, bucket: str, dataset_dir: Path) -> dict[str, Any]:
    """Every step, returning what a reader would check; raises AssertionError when something is off."""
    kw = {"endpoint_url": endpoint, "region_name": "us-east-1", "aws_access_key_id": "AKIDEXAMPLE",
          "aws_secret_access_key": "secret"}  # fmt: skip
    agent, runtime, control = (boto3.client(s, **kw) for s in ("bedrock-agent", "bedrock-agent-runtime", "bedrock"))
    seen: dict[str, Any] = {}

    kb = agent.create_knowledge_base(
        name="hr-handbook", roleArn=ROLE, knowledgeBaseConfiguration={"type": "VECTOR",
        "vectorKnowledgeBaseConfiguration": {"embeddingModelArn": "amazon.titan-embed-text-v2:0"}},
    )["knowledgeBase"]  # fmt: skip
    kb_id = kb["knowledgeBaseId"]
    source = agent.create_data_source(knowledgeBaseId=kb_id, name="pages", dataSourceConfiguration={"type": "CUSTOM"})
    documents = [{"content": {"dataSourceType": "CUSTOM", "custom": {
        "customDocumentIdentifier": {"id": doc}, "sourceType": "IN_LINE",
        "inlineContent": {"type": "TEXT", "textContent": {"data": text}}}}}
        for doc, text in HANDBOOK.items()]  # fmt: skip
    agent.ingest_knowledge_base_documents(
        knowledgeBaseId=kb_id, dataSourceId=source["dataSource"]["dataSourceId"], documents=documents
    )

    def rag(question: str, **extra: Any) -> dict[str, Any]:
        return {"input": {"text": question}, "retrieveAndGenerateConfiguration": {"type": "KNOWLEDGE_BASE",
                "knowledgeBaseConfiguration": {"knowledgeBaseId": kb_id, "modelArn": MODEL, **extra}}}  # fmt: skip

    # 1. streaming RAG with citations
    stream = runtime.retrieve_and_generate_stream(**rag("How are travel expenses refunded?"))
    text, cited = "", []
    for event in stream["stream"]:
        if "output" in event:
            text += event["output"]["text"]
        if "citation" in event:
            cited += [r["location"]["customDocumentLocation"]["id"] for r in event["citation"]["retrievedReferences"]]
    assert "30 days" in text and "expenses" in cited, (text, cited)
    seen["stream"] = {"text": text, "cited": cited, "session": stream["sessionId"]}

    # 2. rerank a retrieval
    reranking = {"type": "BEDROCK_RERANKING_MODEL", "bedrockRerankingConfiguration": {
        "modelConfiguration": {"modelArn": "arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0"},
        "numberOfRerankedResults": 2}}  # fmt: skip
    search = {"numberOfResults": 4, "rerankingConfiguration": reranking}
    results = runtime.retrieve(
        knowledgeBaseId=kb_id,
        retrievalQuery={"text": "how many vacation days for full-time staff"},
        retrievalConfiguration={"vectorSearchConfiguration": search},
    )["retrievalResults"]
    assert len(results) == 2 and results[0]["location"]["customDocumentLocation"]["id"] == "vacation", results
    seen["rerank"] = [(r["location"]["customDocumentLocation"]["id"], round(r["score"], 3)) for r in results]

    # 3. a two-turn session
    one = {"vectorSearchConfiguration": {"numberOfResults": 1}}
    first = runtime.retrieve_and_generate(**rag("How many vacation days do staff get?", retrievalConfiguration=one))
    second = runtime.retrieve_and_generate(
        **rag("And part-time staff?", retrievalConfiguration=one), sessionId=first["sessionId"]
    )
    assert "pro rata" in second["output"]["text"], second["output"]["text"]
    assert runtime.get_session(sessionIdentifier=first["sessionId"])["sessionStatus"] == "ACTIVE"
    runtime.end_session(sessionIdentifier=first["sessionId"])
    seen["session"] = [first["output"]["text"], second["output"]["text"]]

    # 4. an update and tags
    agent.update_knowledge_base(knowledgeBaseId=kb_id, name="hr-handbook-2026", roleArn=ROLE,
                                knowledgeBaseConfiguration={"type": "VECTOR"})  # fmt: skip
    assert agent.get_knowledge_base(knowledgeBaseId=kb_id)["knowledgeBase"]["name"] == "hr-handbook-2026"
    agent.tag_resource(resourceArn=kb["knowledgeBaseArn"], tags={"team": "people"})
    assert agent.list_tags_for_resource(resourceArn=kb["knowledgeBaseArn"])["tags"] == {"team": "people"}

    # 5. an evaluation job to completion
    (dataset_dir / "datasets").mkdir(parents=True, exist_ok=True)
    turns = [("How long until expenses are refunded?", "Within 30 days of uploading the receipt."),
             ("How many vacation days do full-time staff get?", "25 days a year.")]  # fmt: skip
    (dataset_dir / "datasets" / "handbook.jsonl").write_text("".join(
        json.dumps({"conversationTurns": [{"prompt": {"content": [{"text": q}]},
                                           "referenceResponses": [{"content": [{"text": a}]}]}]}) + "\n"
        for q, a in turns))  # fmt: skip
    job = control.create_evaluation_job(
        jobName="handbook-rag", roleArn=ROLE, applicationType="RagEvaluation",
        evaluationConfig={"automated": {"datasetMetricConfigs": [{
            "taskType": "QuestionAndAnswer", "metricNames": ["Builtin.Faithfulness", "Builtin.ContextCoverage"],
            "dataset": {"name": "handbook", "datasetLocation": {"s3Uri": f"s3://{bucket}/datasets/handbook.jsonl"}}}]}},
        inferenceConfig={"ragConfigs": [{"knowledgeBaseConfig": {"retrieveAndGenerateConfig": {
            "type": "KNOWLEDGE_BASE", "knowledgeBaseConfiguration": {"knowledgeBaseId": kb_id, "modelArn": MODEL}}}}]},
        outputDataConfig={"s3Uri": f"s3://{bucket}/results/"},
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while (status := control.get_evaluation_job(jobIdentifier=job["jobArn"])["status"]) == "InProgress":
        assert time.monotonic() < deadline, "the evaluation job did not finish in 5 minutes"
        time.sleep(0.2)
    assert status == "Completed", status
    report = dataset_dir / "results" / "handbook-rag" / job["jobArn"].rsplit("/", 1)[-1] / "report.json"
    seen["evaluation"] = json.loads(report.read_text())["means"]
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", default="http://127.0.0.1:8000")
    parser.add_argument("--bucket", required=True, help="the name of one of the server's data roots")
    parser.add_argument("--dataset-dir", type=Path, required=True, help="that data root's path")
    args = parser.parse_args()
    try:
        seen = run(args.endpoint, bucket=args.bucket, dataset_dir=args.dataset_dir)
    except AssertionError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(seen, indent=2))


if __name__ == "__main__":
    main()
