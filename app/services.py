"""What the running service holds: settings, the registry, the embedder, open knowledge bases, jobs,
guardrails and the grounding checker (created on first use: loading MiniLM takes seconds).

Built once in the app's lifespan (``Services.start``) and handed to routes through a dependency;
nothing here is a module global.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from app.guardrail_store import GuardrailStore
from app.jobs import JobConflict, JobRunner
from app.settings import Settings
from app.wiring import build_checker, build_embedder, build_generator, open_knowledge_base
from grounding import GroundingChecker
from ingest import ChunkingConfig
from retrieval import (
    DataSource,
    DataSourceType,
    Embedder,
    FolderSource,
    Generator,
    Home,
    KnowledgeBase,
    KnowledgeBaseInfo,
)


class DataSourceNotFound(Exception):
    """No data source with that id in the knowledge base."""


class PathNotAllowed(Exception):
    """A folder data source outside the configured data roots."""


class InvalidDataSource(Exception):
    """A data source definition that cannot be used (not a folder, bad glob list, ...)."""


@dataclass
class Services:
    settings: Settings
    home: Home
    embedder: Embedder
    generator: Generator
    jobs: JobRunner
    guardrails: GuardrailStore
    _open: dict[str, KnowledgeBase] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _checker: GroundingChecker | None = None
    _checker_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, settings: Settings) -> Services:
        embedder = build_embedder(settings)
        return cls(
            settings=settings,
            home=Home(settings.home),
            embedder=embedder,
            generator=build_generator(settings, embedder),
            jobs=JobRunner(limits=settings.parse_limits(), workers=settings.parse_workers),
            guardrails=GuardrailStore(settings.home),
        )

    @property
    def checker(self) -> GroundingChecker:
        """The grounding checker, built on first use (its own lock: loading must not block KB access)."""
        with self._checker_lock:
            if self._checker is None:
                self._checker = build_checker(self.settings)
            return self._checker

    def close(self) -> None:
        self.jobs.close()
        with self._lock:
            for kb in self._open.values():
                kb.save()
                kb.close()
            self._open.clear()
        self.home.close()
        self.guardrails.close()

    # -- knowledge bases --------------------------------------------------------------------
    def knowledge_base(self, name_or_id: str) -> tuple[KnowledgeBaseInfo, KnowledgeBase]:
        """The knowledge base and its open handle; raises ``KnowledgeBaseNotFound``."""
        info = self.home.get(name_or_id)
        with self._lock:
            kb = self._open.get(info.id)
            if kb is None:
                kb = self._open[info.id] = open_knowledge_base(self.home, info, self.embedder)
        return info, kb

    def create_knowledge_base(self, name: str, *, chunking: ChunkingConfig, description: str = "") -> KnowledgeBaseInfo:
        return self.home.create(name, chunking=chunking, embedder=self.embedder.name, description=description)

    def delete_knowledge_base(self, name_or_id: str) -> KnowledgeBaseInfo:
        info = self.home.get(name_or_id)
        if self.jobs.running(info.id):
            raise JobConflict("an ingestion job is running on this knowledge base; stop it before deleting")
        with self._lock:
            kb = self._open.pop(info.id, None)
            if kb is not None:
                kb.close()
        return self.home.delete(info.id)

    # -- data sources -----------------------------------------------------------------------
    def create_data_source(
        self, kb: KnowledgeBase, *, name: str, type: str, path: str | None = None,
        include: list[str] | None = None, exclude: list[str] | None = None, description: str = "",
    ) -> DataSource:  # fmt: skip
        """Register a ``LOCAL_FOLDER`` (a folder under a data root) or ``CUSTOM`` (direct ingestion) source."""
        if any(s.name == name for s in kb.catalog.data_sources()):
            raise InvalidDataSource(f"a data source named {name!r} already exists in this knowledge base")
        config: dict[str, Any] = {"description": description}
        if type == "LOCAL_FOLDER":
            if not path:
                raise InvalidDataSource("a LOCAL_FOLDER data source needs a path")
            config |= {"path": str(self.allowed_folder(path)), "include": include or [], "exclude": exclude or []}
        elif type != "CUSTOM":
            raise InvalidDataSource(f"data source type must be LOCAL_FOLDER or CUSTOM, got {type!r}")
        source = DataSource.new(name=name, type=cast(DataSourceType, type), config=config)  # checked above
        kb.catalog.put_data_source(source)
        return self.data_source(kb, source.id)

    def data_source(self, kb: KnowledgeBase, data_source_id: str) -> DataSource:
        for source in kb.catalog.data_sources():
            if source.id == data_source_id:
                return source
        raise DataSourceNotFound(f"no data source {data_source_id!r} in this knowledge base")

    def delete_data_source(self, kb_id: str, kb: KnowledgeBase, data_source_id: str) -> DataSource:
        """Remove a data source, its documents (chunks and vectors) and its jobs; refused while a job runs."""
        source = self.data_source(kb, data_source_id)
        if self.jobs.running(kb_id):
            raise JobConflict("an ingestion job is running on this knowledge base; stop it before deleting")
        for row in kb.catalog.documents(data_source_id).values():
            kb.delete_document(row.id)
        kb.catalog.delete_data_source(data_source_id)
        kb.save()
        return source

    def folder_source(self, source: DataSource) -> FolderSource | None:
        """The sync target of a data source (confined to the data roots at every job); ``None`` for CUSTOM."""
        if source.type != "LOCAL_FOLDER":
            return None
        config = source.config
        return FolderSource(
            source.id, Path(config["path"]), tuple(config["include"]), tuple(config["exclude"]),
            roots=tuple(self.settings.data_roots),
        )  # fmt: skip

    def allowed_folder(self, path: str) -> Path:
        """``path`` resolved (symlinks and ``..`` followed) if it lies under a data root; else PathNotAllowed."""
        folder = Path(path).expanduser().resolve()
        if not any(folder == root or folder.is_relative_to(root) for root in self.settings.data_roots):
            roots = ", ".join(str(r) for r in self.settings.data_roots)
            raise PathNotAllowed(f"{path} is outside the folders this server may index ({roots}); see RAGKB_DATA_ROOTS")
        try:
            is_folder = folder.is_dir()
        except OSError as exc:  # a name too long, a folder we may not read: a bad request, not a crash
            raise InvalidDataSource(f"{path} cannot be used: {exc.strerror or exc}") from exc
        if not is_folder:
            raise InvalidDataSource(f"{path} is not a folder")
        return folder
