"""Erasure means gone: after `forget`, no file of the data folder holds a word of the erased
document, neither its rows, nor saved answers that quoted it, nor report drafts (once the PM
redacts them, approved ones included), nor the vector store's or the database's free pages."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.domain.errors import InvalidInputError
from assistant.domain.period import PeriodChoice
from assistant.embeddings import Embedder
from assistant.service import Assistant

# A word no other document, prompt or file of pmassist contains.
SECRET = "Xanthoquill"
MINUTES = f"""# Card sync

**Date:** 2026-10-16

## Decisions

- DECISION: the {SECRET} settlement file replaces the nightly acquirer batch.

## Risks

- {SECRET} settlement may slip if the acquirer's sandbox stays rate limited.

## Action items

- [ ] Ines Duarte — send the {SECRET} file specification to the acquirer — due 2026-10-20
"""
DOCUMENT = "minutes:2026-10-16-card-sync"
WEEK = PeriodChoice(week="2026-W42")


def files_holding(folder: Path, word: str) -> list[str]:
    """Every file under `folder` whose bytes contain the word, in any letter case."""
    needle = word.lower().encode("utf-8")
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and needle in path.read_bytes().lower()
    )


@pytest.fixture
def project(tmp_path: Path, samples: Path, embedder: Embedder) -> Assistant:
    record = tmp_path / "record"
    record.mkdir()
    for name in ("2026-10-15-payments-weekly.md", "jira-cloud-export.csv"):
        shutil.copy(samples / name, record)
    (record / "2026-10-16-card-sync.md").write_text(MINUTES, encoding="utf-8")
    settings = Settings(_env_file=None, home=tmp_path / "home")  # type: ignore[call-arg]
    assistant = Assistant(settings, embedder=embedder, language_model=None)
    assistant.records.ingest([record], "payments")
    return assistant


def test_forget_leaves_no_copy_in_the_data_folder(project: Assistant) -> None:
    home = project.settings.home
    answer = project.questions.ask("What replaces the nightly acquirer batch?", "payments")
    assert SECRET in answer.text  # the saved answer quotes the document
    draft_id, report = project.reports.draft("payments", WEEK)
    assert any(source.document_id == DOCUMENT for source in report.sources)
    project.drafts.approve(
        draft_id,
        "Olu Bakare",
        override_reason="sent to the board",
        status="keep",
        status_reason="the committee stated Amber",
    )
    assert files_holding(home, SECRET)

    erased = project.records.forget("payments", DOCUMENT)

    assert erased.answers_redacted == 1 and erased.purged
    assert erased.drafts_quoting == [draft_id]
    [redacted] = project.wiring.conversations.answers(answer.conversation_id)
    assert SECRET not in redacted.text and "was erased" in redacted.text
    assert all(source.document_id != DOCUMENT for source in redacted.sources)
    # Only the approved draft still holds the words, until the PM redacts it.
    assert files_holding(home, SECRET)

    done = project.drafts.redact(draft_id, DOCUMENT, "Olu Bakare")

    assert done.redacted == [draft_id] and done.new_id is not None and done.purged
    assert project.drafts.get(draft_id).status == "approved"  # the decision stands
    new_version = project.drafts.report(done.new_id)
    assert new_version is not None
    assert all(source.document_id != DOCUMENT for source in new_version.sources)
    actions = [(entry.draft_id, entry.action) for entry in project.drafts.audit(draft_id)]
    assert (draft_id, "redacted") in actions and (done.new_id, "saved") in actions
    assert files_holding(home, SECRET) == []


def test_an_uploaded_file_goes_with_the_document_it_held(project: Assistant) -> None:
    job = project.uploads.start(
        "payments",
        [("2026-10-17-ops-notes.md", MINUTES.replace("Card sync", "Ops notes").encode("utf-8"))],
    )
    deadline = time.monotonic() + 120
    while job.state in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert job.state == "done", job.error
    uploaded = project.settings.uploads_path / "payments" / "2026-10-17-ops-notes.md"
    assert uploaded.exists()

    erased = project.records.forget("payments", "minutes:2026-10-17-ops-notes")

    assert erased.upload_removed == uploaded.name and not uploaded.exists()


def test_redacting_a_draft_that_does_not_quote_the_document_is_refused(
    project: Assistant,
) -> None:
    draft_id, _ = project.reports.draft("payments", WEEK)
    with pytest.raises(InvalidInputError, match="does not quote ticket:NOPE-1"):
        project.drafts.redact(draft_id, "ticket:NOPE-1", "Olu Bakare")
