"""Server-rendered pages: log in, projects, ask, reports and review, risks, add documents.

Pages call the same service as the API and the CLI. Every form post carries the session's CSRF
token; every page escapes what it shows (Jinja2 autoescaping), and the only script is our own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from assistant.api.deps import (
    SESSION_COOKIE,
    DraftId,
    check_project,
    draft_project,
    page_principal,
    require_form_csrf,
)
from assistant.api.records import start_upload
from assistant.charts import heat_map_svg, plotted
from assistant.domain.access import Principal
from assistant.domain.errors import PmassistError
from assistant.domain.report import StatusReport
from assistant.domain.risk import RESPONSES
from assistant.reports import sections as report_sections
from assistant.reports.sections.risk_register import register_heat_map
from assistant.service import Assistant
from assistant.store.access import AccessStore
from ingest.loaders import supported_extensions

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
router = APIRouter(include_in_schema=False)


class LoginNeeded(Exception):
    pass


def _assistant(request: Request) -> Assistant:
    assistant: Assistant = request.app.state.assistant
    return assistant


def _who(request: Request) -> Principal:
    try:
        return page_principal(request)
    except HTTPException as error:
        if error.status_code == 401:
            raise LoginNeeded from None
        raise


def _page(request: Request, template: str, principal: Principal | None, **values: Any) -> Response:
    project = values.get("project")
    context = {
        "principal": principal,
        "csrf": getattr(request.state, "csrf", None),
        "local_mode": request.app.state.local_mode,
        "can_change": bool(principal and project and principal.can_change(project)),
        **values,
    }
    return TEMPLATES.TemplateResponse(request, template, context)


def _back(url: str, message: str | None = None) -> RedirectResponse:
    if message:
        separator = "&" if "?" in url else "?"
        from urllib.parse import quote

        url = f"{url}{separator}message={quote(message)}"
    return RedirectResponse(url, status_code=303)


def _default_week(assistant: Assistant, project: str) -> str:
    try:
        return assistant.report_period(project).label
    except PmassistError:
        year, week, _ = dt.date.today().isocalendar()
        return f"{year}-W{week:02d}"


def _guard(view: Any) -> Any:
    """Pages send a visitor who is not logged in to the login page."""
    import functools

    @functools.wraps(view)
    def wrapped(request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            response: Response = view(request, *args, **kwargs)
        except LoginNeeded:
            return RedirectResponse("/login", status_code=303)
        except HTTPException as error:
            page = _page(
                request, "base.html", None, message=str(error.detail), message_kind="error"
            )
            page.status_code = error.status_code
            return page
        except PmassistError as error:
            return _page(
                request,
                "base.html",
                None,
                message=str(error),
                message_kind="error",
            )
        return response

    return wrapped


# Logging in -----------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    if request.app.state.local_mode:
        return RedirectResponse("/", status_code=303)
    return _page(request, "login.html", None, message=request.query_params.get("message"))


@router.post("/login")
def login(request: Request, token: Annotated[str, Form()]) -> Response:
    store: AccessStore = request.app.state.access
    principal = store.principal(token.strip())
    if principal is None:
        return _page(
            request, "login.html", None, message="Unknown or revoked token.", message_kind="error"
        )
    session, _ = store.open_session(principal)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session,
        httponly=True,
        samesite="strict",
        secure=_assistant(request).settings.cookie_secure,
        max_age=12 * 3600,
        path="/",
    )
    return response


@router.post("/logout")
@_guard
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    _who(request)
    require_form_csrf(request, csrf)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        request.app.state.access.close_session(cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# Projects and questions -----------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
@_guard
def projects_page(request: Request) -> Response:
    principal = _who(request)
    found = [p for p in _assistant(request).projects() if principal.can_read(p.name)]
    return _page(request, "projects.html", principal, projects=found)


@router.get("/p/{project}/chat", response_class=HTMLResponse)
@_guard
def chat_page(request: Request, project: str) -> Response:
    principal = _who(request)
    check_project(principal, _assistant(request), project)
    return _page(request, "chat.html", principal, project=project)


# Reports and drafts ----------------------------------------------------------------------------


@router.get("/p/{project}/reports", response_class=HTMLResponse)
@_guard
def reports_page(request: Request, project: str) -> Response:
    principal = _who(request)
    assistant = _assistant(request)
    check_project(principal, assistant, project)
    return _page(
        request,
        "reports.html",
        principal,
        project=project,
        drafts=assistant.list_drafts(project),
        default_week=_default_week(assistant, project),
        message=request.query_params.get("message"),
    )


@router.post("/p/{project}/reports")
@_guard
def draft_report(
    request: Request,
    project: str,
    week: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    principal = _who(request)
    require_form_csrf(request, csrf)
    assistant = _assistant(request)
    check_project(principal, assistant, project, change=True)
    period = assistant.report_period(project, week.strip() or None)
    draft_id, _ = assistant.draft_report(project, period)
    return _back(f"/drafts/{draft_id}")


@router.get("/drafts/{draft_id}", response_class=HTMLResponse)
@_guard
def draft_page(request: Request, draft_id: DraftId) -> Response:
    principal = _who(request)
    assistant = _assistant(request)
    project = draft_project(assistant, principal, draft_id)
    draft = assistant.draft(draft_id)
    report = assistant.drafts.report(draft_id)
    run = assistant.drafts.risk_run(draft_id) if report is None else None
    title = (
        f"status report {report.period.label}"
        if report
        else f"risk suggestions {draft.period_label}"
    )
    return _page(
        request,
        "draft.html",
        principal,
        project=project,
        draft=draft,
        title=title,
        report=report,
        run=run,
        sections=_sections(report) if report else [],
        heatmap=_report_heatmap(report) if report else "",
        checks=assistant.draft_checks(draft_id),
        versions=assistant.drafts.versions(draft_id),
        audit=assistant.drafts.audit(draft_id),
        message=request.query_params.get("message"),
    )


def _sections(report: StatusReport) -> list[tuple[str, list[Any]]]:
    found: list[tuple[str, list[Any]]] = [("Executive summary", report.executive_summary)]
    if report.needs_checking:
        found.append(("Needs checking (not shown as fact)", report.needs_checking))
    found += [(section.title, lines) for section, lines in report_sections.built(report)]
    return found


def _report_heatmap(report: StatusReport) -> str:
    return register_heat_map(report)


def _decider(request: Request, draft_id: DraftId, csrf: str) -> tuple[Principal, Assistant]:
    principal = _who(request)
    require_form_csrf(request, csrf)
    assistant = _assistant(request)
    project = draft_project(assistant, principal, draft_id)
    if not principal.can_change(project):
        raise HTTPException(403, f"A {principal.role} token cannot decide on drafts.")
    return principal, assistant


@router.post("/drafts/{draft_id}/approve")
@_guard
def approve(
    request: Request,
    draft_id: DraftId,
    override_reason: Annotated[str | None, Form()] = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    principal, assistant = _decider(request, draft_id, csrf)
    try:
        assistant.approve_draft(draft_id, principal.name, override_reason or None)
    except PmassistError as error:
        return _back(f"/drafts/{draft_id}", str(error))
    return _back(f"/drafts/{draft_id}", "Approved.")


@router.post("/drafts/{draft_id}/reject")
@_guard
def reject(
    request: Request,
    draft_id: DraftId,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    principal, assistant = _decider(request, draft_id, csrf)
    try:
        assistant.reject_draft(draft_id, principal.name, reason)
    except PmassistError as error:
        return _back(f"/drafts/{draft_id}", str(error))
    return _back(f"/drafts/{draft_id}", "Rejected.")


@router.post("/drafts/{draft_id}/edit")
@_guard
def edit(
    request: Request,
    draft_id: DraftId,
    summary: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The PM rewrites the executive summary: one line per statement, citations as [S#]."""
    import re

    from assistant.domain.report import ReportLine

    principal, assistant = _decider(request, draft_id, csrf)
    report = assistant.drafts.report(draft_id)
    if report is None:
        return _back(f"/drafts/{draft_id}", "Only status reports can be edited here.")
    lines = []
    for raw in summary.splitlines():
        if not raw.strip():
            continue
        citations = re.findall(r"\[(S\d+)\]", raw)
        text = " ".join(re.sub(r"\s*\[S\d+\]", "", raw).split())
        lines.append(ReportLine(text=text, citations=list(dict.fromkeys(citations))))
    edited = report.model_copy(update={"executive_summary": lines, "needs_checking": []})
    try:
        new_id, checks = assistant.edit_report_draft(
            draft_id, edited.model_dump_json(), principal.name, reason or None
        )
    except PmassistError as error:
        return _back(f"/drafts/{draft_id}", str(error))
    verdict = "it passed its checks" if checks.passed else "its checks FAILED"
    return _back(f"/drafts/{new_id}", f"Saved as a new version; {verdict}.")


# Risks ------------------------------------------------------------------------------------------


@router.get("/p/{project}/risks", response_class=HTMLResponse)
@_guard
def risks_page(request: Request, project: str) -> Response:
    principal = _who(request)
    assistant = _assistant(request)
    check_project(principal, assistant, project)
    entries = assistant.risks(project)
    return _page(
        request,
        "risks.html",
        principal,
        project=project,
        proposed=[e for e in entries if e.status == "proposed"],
        register=[e for e in entries if e.status != "proposed"],
        heatmap=heat_map_svg(plotted(entries), f"Risk heat map — {project}"),
        responses=RESPONSES,
        default_week=_default_week(assistant, project),
        message=request.query_params.get("message"),
    )


def _risk_changer(request: Request, project: str, csrf: str) -> tuple[Principal, Assistant]:
    principal = _who(request)
    require_form_csrf(request, csrf)
    assistant = _assistant(request)
    check_project(principal, assistant, project, change=True)
    return principal, assistant


@router.post("/p/{project}/risks/suggest")
@_guard
def suggest(
    request: Request,
    project: str,
    week: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _, assistant = _risk_changer(request, project, csrf)
    period = assistant.report_period(project, week.strip() or None)
    _, run = assistant.suggest_risks(project, period)
    new = sum(1 for o in run.outcomes if o.action in ("proposed", "reproposed"))
    return _back(
        f"/p/{project}/risks",
        f"{len(run.signals)} signals in {run.period_label}: {new} new proposals, "
        f"{len(run.dropped)} dropped by the checks.",
    )


@router.post("/p/{project}/risks/{risk_id}/accept")
@_guard
def accept_risk(
    request: Request, project: str, risk_id: str, csrf: Annotated[str, Form()] = ""
) -> Response:
    principal, assistant = _risk_changer(request, project, csrf)
    try:
        assistant.accept_risk(project, risk_id, principal.name)
    except PmassistError as error:
        return _back(f"/p/{project}/risks", str(error))
    return _back(f"/p/{project}/risks", f"{risk_id} accepted into the register.")


@router.post("/p/{project}/risks/{risk_id}/reject")
@_guard
def reject_risk(
    request: Request,
    project: str,
    risk_id: str,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    principal, assistant = _risk_changer(request, project, csrf)
    try:
        assistant.reject_risk(project, risk_id, principal.name, reason)
    except PmassistError as error:
        return _back(f"/p/{project}/risks", str(error))
    return _back(f"/p/{project}/risks", f"{risk_id} rejected.")


@router.post("/p/{project}/risks/{risk_id}/edit")
@_guard
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
    principal, assistant = _risk_changer(request, project, csrf)
    entry = assistant.risk(project, risk_id)
    given = {
        "title": title,
        "likelihood": likelihood,
        "impact": impact,
        "owner": owner,
        "response": response,
    }
    changes: dict[str, object] = {
        name: value
        for name, value in given.items()
        if value.strip() != ("" if getattr(entry, name) is None else str(getattr(entry, name)))
    }
    if not changes:
        return _back(f"/p/{project}/risks", "Nothing changed.")
    try:
        assistant.edit_risk(project, risk_id, principal.name, changes, reason or None)
    except PmassistError as error:
        return _back(f"/p/{project}/risks", str(error))
    return _back(f"/p/{project}/risks", f"{risk_id} saved.")


# Adding documents --------------------------------------------------------------------------------


@router.get("/p/{project}/ingest", response_class=HTMLResponse)
@_guard
def ingest_page(request: Request, project: str) -> Response:
    principal = _who(request)
    assistant = _assistant(request)
    check_project(principal, assistant, project, change=True, may_be_new=True)
    return _page(
        request,
        "ingest.html",
        principal,
        project=project,
        job_id=request.query_params.get("job"),
        max_mb=assistant.settings.upload_max_bytes // 1_000_000,
        accept=",".join(sorted(supported_extensions())),
        message=request.query_params.get("message"),
    )


@router.post("/p/{project}/ingest")
@_guard
def upload(
    request: Request,
    project: str,
    files: Annotated[list[UploadFile], File()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    principal = _who(request)
    require_form_csrf(request, csrf)
    check_project(principal, _assistant(request), project, change=True, may_be_new=True)
    try:
        job = start_upload(request, project, files)
    except HTTPException as error:
        return _back(f"/p/{project}/ingest", str(error.detail))
    return _back(f"/p/{project}/ingest?job={job.id}")
