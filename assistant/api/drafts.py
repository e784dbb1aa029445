"""Routes for status reports and drafts: draft, read, checks, edit, approve, reject, export."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from assistant.domain.period import PeriodChoice
from assistant.http.caller import (
    ChangeableProject,
    CurrentPrincipal,
    DraftId,
    ReadableProject,
    Service,
)
from assistant.service import Assistant

router = APIRouter(prefix="/api", tags=["drafts"])


class ReportIn(BaseModel):
    week: str | None = Field(default=None, description="ISO week, e.g. 2026-W46.")
    start: str | None = Field(default=None, alias="from", description="First day, YYYY-MM-DD.")
    end: str | None = Field(default=None, alias="to", description="Last day, YYYY-MM-DD.")


class ApproveIn(BaseModel):
    override_reason: str | None = Field(
        default=None, max_length=2000, description="Needed only when the checks failed."
    )
    status: str | None = Field(
        default=None,
        max_length=20,
        description="Needed when the draft carries a status challenge: 'keep', or the status "
        "to set (green, amber, red, not_assessed). A changed status is a new version.",
    )
    status_reason: str | None = Field(
        default=None, max_length=2000, description="Why the status is kept or changed."
    )


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


def summary_out(assistant: Assistant, draft_id: int) -> dict[str, Any]:
    draft = assistant.drafts.get(draft_id)
    checks = assistant.drafts.checks(draft_id)
    out = dataclasses.asdict(draft)
    out["checks"] = checks.model_dump(mode="json") if checks else None
    return out


@router.post("/projects/{project}/reports", status_code=201)
def draft_report(
    project: ChangeableProject, assistant: Service, body: ReportIn | None = None
) -> dict[str, Any]:
    """Draft the status report for a week or a date range (default: the last complete week)."""
    body = body or ReportIn()
    draft_id, report = assistant.reports.draft(
        project, PeriodChoice(body.week, body.start, body.end)
    )
    return summary_out(assistant, draft_id) | {"report": report.model_dump(mode="json")}


@router.get("/projects/{project}/drafts")
def list_drafts(
    project: ReadableProject,
    assistant: Service,
    kind: Literal["status_report", "risk_suggestions"] | None = None,
) -> list[dict[str, Any]]:
    return [dataclasses.asdict(d) for d in assistant.drafts.summaries(project, kind)]


@router.get("/drafts/{draft_id}")
def get_draft(draft_id: DraftId, principal: CurrentPrincipal, assistant: Service) -> dict[str, Any]:
    """A draft with its body (report or risk run) and its check results."""
    assistant.access.draft_project(principal, draft_id)
    out = summary_out(assistant, draft_id)
    report = assistant.drafts.report(draft_id)
    run = assistant.drafts.risk_run(draft_id) if report is None else None
    out["report"] = report.model_dump(mode="json") if report else None
    out["risk_run"] = run.model_dump(mode="json") if run else None
    return out


@router.get("/drafts/{draft_id}/checks")
def get_checks(
    draft_id: DraftId, principal: CurrentPrincipal, assistant: Service
) -> dict[str, Any]:
    assistant.access.draft_project(principal, draft_id)
    checks = assistant.drafts.checks(draft_id)
    if checks is None:
        raise HTTPException(404, f"Draft {draft_id} has no check results.")
    return checks.model_dump(mode="json")


@router.get("/drafts/{draft_id}/versions")
def get_versions(
    draft_id: DraftId, principal: CurrentPrincipal, assistant: Service
) -> list[dict[str, Any]]:
    assistant.access.draft_project(principal, draft_id)
    return [dataclasses.asdict(v) for v in assistant.drafts.versions(draft_id)]


@router.get("/drafts/{draft_id}/audit")
def get_audit(
    draft_id: DraftId, principal: CurrentPrincipal, assistant: Service
) -> list[dict[str, Any]]:
    assistant.access.draft_project(principal, draft_id)
    return [dataclasses.asdict(a) for a in assistant.drafts.audit(draft_id)]


@router.get("/drafts/{draft_id}/export")
def export_draft(
    draft_id: DraftId,
    principal: CurrentPrincipal,
    assistant: Service,
    format: Annotated[str, Query(description="A report format: md, html or json.")] = "md",
) -> Response:
    """The report in one of the formats pmassist writes (`GET /api/formats` lists them)."""
    assistant.access.draft_project(principal, draft_id)
    rendered = assistant.reports.render(draft_id, format)
    headers: dict[str, str] = {}
    if rendered.disposition:
        headers["Content-Disposition"] = f'{rendered.disposition}; filename="{rendered.file_name}"'
    if rendered.content_security_policy:
        headers["Content-Security-Policy"] = rendered.content_security_policy
    return Response(rendered.text, media_type=rendered.media_type, headers=headers)


@router.get("/formats")
def formats(principal: CurrentPrincipal, assistant: Service) -> dict[str, list[str]]:
    """The formats a status report and the risk register are written out in."""
    return {
        "report": [f.name for f in assistant.reports.formats()],
        "register": assistant.risks.export_formats(),
    }


@router.put("/drafts/{draft_id}", status_code=201)
def edit_draft(
    draft_id: DraftId,
    principal: CurrentPrincipal,
    assistant: Service,
    report: Annotated[
        dict[str, Any], Body(description="The edited report, as GET /api/drafts/{id} gives it.")
    ],
    reason: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    """Save an edited report as a new version; it is checked again."""
    assistant.access.draft_project(principal, draft_id, change=True)
    new_id, _ = assistant.drafts.edit(draft_id, json.dumps(report), principal.name, reason)
    return summary_out(assistant, new_id)


@router.post("/drafts/{draft_id}/approve")
def approve(
    draft_id: DraftId,
    principal: CurrentPrincipal,
    assistant: Service,
    body: ApproveIn | None = None,
) -> dict[str, Any]:
    """Approve; a draft whose checks failed needs an override reason (409 lists the reasons),
    one with a status challenge the PM's status and its reason (400 with field "status")."""
    assistant.access.draft_project(principal, draft_id, change=True)
    body = body or ApproveIn()
    decided = assistant.drafts.approve(
        draft_id, principal.name, body.override_reason, body.status, body.status_reason
    )
    return summary_out(assistant, decided.id)


@router.post("/drafts/{draft_id}/reject")
def reject(
    draft_id: DraftId, body: RejectIn, principal: CurrentPrincipal, assistant: Service
) -> dict[str, Any]:
    assistant.access.draft_project(principal, draft_id, change=True)
    assistant.drafts.reject(draft_id, principal.name, body.reason)
    return summary_out(assistant, draft_id)
