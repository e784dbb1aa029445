"""Saved drafts (status reports) in the relational store, each written in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import desc, select
from sqlalchemy.engine import Connection, Engine

from assistant.reports.schema import StatusReport
from assistant.risks.schema import RiskSuggestionRun
from assistant.store.db import drafts

STATUS_REPORT = "status_report"
RISK_SUGGESTIONS = "risk_suggestions"


@dataclass(frozen=True)
class DraftSummary:
    id: int
    project: str
    period_label: str
    status: str
    overall_status: str | None
    writer: str
    created_at: dt.datetime


class DraftStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save_report(self, report: StatusReport) -> int:
        with self.engine.begin() as connection:
            result = connection.execute(
                drafts.insert().values(
                    project=report.project,
                    kind=STATUS_REPORT,
                    period_label=report.period.label,
                    period_start=report.period.start,
                    period_end=report.period.end,
                    status="draft",
                    overall_status=report.overall_status,
                    body_json=report.model_dump_json(),
                    writer=report.writer,
                    prompt_name=report.prompt.name if report.prompt else None,
                    prompt_version=report.prompt.version if report.prompt else None,
                    prompt_hash=report.prompt.hash if report.prompt else None,
                    input_tokens=report.input_tokens,
                    output_tokens=report.output_tokens,
                    created_at=report.created_at,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def save_risk_suggestions(
        self, run: RiskSuggestionRun, connection: Connection | None = None
    ) -> int:
        """A suggestion run is kept as a draft beside the reports: what was proposed, linked,
        dropped (with reasons) and held back, by which writer and prompt. Written in the
        caller's transaction when it passes its connection (with the register's changes)."""
        if connection is None:
            with self.engine.begin() as own:
                return self.save_risk_suggestions(run, own)
        result = connection.execute(
            drafts.insert().values(
                project=run.project,
                kind=RISK_SUGGESTIONS,
                period_label=run.period_label,
                period_start=run.period_start,
                period_end=run.period_end,
                status="draft",
                overall_status=None,
                body_json=run.model_dump_json(),
                writer=run.writer,
                prompt_name=run.prompt.name if run.prompt else None,
                prompt_version=run.prompt.version if run.prompt else None,
                prompt_hash=run.prompt.hash if run.prompt else None,
                input_tokens=run.input_tokens,
                output_tokens=run.output_tokens,
                created_at=run.created_at,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def report(self, draft_id: int) -> StatusReport | None:
        with self.engine.connect() as connection:
            body = connection.scalar(
                select(drafts.c.body_json).where(
                    drafts.c.id == draft_id, drafts.c.kind == STATUS_REPORT
                )
            )
        return StatusReport.model_validate_json(body) if body else None

    def previous_report(self, project: str, before: object) -> StatusReport | None:
        """The newest report of the project whose period ended before `before`."""
        with self.engine.connect() as connection:
            body = connection.scalar(
                select(drafts.c.body_json)
                .where(
                    drafts.c.project == project,
                    drafts.c.kind == STATUS_REPORT,
                    drafts.c.period_end < before,
                )
                .order_by(desc(drafts.c.period_end), desc(drafts.c.id))
                .limit(1)
            )
        return StatusReport.model_validate_json(body) if body else None

    def list(self, project: str | None = None) -> list[DraftSummary]:
        query = select(
            drafts.c.id,
            drafts.c.project,
            drafts.c.period_label,
            drafts.c.status,
            drafts.c.overall_status,
            drafts.c.writer,
            drafts.c.created_at,
        ).order_by(desc(drafts.c.id))
        if project:
            query = query.where(drafts.c.project == project)
        with self.engine.connect() as connection:
            return [DraftSummary(*row) for row in connection.execute(query)]
