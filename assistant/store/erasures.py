"""Erasures not yet purged: a file per project naming the documents erased, written before an
erasure starts and removed once nothing of them is left in the stores' files.

An erasure removes rows and vectors first, then rewrites the files that may still hold copies
(the vector collection, the database's free pages). When a crash or a busy database stops it
between the two, the next write to the project, or `pmassist check --repair`, finishes it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class PendingErasures:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, project: str) -> Path:
        return self.folder / f"{project}.erasing"

    def of(self, project: str) -> list[str]:
        """The documents of the project whose erasure is not yet purged."""
        try:
            return list(json.loads(self._path(project).read_text(encoding="utf-8")))
        except FileNotFoundError:
            return []

    def add(self, project: str, document_id: str) -> None:
        pending = self.of(project)
        if document_id in pending:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        staging = self._path(project).with_suffix(f".{os.getpid()}.tmp")
        staging.write_text(json.dumps([*pending, document_id]), encoding="utf-8")
        staging.replace(self._path(project))

    def clear(self, project: str) -> None:
        self._path(project).unlink(missing_ok=True)
