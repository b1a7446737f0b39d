"""The guardrail store on a real SQLite file and in a real PostgreSQL (the same tests): versions, names,
validation, persistence."""

from __future__ import annotations

import re

import pytest

from app.core.errors import GuardrailExists, GuardrailNotFound, InvalidGuardrail
from app.core.guardrails.store import DRAFT, GroundingFilter, GuardrailStore
from app.core.wiring import StateStores
from app.http.errors import kind_of
from grounding import FilterConfig, InvalidInput
from tests.backends import BACKENDS, open_state_stores

GROUNDING = GroundingFilter("GROUNDING", 0.6)
RELEVANCE_OFF = GroundingFilter("RELEVANCE", 0.4, "NONE", enabled=False)


@pytest.fixture(params=BACKENDS)
def stores(request: pytest.FixtureRequest) -> StateStores:
    return open_state_stores(request.param, request)


@pytest.fixture
def store(stores: StateStores) -> GuardrailStore:
    return stores.guardrails()


def test_create_and_reopen(stores: StateStores) -> None:
    store = stores.guardrails()
    draft = store.create(name="answers", description="d", filters=(GROUNDING, RELEVANCE_OFF),
                         blocked_output_message="No.")  # fmt: skip
    store.close()
    again = stores.guardrails().get(draft.id)
    assert again == draft
    assert re.fullmatch(r"[a-z0-9]{12}", draft.id) and draft.version == DRAFT


def test_policy_has_the_enabled_filters_only(store: GuardrailStore) -> None:
    record = store.create(name="p", filters=(GROUNDING, RELEVANCE_OFF))
    policy = record.grounding_policy()
    assert policy is not None and policy.filters == (FilterConfig("GROUNDING", 0.6, "BLOCK"),)
    assert store.create(name="off", filters=(RELEVANCE_OFF,)).grounding_policy() is None


def test_versions_are_frozen_and_never_reused(store: GuardrailStore) -> None:
    draft = store.create(name="v", filters=(GROUNDING,))
    assert [store.create_version(draft.id).version for _ in range(3)] == ["1", "2", "3"]
    store.delete(draft.id, "3")
    assert store.create_version(draft.id, description="fourth").version == "4"
    assert [r.version for r in store.versions(draft.id)] == ["DRAFT", "1", "2", "4"]
    assert store.get(draft.id, "4").description == "fourth" and store.get(draft.id).description == ""
    assert store.get(draft.id, "2").filters == (GROUNDING,)
    assert [r.version for r in store.list()] == ["DRAFT"]  # lists show drafts


def test_find_by_name_or_id(store: GuardrailStore) -> None:
    draft = store.create(name="named")
    assert store.find("named") == store.find(draft.id) == draft


def test_delete_everything(store: GuardrailStore) -> None:
    draft = store.create(name="gone")
    store.create_version(draft.id)
    store.delete(draft.id)
    with pytest.raises(GuardrailNotFound, match="does not exist"):
        store.versions(draft.id)
    with pytest.raises(GuardrailNotFound):
        store.delete(draft.id)
    store.create(name="gone")  # the name is free again


def test_errors(store: GuardrailStore) -> None:
    draft = store.create(name="taken")
    with pytest.raises(GuardrailExists):
        store.create(name="taken")
    with pytest.raises(GuardrailNotFound, match="no version 9"):
        store.get(draft.id, "9")
    with pytest.raises(InvalidGuardrail, match="DRAFT"):
        store.delete(draft.id, DRAFT)
    with pytest.raises(InvalidGuardrail, match="name"):
        store.create(name="with space")
    with pytest.raises(InvalidGuardrail, match="blocked output"):
        store.create(name="quiet", blocked_output_message=" ")
    with pytest.raises(InvalidInput, match="one filter per type"):
        store.create(name="twice", filters=(GROUNDING, GroundingFilter("GROUNDING", 0.2)))
    for threshold in (-0.1, 1.0, 0.995):
        with pytest.raises(InvalidInput, match=r"\[0, 0.99\]"):
            GroundingFilter("GROUNDING", threshold)
    assert [store.find("taken")] == store.list()  # nothing half-made


@pytest.mark.parametrize(
    ("error", "status", "aws"),
    [
        (GuardrailNotFound("x"), 404, "ResourceNotFoundException"),
        (GuardrailExists("x"), 409, "ConflictException"),
        (InvalidGuardrail("x"), 400, "ValidationException"),
        (InvalidInput("x"), 400, "ValidationException"),
    ],
)
def test_errors_map_to_statuses(error: Exception, status: int, aws: str) -> None:
    kind = kind_of(error)
    assert kind is not None and (kind.status, kind.aws) == (status, aws)


def test_a_broken_model_file_is_the_servers_fault() -> None:
    from grounding.scorer import ModelFileError

    assert kind_of(ModelFileError("grounding_model.json was trained on other features")) is None  # 500, logged
