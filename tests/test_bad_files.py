"""Files that used to stop a whole ingest or eat the machine: a Word file that unpacks to
hundreds of megabytes, JSON nested ten thousand levels deep, a file that cannot be read. Each is
now that file's failure in the summary, and the other files are ingested. And files saved as
UTF-16 or UTF-32 with a byte order mark are read, not refused as binary."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from assistant.service import Assistant
from tests.conftest import load_path

MINUTES = "# Weekly\n\n**Date:** 2026-11-12\n\n## Decisions\n\n- DECISION: ship the café menu.\n"


def word_bomb(path: Path, megabytes: int) -> None:
    """A small .docx whose parts unpack to `megabytes` (zeros compress a thousand to one)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/media/filler.bin", "w") as filler:
            block = bytes(1 << 20)
            for _ in range(megabytes):
                filler.write(block)


def test_a_word_file_that_unpacks_to_200_mb_is_refused_unopened(tmp_path: Path) -> None:
    path = tmp_path / "2026-11-12-minutes.docx"
    word_bomb(path, 200)
    assert path.stat().st_size < 1_000_000
    result = load_path(path)
    assert result.documents == []
    [failure] = result.failures
    assert "unpacks to 200 MB" in failure.reason and failure.file == path.name


def test_json_nested_ten_thousand_levels_is_that_files_failure(tmp_path: Path) -> None:
    path = tmp_path / "issues.json"
    path.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    [failure] = load_path(path).failures
    assert "nested too deeply" in failure.reason


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_minutes_saved_as_utf16_or_utf32_with_a_bom_are_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "2026-11-12-weekly.md"
    bom = {"utf-16-be": b"\xfe\xff", "utf-32-be": b"\x00\x00\xfe\xff"}.get(encoding, b"")
    path.write_bytes(bom + MINUTES.encode(encoding))
    result = load_path(path)
    assert result.failures == []
    [loaded] = result.documents
    assert "café menu" in " ".join(line.text for s in loaded.sections for line in s.lines)


def test_one_bad_file_never_stops_the_run(
    assistant: Assistant, record: Path, samples: Path, tmp_path: Path
) -> None:
    shutil.copy(samples / "steering-notes.md", record)
    word_bomb(record / "2026-11-12-minutes.docx", 150)
    (record / "issues.json").write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    # A file the system refuses to read (tests run as root, so permissions cannot show it).
    os.symlink("/proc/self/mem", record / "2026-11-13-notes.md")
    summary = assistant.records.ingest([record], "payments")
    failed = {failure.file: failure.reason for failure in summary.failures}
    bad = ("2026-11-12-minutes.docx", "issues.json", "2026-11-13-notes.md")
    assert set(failed) == {f"record/{name}" for name in bad}
    assert "cannot read the file" in failed["record/2026-11-13-notes.md"]
    assert summary.added  # the good file went in
