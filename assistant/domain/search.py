"""What a search of the record may return (kinds, dates, ticket statuses and assignees), and
what it returns: documents, each with its best chunks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from assistant.domain.evidence import Evidence
from assistant.domain.record import Kind, RecordModel, StatusCategory, chunk_metadata_date

# The chunk metadata a search filters on: what the vector and keyword indexes keep per chunk.
FILTER_FIELDS = ("kind", "date", "status", "status_category", "assignee")

SearchMode = Literal["hybrid", "dense", "keyword"]
SEARCH_MODES: tuple[SearchMode, ...] = ("hybrid", "dense", "keyword")

STATUS_CATEGORIES = {category.value for category in StatusCategory}


@dataclass(frozen=True)
class RetrievalFilter:
    """Which chunks a search may return. Status and assignee filters keep only tickets.

    `statuses` takes status categories (`todo`, `in_progress`, `done`) or tracker statuses
    (`Blocked`); `assignees` takes names as the tracker writes them.
    """

    kinds: tuple[Kind, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    statuses: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()

    def matches(self, metadata: dict[str, Any]) -> bool:
        if self.kinds and metadata.get("kind") not in {kind.value for kind in self.kinds}:
            return False
        date = metadata.get("date")
        if self.since and (date is None or date < chunk_metadata_date(self.since)):
            return False
        if self.until and (date is None or date > chunk_metadata_date(self.until)):
            return False
        if self.statuses and not (
            metadata.get("status_category") in self.statuses
            or metadata.get("status") in self.statuses
        ):
            return False
        return not (self.assignees and metadata.get("assignee") not in self.assignees)

    @property
    def empty(self) -> bool:
        return not (self.kinds or self.since or self.until or self.statuses or self.assignees)


class DocumentHit(RecordModel):
    """One result of a search: a document, with its best chunks under it, best first.

    People count results in documents; a document whose every section matches is still one
    result. Documents rank by their best chunk.
    """

    document_id: str
    kind: Kind
    title: str
    date: dt.date | None = None
    chunks: list[Evidence]

    @property
    def best(self) -> Evidence:
        return self.chunks[0]
