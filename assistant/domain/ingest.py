"""What reading a project's record reports: the projects, an ingest's summary and progress, the
failures that name a file, row or field, and a reindex."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ProjectSummary:
    name: str
    embedding_model: str
    created_at: dt.datetime
    last_ingest_at: dt.datetime | None
    documents: int
    chunks: int
    by_kind: dict[str, int]


@dataclass(frozen=True)
class LoadFailure:
    """One thing that could not be read, with where it is: file, and row or field when known."""

    file: str
    reason: str
    row: int | None = None
    field: str | None = None

    def where(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where()}: {self.reason}"


@dataclass(frozen=True)
class SkippedFile:
    """A file left out on purpose, and why: a type pmassist does not read (an image, a script)
    or content with nothing to read (a list of issue numbers without titles). Not a failure."""

    file: str
    reason: str
    # No loader reads files of its type: listed together, as one kind of thing left out.
    unread_type: bool = False

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


class IngestProgress(Protocol):
    def files_found(self, count: int) -> None: ...
    def file_read(self, display: str) -> None: ...
    def embedding_planned(self, chunks: int) -> None: ...
    def chunks_embedded(self, count: int) -> None: ...


class SilentProgress:
    def files_found(self, count: int) -> None:
        pass

    def file_read(self, display: str) -> None:
        pass

    def embedding_planned(self, chunks: int) -> None:
        pass

    def chunks_embedded(self, count: int) -> None:
        pass


@dataclass
class IngestSummary:
    project: str
    files: int = 0
    files_unchanged: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    # No longer in the source but kept, because prune was not asked for.
    stale: list[str] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_items: int = 0  # items inside files read (pull requests in an issues export)
    skipped_files: list[SkippedFile] = field(default_factory=list)
    chunks_written: int = 0
    embed_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class ErasureSummary:
    """What `forget` removed, and what is left for the PM to decide."""

    project: str
    document_id: str
    chunks: int = 0
    finished_interrupted: bool = False  # the document was already gone: a crashed erasure
    answers_redacted: int = 0
    risk_entries: list[str] = field(default_factory=list)  # lost the document as evidence
    drafts_quoting: list[int] = field(default_factory=list)  # for `pmassist drafts redact`
    upload_removed: str | None = None  # the uploaded file that held only this document
    upload_still_holding: str | None = None  # an uploaded file that holds other documents too
    purged: bool = True  # the stores' files were rewritten; False: retried on the next write


@dataclass(frozen=True)
class ReindexSummary:
    project: str
    model_id: str
    chunks: int
    seconds: float


@dataclass
class ConsistencyReport:
    """How a project's relational store, vector index and keyword index agree (`pmassist
    check`), and what a repair did about it."""

    project: str
    chunks: int
    vectors: int
    missing_vectors: list[str] = field(default_factory=list)  # chunks without a vector
    orphan_vectors: list[str] = field(default_factory=list)  # vectors no chunk has
    pending_writes: int = 0  # vector writes announced by a run that did not finish
    keyword_index_current: bool = True
    abandoned_reindex: bool = False  # a staged copy left by a reindex that did not finish
    text_in_vector_index: bool = False  # built by an earlier version that stored chunk text
    unpurged_erasures: list[str] = field(default_factory=list)  # erased, files not yet purged
    repaired: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not (
            self.missing_vectors
            or self.orphan_vectors
            or self.pending_writes
            or not self.keyword_index_current
            or self.abandoned_reindex
            or self.text_in_vector_index
            or self.unpurged_erasures
        )
