"""Drafts under review: their checks, versions and audit log; approval, rejection and edits.

A draft is saved checked. A PM approves it (one whose checks failed only with a recorded
reason), rejects it, or edits it into a new version that is checked again."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from assistant.domain.clock import utc_now
from assistant.domain.drafts import STATUS_REPORT, AuditEntry, DraftChecks, DraftSummary
from assistant.domain.errors import InvalidInputError
from assistant.domain.report import ReportLine, StatusReport
from assistant.domain.risk import RiskSuggestionRun
from assistant.review.approval import ensure_open, override_needed, status_decision, with_status
from assistant.review.checks import check_report
from assistant.review.erasure import report_quotes, report_without
from assistant.service.wiring import Wiring
from assistant.store.maintenance import purge_freed_pages
from assistant.text.citations import cited_ids, without_citation_marks

# The parts of a status report an edit keeps as they were (the statements are editable).
FIXED_IN_EDITS = (
    "project",
    "period",
    "overall_status",
    "metrics",
    "delta",
    "sources",
    "writer",
    "prompt",
    "input_tokens",
    "output_tokens",
    "warnings",
)


@dataclass
class DraftRedaction:
    """What `drafts redact` did: the versions it took the document out of, and the new
    version saved for approval (None when the latest version did not quote it)."""

    redacted: list[int] = field(default_factory=list)
    new_id: int | None = None
    checks: DraftChecks | None = None
    purged: bool = True  # False: the database was busy; the next write to the project purges


class DraftService:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring

    # Reading --------------------------------------------------------------------------------

    def summaries(self, project: str | None = None, kind: str | None = None) -> list[DraftSummary]:
        if project:
            self.wiring.require_project(project)
        return self.wiring.drafts.summaries(project, kind)

    def get(self, draft_id: int) -> DraftSummary:
        return self.wiring.drafts.get(draft_id)

    def checks(self, draft_id: int) -> DraftChecks | None:
        return self.wiring.drafts.checks(draft_id)

    def report(self, draft_id: int) -> StatusReport | None:
        """The draft's report (None for a risk suggestion run)."""
        return self.wiring.drafts.report(draft_id)

    def risk_run(self, draft_id: int) -> RiskSuggestionRun | None:
        """The draft's risk suggestion run (None for a report)."""
        return self.wiring.drafts.risk_run(draft_id)

    def body(self, draft_id: int) -> str:
        """The draft's body as stored (JSON)."""
        return self.wiring.drafts.body(draft_id)

    def versions(self, draft_id: int) -> list[DraftSummary]:
        return self.wiring.drafts.versions(draft_id)

    def audit(self, draft_id: int) -> list[AuditEntry]:
        return self.wiring.drafts.audit(draft_id)

    # Deciding -------------------------------------------------------------------------------

    def approve(
        self,
        draft_id: int,
        actor: str,
        override_reason: str | None = None,
        status: str | None = None,
        status_reason: str | None = None,
    ) -> DraftSummary:
        """Approve a checked draft. One whose checks failed is refused, with the reasons,
        unless the approver gives an override reason, which is recorded. One that carries a
        status challenge needs the PM's status: `status` "keep" (or the proposed colour) or
        another status, with `status_reason`; both go to the audit log. A changed status is
        saved as a new version, which is the one approved."""
        drafts = self.wiring.drafts
        draft = drafts.get(draft_id)
        ensure_open(draft)
        if not actor.strip():
            raise InvalidInputError("Say who approves.", field="actor")
        report = drafts.report(draft_id)
        decision = status_decision(report, status, status_reason)
        details = decision.audit_details(report.overall_status) if decision and report else {}
        if decision is not None and report is not None and not decision.kept:
            changed = with_status(report, decision)
            record = self.wiring.record(draft.project)
            draft_id = drafts.save_report(
                changed,
                check_report(changed, self.wiring.check_context(record), utc_now()),
                edited_from=draft,
                actor=actor.strip(),
                reason=f"status set to {decision.status} on approval: {decision.reason}",
                action="status set",
            )
            draft, report = drafts.get(draft_id), changed
        checks = drafts.checks(draft_id)
        if report is not None and checks is not None:
            # The record may have changed since the draft was saved (a re-ingest, a forget):
            # approve against the checks as they are now.
            record = self.wiring.record(draft.project)
            now = check_report(report, self.wiring.check_context(record), utc_now())
            if now.passed != checks.passed or now.failures() != checks.failures():
                drafts.update_checks(draft_id, now)
            checks = now
        recorded = override_needed(draft, checks, override_reason)
        return drafts.decide(draft_id, "approved", actor.strip(), None, recorded, details)

    def reject(self, draft_id: int, actor: str, reason: str) -> DraftSummary:
        draft = self.wiring.drafts.get(draft_id)
        ensure_open(draft)
        if not reason.strip():
            raise InvalidInputError(f"Give a reason to reject draft {draft_id}.", field="reason")
        if not actor.strip():
            raise InvalidInputError("Say who rejects.", field="actor")
        return self.wiring.drafts.decide(draft_id, "rejected", actor.strip(), reason.strip())

    # Editing --------------------------------------------------------------------------------

    def edit(
        self, draft_id: int, edited_json: str, actor: str, reason: str | None = None
    ) -> tuple[int, DraftChecks]:
        """Save an edited report (JSON, as the draft's body) as a new version of the draft,
        checked again; the draft it came from stays as it was (superseded, or decided)."""
        draft = self._editable(draft_id)
        try:
            edited = StatusReport.model_validate_json(edited_json)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'top level'}: {e['msg']}"
                for e in error.errors()[:5]
            )
            raise InvalidInputError(
                f"The edited report is not valid: {problems}.", field="report"
            ) from None
        return self._save_edit(draft, edited, actor, reason)

    def edit_summary(
        self, draft_id: int, summary: str, actor: str, reason: str | None = None
    ) -> tuple[int, DraftChecks]:
        """Save a rewritten executive summary as a new version: one statement per line, each
        citing its sources as [S1] (the marks a reader sees in the draft)."""
        draft = self._editable(draft_id)
        report = self.wiring.drafts.report(draft_id)
        assert report is not None
        lines = [
            ReportLine(text=without_citation_marks(raw), citations=cited_ids(raw))
            for raw in summary.splitlines()
            if raw.strip()
        ]
        edited = report.model_copy(
            update={"executive_summary": lines, "needs_checking": [], "summary_note": None}
        )
        return self._save_edit(draft, edited, actor, reason)

    # Erasure --------------------------------------------------------------------------------

    def redact(self, draft_id: int, document_id: str, actor: str) -> DraftRedaction:
        """Take an erased document out of a report draft: a new version without the statements
        citing it (checked again, for the PM to approve), and the same statements taken out of
        every earlier version that quotes it, approved ones included. The audit log keeps each
        step, with the hash of the body it replaced."""
        drafts = self.wiring.drafts
        draft = drafts.get(draft_id)
        if draft.kind != STATUS_REPORT:
            raise InvalidInputError(
                f"Draft {draft_id} is a risk suggestion run; it quotes no documents.",
                field="draft_id",
            )
        if not actor.strip():
            raise InvalidInputError("Say who redacts.", field="actor")
        chain = [(version, drafts.report(version.id)) for version in drafts.versions(draft_id)]
        quoting = [
            (version, report)
            for version, report in chain
            if report is not None and report_quotes(report, document_id)
        ]
        if not quoting:
            raise InvalidInputError(
                f"Draft {draft_id} does not quote {document_id} (nor do its other versions).",
                field="document",
            )
        reason = f"document {document_id} was erased"
        result = DraftRedaction(redacted=[version.id for version, _ in quoting])
        latest, latest_report = chain[-1]
        if latest_report is not None and report_quotes(latest_report, document_id):
            new_version, _ = report_without(latest_report, document_id)
            new_version.created_at = utc_now()
            record = self.wiring.record(draft.project)
            result.checks = check_report(new_version, self.wiring.check_context(record), utc_now())
            result.new_id = drafts.save_report(
                new_version,
                result.checks,
                edited_from=latest,
                actor=actor.strip(),
                reason=reason,
                action="redacted",
            )
        for version, report in quoting:
            redacted, removed = report_without(report, document_id)
            drafts.redact(
                version.id,
                redacted,
                actor.strip(),
                {"document": document_id, "statements_removed": removed},
            )
        # The replaced bodies must not stay in the database's files either.
        result.purged = purge_freed_pages(self.wiring.documents.engine)
        if not result.purged:
            self.wiring.pending_erasures.add(draft.project, document_id)
        return result

    def _editable(self, draft_id: int) -> DraftSummary:
        draft = self.wiring.drafts.get(draft_id)
        if draft.kind != STATUS_REPORT:
            raise InvalidInputError(
                f"Draft {draft_id} is a risk suggestion run; its proposals are reviewed one by "
                "one in the risk register.",
                field="draft_id",
            )
        if draft.status == "superseded":
            ensure_open(draft)
        return draft

    def _save_edit(
        self, draft: DraftSummary, edited: StatusReport, actor: str, reason: str | None
    ) -> tuple[int, DraftChecks]:
        parent = self.wiring.drafts.report(draft.id)
        assert parent is not None
        # An edit rewords the report's statements; what code computed or recorded stays.
        fixed = [name for name in FIXED_IN_EDITS if getattr(edited, name) != getattr(parent, name)]
        if set(edited.sections) != set(parent.sections):
            fixed.append("the sections it has")
        if fixed:
            raise InvalidInputError(
                f"An edit cannot change {', '.join(fixed)}: they come from the record and the "
                "rules. Draft the report again if the record changed.",
                field="report",
            )
        edited.created_at = utc_now()
        record = self.wiring.record(draft.project)
        checks = check_report(edited, self.wiring.check_context(record), utc_now())
        new_id = self.wiring.drafts.save_report(
            edited, checks, edited_from=draft, actor=actor.strip() or "unknown", reason=reason
        )
        return new_id, checks
