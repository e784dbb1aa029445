"""What every page shares: the templates, who is looking, the page frame, redirects with a
message, and how a page words an error (the form's label for the field it is about)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from assistant.domain.access import Principal
from assistant.domain.errors import AccessDeniedError, NotFoundError, PmassistError
from assistant.http.caller import page_principal, require_form_csrf
from assistant.service import Assistant

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")

# The service's names for inputs, as the pages' forms label them.
FORM_LABELS = {
    "week": "Week",
    "reason": "Reason",
    "override_reason": "Approve anyway because",
    "summary": "Executive summary",
    "files": "Files",
    "title": "Title",
    "likelihood": "Likelihood",
    "impact": "Impact",
    "owner": "Owner",
    "response": "Response",
    "changes": "Changes",
}


class LoginNeeded(Exception):
    pass


def assistant_of(request: Request) -> Assistant:
    assistant: Assistant = request.app.state.assistant
    return assistant


def who(request: Request) -> Principal:
    try:
        return page_principal(request)
    except HTTPException as error:
        if error.status_code == 401:
            raise LoginNeeded from None
        raise


def project_changer(request: Request, project: str, csrf: str) -> tuple[Principal, Assistant]:
    """Who posts a form that changes the project: logged in, the page's CSRF token, and the
    right to change that project."""
    principal = who(request)
    require_form_csrf(request, csrf)
    assistant = assistant_of(request)
    assistant.access.project(principal, project, change=True)
    return principal, assistant


def page(request: Request, template: str, principal: Principal | None, **values: Any) -> Response:
    project = values.get("project")
    context = {
        "principal": principal,
        "csrf": getattr(request.state, "csrf", None),
        "local_mode": request.app.state.local_mode,
        "can_change": bool(principal and project and principal.can_change(project)),
        **values,
    }
    return TEMPLATES.TemplateResponse(request, template, context)


def back(url: str, message: str | None = None) -> RedirectResponse:
    if message:
        separator = "&" if "?" in url else "?"
        url = f"{url}{separator}message={quote(message)}"
    return RedirectResponse(url, status_code=303)


def page_message(error: PmassistError) -> str:
    """An error as a page shows it: prefixed by the label of the form field it is about."""
    label = FORM_LABELS.get(error.field or "")
    if label is None:
        return error.message
    return f"{label}: {error.message}"


def default_week(assistant: Assistant, project: str) -> str:
    try:
        return assistant.reports.period(project).label
    except PmassistError:
        year, week, _ = dt.date.today().isocalendar()
        return f"{year}-W{week:02d}"


def guard(view: Callable[..., Response]) -> Callable[..., Response]:
    """Pages send a visitor who is not logged in to the login page, and show errors in the
    page frame with the status they stand for."""

    @functools.wraps(view)
    def wrapped(request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return view(request, *args, **kwargs)
        except LoginNeeded:
            return RedirectResponse("/login", status_code=303)
        except HTTPException as error:
            shown = page(
                request, "base.html", None, message=str(error.detail), message_kind="error"
            )
            shown.status_code = error.status_code
            return shown
        except PmassistError as error:
            shown = page(
                request, "base.html", None, message=page_message(error), message_kind="error"
            )
            if isinstance(error, NotFoundError):
                shown.status_code = 404
            elif isinstance(error, AccessDeniedError):
                shown.status_code = 403
            return shown

    return wrapped
