"""The use cases of pmassist, one module each. The CLI, the API and the web pages call only
these; nothing here knows which of them is calling.

    records    ingest, erase, reindex, list, search, open a source
    uploads    add documents by upload, ingested in the background
    questions  answers with citations, follow-ups read with the earlier turns
    reports    draft the status report for a period; write it out in any registered format
    risks      suggest risks for review; the register
    drafts     checks, versions, audit; approve, reject, edit
    access     tokens, sessions, and the project scope of every request
    evals      the labelled fixtures through the use cases, gated by the thresholds
    sources    trackers a project syncs from (Jira Cloud, GitHub), and the sync
    schedule   what `serve` runs by itself (sync, weekly draft), its history, run now
    hooks      GitHub and Jira webhooks that start a sync (signature, secret, redeliveries)
    database   db upgrade, db check: migrations and the database's guard triggers
"""

from __future__ import annotations

from assistant.config import Settings
from assistant.embeddings import Embedder
from assistant.llm import LanguageModel
from assistant.llm.local_server import LocalModel, LocalModelServer
from assistant.service.access import AccessService
from assistant.service.database import DatabaseService
from assistant.service.drafts import DraftService
from assistant.service.evals import EvalService
from assistant.service.hooks import PushHooks
from assistant.service.questions import QuestionService
from assistant.service.records import RecordService
from assistant.service.reports import ReportService
from assistant.service.risks import RiskService
from assistant.service.schedule import ScheduleService
from assistant.service.sources import SourceService
from assistant.service.uploads import UploadService
from assistant.service.wiring import Configured, Wiring


class Assistant:
    """pmassist for one data directory: every use case, each opening what it needs on first
    use (nothing is loaded or opened when an Assistant is made)."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        language_model: LanguageModel | type[Configured] | None = Configured,
    ) -> None:
        """`embedder` and `language_model` as for `Wiring`."""
        self.wiring = Wiring(settings, embedder, language_model)
        self.records = RecordService(self.wiring)
        self.uploads = UploadService(
            self.records,
            settings.uploads_path,
            settings.upload_max_bytes,
            settings.upload_max_files,
        )
        self.questions = QuestionService(self.wiring)
        self.reports = ReportService(self.wiring)
        self.risks = RiskService(self.wiring)
        self.drafts = DraftService(self.wiring)
        self.access = AccessService(self.wiring)
        self.evals = EvalService(self.wiring)
        self.sources = SourceService(self.wiring, self.records)
        self.schedule = ScheduleService(self.wiring, self.sources, self.reports, self.risks)
        self.hooks = PushHooks(self.wiring, self.sources, self.schedule)
        self.database = DatabaseService(self.wiring)

    @property
    def settings(self) -> Settings:
        return self.wiring.settings

    def start_local_model(self) -> LocalModel:
        """Start llama.cpp with the configured local model (`pmassist llm serve`); it stops
        when the process ends."""
        return LocalModelServer(self.settings).start()

    def open(self) -> None:
        """Open the relational store and the vector index now (a server does it at start-up,
        so concurrent first requests never race to open them)."""
        self.wiring.open()

    @classmethod
    def from_environment(cls) -> Assistant:
        """The configured pmassist: settings from the environment and `.env`."""
        return cls(Settings())


__all__ = ["Assistant"]
