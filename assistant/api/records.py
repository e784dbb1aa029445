"""Routes over the project record: projects, documents and uploads, search, sources, questions."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.api.deps import CurrentPrincipal, ReadableProject, Service, UploadableProject
from assistant.api.jobs import IngestJob, IngestJobs, RateLimiter
from assistant.domain.access import Principal
from assistant.domain.answer import Answer, AnswerComplete, AnswerDelta, SourcesFound
from assistant.domain.errors import PmassistError
from assistant.domain.evidence import Evidence
from assistant.domain.record import Kind
from assistant.domain.search import RetrievalFilter

router = APIRouter(prefix="/api", tags=["record"])


class ProjectOut(BaseModel):
    name: str
    documents: int
    chunks: int
    by_kind: dict[str, int]
    last_ingest_at: str | None
    can_change: bool


class DocumentOut(BaseModel):
    id: str
    kind: str
    title: str
    date: str | None
    source: str


class SourceOut(BaseModel):
    citation: str
    chunk_id: str
    document_id: str
    kind: str
    title: str
    date: str | None
    locator: str
    text: str


class AskIn(BaseModel):
    question: str = Field(min_length=1, max_length=4000)
    conversation_id: str | None = Field(default=None, max_length=64)


def source_out(item: Evidence) -> SourceOut:
    return SourceOut(
        citation=item.citation,
        chunk_id=item.chunk_id,
        document_id=item.document_id,
        kind=item.kind.value,
        title=item.title,
        date=item.date.isoformat() if item.date else None,
        locator=item.locator.label(),
        text=item.text,
    )


@router.get("/projects", response_model=list[ProjectOut])
def list_projects(principal: CurrentPrincipal, assistant: Service) -> list[ProjectOut]:
    """The projects the caller's token may read."""
    return [
        ProjectOut(
            name=p.name,
            documents=p.documents,
            chunks=p.chunks,
            by_kind=p.by_kind,
            last_ingest_at=p.last_ingest_at.isoformat() if p.last_ingest_at else None,
            can_change=principal.can_change(p.name),
        )
        for p in assistant.projects()
        if principal.can_read(p.name)
    ]


@router.get("/projects/{project}/documents", response_model=list[DocumentOut])
def list_documents(
    project: ReadableProject, assistant: Service, kind: Kind | None = None
) -> list[DocumentOut]:
    return [
        DocumentOut(
            id=d.id,
            kind=d.kind.value,
            title=d.title,
            date=d.date.isoformat() if d.date else None,
            source=d.source,
        )
        for d in assistant.list_documents(project, kind)
    ]


@router.post("/projects/{project}/documents", status_code=202)
async def upload_documents(
    request: Request,
    project: UploadableProject,
    files: Annotated[list[UploadFile], File(description="Minutes, ticket exports, decisions.")],
) -> dict[str, Any]:
    """Save the files and ingest them in the background; poll `/api/jobs/{id}`."""
    return start_upload(request, project, files).as_dict()


def start_upload(request: Request, project: str, files: list[UploadFile]) -> IngestJob:
    jobs: IngestJobs = request.app.state.jobs
    uploads = []
    for upload in files:
        data = upload.file.read(jobs.max_bytes + 1)
        try:
            jobs.check_upload(upload.filename or "", len(data))
        except PmassistError as error:
            raise HTTPException(400, str(error)) from None
        uploads.append((upload.filename or "", data))
    try:
        return jobs.start(project, uploads)
    except PmassistError as error:
        raise HTTPException(400, str(error)) from None


@router.get("/jobs/{job_id}")
def job_status(job_id: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    jobs: IngestJobs = request.app.state.jobs
    job = jobs.jobs.get(job_id)
    if job is None or not principal.can_read(job.project):
        raise HTTPException(404, f"There is no ingest job {job_id}.")
    return job.as_dict()


@router.get("/projects/{project}/search", response_model=list[SourceOut])
def search(
    project: ReadableProject,
    assistant: Service,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=50)] = 8,
    kind: Kind | None = None,
) -> list[SourceOut]:
    """Hybrid search of the record; each hit with its locator."""
    filters = RetrievalFilter(kinds=(kind,) if kind else ())
    return [source_out(e) for e in assistant.search(q, project, k=k, filters=filters)]


@router.get("/projects/{project}/sources/{chunk_id}", response_model=SourceOut)
def source(project: ReadableProject, assistant: Service, chunk_id: str) -> SourceOut:
    """One chunk of the record: what a citation opens."""
    chunk = assistant.documents.chunks_by_id(project, [chunk_id]).get(chunk_id)
    document = assistant.documents.document(project, chunk.document_id) if chunk else None
    if chunk is None or document is None:
        raise HTTPException(404, f"Project '{project}' has no source '{chunk_id}'.")
    return SourceOut(
        citation="",
        chunk_id=chunk.id,
        document_id=document.id,
        kind=document.kind.value,
        title=document.title,
        date=document.date.isoformat() if document.date else None,
        locator=chunk.locator.label(),
        text=chunk.text,
    )


def limit_questions(request: Request, principal: Principal) -> None:
    limiter: RateLimiter = request.app.state.ask_limiter
    if not limiter.allow(principal.name + str(principal.token_id), time.monotonic()):
        raise HTTPException(
            429,
            f"More than {limiter.per_minute} questions a minute; wait a little.",
            {"Retry-After": "10"},
        )


def answer_out(answer: Answer) -> dict[str, Any]:
    cited = {c for s in answer.sentences for c in s.citations}
    return {
        "id": answer.id,
        "conversation_id": answer.conversation_id,
        "text": answer.text,
        "coverage": answer.coverage,
        "writer": answer.writer,
        "sentences": [s.model_dump() for s in answer.sentences],
        "sources": [
            source_out(s).model_dump() | {"cited": s.citation in cited} for s in answer.sources
        ],
        "warnings": answer.warnings,
    }


@router.post("/projects/{project}/ask")
def ask(
    request: Request,
    body: AskIn,
    project: ReadableProject,
    principal: CurrentPrincipal,
    assistant: Service,
) -> StreamingResponse:
    """Answer a question as server-sent events: `sources`, then `delta`s, then `answer`."""
    limit_questions(request, principal)
    events = assistant.ask_stream(body.question, project, conversation_id=body.conversation_id)

    def stream() -> Iterator[str]:
        try:
            for event in events:
                if isinstance(event, AnswerDelta):
                    yield _sse("delta", {"text": event.text})
                elif isinstance(event, AnswerComplete):
                    yield _sse("answer", answer_out(event.answer))
                elif isinstance(event, SourcesFound):
                    yield _sse("sources", [source_out(s).model_dump() for s in event.evidence])
        except PmassistError as error:
            yield _sse("error", {"detail": str(error)})

    return StreamingResponse(stream(), media_type="text/event-stream")


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"
