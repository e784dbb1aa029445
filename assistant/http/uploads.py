"""Files uploaded over HTTP, handed to the service's upload jobs."""

from __future__ import annotations

from fastapi import UploadFile

from assistant.service import Assistant
from assistant.service.uploads import IngestJob


def start_upload(assistant: Assistant, project: str, files: list[UploadFile]) -> IngestJob:
    """Read the uploaded files (no more of each than the size limit allows) and start the
    ingest job; a file the service refuses is an error naming it."""
    uploads = []
    for upload in files:
        data = upload.file.read(assistant.uploads.max_bytes + 1)
        assistant.uploads.check_upload(upload.filename or "", len(data))
        uploads.append((upload.filename or "", data))
    return assistant.uploads.start(project, uploads)
