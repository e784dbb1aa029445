"""Run `pmassist` and kill it with SIGKILL at a chosen point of a write: the way a crash, an OOM
kill or a power cut ends a run, with no chance to clean up.

    python -m tests.crash_points POINT N ingest RECORD --project P

kills the process the N-th time it reaches POINT (see POINTS). Used by tests/test_consistency.py
and bench/faults.py; nothing here is part of pmassist.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.store.documents import DocumentStore
from assistant.store.vectors import ProjectIndex

# Where a run can die: around each vector write and each commit of the manifest.
POINTS = (
    "before_upsert",  # vectors announced, not written
    "after_upsert",  # vectors written, the manifest not yet switched to them
    "after_commit",  # the manifest switched, the old vectors not yet removed
    "after_delete",  # old vectors removed, their announcement not yet cleared
    "after_removal",  # a forget's manifest rows gone, its vectors not yet removed
    "after_copy",  # an erasure's fresh copy of the vectors made, not yet swapped in
)


REPO = Path(__file__).resolve().parent.parent
PMASSIST = str(Path(sys.executable).with_name("pmassist"))


def run_pmassist(
    home: Path, *args: str, crash: tuple[str, int] | None = None
) -> subprocess.CompletedProcess[str]:
    """`pmassist ARGS` in a process of its own on the data folder `home`; with `crash`, killed
    the N-th time it reaches the point (its return code is then -9)."""
    command = (
        [sys.executable, "-m", "tests.crash_points", crash[0], str(crash[1])]
        if crash
        else [PMASSIST]
    )
    return subprocess.run(
        [*command, *args],
        cwd=REPO,
        env=os.environ | {"PMASSIST_HOME": str(home), "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=600,
    )


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _wrap(owner: type, name: str, count: int, *, before: bool) -> None:
    original: Callable[..., Any] = getattr(owner, name)
    calls = {"n": 0}

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if before and calls["n"] == count:
            _die()
        result = original(*args, **kwargs)
        if not before and calls["n"] == count:
            _die()
        return result

    setattr(owner, name, wrapped)


def install(point: str, count: int) -> None:
    if point == "before_upsert":
        _wrap(ProjectIndex, "upsert", count, before=True)
    elif point == "after_upsert":
        _wrap(ProjectIndex, "upsert", count, before=False)
    elif point == "after_commit":
        _wrap(DocumentStore, "commit_documents", count, before=False)
    elif point == "after_delete":
        _wrap(ProjectIndex, "delete", count, before=False)
    elif point == "after_removal":
        _wrap(DocumentStore, "remove_documents", count, before=False)
    elif point == "after_copy":
        _wrap(ProjectIndex, "copy_to", count, before=False)
    else:
        raise SystemExit(f"unknown crash point {point!r}: use {', '.join(POINTS)}")


def main() -> None:
    point, count, *arguments = sys.argv[1:]
    install(point, int(count))
    from assistant.cli import app

    app(arguments, prog_name="pmassist")


if __name__ == "__main__":
    main()
