"""Routes for the schedule: what runs next, the run history, and "run now"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from assistant.domain.schedule import Job
from assistant.http.caller import ChangeableProject, ReadableProject, Service

router = APIRouter(prefix="/api/projects/{project}/runs", tags=["schedule"])


class RunIn(BaseModel):
    job: Job = Field(description="sync: fetch the trackers; weekly_draft: report and risks.")


@router.get("")
def runs(project: ReadableProject, assistant: Service) -> dict[str, Any]:
    """The project's planned jobs (next run, busy) and its run history, newest first."""
    return {
        "planned": [p.model_dump(mode="json") for p in assistant.schedule.plan(project)],
        "history": [r.model_dump(mode="json") for r in assistant.schedule.history(project)],
    }


@router.post("", status_code=202)
def run_now(project: ChangeableProject, assistant: Service, body: RunIn) -> dict[str, Any]:
    """Start a job now in the background; 409 while another run of the project goes on."""
    assistant.schedule.run_now(project, body.job)
    return {"project": project, "job": body.job, "started": True}
