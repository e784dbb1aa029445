"""A live source: a tracker a project syncs from (`pmassist source add`), never its credentials."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

SourceKind = Literal["jira", "github"]


class TrackerSource(BaseModel):
    project: str
    name: str = Field(description="How the PM names it: 'jira', 'github', or their own.")
    kind: SourceKind
    site: str | None = Field(default=None, description="Jira: https://x.atlassian.net")
    jql: str | None = None
    repository: str | None = Field(default=None, description="GitHub: owner/name")
    last_synced_at: dt.datetime | None = None

    def describe(self) -> str:
        if self.kind == "jira":
            return f"Jira {self.site} · {self.jql}"
        return f"GitHub {self.repository}"


class SyncOutcome(BaseModel):
    source: str
    fetched: int
    added: int
    updated: int
    unchanged: int
    pages: int
    retries: int
