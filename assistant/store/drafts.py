"""Saved drafts (status reports, risk suggestion runs): versions, check results, decisions and
the append-only audit log, each change written in one transaction.

A draft is saved `checked` (its check results with it). A PM approves or rejects it; an edit
saves a new version and marks the one it came from `superseded`. Approved and rejected drafts
never change (enforced by triggers on SQLite); neither does the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import desc, select, update
from sqlalchemy.engine import Connection, Engine

from assistant.domain.clock import utc_now
from assistant.domain.drafts import (
    OPEN_STATUSES,
    RISK_SUGGESTIONS,
    STATUS_REPORT,
    AuditEntry,
    DraftChecks,
    DraftSummary,
)
from assistant.domain.errors import InvalidInputError, UnknownDraftError
from assistant.domain.report import StatusReport
from assistant.domain.risk import RiskSuggestionRun
from assistant.store.db import draft_audit, drafts, names_document

_SUMMARY_COLUMNS = (
    drafts.c.id,
    drafts.c.project,
    drafts.c.kind,
    drafts.c.period_label,
    drafts.c.status,
    drafts.c.overall_status,
    drafts.c.writer,
    drafts.c.created_at,
    drafts.c.version,
    drafts.c.parent_id,
    drafts.c.checks_passed,
    drafts.c.decided_by,
    drafts.c.decided_at,
    drafts.c.decision_reason,
    drafts.c.override_reason,
    drafts.c.body_hash,
)


def _summary(row: Any) -> DraftSummary:
    values = dict(row._mapping)
    if values["checks_passed"] is not None:
        values["checks_passed"] = bool(values["checks_passed"])
    return DraftSummary(**values)


class DraftStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # Saving -------------------------------------------------------------------------------

    def save_report(
        self,
        report: StatusReport,
        checks: DraftChecks,
        connection: Connection | None = None,
        *,
        edited_from: DraftSummary | None = None,
        actor: str = "pmassist",
        reason: str | None = None,
        action: str = "edited",
    ) -> int:
        """Save a report as `checked` with its checks; as a new version of `edited_from` when
        given (which is then superseded, unless it was already decided), made by `action`."""
        if connection is None:
            with self.engine.begin() as own:
                return self.save_report(
                    report,
                    checks,
                    own,
                    edited_from=edited_from,
                    actor=actor,
                    reason=reason,
                    action=action,
                )
        if edited_from is not None:
            newer = connection.scalar(
                select(drafts.c.id).where(drafts.c.parent_id == edited_from.id).limit(1)
            )
            if newer is not None:
                raise InvalidInputError(
                    f"Draft {edited_from.id} was already edited into draft {newer}; edit the "
                    "latest version."
                )
        draft_id = _insert(
            connection,
            STATUS_REPORT,
            report.period.label,
            (report.period.start, report.period.end),
            report.overall_status,
            report.model_dump_json(),
            report,
            checks,
            edited_from,
        )
        if edited_from is not None:
            connection.execute(
                update(drafts)
                .where(drafts.c.id == edited_from.id, drafts.c.status.in_(OPEN_STATUSES))
                .values(status="superseded")
            )
            _audit(connection, edited_from, actor, action, {"new_version_id": draft_id}, reason)
        saved = _get(connection, draft_id)
        _audit(
            connection,
            saved,
            actor,
            "saved",
            {
                "kind": saved.kind,
                "writer": saved.writer,
                "edited_from": edited_from.id if edited_from else None,
            },
            reason,
        )
        _audit(connection, saved, "pmassist", "checked", _check_details(checks), None)
        return draft_id

    def save_risk_suggestions(
        self, run: RiskSuggestionRun, checks: DraftChecks, connection: Connection | None = None
    ) -> int:
        """A suggestion run is kept as a draft beside the reports: what was proposed, linked,
        dropped (with reasons) and held back, by which writer and prompt. Written in the
        caller's transaction when it passes its connection (with the register's changes)."""
        if connection is None:
            with self.engine.begin() as own:
                return self.save_risk_suggestions(run, checks, own)
        draft_id = _insert(
            connection,
            RISK_SUGGESTIONS,
            run.period_label,
            (run.period_start, run.period_end),
            None,
            run.model_dump_json(),
            run,
            checks,
            None,
        )
        saved = _get(connection, draft_id)
        _audit(
            connection, saved, "pmassist", "saved", {"kind": saved.kind, "writer": run.writer}, None
        )
        _audit(connection, saved, "pmassist", "checked", _check_details(checks), None)
        return draft_id

    def decide(
        self,
        draft_id: int,
        status: str,
        actor: str,
        reason: str | None,
        override_reason: str | None = None,
        decision_details: dict[str, str] | None = None,
    ) -> DraftSummary:
        """Approve or reject a draft; records who, when, which version and why (and the PM's
        status decision, when one was made)."""
        now = utc_now()
        with self.engine.begin() as connection:
            draft = _get(connection, draft_id)
            # Only an open draft changes: a decision or an edit that got there first wins.
            changed = connection.execute(
                update(drafts)
                .where(drafts.c.id == draft_id, drafts.c.status.in_(OPEN_STATUSES))
                .values(
                    status=status,
                    decided_by=actor,
                    decided_at=now,
                    decision_reason=reason,
                    override_reason=override_reason,
                )
            ).rowcount
            if not changed:
                raise InvalidInputError(
                    f"Draft {draft_id} is {draft.status}; it was decided or edited meanwhile."
                )
            details: dict[str, Any] = {"checks_passed": draft.checks_passed}
            if override_reason:
                details["override"] = override_reason
            details |= decision_details or {}
            _audit(connection, draft, actor, status, details, reason or override_reason)
            return _get(connection, draft_id)

    def update_checks(self, draft_id: int, checks: DraftChecks) -> None:
        """New check results for an open draft (the record changed since it was saved)."""
        with self.engine.begin() as connection:
            draft = _get(connection, draft_id)
            connection.execute(
                update(drafts)
                .where(drafts.c.id == draft_id, drafts.c.status.in_(OPEN_STATUSES))
                .values(checks_json=checks.model_dump_json(), checks_passed=int(checks.passed))
            )
            _audit(connection, draft, "pmassist", "checked", _check_details(checks), None)

    # Reading ------------------------------------------------------------------------------

    def get(self, draft_id: int) -> DraftSummary:
        with self.engine.connect() as connection:
            return _get(connection, draft_id)

    def body(self, draft_id: int) -> str:
        with self.engine.connect() as connection:
            body = connection.scalar(select(drafts.c.body_json).where(drafts.c.id == draft_id))
        if body is None:
            raise UnknownDraftError(draft_id)
        return str(body)

    def report(self, draft_id: int) -> StatusReport | None:
        with self.engine.connect() as connection:
            body = connection.scalar(
                select(drafts.c.body_json).where(
                    drafts.c.id == draft_id, drafts.c.kind == STATUS_REPORT
                )
            )
        return StatusReport.model_validate_json(body) if body else None

    def risk_run(self, draft_id: int) -> RiskSuggestionRun | None:
        with self.engine.connect() as connection:
            body = connection.scalar(
                select(drafts.c.body_json).where(
                    drafts.c.id == draft_id, drafts.c.kind == RISK_SUGGESTIONS
                )
            )
        return RiskSuggestionRun.model_validate_json(body) if body else None

    def checks(self, draft_id: int) -> DraftChecks | None:
        with self.engine.connect() as connection:
            body = connection.scalar(select(drafts.c.checks_json).where(drafts.c.id == draft_id))
        return DraftChecks.model_validate_json(body) if body else None

    def previous_report(self, project: str, before: object) -> StatusReport | None:
        """The newest report of the project whose period ended before `before` (the latest
        version; rejected and superseded drafts do not count)."""
        with self.engine.connect() as connection:
            body = connection.scalar(
                select(drafts.c.body_json)
                .where(
                    drafts.c.project == project,
                    drafts.c.kind == STATUS_REPORT,
                    drafts.c.period_end < before,
                    drafts.c.status.not_in(("rejected", "superseded")),
                )
                .order_by(desc(drafts.c.period_end), desc(drafts.c.id))
                .limit(1)
            )
        return StatusReport.model_validate_json(body) if body else None

    def summaries(self, project: str | None = None, kind: str | None = None) -> list[DraftSummary]:
        query = select(*_SUMMARY_COLUMNS).order_by(desc(drafts.c.id))
        if project:
            query = query.where(drafts.c.project == project)
        if kind:
            query = query.where(drafts.c.kind == kind)
        with self.engine.connect() as connection:
            return [_summary(row) for row in connection.execute(query)]

    def reports_quoting(self, project: str, document_id: str) -> list[int]:
        """Report drafts (every version) with a source in this document, oldest first."""
        needle = names_document(document_id)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(drafts.c.id, drafts.c.body_json)
                .where(
                    drafts.c.project == project,
                    drafts.c.kind == STATUS_REPORT,
                    drafts.c.body_json.contains(needle),
                )
                .order_by(drafts.c.id)
            ).all()
        return [
            draft_id
            for draft_id, body in rows
            if any(
                s.document_id == document_id for s in StatusReport.model_validate_json(body).sources
            )
        ]

    def redact(
        self, draft_id: int, redacted: StatusReport, actor: str, details: dict[str, Any]
    ) -> None:
        """Replace a draft's body with its redacted form, whatever its status (an erasure
        reaches approved drafts too); the audit log keeps the hash of the body it replaced."""
        body_json = redacted.model_dump_json()
        with self.engine.begin() as connection:
            before = _get(connection, draft_id)
            connection.execute(
                update(drafts)
                .where(drafts.c.id == draft_id)
                .values(
                    body_json=body_json,
                    body_hash=body_hash(body_json),
                    redactions=drafts.c.redactions + 1,
                )
            )
            _audit(
                connection,
                before,
                actor,
                "redacted",
                {**details, "body_hash_after": body_hash(body_json)},
                f"document {details['document']} was erased",
            )

    def versions(self, draft_id: int) -> list[DraftSummary]:
        """Every version of the draft's lineage, oldest first."""
        with self.engine.connect() as connection:
            root = _get(connection, draft_id)
            while root.parent_id is not None:
                root = _get(connection, root.parent_id)
            found = [root]
            frontier = [root.id]
            while frontier:
                rows = connection.execute(
                    select(*_SUMMARY_COLUMNS).where(drafts.c.parent_id.in_(frontier))
                )
                children = [_summary(row) for row in rows]
                found += children
                frontier = [child.id for child in children]
        return sorted(found, key=lambda d: (d.version, d.id))

    def audit(self, draft_id: int) -> list[AuditEntry]:
        """The audit log of the whole lineage, oldest first."""
        ids = [d.id for d in self.versions(draft_id)]
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(draft_audit)
                .where(draft_audit.c.draft_id.in_(ids))
                .order_by(draft_audit.c.id)
            )
            return [
                AuditEntry(
                    draft_id=row.draft_id,
                    at=row.at,
                    actor=row.actor,
                    action=row.action,
                    version=row.version,
                    body_hash=row.body_hash,
                    details=json.loads(row.details_json),
                    reason=row.reason,
                )
                for row in rows
            ]


def body_hash(body_json: str) -> str:
    return hashlib.sha256(body_json.encode("utf-8")).hexdigest()


# The largest id an INTEGER column holds on PostgreSQL: a larger one names no draft, rather than
# failing the query ("integer out of range") the way it does there.
_LARGEST_ID = 2**31 - 1


def _get(connection: Connection, draft_id: int) -> DraftSummary:
    if not 0 < draft_id <= _LARGEST_ID:
        raise UnknownDraftError(draft_id)
    row = connection.execute(select(*_SUMMARY_COLUMNS).where(drafts.c.id == draft_id)).first()
    if row is None:
        raise UnknownDraftError(draft_id)
    return _summary(row)


def _check_details(checks: DraftChecks) -> dict[str, Any]:
    return {"passed": checks.passed, "failed": [c.name for c in checks.failures()]}


def _audit(
    connection: Connection,
    draft: DraftSummary,
    actor: str,
    action: str,
    details: dict[str, Any],
    reason: str | None,
) -> None:
    connection.execute(
        draft_audit.insert().values(
            draft_id=draft.id,
            project=draft.project,
            at=utc_now(),
            actor=actor,
            action=action,
            version=draft.version,
            body_hash=draft.body_hash,
            details_json=json.dumps(details),
            reason=reason,
        )
    )


def _insert(
    connection: Connection,
    kind: str,
    period_label: str,
    period: tuple[dt.date, dt.date],
    overall_status: str | None,
    body_json: str,
    made: StatusReport | RiskSuggestionRun,
    checks: DraftChecks,
    edited_from: DraftSummary | None,
) -> int:
    """One draft row: the typed body as JSON, with the writer, prompt and tokens that made it,
    its checks, and the version it was edited from."""
    result = connection.execute(
        drafts.insert().values(
            project=made.project,
            kind=kind,
            period_label=period_label,
            period_start=period[0],
            period_end=period[1],
            status="checked",
            overall_status=overall_status,
            body_json=body_json,
            writer=made.writer,
            prompt_name=made.prompt.name if made.prompt else None,
            prompt_version=made.prompt.version if made.prompt else None,
            prompt_hash=made.prompt.hash if made.prompt else None,
            input_tokens=made.input_tokens,
            output_tokens=made.output_tokens,
            created_at=made.created_at,
            version=edited_from.version + 1 if edited_from else 1,
            parent_id=edited_from.id if edited_from else None,
            body_hash=body_hash(body_json),
            checks_json=checks.model_dump_json(),
            checks_passed=int(checks.passed),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
