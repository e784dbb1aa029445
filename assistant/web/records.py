"""Pages over the record: the projects, asking questions, and adding documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from assistant.domain.errors import PmassistError
from assistant.http.caller import require_form_csrf
from assistant.http.uploads import start_upload
from assistant.web.common import assistant_of, back, guard, page, page_message, who

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
@guard
def projects_page(request: Request) -> Response:
    principal = who(request)
    found = [p for p in assistant_of(request).records.projects() if principal.can_read(p.name)]
    return page(request, "projects.html", principal, projects=found)


@router.get("/p/{project}/chat", response_class=HTMLResponse)
@guard
def chat_page(request: Request, project: str) -> Response:
    principal = who(request)
    assistant_of(request).access.project(principal, project)
    return page(request, "chat.html", principal, project=project)


@router.get("/p/{project}/ingest", response_class=HTMLResponse)
@guard
def ingest_page(request: Request, project: str) -> Response:
    principal = who(request)
    assistant = assistant_of(request)
    assistant.access.project(principal, project, change=True, may_be_new=True)
    return page(
        request,
        "ingest.html",
        principal,
        project=project,
        job_id=request.query_params.get("job"),
        max_mb=assistant.uploads.max_bytes // 1_000_000,
        accept=",".join(assistant.records.supported_extensions()),
        message=request.query_params.get("message"),
    )


@router.post("/p/{project}/ingest")
@guard
def upload(
    request: Request,
    project: str,
    files: Annotated[list[UploadFile], File()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    principal = who(request)
    require_form_csrf(request, csrf)
    assistant = assistant_of(request)
    assistant.access.project(principal, project, change=True, may_be_new=True)
    try:
        job = start_upload(assistant, project, files)
    except PmassistError as error:
        return back(f"/p/{project}/ingest", page_message(error))
    return back(f"/p/{project}/ingest?job={job.id}")
