"""Pages for risks: the proposals to review (accept, reject with a reason, edit), the register
and its heat map, and a suggestion run for a week."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from assistant.domain.errors import PmassistError
from assistant.domain.period import PeriodChoice
from assistant.domain.risk import RESPONSES
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


@router.get("/p/{project}/risks", response_class=HTMLResponse)
@guard
def risks_page(request: Request, project: str) -> Response:
    principal = who(request)
    assistant = assistant_of(request)
    assistant.access.project(principal, project)
    entries = assistant.risks.entries(project)
    return page(
        request,
        "risks.html",
        principal,
        project=project,
        proposed=[e for e in entries if e.status == "proposed"],
        register=[e for e in entries if e.status != "proposed"],
        heatmap=assistant.risks.heat_map(project),
        responses=RESPONSES,
        default_week=default_week(assistant, project),
        message=request.query_params.get("message"),
    )


@router.post("/p/{project}/risks/suggest")
@guard
def suggest(
    request: Request,
    project: str,
    week: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _, assistant = project_changer(request, project, csrf)
    try:
        _, run = assistant.risks.suggest(project, PeriodChoice(week=week.strip() or None))
    except PmassistError as error:
        return back(f"/p/{project}/risks", page_message(error))
    new = sum(1 for o in run.outcomes if o.action in ("proposed", "reproposed"))
    return back(
        f"/p/{project}/risks",
        f"{len(run.signals)} signals in {run.period_label}: {new} new proposals, "
        f"{len(run.dropped)} dropped by the checks.",
    )


@router.post("/p/{project}/risks/{risk_id}/accept")
@guard
def accept_risk(
    request: Request, project: str, risk_id: str, csrf: Annotated[str, Form()] = ""
) -> Response:
    principal, assistant = project_changer(request, project, csrf)
    try:
        assistant.risks.accept(project, risk_id, principal.name)
    except PmassistError as error:
        return back(f"/p/{project}/risks", page_message(error))
    return back(f"/p/{project}/risks", f"{risk_id} accepted into the register.")


@router.post("/p/{project}/risks/{risk_id}/reject")
@guard
def reject_risk(
    request: Request,
    project: str,
    risk_id: str,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    principal, assistant = project_changer(request, project, csrf)
    try:
        assistant.risks.reject(project, risk_id, principal.name, reason)
    except PmassistError as error:
        return back(f"/p/{project}/risks", page_message(error))
    return back(f"/p/{project}/risks", f"{risk_id} rejected.")


@router.post("/p/{project}/risks/{risk_id}/edit")
@guard
def edit_risk(
    request: Request,
    project: str,
    risk_id: str,
    title: Annotated[str, Form()] = "",
    likelihood: Annotated[str, Form()] = "",
    impact: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
    response: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The form sends every field; the service keeps only those that changed."""
    principal, assistant = project_changer(request, project, csrf)
    fields: dict[str, object] = {
        "title": title,
        "likelihood": likelihood,
        "impact": impact,
        "owner": owner,
        "response": response,
    }
    try:
        assistant.risks.edit(project, risk_id, principal.name, fields, reason or None)
    except PmassistError as error:
        return back(f"/p/{project}/risks", page_message(error))
    return back(f"/p/{project}/risks", f"{risk_id} saved.")
