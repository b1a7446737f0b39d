"""``update_knowledge_base``, ``update_data_source`` and tags through boto3 against a live server: what
Bedrock lets change after creation changes, what it fixes at creation (chunking, types) is refused."""

from __future__ import annotations

import pytest

from tests.bedrock_clients import (
    ROLE_ARN,
    TITAN_ARN,
    Clients,
    boto_clients,
    create_custom_source,
    create_kb,
    error_of,
    seed_kb,
)
from tests.conftest import ServerFactory

VECTOR_CONFIG = {"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {"embeddingModelArn": TITAN_ARN}}
FIXED = {
    "chunkingStrategy": "FIXED_SIZE",
    "fixedSizeChunkingConfiguration": {"maxTokens": 200, "overlapPercentage": 10},
}


@pytest.fixture(scope="module")
def clients(module_live_server: ServerFactory) -> Clients:
    return boto_clients(module_live_server())


def test_update_knowledge_base(clients: Clients) -> None:
    agent = clients.agent
    kb = create_kb(agent, "before-rename", description="old")
    before = agent.get_knowledge_base(knowledgeBaseId=kb)["knowledgeBase"]
    updated = agent.update_knowledge_base(
        knowledgeBaseId=kb, name="after-rename", description="new words", roleArn=ROLE_ARN,
        knowledgeBaseConfiguration=VECTOR_CONFIG,
    )  # fmt: skip
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 202
    got = agent.get_knowledge_base(knowledgeBaseId=kb)["knowledgeBase"]
    assert (got["name"], got["description"], got["createdAt"]) == ("after-rename", "new words", before["createdAt"])
    assert got["updatedAt"] >= before["updatedAt"]
    assert updated["knowledgeBase"]["name"] == "after-rename"

    create_kb(agent, "taken-name")
    taken = error_of(lambda: agent.update_knowledge_base(
        knowledgeBaseId=kb, name="taken-name", roleArn=ROLE_ARN, knowledgeBaseConfiguration=VECTOR_CONFIG
    ))  # fmt: skip
    assert taken.response["Error"]["Code"] == "ConflictException"
    kendra = error_of(lambda: agent.update_knowledge_base(
        knowledgeBaseId=kb, name="x", roleArn=ROLE_ARN,
        knowledgeBaseConfiguration={"type": "KENDRA", "kendraKnowledgeBaseConfiguration": {
            "kendraIndexArn": "arn:aws:kendra:us-east-1:123456789012:index/" + "a" * 36}},
    ))  # fmt: skip
    assert "ragkb knowledge bases are VECTOR" in kendra.response["Error"]["Message"]
    missing = error_of(lambda: agent.update_knowledge_base(
        knowledgeBaseId="ZZZZZZZZZZ", name="x", roleArn=ROLE_ARN, knowledgeBaseConfiguration=VECTOR_CONFIG
    ))  # fmt: skip
    assert missing.response["Error"]["Code"] == "ResourceNotFoundException"


def test_update_data_source(clients: Clients) -> None:
    agent = clients.agent
    kb = create_kb(agent, "ds-updates")
    source = create_custom_source(agent, kb, name="first", chunking=FIXED)
    create_custom_source(agent, kb, name="second")

    updated = agent.update_data_source(
        knowledgeBaseId=kb, dataSourceId=source, name="renamed", description="hand-written notes",
        dataSourceConfiguration={"type": "CUSTOM"},
        vectorIngestionConfiguration={"chunkingConfiguration": FIXED},  # the same one: accepted
    )["dataSource"]  # fmt: skip
    assert (updated["name"], updated["description"]) == ("renamed", "hand-written notes")
    got = agent.get_data_source(knowledgeBaseId=kb, dataSourceId=source)["dataSource"]
    assert (got["name"], got["description"]) == ("renamed", "hand-written notes")
    assert got["vectorIngestionConfiguration"]["chunkingConfiguration"] == FIXED

    def refused(**changes: object) -> str:
        request = {"knowledgeBaseId": kb, "dataSourceId": source, "name": "renamed",
                   "dataSourceConfiguration": {"type": "CUSTOM"}} | changes  # fmt: skip
        return str(error_of(lambda: agent.update_data_source(**request)).response["Error"]["Message"])

    other = {"chunkingStrategy": "NONE"}
    assert "cannot be changed after the data source is created" in refused(
        vectorIngestionConfiguration={"chunkingConfiguration": other}
    )
    assert "already exists" in refused(name="second")
    assert "RETAIN is not supported" in refused(dataDeletionPolicy="RETAIN")
    s3 = {"type": "S3", "s3Configuration": {"bucketArn": "arn:aws:s3:::bucket"}}
    assert "only CUSTOM data sources" in refused(dataSourceConfiguration=s3)
    parsing = {"parsingConfiguration": {"parsingStrategy": "BEDROCK_DATA_AUTOMATION"}}
    assert "parsingConfiguration.parsingStrategy is not supported" in refused(vectorIngestionConfiguration=parsing)
    assert agent.get_data_source(knowledgeBaseId=kb, dataSourceId=source)["dataSource"]["name"] == "renamed"


def test_tags(clients: Clients) -> None:
    agent = clients.agent
    kb = seed_kb(clients, "tagged")
    arn = agent.get_knowledge_base(knowledgeBaseId=kb)["knowledgeBase"]["knowledgeBaseArn"]
    assert agent.list_tags_for_resource(resourceArn=arn)["tags"] == {}
    agent.tag_resource(resourceArn=arn, tags={"team": "hr", "stage": "dev"})
    agent.tag_resource(resourceArn=arn, tags={"stage": "prod"})
    assert agent.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "hr", "stage": "prod"}
    agent.untag_resource(resourceArn=arn, tagKeys=["team", "absent"])
    assert agent.list_tags_for_resource(resourceArn=arn)["tags"] == {"stage": "prod"}

    created = agent.create_knowledge_base(
        name="born-tagged", roleArn=ROLE_ARN, knowledgeBaseConfiguration=VECTOR_CONFIG, tags={"owner": "ana"}
    )["knowledgeBase"]
    assert agent.list_tags_for_resource(resourceArn=created["knowledgeBaseArn"])["tags"] == {"owner": "ana"}
    agent.delete_knowledge_base(knowledgeBaseId=created["knowledgeBaseId"])
    gone = error_of(lambda: agent.list_tags_for_resource(resourceArn=created["knowledgeBaseArn"]))
    assert gone.response["Error"]["Code"] == "ResourceNotFoundException"

    too_many = error_of(lambda: agent.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(50)}))
    assert "at most 50 tags" in too_many.response["Error"]["Message"]
    flow = "arn:aws:bedrock:us-east-1:123456789012:flow/ABCDE12345"
    not_ours = error_of(lambda: agent.list_tags_for_resource(resourceArn=flow))
    assert not_ours.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "ragkb tags knowledge bases" in not_ours.response["Error"]["Message"]
