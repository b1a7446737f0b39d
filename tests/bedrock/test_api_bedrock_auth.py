"""SigV4 on the Bedrock routes: boto3's real signatures verify; bad ones get AWS's error codes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from app.settings import Settings
from tests.bedrock_clients import boto_clients, create_custom_source, create_kb, text_document
from tests.live_server import running_server

KEY, SECRET = "AKIDRAGKBTEST", "secret"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        home=tmp_path_factory.mktemp("home"),
        embedder="hash",
        auth="required",
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        host="127.0.0.1",
    )
    with running_server(settings) as url:
        yield url


def test_boto3_signatures_verify(base_url: str) -> None:
    clients = boto_clients(base_url, key=KEY, secret=SECRET)
    kb = create_kb(clients.agent, "signed")  # PUT with a body
    source = create_custom_source(clients.agent, kb)
    clients.agent.ingest_knowledge_base_documents(
        knowledgeBaseId=kb,
        dataSourceId=source,
        documents=[text_document("ü-note", "Grüße: the café opens at 7:00 on weekdays.", team="café")],
    )
    assert clients.agent.get_knowledge_base(knowledgeBaseId=kb)["knowledgeBase"]["name"] == "signed"  # GET, no body
    hits = clients.runtime.retrieve(knowledgeBaseId=kb, retrievalQuery={"text": "when does the café open?"})
    assert hits["retrievalResults"][0]["location"]["customDocumentLocation"]["id"] == "ü-note"
    arn = "arn:aws:bedrock:us-east-1:123456789012:guardrail/passthrough"  # ':' and '/' percent-encoded in the path
    result = clients.bedrock.apply_guardrail(
        guardrailIdentifier=arn, guardrailVersion="DRAFT", source="INPUT", content=[{"text": {"text": "hello"}}]
    )
    assert result["action"] == "NONE"


def test_guardrail_calls_with_query_strings_and_arns_verify(base_url: str) -> None:
    control = boto3.client(
        "bedrock", endpoint_url=base_url, region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=SECRET
    )
    created = control.create_guardrail(
        name="signed", blockedInputMessaging="no", blockedOutputsMessaging="no",
        contextualGroundingPolicyConfig={"filtersConfig": [{"type": "GROUNDING", "threshold": 0.5}]},
    )  # fmt: skip
    arn = created["guardrailArn"]
    control.create_guardrail_version(guardrailIdentifier=arn)
    assert control.get_guardrail(guardrailIdentifier=arn, guardrailVersion="1")["version"] == "1"
    listed = control.list_guardrails(guardrailIdentifier=arn, maxResults=1)
    assert [g["version"] for g in listed["guardrails"]] == ["DRAFT"] and listed["nextToken"]
    control.delete_guardrail(guardrailIdentifier=arn, guardrailVersion="1")


@pytest.mark.parametrize(
    ("key", "secret", "code"),
    [(KEY, "wrong-secret", "InvalidSignatureException"), ("AKIDSOMEONEELSE", SECRET, "UnrecognizedClientException")],
)
def test_bad_credentials(base_url: str, key: str, secret: str, code: str) -> None:
    agent = boto_clients(base_url, key=key, secret=secret).agent
    with pytest.raises(ClientError) as caught:
        agent.list_knowledge_bases()
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unsigned_request(base_url: str) -> None:
    response = httpx.post(f"{base_url}/knowledgebases/", json={})
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert response.json() == {"message": "Missing Authentication Token"}


def test_tampered_body_is_refused(base_url: str) -> None:
    """A valid signature over one body does not authorise another."""
    url = f"{base_url}/knowledgebases/"
    signed = AWSRequest(method="POST", url=url, data=b'{"maxResults": 1}', headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(KEY, SECRET), "bedrock", "us-east-1").add_auth(signed)
    headers = dict(signed.headers.items())
    assert httpx.post(url, content=b'{"maxResults": 1}', headers=headers).status_code == 200
    tampered = httpx.post(url, content=b'{"maxResults": 2}', headers=headers)
    assert (tampered.status_code, tampered.headers["x-amzn-ErrorType"]) == (403, "InvalidSignatureException")


def signed_headers(url: str, body: bytes, **extra: str) -> dict[str, str]:
    """Headers botocore's own signer makes for a POST of ``body`` (``extra`` headers signed too)."""
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json", **extra})
    SigV4Auth(Credentials(KEY, SECRET), "bedrock", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def assert_signature_refused(response: httpx.Response, fragment: str) -> None:
    assert (response.status_code, response.headers["x-amzn-ErrorType"]) == (403, "InvalidSignatureException")
    assert fragment in response.json()["message"]


def test_signed_headers_that_were_not_sent_are_refused(base_url: str) -> None:
    url = f"{base_url}/knowledgebases/"
    headers = signed_headers(url, b"{}")
    assert httpx.post(url, content=b"{}", headers=headers).status_code == 200
    # the signature stays valid for what was sent; the claim that x-forwarded-for was signed is false
    claimed = {
        **headers,
        "Authorization": headers["Authorization"].replace("SignedHeaders=", "SignedHeaders=x-forwarded-for;"),
    }
    assert_signature_refused(httpx.post(url, content=b"{}", headers=claimed), "not sent: x-forwarded-for")
    without_host = {
        **headers,
        "Authorization": headers["Authorization"].replace(
            "SignedHeaders=content-type;host;", "SignedHeaders=content-type;"
        ),
    }
    assert_signature_refused(httpx.post(url, content=b"{}", headers=without_host), "must include host")


def test_unsigned_payload_is_refused_on_a_request_with_a_body(base_url: str) -> None:
    url = f"{base_url}/knowledgebases/"
    headers = signed_headers(url, b'{"maxResults": 1}', **{"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert_signature_refused(httpx.post(url, content=b'{"maxResults": 2}', headers=headers), "UNSIGNED-PAYLOAD")
    get_url = f"{base_url}/knowledgebases/K000000000"  # no body: nothing could be swapped
    request = AWSRequest(method="GET", url=get_url, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    SigV4Auth(Credentials(KEY, SECRET), "bedrock", "us-east-1").add_auth(request)
    assert httpx.get(get_url, headers=dict(request.headers.items())).status_code == 404


def test_unsigned_payload_is_accepted_when_the_server_allows_it(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, embedder="hash", auth="required", aws_access_key_id=KEY,
                        aws_secret_access_key=SECRET, allow_unsigned_payload=True)  # fmt: skip
    with running_server(settings) as url:
        headers = signed_headers(f"{url}/knowledgebases/", b"{}", **{"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
        assert httpx.post(f"{url}/knowledgebases/", content=b'{"maxResults": 1}', headers=headers).status_code == 200


def test_a_body_that_does_not_match_its_signed_hash_is_refused(base_url: str) -> None:
    url = f"{base_url}/knowledgebases/"
    body = b'{"maxResults": 1}'
    headers = signed_headers(url, body, **{"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()})
    assert httpx.post(url, content=body, headers=headers).status_code == 200
    swapped = httpx.post(url, content=b'{"maxResults": 2}', headers=headers)
    assert_signature_refused(swapped, "x-amz-content-sha256")
