"""Guardrails through the real boto3 clients: ``bedrock`` creates them, ``bedrock-runtime`` applies them.

One live server per module with the hash embedder (so the grounding checker runs the fast HashEncoder:
scores are only roughly calibrated, so the tests pick thresholds far from them, or assert the
``detected = score < threshold`` semantics on the score returned). The real-model check of Bedrock's
UK/Japan example is marked slow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from app.settings import Settings
from grounding import DEFAULT_GROUNDING_THRESHOLD, DEFAULT_RELEVANCE_THRESHOLD
from tests.conftest import ServerFactory
from tests.live_server import running_server

UK_JAPAN = "London is the capital of the UK. Tokyo is the capital of Japan."
QUERY = "What is the capital of Japan?"
BLOCKED = "Sorry, I could not find that in the documents."
REASONING_ARN = "arn:aws:bedrock:us-east-1:000000000000:automated-reasoning-policy/abcdefghijkl"


@pytest.fixture(scope="module")
def base_url(module_live_server: ServerFactory) -> str:
    return module_live_server()


def client(base_url: str, service: str) -> Any:
    return boto3.client(
        service, endpoint_url=base_url, region_name="us-east-1", aws_access_key_id="AKIDRAGKBTEST",
        aws_secret_access_key="secret", config=Config(retries={"max_attempts": 1}, read_timeout=120),
    )  # fmt: skip


@pytest.fixture(scope="module")
def control(base_url: str) -> Any:
    return client(base_url, "bedrock")


@pytest.fixture(scope="module")
def runtime(base_url: str) -> Any:
    return client(base_url, "bedrock-runtime")


@pytest.fixture(scope="module")
def shared(control: Any) -> str:
    """A guardrail with a GROUNDING filter, for tests that only need one to exist."""
    return create(control, "shared", {"type": "GROUNDING", "threshold": 0.5})


def create(control: Any, name: str, *filters: dict[str, Any], **extra: Any) -> str:
    policy = {"contextualGroundingPolicyConfig": {"filtersConfig": list(filters)}} if filters else {}
    response = control.create_guardrail(
        name=name, blockedInputMessaging="Input blocked.", blockedOutputsMessaging=BLOCKED, **policy, **extra
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    return str(response["guardrailId"])


def content(answer: str, *, source: str = UK_JAPAN, query: str = QUERY, qualify: bool = True) -> list[dict[str, Any]]:
    guarded: dict[str, Any] = {"text": answer, "qualifiers": ["guard_content"]} if qualify else {"text": answer}
    return [
        {"text": {"text": source, "qualifiers": ["grounding_source"]}},
        {"text": {"text": query, "qualifiers": ["query"]}},
        {"text": guarded},
    ]


def apply(runtime: Any, guardrail_id: str, blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    extra = {"guardrailVersion": "DRAFT", "source": "OUTPUT"} | extra
    return dict(runtime.apply_guardrail(guardrailIdentifier=guardrail_id, content=blocks, **extra))


def refused(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """The error code and message of a refused call."""
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def filters_of(response: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = response["assessments"][0]["contextualGroundingPolicy"]["filters"]
    return {f["type"]: f for f in found}


# -- create, get, list, versions, delete ---------------------------------------------------------------
def test_create_get_list_delete(control: Any) -> None:
    guardrail_id = create(
        control, "lifecycle", {"type": "GROUNDING", "threshold": 0.7, "action": "BLOCK"},
        {"type": "RELEVANCE", "threshold": 0.4, "action": "NONE", "enabled": False}, description="for tests",
    )  # fmt: skip
    assert len(guardrail_id) == 12 and guardrail_id.isalnum() and guardrail_id.islower()
    got = control.get_guardrail(guardrailIdentifier=guardrail_id)
    assert (got["name"], got["version"], got["status"], got["description"]) == (
        "lifecycle",
        "DRAFT",
        "READY",
        "for tests",
    )
    assert got["guardrailArn"] == f"arn:aws:bedrock:us-east-1:000000000000:guardrail/{guardrail_id}"
    assert got["contextualGroundingPolicy"]["filters"] == [
        {"type": "GROUNDING", "threshold": 0.7, "action": "BLOCK", "enabled": True},
        {"type": "RELEVANCE", "threshold": 0.4, "action": "NONE", "enabled": False},
    ]
    assert (got["blockedInputMessaging"], got["blockedOutputsMessaging"]) == ("Input blocked.", BLOCKED)
    assert isinstance(got["createdAt"], datetime)
    listed = control.list_guardrails()["guardrails"]
    assert [(g["id"], g["version"]) for g in listed if g["name"] == "lifecycle"] == [(guardrail_id, "DRAFT")]

    assert control.create_guardrail_version(guardrailIdentifier=guardrail_id)["version"] == "1"
    arn = got["guardrailArn"]
    assert control.create_guardrail_version(guardrailIdentifier=arn, description="second")["version"] == "2"
    versions = control.list_guardrails(guardrailIdentifier=arn)["guardrails"]
    assert [v["version"] for v in versions] == ["DRAFT", "1", "2"]
    assert control.get_guardrail(guardrailIdentifier=guardrail_id, guardrailVersion="2")["description"] == "second"

    control.delete_guardrail(guardrailIdentifier=guardrail_id, guardrailVersion="1")
    with pytest.raises(ClientError) as caught:
        control.get_guardrail(guardrailIdentifier=guardrail_id, guardrailVersion="1")
    assert refused(caught)[0] == "ResourceNotFoundException"
    assert control.create_guardrail_version(guardrailIdentifier=guardrail_id)["version"] == "3"  # never reused

    deleted = control.delete_guardrail(guardrailIdentifier=arn)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    for call in (lambda: control.get_guardrail(guardrailIdentifier=guardrail_id),
                 lambda: control.delete_guardrail(guardrailIdentifier=guardrail_id)):  # fmt: skip
        with pytest.raises(ClientError) as caught:
            call()
        assert refused(caught)[0] == "ResourceNotFoundException"


def test_list_pages(control: Any) -> None:
    for name in ("page-a", "page-b", "page-c"):
        create(control, name)
    paginator = control.get_paginator("list_guardrails")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 2}))
    names = [g["name"] for page in pages for g in page["guardrails"]]
    assert {"page-a", "page-b", "page-c"} <= set(names) and len(names) == len(set(names))
    assert len(pages) >= 2


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"contextualGroundingPolicyConfig": {"filtersConfig": [{"type": "GROUNDING", "threshold": 1.0}]}},
         "threshold must be in [0, 0.99]"),
        ({"contextualGroundingPolicyConfig": {"filtersConfig": [{"type": "GROUNDING", "threshold": 0.5},
                                                                {"type": "GROUNDING", "threshold": 0.6}]}},
         "at most one filter per type"),
        ({"sensitiveInformationPolicyConfig": {"regexesConfig": [{"name": "bad", "pattern": "(", "action": "BLOCK"}]}},
         "does not compile"),
        ({"sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [{"type": "EMAIL", "action": "BLOCK"},
                                                                     {"type": "EMAIL", "action": "NONE"}]}},
         "listed twice"),
        ({"contentPolicyConfig": {"filtersConfig": [{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH",
                                                     "inputModalities": ["IMAGE"]}]}},
         "IMAGE modalities are not supported"),
        ({"topicPolicyConfig": {"topicsConfig": [{"name": "x", "definition": "y", "type": "DENY"},
                                                 {"name": "x", "definition": "z", "type": "DENY"}]}},
         "same name"),
        ({"automatedReasoningPolicyConfig": {"policies": [REASONING_ARN]}},
         "automatedReasoningPolicyConfig is not supported"),
        ({"name": "no spaces allowed"}, "name"),
    ],
    ids=["threshold over 0.99", "two grounding filters", "bad regex", "pii twice", "image", "topic twice",
         "automated reasoning", "bad name"],
)  # fmt: skip
def test_create_refuses(control: Any, extra: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ClientError) as caught:
        control.create_guardrail(
            **{"name": "refused", "blockedInputMessaging": "x", "blockedOutputsMessaging": "y"} | extra
        )
    code, message = refused(caught)
    assert code == "ValidationException" and fragment in message, message


def test_duplicate_name_is_a_conflict(control: Any) -> None:
    create(control, "twice")
    with pytest.raises(ClientError) as caught:
        create(control, "twice")
    assert refused(caught)[0] == "ConflictException"


# -- apply_guardrail ---------------------------------------------------------------------------------
def test_grounded_answer_passes_with_scores(control: Any, runtime: Any) -> None:
    guardrail_id = create(
        control, "grounded", {"type": "GROUNDING", "threshold": 0.3}, {"type": "RELEVANCE", "threshold": 0.3}
    )
    response = apply(runtime, guardrail_id, content("Tokyo is the capital of Japan."), outputScope="FULL")
    assert (response["action"], response["outputs"]) == ("NONE", [])
    filters = filters_of(response)
    assert set(filters) == {"GROUNDING", "RELEVANCE"}
    for found in filters.values():
        assert 0.3 <= found["score"] <= 1.0
        assert (found["threshold"], found["action"], found["detected"]) == (0.3, "NONE", False)
    assert response["usage"]["contextualGroundingPolicyUnits"] == 3
    coverage = response["assessments"][0]["invocationMetrics"]["guardrailCoverage"]["textCharacters"]
    assert coverage["guarded"] == len("Tokyo is the capital of Japan.")


def test_ungrounded_answer_is_blocked(control: Any, runtime: Any) -> None:
    guardrail_id = create(control, "blocking", {"type": "GROUNDING", "threshold": 0.99, "action": "BLOCK"})
    response = apply(runtime, guardrail_id, content("Bananas are purple and grow on Mars."))
    assert response["action"] == "GUARDRAIL_INTERVENED"
    assert response["outputs"] == [{"text": BLOCKED}]
    [grounding] = response["assessments"][0]["contextualGroundingPolicy"]["filters"]
    assert grounding["type"] == "GROUNDING" and grounding["score"] < 0.99
    assert (grounding["detected"], grounding["action"]) == (True, "BLOCKED")


def test_detection_with_action_none_does_not_intervene(control: Any, runtime: Any) -> None:
    guardrail_id = create(control, "report-only", {"type": "GROUNDING", "threshold": 0.99, "action": "NONE"})
    response = apply(runtime, guardrail_id, content("Bananas are purple and grow on Mars."))
    assert (response["action"], response["outputs"]) == ("NONE", [])
    [grounding] = filters_of(response).values()
    assert (grounding["detected"], grounding["action"]) == (True, "NONE")


def test_unqualified_text_is_the_answer(control: Any, runtime: Any) -> None:
    guardrail_id = create(control, "unqualified", {"type": "GROUNDING", "threshold": 0.0})
    qualified = filters_of(apply(runtime, guardrail_id, content("Tokyo is the capital of Japan.")))
    bare = filters_of(apply(runtime, guardrail_id, content("Tokyo is the capital of Japan.", qualify=False)))
    assert qualified["GROUNDING"]["score"] == bare["GROUNDING"]["score"]
    assert bare["GROUNDING"]["detected"] is False  # threshold 0: nothing is below it


def test_relevance_filter_on_bedrocks_example(control: Any, runtime: Any) -> None:
    """Bedrock's UK/Japan example: shapes and ``detected = score < threshold`` (the hash encoder's scores
    are not calibrated; the real model's verdict is checked in the slow test below)."""
    guardrail_id = create(control, "relevance", {"type": "RELEVANCE", "threshold": 0.5, "action": "BLOCK"})
    for answer in ("The capital of Japan is Tokyo.", "The capital of the UK is London."):
        response = apply(runtime, guardrail_id, content(answer))
        [relevance] = response["assessments"][0]["contextualGroundingPolicy"]["filters"]
        assert relevance["type"] == "RELEVANCE" and 0.0 <= relevance["score"] <= 1.0
        assert relevance["detected"] == (relevance["score"] < 0.5)
        assert relevance["action"] == ("BLOCKED" if relevance["detected"] else "NONE")
        assert response["action"] == ("GUARDRAIL_INTERVENED" if relevance["detected"] else "NONE")


def test_disabled_filters_are_not_evaluated(control: Any, runtime: Any) -> None:
    guardrail_id = create(control, "disabled", {"type": "GROUNDING", "threshold": 0.99, "enabled": False})
    response = apply(runtime, guardrail_id, content("Bananas are purple and grow on Mars."))
    assert response["action"] == "NONE"
    assert "contextualGroundingPolicy" not in response["assessments"][0]
    assert response["usage"]["contextualGroundingPolicyUnits"] == 0


def test_input_source_is_not_checked(control: Any, runtime: Any) -> None:
    guardrail_id = create(control, "input", {"type": "GROUNDING", "threshold": 0.99})
    response = apply(runtime, guardrail_id, [{"text": {"text": "What is the capital of Japan?"}}], source="INPUT")
    assert response["action"] == "NONE" and "contextualGroundingPolicy" not in response["assessments"][0]


def test_numbered_versions_keep_their_policy(control: Any, runtime: Any) -> None:
    guardrail_id = create(control, "versioned", {"type": "GROUNDING", "threshold": 0.99})
    control.create_guardrail_version(guardrailIdentifier=guardrail_id)
    response = apply(runtime, guardrail_id, content("Bananas are purple."), guardrailVersion="1")
    assert response["action"] == "GUARDRAIL_INTERVENED"
    assert response["assessments"][0]["appliedGuardrailDetails"]["guardrailVersion"] == "1"


@pytest.mark.parametrize(
    ("blocks", "fragment"),
    [
        ([{"text": {"text": QUERY, "qualifiers": ["query"]}}, {"text": {"text": "Tokyo."}}], "grounding_source"),
        ([{"text": {"text": UK_JAPAN, "qualifiers": ["grounding_source"]}}, {"text": {"text": "Tokyo."}}], "query"),
        ([{"text": {"text": UK_JAPAN, "qualifiers": ["grounding_source"]}},
          {"text": {"text": QUERY, "qualifiers": ["query"]}}], "no content to check"),
        (content("x" * 5001), "more than 5000"),
        (content("Tokyo.", query="q" * 1001), "more than 1000"),
        (content("Tokyo.", source="   "), "empty"),
    ],
    ids=["no source", "no query", "no answer", "answer too long", "query too long", "blank source"],
)  # fmt: skip
def test_apply_refuses_incomplete_content(
    shared: str, runtime: Any, blocks: list[dict[str, Any]], fragment: str
) -> None:
    with pytest.raises(ClientError) as caught:
        apply(runtime, shared, blocks)
    code, message = refused(caught)
    assert code == "ValidationException" and fragment in message, message


def test_unknown_guardrail_or_version(shared: str, runtime: Any) -> None:
    for identifier, version in (("abcdef123456", "DRAFT"), (shared, "7")):
        with pytest.raises(ClientError) as caught:
            apply(runtime, identifier, content("Tokyo."), guardrailVersion=version)
        assert refused(caught)[0] == "ResourceNotFoundException"


def test_passthrough_still_works(runtime: Any) -> None:
    response = apply(runtime, "passthrough", content("Bananas are purple."))
    assert (response["action"], response["outputs"]) == ("NONE", [])
    assert "contextualGroundingPolicy" not in response["assessments"][0]


# -- the real model -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_bedrocks_uk_japan_example_with_the_real_model(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Bedrock's own example at the default thresholds: "The capital of the UK is London." is true to the
    source but does not answer "What is the capital of Japan?": the relevance filter blocks it. "The capital of
    Japan is London." pairs two names of the source that no sentence pairs: the grounding filter blocks it."""
    settings = Settings(home=tmp_path_factory.mktemp("real"), embedder="sentence-transformers")
    with running_server(settings) as url:
        control, runtime = client(url, "bedrock"), client(url, "bedrock-runtime")
        guardrail_id = create(
            control, "uk-japan", {"type": "GROUNDING", "threshold": DEFAULT_GROUNDING_THRESHOLD},
            {"type": "RELEVANCE", "threshold": DEFAULT_RELEVANCE_THRESHOLD},
        )  # fmt: skip
        right = apply(runtime, guardrail_id, content("The capital of Japan is Tokyo."))
        wrong = filters_of(apply(runtime, guardrail_id, content("The capital of Japan is London.")))
        off_topic = apply(runtime, guardrail_id, content("The capital of the UK is London."))
    assert right["action"] == "NONE"
    assert not any(f["detected"] for f in filters_of(right).values())
    assert wrong["GROUNDING"]["detected"] and wrong["GROUNDING"]["action"] == "BLOCKED"  # a relation swap
    assert off_topic["action"] == "GUARDRAIL_INTERVENED" and off_topic["outputs"] == [{"text": BLOCKED}]
    assert not filters_of(off_topic)["GROUNDING"]["detected"]  # true to the source ...
    assert filters_of(off_topic)["RELEVANCE"]["detected"]  # ... but not an answer to the question
    assert filters_of(off_topic)["RELEVANCE"]["action"] == "BLOCKED"
