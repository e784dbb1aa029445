"""Live sources: trackers a project syncs from, and `sync` itself.

A sync fetches what changed since the source's last sync, merges it into the source's snapshot
(a saved search in the export format the loaders read, under PMASSIST_HOME/sources/) and ingests
that file like any other: the same incremental, all-or-nothing ingest, the same ticket ids as an
export. The snapshot and the last-sync time move only when the ingest has succeeded; a sync cut
short is simply fetched again next time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.domain.clock import utc_now
from assistant.domain.errors import InvalidInputError
from assistant.domain.sources import SourceKind, SyncOutcome, TrackerSource
from assistant.service.records import RecordService
from assistant.service.wiring import Wiring, validate_project_name
from ingest.sources.github_issues import GitHubIssuesClient
from ingest.sources.jira_cloud import JiraCloudClient


class SourceService:
    def __init__(self, wiring: Wiring, records: RecordService) -> None:
        self.wiring = wiring
        self.records = records

    def add(
        self,
        kind: SourceKind,
        project: str,
        *,
        name: str | None = None,
        site: str | None = None,
        jql: str | None = None,
        repository: str | None = None,
    ) -> TrackerSource:
        validate_project_name(project)
        if kind == "jira" and not (site and site.startswith(("https://", "http://")) and jql):
            raise InvalidInputError("A Jira source needs --site https://… and --jql.")
        if kind == "github" and (not repository or repository.count("/") != 1):
            raise InvalidInputError("A GitHub source needs --repo owner/name.")
        source = TrackerSource(
            project=project,
            name=name or kind,
            kind=kind,
            site=site.rstrip("/") if site else None,
            jql=jql,
            repository=repository,
        )
        return self.wiring.sources.add(source)

    def sources(self, project: str | None = None) -> list[TrackerSource]:
        return self.wiring.sources.sources(project)

    def remove(self, project: str, name: str) -> None:
        """Stop syncing; what it brought in stays in the record until its snapshot is erased."""
        self.wiring.sources.remove(project, name)

    def sync(self, project: str | None = None) -> list[SyncOutcome]:
        return [self._sync(source) for source in self.sources(project)]

    def _sync(self, source: TrackerSource) -> SyncOutcome:
        started = utc_now()
        fetched, pages, retries = self._fetch(source)
        snapshot = self.snapshot_path(source)
        previous = snapshot.read_bytes() if snapshot.exists() else None
        _write_atomically(snapshot, _merged(source.kind, previous, fetched))
        try:
            summary = self.records.ingest([snapshot], source.project)
        except BaseException:
            # Nothing moves: the snapshot as it was, the last sync time unchanged.
            if previous is None:
                snapshot.unlink(missing_ok=True)
            else:
                _write_atomically(snapshot, previous)
            raise
        self.wiring.sources.mark_synced(source.project, source.name, started)
        return SyncOutcome(
            source=source.name,
            fetched=len(fetched),
            added=len(summary.added),
            updated=len(summary.updated),
            unchanged=summary.unchanged,
            pages=pages,
            retries=retries,
        )

    def snapshot_path(self, source: TrackerSource) -> Path:
        return self.wiring.settings.home / "sources" / source.project / f"{source.name}.json"

    def _fetch(self, source: TrackerSource) -> tuple[list[dict[str, Any]], int, int]:
        settings = self.wiring.settings
        since = source.last_synced_at
        if source.kind == "jira":
            if not settings.jira_email or settings.jira_api_token is None:
                raise InvalidInputError(
                    "Syncing Jira needs PMASSIST_JIRA_EMAIL and PMASSIST_JIRA_API_TOKEN (an API "
                    "token of an account that may browse the project)."
                )
            assert source.site is not None
            assert source.jql is not None
            jira = JiraCloudClient(
                source.site, settings.jira_email, settings.jira_api_token.get_secret_value()
            )
            try:
                found = jira.search(source.jql, since)
            finally:
                jira.close()
            return list(found.issues.values()), found.pages, found.retries
        assert source.repository
        token = settings.github_token.get_secret_value() if settings.github_token else None
        github = GitHubIssuesClient(source.repository, token, api=settings.github_api)
        try:
            issues = github.fetch(since)
        finally:
            github.close()
        return issues.as_issue_list(), issues.pages, issues.retries


def _merged(kind: SourceKind, previous: bytes | None, fetched: list[dict[str, Any]]) -> bytes:
    """The snapshot with the fetched items in place of their earlier copies."""
    key = "key" if kind == "jira" else "number"
    earlier: Any = json.loads(previous) if previous else None
    items = (earlier or {}).get("issues", []) if kind == "jira" else (earlier or [])
    by_key = {item[key]: item for item in items}
    by_key.update({item[key]: item for item in fetched})
    merged: Any = list(by_key.values())
    if kind == "jira":
        merged = {"issues": merged, "names": (earlier or {}).get("names", {})}
    return json.dumps(merged, ensure_ascii=False).encode("utf-8")


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
