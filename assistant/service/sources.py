"""Live sources: trackers a project syncs from, and `sync` itself.

A sync fetches what changed since the source's last sync, merges it into the source's snapshot
(a saved search in the export format the loaders read, under PMASSIST_HOME/sources/) and ingests
that file like any other: the same incremental, all-or-nothing ingest, the same ticket ids as an
export. The snapshot and the last-sync time move only when the ingest has succeeded; a sync cut
short is simply fetched again next time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.domain.clock import utc_now
from assistant.domain.errors import InvalidInputError
from assistant.domain.sources import (
    SilentSyncProgress,
    SourceKind,
    SyncOutcome,
    SyncProgress,
    TrackerSource,
)
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

    def sync(
        self,
        project: str | None = None,
        *,
        reconcile: bool = False,
        progress: SyncProgress | None = None,
    ) -> list[SyncOutcome]:
        """`reconcile`: also list every key now, whenever the last listing was, to remove
        deleted or moved issues (otherwise every PMASSIST_RECONCILE_EVERY_HOURS)."""
        progress = progress or SilentSyncProgress()
        return [self._sync(source, reconcile, progress) for source in self.sources(project)]

    def _sync(self, source: TrackerSource, reconcile: bool, progress: SyncProgress) -> SyncOutcome:
        started = utc_now()
        progress.fetching(source.name)
        fetched = self._fetch(
            source, reconcile or self._reconciliation_due(source, started), progress.page_fetched
        )
        snapshot = self.snapshot_path(source)
        previous = snapshot.read_bytes() if snapshot.exists() else None
        _write_atomically(snapshot, _merged(source.kind, previous, fetched, snapshot))
        try:
            # The snapshot holds everything this source has: what left it leaves the record.
            summary = self.records.ingest([snapshot], source.project, prune=True, progress=progress)
        except BaseException:
            # Nothing moves: the snapshot as it was, the last sync time unchanged.
            if previous is None:
                snapshot.unlink(missing_ok=True)
            else:
                _write_atomically(snapshot, previous)
            raise
        self.wiring.sources.mark_synced(
            source.project, source.name, started, reconciled=fetched.every_key is not None
        )
        return SyncOutcome(
            source=source.name,
            fetched=len(fetched.items),
            added=len(summary.added),
            updated=len(summary.updated),
            unchanged=summary.unchanged,
            removed=len(summary.removed),
            pages=fetched.pages,
            retries=fetched.retries,
        )

    def _reconciliation_due(self, source: TrackerSource, now: dt.datetime) -> bool:
        last = source.last_reconciled_at
        every = dt.timedelta(hours=self.wiring.settings.reconcile_every_hours)
        return last is None or now - last >= every

    def snapshot_path(self, source: TrackerSource) -> Path:
        return self.wiring.settings.home / "sources" / source.project / f"{source.name}.json"

    def _fetch(
        self, source: TrackerSource, reconcile: bool, page_fetched: Callable[[int], None]
    ) -> _Fetched:
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
                source.site,
                settings.jira_email,
                settings.jira_api_token.get_secret_value(),
                on_page=page_fetched,
            )
            try:
                found = jira.search(source.jql, since)
                fetched = _Fetched(list(found.issues.values()), found.pages, found.retries)
                if since is None:  # everything the query finds: nothing else is left
                    fetched.every_key = set(found.issues)
                elif reconcile:
                    keys, listing = jira.keys(source.jql)
                    fetched.every_key = keys
                    fetched.pages += listing.pages
                    fetched.retries += listing.retries
            finally:
                jira.close()
            return fetched
        assert source.repository
        token = settings.github_token.get_secret_value() if settings.github_token else None
        github = GitHubIssuesClient(
            source.repository, token, api=settings.github_api, on_page=page_fetched
        )
        try:
            issues = github.fetch(since)
        finally:
            github.close()
        # GitHub lists no deleted issues: a first, full fetch is the only complete list.
        items = issues.as_issue_list()
        every = {str(item["number"]) for item in items} if since is None else None
        return _Fetched(items, issues.pages, issues.retries, every)


@dataclass
class _Fetched:
    """What one sync fetched; `every_key` when it also knows every key the source has now."""

    items: list[dict[str, Any]]
    pages: int
    retries: int
    every_key: set[str] | None = None


def _merged(kind: SourceKind, previous: bytes | None, fetched: _Fetched, path: Path) -> bytes:
    """The snapshot with the fetched items in place of their earlier copies, less the items
    the source no longer has (when the fetch knows every key it has)."""
    key = "key" if kind == "jira" else "number"
    try:
        earlier: Any = json.loads(previous) if previous else None
    except ValueError as error:
        raise InvalidInputError(
            f"The sync snapshot {path} is not valid JSON ({error}). Delete it to fetch "
            "everything again; the record keeps what it has until then."
        ) from None
    items = (earlier or {}).get("issues", []) if kind == "jira" else (earlier or [])
    by_key = {str(item[key]): item for item in items}
    by_key.update({str(item[key]): item for item in fetched.items})
    if fetched.every_key is not None:
        by_key = {k: item for k, item in by_key.items() if k in fetched.every_key}
    merged: Any = list(by_key.values())
    if kind == "jira":
        merged = {"issues": merged, "names": (earlier or {}).get("names", {})}
    return json.dumps(merged, ensure_ascii=False).encode("utf-8")


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
