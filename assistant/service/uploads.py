"""Adding documents by upload: the files are saved under the project's upload folder and
ingested by a worker thread while the caller polls the job's progress. The ingest holds the
project's lock, so two uploads (or an upload and a CLI ingest) never interleave their writes."""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from assistant.domain.errors import InvalidInputError, PmassistError
from assistant.service.records import RecordService

JobState = Literal["queued", "running", "done", "failed"]


@dataclass
class IngestJob:
    id: str
    project: str
    files: list[str]
    state: JobState = "queued"
    files_total: int = 0
    files_read: int = 0
    chunks_total: int = 0
    chunks_done: int = 0
    error: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    # IngestProgress, called from the worker thread.
    def files_found(self, count: int) -> None:
        self.files_total = count

    def file_read(self, display: str) -> None:
        self.files_read += 1

    def embedding_planned(self, chunks: int) -> None:
        self.chunks_total = chunks

    def chunks_embedded(self, count: int) -> None:
        self.chunks_done += count

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "project": self.project,
            "files": self.files,
            "state": self.state,
            "files_total": self.files_total,
            "files_read": self.files_read,
            "chunks_total": self.chunks_total,
            "chunks_embedded": self.chunks_done,
            "error": self.error,
            "summary": self.summary,
        }


MAX_NAME = 120  # characters of a saved upload's name; file systems refuse names over 255 bytes


def safe_file_name(name: str) -> str:
    """An uploaded file's name, with no folders and nothing a file system would mind. A long
    name keeps its start and its extension, with a short hash of the whole so that two long
    names stay apart."""
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .")
    if not cleaned:
        raise InvalidInputError(f"The file name {name!r} cannot be used.", field="files")
    if len(cleaned) > MAX_NAME:
        suffix = Path(cleaned).suffix[:12]
        digest = hashlib.sha256(cleaned.encode()).hexdigest()[:8]
        cleaned = f"{cleaned[: MAX_NAME - len(suffix) - 9].rstrip(' .')}-{digest}{suffix}"
    return cleaned


class UploadService:
    def __init__(
        self, records: RecordService, upload_root: Path, max_bytes: int, max_files: int
    ) -> None:
        self.records = records
        self.upload_root = upload_root
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.jobs: dict[str, IngestJob] = {}
        self._guard = threading.Lock()

    def check_upload(self, name: str, size: int) -> str:
        """The name to save an upload under, or an error naming the file."""
        cleaned = safe_file_name(name)
        extensions = self.records.supported_extensions()
        if Path(cleaned).suffix.lower() not in extensions:
            raise InvalidInputError(
                f"{name}: pmassist reads {', '.join(extensions)} files.", field="files"
            )
        if size > self.max_bytes:
            raise InvalidInputError(
                f"{name} is larger than the limit of {self.max_bytes:,} bytes.", field="files"
            )
        return cleaned

    def start(self, project: str, uploads: list[tuple[str, bytes]]) -> IngestJob:
        """Save the files under the project's upload folder and ingest that folder."""
        names = [self.check_upload(name, len(data)) for name, data in uploads]
        if not names:
            raise InvalidInputError("Choose at least one file to upload.", field="files")
        if len(names) > self.max_files:
            raise InvalidInputError(
                f"Upload at most {self.max_files} files at a time.", field="files"
            )
        folder = self.upload_root / project
        folder.mkdir(parents=True, exist_ok=True)
        for name, (_, data) in zip(names, uploads, strict=True):
            (folder / name).write_bytes(data)
        job = IngestJob(id=uuid.uuid4().hex, project=project, files=names)
        with self._guard:
            self.jobs[job.id] = job
        thread = threading.Thread(target=self._run, args=(job, folder), daemon=True)
        thread.start()
        return job

    def job(self, job_id: str) -> IngestJob | None:
        return self.jobs.get(job_id)

    def _run(self, job: IngestJob, folder: Path) -> None:
        # The ingest holds the project's lock: another upload, or a CLI ingest, waits its turn.
        job.state = "running"
        try:
            summary = self.records.ingest([folder], job.project, progress=job)
        except PmassistError as error:
            job.state, job.error = "failed", str(error)
            return
        job.summary = {
            "added": len(summary.added),
            "updated": len(summary.updated),
            "unchanged": summary.unchanged,
            "failures": [
                {"file": f.file, "row": f.row, "field": f.field, "reason": f.reason}
                for f in summary.failures
            ],
            "warnings": summary.warnings[:20],
            "skipped": [
                {"file": skip.file, "reason": skip.reason} for skip in summary.skipped_files
            ],
        }
        job.state = "done"
