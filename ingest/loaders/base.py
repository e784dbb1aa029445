"""What every loader returns: documents with their text sections, and failures that name a place."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from assistant.domain.ingest import LoadFailure
from assistant.domain.record import Document, Kind, Locator, StatusCategory


class SourceLine(NamedTuple):
    """A line of a document as a person would find it: its number in the file and, for
    transcripts, the time it was said."""

    number: int
    text: str
    time: str | None = None
    time_end: str | None = None
    last_number: int | None = None  # when one logical line spans several (a transcript turn)


@dataclass
class SourceSection:
    """A titled run of lines; chunks never straddle two sections.

    `numbered` is False when line numbers mean nothing to a reader (a ticket rendered from its
    fields, a CSV row); the locator then names the ticket or row instead of lines.
    """

    heading: str | None
    lines: list[SourceLine]
    locator: Locator
    numbered: bool = True
    # The headings above this section, outermost first, ending with its own ("Notes", "Done").
    heading_path: tuple[str, ...] = ()


@dataclass
class LoadedDocument:
    document: Document
    sections: list[SourceSection]


class LoadError(Exception):
    """Raised inside a loader for a problem that spoils the whole file."""

    def __init__(self, reason: str, row: int | None = None, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.row = row
        self.field = field


class RowError(LoadError):
    """Raised inside a loader for a problem that spoils one row (the others still load)."""


@dataclass
class LoadResult:
    format: str
    documents: list[LoadedDocument] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0


@dataclass(frozen=True)
class LoaderOptions:
    project: str
    kind: Kind | None = None
    status_map: dict[str, StatusCategory] = field(default_factory=dict)
    jira_browse_url: str | None = None
    # Keys of lines the file's series repeats in most notes (`boilerplate.series_boilerplate`);
    # the ingest adds them to each file's fingerprint, so they are not in `signature`.
    boilerplate: frozenset[str] = frozenset()

    def signature(self) -> str:
        """Changes whenever an option would change what a loader produces."""
        payload = {
            "kind": self.kind.value if self.kind else None,
            "status_map": sorted((k, v.value) for k, v in self.status_map.items()),
            "jira": self.jira_browse_url,
        }
        return json.dumps(payload, sort_keys=True)


@dataclass(frozen=True)
class SourceFile:
    """A file being loaded: where it is on disk and how it is shown to people."""

    path: Path
    display: str


def content_hash(document: Document, sections: list[SourceSection], layout: str = "") -> str:
    """Hash of everything that ends up in the store, so any change triggers a re-ingest:
    the document, its sections and lines, and the `layout` of the chunks made of them."""
    digest = hashlib.sha256()
    digest.update(layout.encode())
    digest.update(document.model_dump_json(exclude={"content_hash"}).encode())
    for section in sections:
        digest.update(
            json.dumps(
                [section.heading, list(section.heading_path), section.locator.model_dump()]
            ).encode()
        )
        for line in section.lines:
            digest.update(json.dumps(list(line)).encode())
    return digest.hexdigest()


FILE_DATE = re.compile(r"(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "untitled"


def date_from_filename(stem: str) -> dt.date | None:
    match = FILE_DATE.search(stem)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def title_from_filename(stem: str) -> str:
    words = FILE_DATE.sub(" ", stem)
    words = re.sub(r"[-_]+", " ", words).strip()
    return words[:1].upper() + words[1:] if words else stem
