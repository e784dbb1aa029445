"""Live sources: trackers a project syncs from, and `sync` itself.

A sync fetches what changed since the source's last sync, merges it into the source's snapshot
(a saved search in the export format the loaders read, under PMASSIST_HOME/sources/) and ingests
that file like any other: the same incremental, all-or-nothing ingest, the same ticket ids as an
export. The snapshot and the last-sync time move only when the ingest has succeeded; a sync cut
short is simply fetched again next time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.domain.clock import utc_now
from assistant.domain.errors import InvalidInputError
from assistant.domain.sources import (
    SilentSyncProgress,
    SourceKind,
    SyncOutcome,
    SyncProgress,
    TrackerSource,
)
from assistant.service.fetching import fetch, merged, saved_items
from assistant.service.records import RecordService
from assistant.service.wiring import Wiring, validate_project_name


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
        owner: str | None = None,
        number: int | None = None,
    ) -> TrackerSource:
        validate_project_name(project)
        if kind == "jira" and not (site and site.startswith(("https://", "http://")) and jql):
            raise InvalidInputError("A Jira source needs --site https://… and --jql.")
        if kind == "github" and (not repository or repository.count("/") != 1):
            raise InvalidInputError("A GitHub source needs --repo owner/name.")
        if kind == "github-project" and not (owner and "/" not in owner and number and number > 0):
            raise InvalidInputError(
                "A GitHub project source needs --owner (the user or organization) and --number "
                "(the number in the project's address, …/projects/7)."
            )
        source = TrackerSource(
            project=project,
            name=name or kind,
            kind=kind,
            site=site.rstrip("/") if site else None,
            jql=jql,
            repository=repository,
            owner=owner.lstrip("@") if owner else None,
            number=number,
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
        # One sync of a project at a time, across processes (`pmassist sync` beside `serve`):
        # two would each merge into the snapshot they read, and one would lose the other's.
        with self.wiring.sync_locks.hold(source.project, f"sync of {source.name}"):
            source = self._as_stored(source)  # another process may have synced meanwhile
            started = utc_now()
            snapshot = self.snapshot_path(source)
            previous = snapshot.read_bytes() if snapshot.exists() else None
            earlier, saved = saved_items(source.kind, previous, snapshot)
            progress.fetching(source.name)
            fetched = fetch(
                source,
                self.wiring.settings,
                reconcile or self._reconciliation_due(source, started),
                progress.page_fetched,
                set(saved),
            )
            _write_atomically(snapshot, merged(source.kind, earlier, saved, fetched))
            try:
                # The snapshot holds everything this source has: what left it leaves the record.
                summary = self.records.ingest(
                    [snapshot], source.project, prune=True, progress=progress
                )
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
            warnings=fetched.warnings,
        )

    def _as_stored(self, source: TrackerSource) -> TrackerSource:
        stored = self.wiring.sources.sources(source.project)
        return next((s for s in stored if s.name == source.name), source)

    def _reconciliation_due(self, source: TrackerSource, now: dt.datetime) -> bool:
        last = source.last_reconciled_at
        every = dt.timedelta(hours=self.wiring.settings.reconcile_every_hours)
        return last is None or now - last >= every

    def snapshot_path(self, source: TrackerSource) -> Path:
        return self.wiring.settings.home / "sources" / source.project / f"{source.name}.json"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
