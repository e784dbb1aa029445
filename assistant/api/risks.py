"""Routes for risk suggestions and the register: suggest, list, accept, edit, reject, export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from assistant.domain.period import PeriodChoice
from assistant.http.caller import ChangeableProject, CurrentPrincipal, ReadableProject, Service

router = APIRouter(prefix="/api/projects/{project}/risks", tags=["risks"])


class SuggestIn(BaseModel):
    week: str | None = Field(default=None, description="ISO week; default the last complete.")


class AcceptIn(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class EditIn(BaseModel):
    changes: dict[str, Any] = Field(description="Field -> new value; status moves too.")
    reason: str | None = Field(default=None, max_length=2000)


@router.post("/suggest", status_code=201)
def suggest(project: ChangeableProject, assistant: Service, body: SuggestIn | None = None) -> Any:
    """Find the week's signals and propose register entries for review."""
    week = (body or SuggestIn()).week
    draft_id, run = assistant.risks.suggest(project, PeriodChoice(week=week))
    checks = assistant.drafts.checks(draft_id)
    return {
        "draft_id": draft_id,
        "run": run.model_dump(mode="json"),
        "checks": checks.model_dump(mode="json") if checks else None,
    }


@router.get("")
def list_risks(
    project: ReadableProject,
    assistant: Service,
    status: Annotated[
        list[Literal["proposed", "open", "mitigating", "closed", "rejected"]] | None, Query()
    ] = None,
) -> list[dict[str, Any]]:
    return [e.model_dump(mode="json") for e in assistant.risks.entries(project, status)]


@router.get("/export")
def export(
    project: ReadableProject,
    assistant: Service,
    format: Annotated[str, Query(description="A register format: csv or xlsx.")] = "csv",
) -> Response:
    exported = assistant.risks.export(project, format)
    return Response(
        exported.data,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.file_name}"'},
    )


@router.get("/heatmap.svg")
def heatmap(project: ReadableProject, assistant: Service) -> Response:
    return Response(assistant.risks.heat_map(project), media_type="image/svg+xml")


@router.get("/{risk_id}")
def get_risk(project: ReadableProject, assistant: Service, risk_id: str) -> dict[str, Any]:
    return assistant.risks.entry(project, risk_id).model_dump(mode="json")


@router.post("/{risk_id}/accept")
def accept(
    project: ChangeableProject,
    risk_id: str,
    principal: CurrentPrincipal,
    assistant: Service,
    body: AcceptIn | None = None,
) -> dict[str, Any]:
    entry = assistant.risks.accept(project, risk_id, principal.name, (body or AcceptIn()).note)
    return entry.model_dump(mode="json")


@router.post("/{risk_id}/reject")
def reject(
    project: ChangeableProject,
    risk_id: str,
    body: RejectIn,
    principal: CurrentPrincipal,
    assistant: Service,
) -> dict[str, Any]:
    entry = assistant.risks.reject(project, risk_id, principal.name, body.reason)
    return entry.model_dump(mode="json")


@router.patch("/{risk_id}")
def edit(
    project: ChangeableProject,
    risk_id: str,
    body: EditIn,
    principal: CurrentPrincipal,
    assistant: Service,
) -> dict[str, Any]:
    entry = assistant.risks.edit(project, risk_id, principal.name, body.changes, body.reason)
    return entry.model_dump(mode="json")
