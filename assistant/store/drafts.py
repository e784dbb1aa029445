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
            return _insert(
                connection,
                report.project,
                STATUS_REPORT,
                report.period.label,
                (report.period.start, report.period.end),
                report.overall_status,
                report.model_dump_json(),
                report,
            )

    def save_risk_suggestions(
        self, run: RiskSuggestionRun, connection: Connection | None = None
    ) -> int:
        """A suggestion run is kept as a draft beside the reports: what was proposed, linked,
        dropped (with reasons) and held back, by which writer and prompt. Written in the
        caller's transaction when it passes its connection (with the register's changes)."""
        if connection is None:
            with self.engine.begin() as own:
                return self.save_risk_suggestions(run, own)
        return _insert(
            connection,
            run.project,
            RISK_SUGGESTIONS,
            run.period_label,
            (run.period_start, run.period_end),
            None,
            run.model_dump_json(),
            run,
        )

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


def _insert(
    connection: Connection,
    project: str,
    kind: str,
    period_label: str,
    period: tuple[dt.date, dt.date],
    overall_status: str | None,
    body_json: str,
    made: StatusReport | RiskSuggestionRun,
) -> int:
    """One draft row: the typed body as JSON, with the writer, prompt and tokens that made it."""
    result = connection.execute(
        drafts.insert().values(
            project=project,
            kind=kind,
            period_label=period_label,
            period_start=period[0],
            period_end=period[1],
            status="draft",
            overall_status=overall_status,
            body_json=body_json,
            writer=made.writer,
            prompt_name=made.prompt.name if made.prompt else None,
            prompt_version=made.prompt.version if made.prompt else None,
            prompt_hash=made.prompt.hash if made.prompt else None,
            input_tokens=made.input_tokens,
            output_tokens=made.output_tokens,
            created_at=made.created_at,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
