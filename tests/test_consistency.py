"""Nothing lost: runs killed with SIGKILL at each write point, two ingests of one project at
once, a moved copy of the record, an interrupted forget and reindex. Each ends with the
relational store, the vector index and the keyword index in step (`pmassist check`).

Every run is a real `pmassist` process (`tests/crash_points.py` kills it where asked)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.domain.ingest import ConsistencyReport
from assistant.embeddings import Embedder
from assistant.service import Assistant
from tests.conftest import REPO
from tests.crash_points import run_pmassist

FILES = ("2026-10-15-payments-weekly.md", "jira-cloud-export.csv", "0008-keep-history-24-months.md")
NEW_LINE = "\n- Chargeback reconciliation moved to the Tuesday batch window (zebra-falcon).\n"


def pmassist(home: Path, *args: str, crash: tuple[str, int] | None = None) -> int:
    """Run pmassist in a process of its own; returns its exit code (-9 when killed)."""
    completed = run_pmassist(home, *args, crash=crash)
    if completed.returncode not in (0, -signal.SIGKILL):
        print(completed.stdout, completed.stderr)
    return completed.returncode


def report(home: Path, embedder: Embedder, project: str = "payments") -> ConsistencyReport:
    assistant = Assistant(Settings(_env_file=None, home=home), embedder=embedder)  # type: ignore[call-arg]
    [found] = assistant.records.check(project)
    return found


@pytest.fixture
def record(tmp_path: Path, samples: Path) -> Path:
    folder = tmp_path / "record"
    folder.mkdir()
    for name in FILES:
        shutil.copy(samples / name, folder)
    return folder


@pytest.mark.parametrize("point", ["before_upsert", "after_upsert", "after_commit", "after_delete"])
def test_a_run_killed_at_any_write_point_is_repaired_by_the_next(
    point: str, record: Path, tmp_path: Path, embedder: Embedder
) -> None:
    home = tmp_path / "home"
    assert pmassist(home, "ingest", str(record), "-p", "payments") == 0
    before = report(home, embedder)
    assert before.consistent and before.chunks == before.vectors
    minutes = record / FILES[0]
    minutes.write_text(minutes.read_text(encoding="utf-8") + NEW_LINE, encoding="utf-8")

    killed = pmassist(home, "ingest", str(record), "-p", "payments", crash=(point, 1))
    assert killed == -signal.SIGKILL
    assert pmassist(home, "ingest", str(record), "-p", "payments") == 0
    after = report(home, embedder)
    assert after.consistent, after
    assert after.chunks == after.vectors >= before.chunks
    assistant = Assistant(Settings(_env_file=None, home=home), embedder=embedder)  # type: ignore[call-arg]
    hits = assistant.records.search("zebra falcon chargeback reconciliation", "payments", k=3)
    assert any("zebra-falcon" in hit.text for hit in hits), [hit.text for hit in hits]


def test_two_ingests_of_one_project_at_once_lose_nothing(
    record: Path, tmp_path: Path, samples: Path, embedder: Embedder
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    for name in ("steering-notes.md", "0007-use-managed-postgresql.md", "github-issues.json"):
        shutil.copy(samples / name, other)
    home = tmp_path / "home"
    pmassist(home, "projects")  # create the data folder before the race
    command = str(Path(sys.executable).with_name("pmassist"))
    env = os.environ | {"PMASSIST_HOME": str(home)}
    runs = [
        subprocess.Popen(
            [command, "ingest", str(folder), "-p", "payments"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for folder in (record, other)
    ]
    assert [run.wait(timeout=300) for run in runs] == [0, 0]
    found = report(home, embedder)
    assert found.consistent, found
    assert found.chunks == found.vectors


def test_a_crash_while_ingesting_a_moved_copy_loses_no_vectors(
    record: Path, tmp_path: Path, embedder: Embedder
) -> None:
    home = tmp_path / "home"
    assert pmassist(home, "ingest", str(record), "-p", "payments") == 0
    before = report(home, embedder)
    moved = tmp_path / "moved" / "record"
    shutil.copytree(record, moved)  # the same documents, read from another place
    assert pmassist(home, "ingest", str(moved), "-p", "payments", crash=("after_upsert", 1)) == -9
    assert pmassist(home, "ingest", str(moved), "-p", "payments") == 0
    after = report(home, embedder)
    assert after.consistent, after
    assert after.vectors == after.chunks == before.chunks


def test_an_interrupted_forget_is_finished_by_running_it_again(
    record: Path, tmp_path: Path, embedder: Embedder
) -> None:
    home = tmp_path / "home"
    assert pmassist(home, "ingest", str(record), "-p", "payments") == 0
    before = report(home, embedder)
    document = "ticket:PAY-104"
    assert (
        pmassist(home, "forget", document, "-p", "payments", "-y", crash=("after_removal", 1)) == -9
    )
    assert pmassist(home, "forget", document, "-p", "payments", "-y") == 0
    after = report(home, embedder)
    assert after.consistent, after
    assert after.vectors == after.chunks < before.chunks
    assert pmassist(home, "forget", document, "-p", "payments", "-y") == 2  # now it is gone


def test_an_erasure_killed_while_purging_is_finished_by_the_next_write(
    record: Path, tmp_path: Path, embedder: Embedder
) -> None:
    home = tmp_path / "home"
    assert pmassist(home, "ingest", str(record), "-p", "payments") == 0
    document = "ticket:PAY-104"
    assert pmassist(home, "forget", document, "-p", "payments", "-y", crash=("after_copy", 1)) == -9
    left = report(home, embedder)
    assert left.unpurged_erasures == [document] and not left.consistent
    assert pmassist(home, "forget", document, "-p", "payments", "-y") == 0  # finishes it
    after = report(home, embedder)
    assert after.consistent and after.vectors == after.chunks and not after.abandoned_reindex


def test_an_interrupted_reindex_leaves_nothing_behind(
    record: Path, tmp_path: Path, embedder: Embedder
) -> None:
    home = tmp_path / "home"
    assert pmassist(home, "ingest", str(record), "-p", "payments") == 0
    assert pmassist(home, "reindex", "-p", "payments", crash=("after_upsert", 1)) == -9
    left = report(home, embedder)
    assert left.abandoned_reindex and not left.consistent
    assert pmassist(home, "check") == 1
    assert pmassist(home, "check", "--repair") == 0
    assert pmassist(home, "check") == 0
    after = report(home, embedder)
    assert after.consistent and after.vectors == after.chunks


def test_check_finds_and_repairs_drift(record: Path, tmp_path: Path, embedder: Embedder) -> None:
    home = tmp_path / "home"
    assistant = Assistant(Settings(_env_file=None, home=home), embedder=embedder)  # type: ignore[call-arg]
    assistant.records.ingest([record], "payments")
    index = assistant.wiring.vectors.project_index("payments", assistant.wiring.model_id)
    lost = sorted(index.ids())[:3]
    index.delete(lost)
    index.collection.upsert(ids=["ghost#0"], embeddings=[[0.0] * 384])
    found = assistant.records.check("payments")[0]
    assert found.missing_vectors == lost and found.orphan_vectors == ["ghost#0"]
    repaired = assistant.records.check("payments", repair=True)[0]
    assert repaired.repaired
    assert assistant.records.check("payments")[0].consistent
