"""Settings: every field documented, environment variables read, bad combinations refused at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own RAGKB_* variables must not change what these tests see."""
    for name in list(os.environ):
        if name.startswith("RAGKB_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_field_has_a_description(name: str) -> None:
    description = Settings.model_fields[name].description
    assert description is not None and len(description.split()) >= 4, name


def test_fields_are_read_from_prefixed_environment_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAGKB_HOME", str(tmp_path))
    monkeypatch.setenv("RAGKB_MAX_DOCUMENTS_PER_CALL", "7")
    monkeypatch.setenv("RAGKB_DATA_ROOTS", f'["{tmp_path}/a/../b"]')
    settings = Settings()
    assert (settings.home, settings.max_documents_per_call) == (tmp_path, 7)
    assert settings.data_roots == [(tmp_path / "b").resolve()]


def test_auth_off_is_refused_on_a_non_loopback_host() -> None:
    with pytest.raises(ValidationError, match=r"auth cannot be 'off' when binding to 0\.0\.0\.0"):
        Settings(host="0.0.0.0", auth="off")
    assert Settings(host="127.0.0.1", auth="off").auth_required() is False
    assert Settings(host="0.0.0.0", auth="auto").auth_required() is True
    assert Settings(host="localhost", auth="auto").auth_required() is False


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.3.2.1", True), ("::1", True), ("localhost", True), ("127.evil.example", False),
     ("127.0.0.1.nip.example", False), ("0.0.0.0", False), ("::", False), ("10.0.0.1", False)],
)  # fmt: skip
def test_loopback_is_parsed_and_resolved_never_matched_by_prefix(host: str, loopback: bool) -> None:
    assert Settings(host=host).auth_required() is not loopback
    if not loopback:
        with pytest.raises(ValidationError, match="auth cannot be 'off'"):
            Settings(host=host, auth="off")


@pytest.mark.parametrize(
    "credentials", [{"aws_access_key_id": "AKIDEXAMPLE"}, {"aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG"}]
)
def test_only_one_aws_credential_is_refused(credentials: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="set both aws_access_key_id and aws_secret_access_key"):
        Settings(**credentials)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_request_mb", 0), ("max_documents_per_call", 0), ("max_documents_per_call", 1001), ("port", 70000),
     ("embedder", "word2vec"), ("auth", "sometimes"), ("max_file_mb", -1), ("embedding_batch_size", 0)],
)  # fmt: skip
def test_out_of_range_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: value})  # type: ignore[arg-type]
