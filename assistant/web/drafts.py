"""Pages for status reports and drafts: the list, drafting, the draft with its checks, and the
PM's decisions (approve, override, reject, edit the summary)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from assistant.domain.access import Principal
from assistant.domain.errors import PmassistError
from assistant.domain.period import PeriodChoice
from assistant.http.caller import DraftId, require_form_csrf
from assistant.service import Assistant
from assistant.service.reports import ShownSection
from assistant.web.common import (
    assistant_of,
    back,
    default_week,
    guard,
    page,
    page_message,
    project_changer,
    who,
)

router = APIRouter(include_in_schema=False)


@router.get("/p/{project}/reports", response_class=HTMLResponse)
@guard
def reports_page(request: Request, project: str) -> Response:
    principal = who(request)
    assistant = assistant_of(request)
    assistant.access.project(principal, project)
    return page(
        request,
        "reports.html",
        principal,
        project=project,
        drafts=assistant.drafts.summaries(project),
        default_week=default_week(assistant, project),
        message=request.query_params.get("message"),
    )


@router.post("/p/{project}/reports")
@guard
def draft_report(
    request: Request,
    project: str,
    week: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _, assistant = project_changer(request, project, csrf)
    try:
        draft_id, _ = assistant.reports.draft(project, PeriodChoice(week=week.strip() or None))
    except PmassistError as error:
        return back(f"/p/{project}/reports", page_message(error))
    return back(f"/drafts/{draft_id}")


@router.get("/drafts/{draft_id}", response_class=HTMLResponse)
@guard
def draft_page(request: Request, draft_id: DraftId) -> Response:
    principal = who(request)
    assistant = assistant_of(request)
    project = assistant.access.draft_project(principal, draft_id)
    draft = assistant.drafts.get(draft_id)
    report = assistant.drafts.report(draft_id)
    run = assistant.drafts.risk_run(draft_id) if report is None else None
    title = (
        f"status report {report.period.label}"
        if report
        else f"risk suggestions {draft.period_label}"
    )
    sections: list[ShownSection] = []
    if report:
        sections.append(ShownSection("Executive summary", list(report.executive_summary), ""))
        if report.needs_checking:
            sections.append(
                ShownSection("Needs checking (not shown as fact)", list(report.needs_checking), "")
            )
        sections += assistant.reports.shown_sections(report)
    return page(
        request,
        "draft.html",
        principal,
        project=project,
        draft=draft,
        title=title,
        report=report,
        run=run,
        sections=sections,
        heatmap=assistant.reports.heat_map(report) if report else "",
        formats=assistant.reports.formats(),
        checks=assistant.drafts.checks(draft_id),
        versions=assistant.drafts.versions(draft_id),
        audit=assistant.drafts.audit(draft_id),
        message=request.query_params.get("message"),
    )


def _decider(request: Request, draft_id: int, csrf: str) -> tuple[Principal, Assistant]:
    principal = who(request)
    require_form_csrf(request, csrf)
    assistant = assistant_of(request)
    assistant.access.draft_project(principal, draft_id, change=True)
    return principal, assistant


@router.post("/drafts/{draft_id}/approve")
@guard
def approve(
    request: Request,
    draft_id: DraftId,
    override_reason: Annotated[str | None, Form()] = None,
    status: Annotated[str | None, Form()] = None,
    status_reason: Annotated[str | None, Form()] = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    principal, assistant = _decider(request, draft_id, csrf)
    try:
        decided = assistant.drafts.approve(
            draft_id, principal.name, override_reason or None, status or None, status_reason
        )
    except PmassistError as error:
        return back(f"/drafts/{draft_id}", page_message(error))
    return back(f"/drafts/{decided.id}", "Approved.")


@router.post("/drafts/{draft_id}/reject")
@guard
def reject(
    request: Request,
    draft_id: DraftId,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    principal, assistant = _decider(request, draft_id, csrf)
    try:
        assistant.drafts.reject(draft_id, principal.name, reason)
    except PmassistError as error:
        return back(f"/drafts/{draft_id}", page_message(error))
    return back(f"/drafts/{draft_id}", "Rejected.")


@router.post("/drafts/{draft_id}/edit")
@guard
def edit(
    request: Request,
    draft_id: DraftId,
    summary: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The PM rewrites the executive summary: one line per statement, citations as [S#]."""
    principal, assistant = _decider(request, draft_id, csrf)
    try:
        new_id, checks = assistant.drafts.edit_summary(
            draft_id, summary, principal.name, reason or None
        )
    except PmassistError as error:
        return back(f"/drafts/{draft_id}", page_message(error))
    verdict = "it passed its checks" if checks.passed else "its checks FAILED"
    return back(f"/drafts/{new_id}", f"Saved as a new version; {verdict}.")
