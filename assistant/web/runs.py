"""The schedule page: when the project's sync and weekly draft run next, the run history with
what each run did and which notices did not arrive, and "run now"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from assistant.domain.errors import InvalidInputError, PmassistError
from assistant.domain.schedule import JOBS
from assistant.web.common import (
    assistant_of,
    back,
    guard,
    page,
    page_message,
    project_changer,
    who,
)

router = APIRouter(include_in_schema=False)

JOB_NAMES = {"sync": "Sync the trackers", "weekly_draft": "Weekly draft (report and risks)"}


@router.get("/p/{project}/runs", response_class=HTMLResponse)
@guard
def runs_page(request: Request, project: str) -> Response:
    principal = who(request)
    assistant = assistant_of(request)
    assistant.access.project(principal, project)
    settings = assistant.settings
    return page(
        request,
        "runs.html",
        principal,
        project=project,
        planned=assistant.schedule.plan(project),
        history=assistant.schedule.history(project),
        job_names=JOB_NAMES,
        weekly_draft=settings.weekly_draft,
        timezone=settings.schedule_timezone,
        sync_every=settings.sync_every_minutes,
        message=request.query_params.get("message"),
    )


@router.post("/p/{project}/runs")
@guard
def run_now(
    request: Request,
    project: str,
    job: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _, assistant = project_changer(request, project, csrf)
    try:
        if job not in JOBS:
            raise InvalidInputError(f"Unknown job {job!r}.", field="job")
        assistant.schedule.run_now(project, job)
    except PmassistError as error:
        return back(f"/p/{project}/runs", page_message(error))
    return back(
        f"/p/{project}/runs",
        f"{JOB_NAMES[job]} started; reload the page to see it finish.",
    )
