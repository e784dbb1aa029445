"""Routes for status reports and drafts: draft, read, checks, edit, approve, reject, export."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from assistant.api.deps import (
    ChangeableProject,
    CurrentPrincipal,
    DraftId,
    ReadableProject,
    Service,
    draft_project,
)
from assistant.domain.access import Principal
from assistant.reports.rendering import render_html, render_json, render_markdown
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


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


def summary_out(assistant: Assistant, draft_id: int) -> dict[str, Any]:
    draft = assistant.draft(draft_id)
    checks = assistant.draft_checks(draft_id)
    out = dataclasses.asdict(draft)
    out["checks"] = checks.model_dump(mode="json") if checks else None
    return out


@router.post("/projects/{project}/reports", status_code=201)
def draft_report(
    project: ChangeableProject, assistant: Service, body: ReportIn | None = None
) -> dict[str, Any]:
    """Draft the status report for a week (default: the last complete week)."""
    body = body or ReportIn()
    period = assistant.report_period(project, body.week, body.start, body.end)
    draft_id, report = assistant.draft_report(project, period)
    return summary_out(assistant, draft_id) | {"report": report.model_dump(mode="json")}


@router.get("/projects/{project}/drafts")
def list_drafts(
    project: ReadableProject,
    assistant: Service,
    kind: Literal["status_report", "risk_suggestions"] | None = None,
) -> list[dict[str, Any]]:
    return [dataclasses.asdict(d) for d in assistant.list_drafts(project, kind)]


def _readable(assistant: Assistant, principal: Principal, draft_id: int) -> str:
    return draft_project(assistant, principal, draft_id)


def _changeable(assistant: Assistant, principal: Principal, draft_id: int) -> str:
    project = draft_project(assistant, principal, draft_id)
    if not principal.can_change(project):
        raise HTTPException(403, f"A {principal.role} token cannot decide on drafts.")
    return project


@router.get("/drafts/{draft_id}")
def get_draft(draft_id: DraftId, principal: CurrentPrincipal, assistant: Service) -> dict[str, Any]:
    """A draft with its body (report or risk run) and its check results."""
    _readable(assistant, principal, draft_id)
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
    _readable(assistant, principal, draft_id)
    checks = assistant.draft_checks(draft_id)
    if checks is None:
        raise HTTPException(404, f"Draft {draft_id} has no check results.")
    return checks.model_dump(mode="json")


@router.get("/drafts/{draft_id}/versions")
def get_versions(
    draft_id: DraftId, principal: CurrentPrincipal, assistant: Service
) -> list[dict[str, Any]]:
    _readable(assistant, principal, draft_id)
    return [dataclasses.asdict(v) for v in assistant.drafts.versions(draft_id)]


@router.get("/drafts/{draft_id}/audit")
def get_audit(
    draft_id: DraftId, principal: CurrentPrincipal, assistant: Service
) -> list[dict[str, Any]]:
    _readable(assistant, principal, draft_id)
    return [dataclasses.asdict(a) for a in assistant.drafts.audit(draft_id)]


@router.get("/drafts/{draft_id}/export")
def export_draft(
    draft_id: DraftId,
    principal: CurrentPrincipal,
    assistant: Service,
    format: Literal["md", "html", "json"] = Query("md"),
) -> Response:
    _readable(assistant, principal, draft_id)
    report = assistant.drafts.report(draft_id)
    if report is None:
        raise HTTPException(404, f"Draft {draft_id} is not a status report.")
    checks = assistant.draft_checks(draft_id)
    name = f"{report.project}-{report.period.label}-draft{draft_id}"
    if format == "json":
        return Response(render_json(report), media_type="application/json")
    if format == "html":
        # The page carries its own inline CSS: allow that, and nothing else.
        return Response(
            render_html(report, checks),
            media_type="text/html",
            headers={
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                "img-src data:",
                "Content-Disposition": f'inline; filename="{name}.html"',
            },
        )
    return Response(
        render_markdown(report, checks),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.md"'},
    )


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
    _changeable(assistant, principal, draft_id)
    new_id, _ = assistant.edit_report_draft(draft_id, json.dumps(report), principal.name, reason)
    return summary_out(assistant, new_id)


@router.post("/drafts/{draft_id}/approve")
def approve(
    draft_id: DraftId,
    principal: CurrentPrincipal,
    assistant: Service,
    body: ApproveIn | None = None,
) -> dict[str, Any]:
    """Approve; a draft whose checks failed needs an override reason (409 lists the reasons)."""
    _changeable(assistant, principal, draft_id)
    assistant.approve_draft(draft_id, principal.name, (body or ApproveIn()).override_reason)
    return summary_out(assistant, draft_id)


@router.post("/drafts/{draft_id}/reject")
def reject(
    draft_id: DraftId, body: RejectIn, principal: CurrentPrincipal, assistant: Service
) -> dict[str, Any]:
    _changeable(assistant, principal, draft_id)
    assistant.reject_draft(draft_id, principal.name, body.reason)
    return summary_out(assistant, draft_id)
