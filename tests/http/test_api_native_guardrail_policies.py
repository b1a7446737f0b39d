"""The native guardrail API with Bedrock's other policies: ``POST /v1/guardrails`` with ``policies`` and
``POST /v1/guardrails/{name}/apply`` (httpx against a live server, hash embedder: PII and words are rules)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ServerFactory

POLICIES = {
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}, {"type": "PHONE", "action": "ANONYMIZE"}],
        "regexesConfig": [{"name": "ORDER", "pattern": r"ORD-\d+", "action": "BLOCK", "inputAction": "ANONYMIZE"}],
    },
    "wordPolicyConfig": {"wordsConfig": [{"text": "decaf"}]},
}


@pytest.fixture(scope="module")
def client(module_live_server: ServerFactory) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=module_live_server(), timeout=60) as http:
        yield http


def apply(client: httpx.Client, name: str, *texts: str, source: str = "INPUT") -> dict[str, Any]:
    body = {"source": source, "content": [{"text": t} for t in texts]}
    response = client.post(f"/v1/guardrails/{name}/apply", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_create_with_policies_and_apply(client: httpx.Client) -> None:
    created = client.post("/v1/guardrails", json={"name": "native-pii", "policies": POLICIES})
    assert created.status_code == 201, created.text
    policies = created.json()["policies"]
    assert policies["sensitiveInformationPolicyConfig"]["regexesConfig"][0]["inputAction"] == "ANONYMIZE"
    assert policies["sensitiveInformationPolicyConfig"]["regexesConfig"][0]["outputAction"] == "BLOCK"
    masked = apply(client, "native-pii", "Mail a@b.org re ORD-77", "or call (415) 555-2671")
    assert masked["action"] == "GUARDRAIL_INTERVENED"
    assert masked["outputs"] == [{"text": "Mail {EMAIL} re {ORDER}"}, {"text": "or call {PHONE}"}]
    blocked = apply(client, "native-pii", "Your order is ORD-77", source="OUTPUT")
    assert blocked["outputs"] == [{"text": "Sorry, the model cannot answer this question."}]
    words = apply(client, "native-pii", "A DECAF latte")
    assert words["assessments"][0]["wordPolicy"]["customWords"][0]["match"] == "DECAF"
    assert apply(client, "native-pii", "Nothing to see here.")["action"] == "NONE"


def test_replace_keeps_versions(client: httpx.Client) -> None:
    assert client.post("/v1/guardrails", json={"name": "native-replace", "policies": POLICIES}).status_code == 201
    assert client.post("/v1/guardrails/native-replace/versions", json={}).status_code == 201
    words = {"wordPolicyConfig": {"wordsConfig": [{"text": "espresso"}]}}
    replaced = client.put("/v1/guardrails/native-replace", json={"name": "native-replace", "policies": words})
    assert replaced.status_code == 200, replaced.text
    assert list(replaced.json()["policies"]) == ["wordPolicyConfig"]
    assert apply(client, "native-replace", "mail a@b.org")["action"] == "NONE"
    old = client.post(
        "/v1/guardrails/native-replace/apply", params={"version": "1"},
        json={"source": "INPUT", "content": [{"text": "mail a@b.org"}]},
    )  # fmt: skip
    assert old.json()["outputs"] == [{"text": "mail {EMAIL}"}]
    assert client.post("/v1/guardrails", json={"name": "native-other"}).status_code == 201
    taken = client.put("/v1/guardrails/native-replace", json={"name": "native-other"})
    assert taken.status_code == 409


@pytest.mark.parametrize(
    ("policies", "fragment"),
    [
        ({"sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [{"type": "SHOE_SIZE", "action": "BLOCK"}]}},
         "piiEntitiesConfig.0.type"),
        ({"sensitiveInformationPolicyConfig": {"regexesConfig": [{"name": "x", "pattern": "[", "action": "BLOCK"}]}},
         "does not compile"),
        ({"topicPolicyConfig": {"topicsConfig": [{"name": "t", "definition": "d", "type": "DENY",
                                                  "examples": ["1", "2", "3", "4", "5", "6"]}]}}, "examples"),
        ({"wordPolicyConfig": {"wordsConfig": [{"text": "x" * 101}]}}, "wordsConfig"),
    ],
    ids=["unknown pii type", "bad regex", "six examples", "long word"],
)  # fmt: skip
def test_bad_policies_are_400(client: httpx.Client, policies: dict[str, Any], fragment: str) -> None:
    response = client.post("/v1/guardrails", json={"name": "bad-policies", "policies": policies})
    assert response.status_code == 400, response.text
    assert fragment in response.text


def test_apply_unknown_guardrail_is_404(client: httpx.Client) -> None:
    response = client.post("/v1/guardrails/nope/apply", json={"source": "INPUT", "content": [{"text": "x"}]})
    assert response.status_code == 404
