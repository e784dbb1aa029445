"""What the suites need of pmassist: a data directory with the fixture projects in it, driven
through the same use cases a PM uses. The service provides it (`pmassist eval`), so the evals
measure the product as shipped and never reach past it."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from assistant.domain.answer import Answer
from assistant.domain.drafts import DraftChecks
from assistant.domain.ingest import IngestSummary
from assistant.domain.period import ReportPeriod
from assistant.domain.report import StatusReport
from assistant.domain.risk import RiskEntry, RiskSuggestionRun
from assistant.review.checks import CheckContext


class Workspace(Protocol):
    @property
    def writer(self) -> str:
        """'offline', or the model that writes, e.g. 'openai:gpt-4o-mini'."""
        ...

    def ingest(self, record: Path, project: str) -> IngestSummary: ...

    def draft_report(self, project: str, period: ReportPeriod) -> tuple[int, StatusReport]: ...

    def draft_checks(self, draft_id: int) -> DraftChecks | None: ...

    def suggest_risks(
        self, project: str, period: ReportPeriod
    ) -> tuple[int, RiskSuggestionRun]: ...

    def risks(self, project: str) -> list[RiskEntry]: ...

    def ask(self, question: str, project: str) -> Answer: ...

    def check_context(self, project: str) -> CheckContext:
        """What drafts are checked against: the record's entities and people."""
        ...

    def document_chunks(self, project: str, document_id: str) -> list[str]:
        """The texts of a document's chunks (none when it is not in the record)."""
        ...

    def model_figures(self) -> dict[str, float]:
        """What the model did in this run: calls, time, tokens, schema validity, sentences kept
        and flagged, fallbacks (empty without a model)."""
        ...

    def scratch_copy(self, name: str) -> Workspace:
        """The same projects with a database of their own: an empty register, no drafts."""
        ...
