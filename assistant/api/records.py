"""Routes over the project record: projects, documents and uploads, search, sources, questions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.api.errors import error_body
from assistant.domain.answer import Answer, AnswerComplete, AnswerDelta, SourcesFound
from assistant.domain.errors import PmassistError
from assistant.domain.evidence import Evidence
from assistant.domain.record import Kind
from assistant.domain.search import RetrievalFilter
from assistant.http.caller import CurrentPrincipal, ReadableProject, Service, UploadableProject
from assistant.http.rate_limit import limit_questions
from assistant.http.uploads import start_upload

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


class SearchHitOut(SourceOut):
    """One passage of a search result. The list holds the `k` best documents, best first; each
    document's passages (at most three, best first) come together and share its `rank` (1 for
    the best document, up to `k`). `similarity` is the passage's cosine similarity to the search
    text. Every item keeps all the fields of a source; `rank` and `similarity` are additions."""

    rank: int
    similarity: float | None


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
        for p in assistant.records.projects()
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
        for d in assistant.records.documents(project, kind)
    ]


@router.post("/projects/{project}/documents", status_code=202)
def upload_documents(
    project: UploadableProject,
    assistant: Service,
    files: Annotated[list[UploadFile], File(description="Minutes, ticket exports, decisions.")],
) -> dict[str, Any]:
    """Save the files and ingest them in the background; poll `/api/jobs/{id}`."""
    return start_upload(assistant, project, files).as_dict()


@router.get("/jobs/{job_id}")
def job_status(job_id: str, principal: CurrentPrincipal, assistant: Service) -> dict[str, Any]:
    job = assistant.uploads.job(job_id)
    if job is None or not principal.can_read(job.project):
        raise HTTPException(404, f"There is no ingest job {job_id}.")
    return job.as_dict()


@router.get("/projects/{project}/search", response_model=list[SearchHitOut])
def search(
    project: ReadableProject,
    assistant: Service,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=50, description="How many documents.")] = 8,
    kind: Kind | None = None,
) -> list[SearchHitOut]:
    """Hybrid search of the record: the `k` best documents, each with its best passages and
    their locators."""
    filters = RetrievalFilter(kinds=(kind,) if kind else ())
    hits = assistant.records.search_documents(q, project, k=k, filters=filters)
    return [
        SearchHitOut(**source_out(passage).model_dump(), rank=rank, similarity=passage.similarity)
        for rank, hit in enumerate(hits, start=1)
        for passage in hit.chunks
    ]


@router.get("/projects/{project}/sources/{chunk_id}", response_model=SourceOut)
def source(project: ReadableProject, assistant: Service, chunk_id: str) -> SourceOut:
    """One chunk of the record: what a citation opens."""
    return source_out(assistant.records.source(project, chunk_id))


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
    events = assistant.questions.ask_stream(
        body.question, project, conversation_id=body.conversation_id
    )

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
            yield _sse("error", error_body(error))

    return StreamingResponse(stream(), media_type="text/event-stream")


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"
