"""A live source: a tracker a project syncs from (`pmassist source add`), never its credentials."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from assistant.domain.ingest import IngestProgress, SilentProgress

SourceKind = Literal["jira", "github", "github-project"]


class TrackerSource(BaseModel):
    project: str
    name: str = Field(description="How the PM names it: 'jira', 'github', or their own.")
    kind: SourceKind
    site: str | None = Field(default=None, description="Jira: https://x.atlassian.net")
    jql: str | None = None
    repository: str | None = Field(default=None, description="GitHub: owner/name")
    owner: str | None = Field(default=None, description="GitHub project: user or organization")
    number: int | None = Field(default=None, description="GitHub project: its number")
    last_synced_at: dt.datetime | None = None
    last_reconciled_at: dt.datetime | None = None

    def describe(self) -> str:
        if self.kind == "jira":
            return f"Jira {self.site} · {self.jql}"
        if self.kind == "github-project":
            return f"GitHub project {self.number} of {self.owner}"
        return f"GitHub {self.repository}"


class SyncOutcome(BaseModel):
    source: str
    fetched: int
    added: int
    updated: int
    unchanged: int
    removed: int = Field(default=0, description="Deleted or moved out of the query's reach.")
    pages: int
    retries: int
    warnings: list[str] = Field(default_factory=list)


class SyncProgress(IngestProgress, Protocol):
    """What a sync reports as it goes: the fetch page by page, then the ingest's progress."""

    def fetching(self, source: str) -> None: ...
    def page_fetched(self, items: int) -> None: ...


class SilentSyncProgress(SilentProgress):
    def fetching(self, source: str) -> None:
        pass

    def page_fetched(self, items: int) -> None:
        pass
