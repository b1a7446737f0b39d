"""What the running service holds: settings, the registry, the embedder, open knowledge bases, jobs,
guardrails and the grounding checker (created on first use: loading MiniLM takes seconds).

Built once in the app's lifespan (``Services.start``) and handed to routes through a dependency, and
once per CLI run (``app/cli/context.py``); nothing here is a module global. ``open_kb`` is the one way
every surface opens and authorises a knowledge base.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, cast

from app.core.console import ConsoleStores
from app.core.errors import DataSourceNotFound, InvalidDataSource, JobConflict, PathNotAllowed
from app.core.evaluation_jobs import EvaluationRunner
from app.core.guardrails.store import GuardrailStore
from app.core.jobs import JobRunner
from app.core.jobs.queued import QueuedJobs
from app.core.keys import Principal
from app.core.sessions import SessionStore
from app.core.tags import TagStore
from app.core.wiring import (
    StateStores,
    build_checker,
    build_embedder,
    build_generator,
    build_guard,
    build_job_queue,
    build_query_embedder,
    build_registry,
    build_reranker,
    open_knowledge_base,
    reranker_choice,
)
from app.settings import Settings
from grounding import GroundingChecker
from guardrails import Guard
from ingest import ChunkingConfig
from retrieval import (
    DataSource,
    DataSourceType,
    DeferredEmbedder,
    Embedder,
    FolderSource,
    Generator,
    KnowledgeBase,
    KnowledgeBaseInfo,
    KnowledgeBaseNotFound,
    Reranker,
)


class Services:
    """What the service (and one CLI run) uses. Members load on first use, so ``ragkb kb list`` never loads
    the embedding model; :meth:`start` loads what every request needs before the server takes one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = build_registry(settings)
        self.stores = StateStores(self.home, settings)
        self._embedder: Embedder | None = None
        self._query_embedder: tuple[Embedder | None] | None = None  # a 1-tuple once chosen: None is a choice
        self._generator: Generator | None = None
        self._jobs: JobRunner | QueuedJobs | None = None
        self._guardrails: GuardrailStore | None = None
        self._console: ConsoleStores | None = None
        self._sessions: SessionStore | None = None
        self._tags: TagStore | None = None
        self._evaluations: EvaluationRunner | None = None
        self._members_lock = threading.Lock()
        self._open: dict[str, KnowledgeBase] = {}
        self._lock = threading.Lock()
        self._checker: GroundingChecker | None = None
        self._checker_lock = threading.Lock()
        self._guard: Guard | None = None
        self._rerankers: dict[str, Reranker] = {}

    @classmethod
    def start(cls, settings: Settings) -> Services:
        """For the server: the embedder, generator, job runner and guardrail store loaded now."""
        services = cls(settings)
        services.load_embedder()
        services.prepare_query_embedder()
        services.generator  # noqa: B018
        services.jobs  # noqa: B018
        services.guardrails  # noqa: B018
        return services

    @property
    def embedder(self) -> Embedder:
        with self._members_lock:
            if self._embedder is None:
                self._embedder = build_embedder(self.settings)
            return self._embedder

    def load_embedder(self) -> Embedder:
        """The documents' embedder, its model loaded now (it is otherwise loaded by the first document)."""
        embedder = self.embedder
        return embedder.load() if isinstance(embedder, DeferredEmbedder) else embedder

    @property
    def query_embedder(self) -> Embedder | None:
        """The faster equivalent that embeds queries (``query_backend``), if any and prepared, else ``None``."""
        with self._members_lock:
            if self._query_embedder is None:
                self._query_embedder = (build_query_embedder(self.settings, prepare=False),)
            return self._query_embedder[0]

    def prepare_query_embedder(self) -> None:
        """Export the query model's file if it is missing (seconds, once per home), so queries use it from now on."""
        with self._members_lock:
            if self._query_embedder is None or self._query_embedder[0] is None:
                self._query_embedder = (build_query_embedder(self.settings, prepare=True),)

    @property
    def generator(self) -> Generator:
        embedder = self.embedder
        with self._members_lock:
            if self._generator is None:
                self._generator = build_generator(self.settings, embedder)
            return self._generator

    @property
    def jobs(self) -> JobRunner | QueuedJobs:
        """Jobs run here (embedded store) or are queued for ``ragkb worker`` processes (PostgreSQL)."""
        with self._members_lock:
            if self._jobs is None:
                queue = build_job_queue(self.home, self.settings)
                self._jobs = (
                    QueuedJobs(queue) if queue is not None
                    else JobRunner(limits=self.settings.parse_limits(), workers=self.settings.parse_workers)
                )  # fmt: skip
            return self._jobs

    @property
    def guardrails(self) -> GuardrailStore:
        with self._members_lock:
            if self._guardrails is None:
                self._guardrails = self.stores.guardrails()
            return self._guardrails

    @property
    def console(self) -> ConsoleStores:
        """The console's stores: playground history, human evaluations, guardrail tests, violation log."""
        with self._members_lock:
            if self._console is None:
                self._console = self.stores.console()
            return self._console

    @property
    def sessions(self) -> SessionStore:
        """Conversation sessions (``app/core/sessions.py``), opened on first use."""
        with self._members_lock:
            if self._sessions is None:
                self._sessions = self.stores.sessions()
            return self._sessions

    @property
    def tags(self) -> TagStore:
        """Tags of knowledge bases (``app/core/tags.py``), opened on first use."""
        with self._members_lock:
            if self._tags is None:
                self._tags = self.stores.tags()
            return self._tags

    @property
    def evaluations(self) -> EvaluationRunner:
        """Evaluation jobs (``app/core/evaluation_jobs.py``): their store and the threads that run them."""
        with self._members_lock:
            if self._evaluations is None:
                self._evaluations = EvaluationRunner(self.stores.evaluation_jobs())
            return self._evaluations

    @property
    def checker(self) -> GroundingChecker:
        """The grounding checker, built on first use (its own lock: loading must not block KB access)."""
        with self._checker_lock:
            if self._checker is None:
                self._checker = build_checker(self.settings)
            return self._checker

    @property
    def guard(self) -> Guard:
        """The guardrail policies' models (sensitive information, words, topics, content), built on first use."""
        with self._checker_lock:
            if self._guard is None:
                self._guard = build_guard(self.settings)
            return self._guard

    @property
    def reranker(self) -> Reranker:
        """The default reranker (``settings.reranker``) of ``rerankingConfiguration`` and ``Rerank``."""
        return self.reranker_for(None)

    def reranker_for(self, model_arn: str | None) -> Reranker:
        """The reranker a Bedrock ``modelArn`` names (``reranker_choice``), each made on first use; the fusion
        one embeds with ``query_embedder`` when that is ready (an equivalent of the documents' embedder,
        faster per query)."""
        choice = reranker_choice(model_arn, default=self.settings.reranker)
        with self._checker_lock:
            if choice not in self._rerankers:
                self._rerankers[choice] = build_reranker(
                    self.settings, self.query_embedder or self.embedder, choice=choice
                )
            return self._rerankers[choice]

    def close(self, *, save: bool = True) -> None:
        """Stop jobs, save (unless ``save`` is false: the CLI's commands save what they change) and close
        the open knowledge bases, and close the stores."""
        if self._jobs is not None:
            self._jobs.close()
        if self._evaluations is not None:
            self._evaluations.close()
            self._evaluations.store.close()
        with self._lock:
            for kb in self._open.values():
                if save:
                    kb.save()
                kb.close()
            self._open.clear()
        self.home.close()
        if self._guardrails is not None:
            self._guardrails.close()
        if self._console is not None:
            self._console.close()
        if self._sessions is not None:
            self._sessions.close()
        if self._tags is not None:
            self._tags.close()

    # -- knowledge bases --------------------------------------------------------------------
    def open_kb(self, kb: str, *, principal: Principal, by_id: bool = False) -> tuple[KnowledgeBaseInfo, KnowledgeBase]:
        """The one way to open a knowledge base: ``kb`` (a name or id; only an id when ``by_id``, as Bedrock
        does) if ``principal`` may use it, with its open handle.

        A knowledge base outside the principal's scope raises the same ``KnowledgeBaseNotFound``, word for
        word, as one that exists nowhere, so a scoped key learns nothing about what it may not see. The CLI,
        which acts for the owner of the home, passes ``ANONYMOUS``.

        >>> info, handle = services.open_kb("handbook", principal=principal)
        """
        if by_id:
            try:
                info: KnowledgeBaseInfo | None = self.home.get(kb, visible=principal.allows)
            except KnowledgeBaseNotFound:
                info = None
            if info is None or info.id != kb:
                raise KnowledgeBaseNotFound(f"knowledge base {kb} does not exist")
        else:
            info = self.home.get(kb, visible=principal.allows)
        with self._lock:
            handle = self._open.get(info.id)
            if handle is None:
                handle = self._open[info.id] = open_knowledge_base(
                    self.home, info, self.embedder, query_embedder=self.query_embedder,
                    keyword_index=self.settings.keyword_index,
                )  # fmt: skip
        return info, handle

    def open_data_source(
        self, kb: str, data_source_id: str, *, principal: Principal
    ) -> tuple[KnowledgeBaseInfo, KnowledgeBase, DataSource]:
        """The knowledge base (as :meth:`open_kb`) and its data source; 404 errors when either does not exist."""
        info, handle = self.open_kb(kb, principal=principal)
        return info, handle, self.data_source(handle, data_source_id)

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
        self.tags.forget(info.id)
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
