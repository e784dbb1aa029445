"""One writer per project across processes: a lock file beside the data.

Ingest, uploads, reindex, forget and risk suggestion runs of a project hold its lock, so two of
them (in one process or in several: a CLI beside `pmassist serve`) never interleave their writes
to the relational store and the vector index. A second writer waits for the first, up to a time
limit, then gives up with a message naming what holds the project.

The lock is an advisory `flock` on `PMASSIST_HOME/locks/<project>.lock`; the kernel releases it
when its process ends, however it ends, so a crash never leaves a project locked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from assistant.domain.errors import PmassistError

log = logging.getLogger("pmassist")
POLL_SECONDS = 0.2


class ProjectBusyError(PmassistError):
    def __init__(self, project: str, holder: str, waited: float) -> None:
        super().__init__(
            f"Project '{project}' is being changed by another pmassist ({holder}); waited "
            f"{waited:.0f} s. Try again when it has finished.",
            field="project",
        )
        self.project = project


class ProjectLocks:
    def __init__(self, folder: Path, wait_seconds: float, engine: Engine | None = None) -> None:
        """`engine`: on PostgreSQL the lock is also taken in the database (an advisory lock),
        so pmassist servers on several machines sharing it take turns too."""
        self.folder = folder
        self.wait_seconds = wait_seconds
        self.engine = engine if engine is not None and engine.dialect.name == "postgresql" else None

    @contextlib.contextmanager
    def hold(self, project: str, action: str) -> Iterator[None]:
        """Hold the project's lock for `action` (e.g. "ingest"), waiting for another holder."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{project}.lock"
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
        try:
            started = time.monotonic()
            announced = False
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = _holder(path)
                    waited = time.monotonic() - started
                    if waited >= self.wait_seconds:
                        raise ProjectBusyError(project, holder, waited) from None
                    if not announced:
                        log.warning(
                            "Waiting for another pmassist changing project '%s' (%s).",
                            project,
                            holder,
                        )
                        announced = True
                    time.sleep(POLL_SECONDS)
            handle.seek(0)
            handle.truncate()
            handle.write(
                json.dumps(
                    {
                        "action": action,
                        "pid": os.getpid(),
                        "since": dt.datetime.now(dt.UTC).strftime("%H:%M:%S UTC"),
                    }
                )
            )
            handle.flush()
            with self._in_database(project, started):
                yield
        finally:
            # Closing the file releases the lock (and a killed process's lock goes with it).
            handle.close()

    @contextlib.contextmanager
    def _in_database(self, project: str, started: float) -> Iterator[None]:
        if self.engine is None:
            yield
            return
        key = f"pmassist {self.folder.name} {project}"
        # A session-level advisory lock: it goes with the connection, so a killed process's
        # lock is released by the server when its connection drops.
        with self.engine.connect() as connection:
            while not connection.scalar(
                text("SELECT pg_try_advisory_lock(hashtext(:key))"), {"key": key}
            ):
                connection.rollback()
                waited = time.monotonic() - started
                if waited >= self.wait_seconds:
                    raise ProjectBusyError(project, "a pmassist on another machine", waited)
                time.sleep(POLL_SECONDS)
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": key})
                connection.commit()


def _holder(path: Path) -> str:
    try:
        found = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another process"
    if not found:
        return "another process"
    action, pid, since = found.get("action", "a change"), found.get("pid", "?"), found.get("since")
    return f"{action}, pid {pid}, since {since}" if since else f"{action}, pid {pid}"
