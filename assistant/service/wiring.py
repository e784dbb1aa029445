"""The stores and models of one data directory, each opened on first use, and the rules every
use case applies before it starts (a valid project name, a project that exists, one with
documents)."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from assistant.config import Settings
from assistant.domain.errors import InvalidInputError, NoDocumentsError, UnknownProjectError
from assistant.domain.period import PeriodChoice, ReportPeriod
from assistant.domain.record import PROJECT_NAME_PATTERN
from assistant.embeddings import Embedder, configured_model_id, embedder_from_settings
from assistant.facts import RecordSnapshot
from assistant.llm import LanguageModel, language_model_from_settings
from assistant.retrieval import KeywordIndexes, Retriever
from assistant.review.checks import CheckContext
from assistant.store.access import AccessStore
from assistant.store.conversations import ConversationStore
from assistant.store.db import open_engine
from assistant.store.documents import DocumentStore
from assistant.store.drafts import DraftStore
from assistant.store.erasures import PendingErasures
from assistant.store.leases import LeaseStore
from assistant.store.locks import ProjectLocks
from assistant.store.risks import RiskRegister
from assistant.store.runs import RunStore
from assistant.store.sources import SourceStore
from assistant.store.vectors import VectorStore
from assistant.tokens import TokenCounter


class Configured:
    """Marker: use the language model the settings configure."""


class Wiring:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        language_model: LanguageModel | type[Configured] | None = Configured,
    ) -> None:
        """`embedder` and `language_model` replace the configured ones (tests pass the session's
        MiniLM, a fake model, or None for the offline writer)."""
        self.settings = settings
        self._embedder = embedder
        self.vectors = VectorStore(settings)
        self._contexts: dict[tuple[str, int], CheckContext] = {}
        if language_model is not Configured:
            self.__dict__["language_model"] = language_model

    @cached_property
    def documents(self) -> DocumentStore:
        return DocumentStore(open_engine(self.settings.sqlalchemy_url))

    @cached_property
    def token_counter(self) -> TokenCounter:
        return TokenCounter(
            self.settings.tokenizer,
            self.settings.tiktoken_cache_dir,
            notice_marker=self.settings.home / ".tokenizer-notice",
        )

    @cached_property
    def keyword_indexes(self) -> KeywordIndexes:
        return KeywordIndexes(self.documents, self.settings.keyword_index_path)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(
            self.documents,
            self.keyword_indexes,
            lambda project: self.vectors.project_index(project, self.model_id, create=False),
            self.embedder,
        )

    @cached_property
    def conversations(self) -> ConversationStore:
        return ConversationStore(self.documents.engine)

    @cached_property
    def drafts(self) -> DraftStore:
        return DraftStore(self.documents.engine)

    @cached_property
    def risk_register(self) -> RiskRegister:
        return RiskRegister(self.documents.engine)

    @cached_property
    def sources(self) -> SourceStore:
        return SourceStore(self.documents.engine)

    @cached_property
    def runs(self) -> RunStore:
        return RunStore(self.documents.engine)

    @cached_property
    def leases(self) -> LeaseStore:
        return LeaseStore(self.documents.engine)

    @cached_property
    def access(self) -> AccessStore:
        return AccessStore(self.documents.engine)

    @cached_property
    def locks(self) -> ProjectLocks:
        return ProjectLocks(
            self.settings.locks_path, self.settings.lock_wait_seconds, self.documents.engine
        )

    @cached_property
    def sync_locks(self) -> ProjectLocks:
        """One sync per project at a time; held around the ingest, which takes `locks`."""
        return ProjectLocks(
            self.settings.locks_path / "sync",
            self.settings.lock_wait_seconds,
            self.documents.engine,
        )

    @cached_property
    def pending_erasures(self) -> PendingErasures:
        return PendingErasures(self.settings.locks_path)

    @cached_property
    def language_model(self) -> LanguageModel | None:
        return language_model_from_settings(self.settings, self.token_counter)

    @property
    def model_id(self) -> str:
        return self._embedder.model_id if self._embedder else configured_model_id(self.settings)

    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = embedder_from_settings(self.settings)
        return self._embedder

    def open(self) -> None:
        """Open the relational store and the vector index at once (both are otherwise opened
        on first use, which two threads starting together could race)."""
        _ = self.documents.engine
        _ = self.access
        self.vectors.open()

    # The rules every use case applies first ----------------------------------------------

    def require_project(self, project: str) -> None:
        validate_project_name(project)
        if self.documents.project_model(project) is None:
            raise UnknownProjectError(project, self.documents.project_names())

    def require_documents(self, project: str) -> None:
        self.require_project(project)
        if self.documents.chunk_count(project) == 0:
            raise NoDocumentsError(project)

    def period(self, project: str, period: PeriodChoice | ReportPeriod | None) -> ReportPeriod:
        """The period asked for; by default the last complete week of the project's record."""
        if isinstance(period, ReportPeriod):
            return period
        choice = period or PeriodChoice()
        self.require_project(project)
        return choice.resolve(dt.date.today(), self.documents.latest_document_date(project))

    def record(self, project: str) -> RecordSnapshot:
        return RecordSnapshot.load(self.documents, project)

    def check_context(self, record: RecordSnapshot) -> CheckContext:
        """What drafts are checked against, built once per state of the project's record (every
        change to its chunks moves the project's generation)."""
        key = (record.project, self.documents.project_generation(record.project))
        if key not in self._contexts:
            self._contexts.clear()
            self._contexts[key] = CheckContext.of(record)
        return self._contexts[key]


def validate_project_name(project: str) -> None:
    if not PROJECT_NAME_PATTERN.match(project or ""):
        raise InvalidInputError(
            f"Invalid project name {project!r}: use 1-63 letters, digits, '-' or '_', starting "
            "with a letter or digit.",
            field="project",
        )
