"""Incremental ingest against the real stores: embedded Chroma, SQLite and the MiniLM model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.domain.errors import (
    EmbeddingModelMismatchError,
    InvalidInputError,
    UnknownDocumentError,
    UnknownProjectError,
)
from assistant.domain.record import Kind
from assistant.domain.search import RetrievalFilter
from assistant.service import Assistant
from assistant.store.vectors import collection_name
from ingest.chunking import Chunker
from tests.conftest import CountingEmbedder

SAMPLE_FILES = [
    "2026-10-15-payments-weekly.md",
    "jira-cloud-export.csv",
    "0007-use-managed-postgresql.md",
    "decision-log.csv",
]


def fill(record: Path, samples: Path, names: list[str]) -> None:
    for name in names:
        shutil.copy(samples / name, record / name)


def vector_ids(assistant: Assistant, project: str) -> set[str]:
    collection = assistant.wiring.vectors.client.get_collection(collection_name(project))
    return set(collection.get(include=[])["ids"])


def stored_chunk_ids(assistant: Assistant, project: str) -> set[str]:
    return {
        chunk.id for batch in assistant.wiring.documents.iter_chunks(project) for chunk in batch
    }


def test_first_ingest_adds_everything(assistant: Assistant, record: Path, samples: Path) -> None:
    fill(record, samples, SAMPLE_FILES)
    summary = assistant.records.ingest([record], "payments")
    # 1 minutes + 5 tickets + 1 ADR + 3 logged decisions; the log's bad row is a failure.
    assert len(summary.added) == 10
    assert summary.updated == [] and summary.unchanged == 0
    assert [(f.file, f.row, f.field) for f in summary.failures] == [
        ("record/decision-log.csv", 5, "Date")
    ]
    kinds = {doc.kind for doc in assistant.records.documents("payments")}
    assert kinds == {Kind.MINUTES, Kind.TICKET, Kind.DECISION}
    # Chroma and SQLite hold exactly the same chunks.
    assert vector_ids(assistant, "payments") == stored_chunk_ids(assistant, "payments")
    assert summary.chunks_written == len(stored_chunk_ids(assistant, "payments"))


def test_same_ingest_twice_changes_nothing(
    assistant: Assistant, counting_embedder: CountingEmbedder, record: Path, samples: Path
) -> None:
    fill(record, samples, SAMPLE_FILES)
    assistant.records.ingest([record], "payments")
    before_vectors = vector_ids(assistant, "payments")
    before_docs = {d.id: d.content_hash for d in assistant.records.documents("payments")}
    embedded = counting_embedder.texts_embedded

    again = assistant.records.ingest([record], "payments")

    assert again.added == [] and again.updated == [] and again.removed == []
    assert again.unchanged == 10
    assert counting_embedder.texts_embedded == embedded  # nothing re-embedded
    assert again.files_unchanged == 3  # the decision log has a failing row, so it is re-read
    assert vector_ids(assistant, "payments") == before_vectors
    assert {d.id: d.content_hash for d in assistant.records.documents("payments")} == before_docs


def test_changed_document_is_replaced_and_only_it(
    assistant: Assistant, counting_embedder: CountingEmbedder, record: Path, samples: Path
) -> None:
    fill(record, samples, SAMPLE_FILES)
    assistant.records.ingest([record], "payments")
    old_ids = {
        cid for cid in vector_ids(assistant, "payments") if cid.startswith("ticket:PAY-102#")
    }
    export = record / "jira-cloud-export.csv"
    export.write_text(
        export.read_text("utf-8").replace(
            "Retire legacy settlement job", "Retire legacy settlement batch"
        ),
        "utf-8",
    )
    embedded = counting_embedder.texts_embedded

    summary = assistant.records.ingest([record], "payments")

    assert summary.updated == ["ticket:PAY-102"]
    assert summary.added == []
    assert counting_embedder.texts_embedded - embedded == 1  # one chunk for one ticket
    ids = vector_ids(assistant, "payments")
    assert old_ids and not (old_ids & ids)  # the old version's vectors are gone
    assert ids == stored_chunk_ids(assistant, "payments")
    updated = assistant.wiring.documents.document("payments", "ticket:PAY-102")
    assert updated is not None and updated.title == "PAY-102: Retire legacy settlement batch"
    hits = assistant.records.search("retire the settlement batch", "payments", k=1)
    assert hits[0].document_id == "ticket:PAY-102"


def test_removed_documents_are_kept_until_prune(
    assistant: Assistant, record: Path, samples: Path
) -> None:
    fill(record, samples, SAMPLE_FILES)
    assistant.records.ingest([record], "payments")
    (record / "0007-use-managed-postgresql.md").unlink()
    export = record / "jira-cloud-export.csv"
    lines = export.read_text("utf-8").split("\n")
    export.write_text("\n".join(line for line in lines if ",PAY-101," not in line), "utf-8")

    kept = assistant.records.ingest([record], "payments")
    assert sorted(kept.stale) == ["decision:ADR-0007", "ticket:PAY-101"]
    assert kept.removed == []
    assert assistant.wiring.documents.document("payments", "decision:ADR-0007") is not None

    pruned = assistant.records.ingest([record], "payments", prune=True)
    assert sorted(pruned.removed) == ["decision:ADR-0007", "ticket:PAY-101"]
    remaining = {d.id for d in assistant.records.documents("payments")}
    assert "decision:ADR-0007" not in remaining and "ticket:PAY-101" not in remaining
    assert not any(
        cid.startswith(("decision:ADR-0007#", "ticket:PAY-101#"))
        for cid in vector_ids(assistant, "payments")
    )
    assert vector_ids(assistant, "payments") == stored_chunk_ids(assistant, "payments")


def test_prune_only_touches_the_given_paths(
    assistant: Assistant, tmp_path: Path, samples: Path
) -> None:
    minutes, tickets = tmp_path / "minutes", tmp_path / "tickets"
    minutes.mkdir()
    tickets.mkdir()
    fill(minutes, samples, ["2026-10-15-payments-weekly.md"])
    fill(tickets, samples, ["jira-cloud-export.csv"])
    assistant.records.ingest([minutes, tickets], "payments")
    summary = assistant.records.ingest([minutes], "payments", prune=True)
    assert summary.removed == []
    assert len(assistant.records.documents("payments", Kind.TICKET)) == 5


def test_a_file_that_fails_loses_nothing(assistant: Assistant, record: Path, samples: Path) -> None:
    fill(record, samples, SAMPLE_FILES)
    assistant.records.ingest([record], "payments")
    before = vector_ids(assistant, "payments")
    (record / "jira-cloud-export.csv").write_bytes(b"\x00\x01binary garbage\x00")

    summary = assistant.records.ingest([record], "payments", prune=True)

    reasons = {f.file: f.reason for f in summary.failures}
    assert "binary file" in reasons["record/jira-cloud-export.csv"]
    assert summary.removed == []  # the failed file's tickets are not pruned
    assert len(assistant.records.documents("payments", Kind.TICKET)) == 5
    assert vector_ids(assistant, "payments") == before
    assert (
        assistant.records.search("card payments time out", "payments", k=1)[0].document_id
        == "ticket:PAY-104"
    )


def test_bad_files_do_not_stop_the_run(assistant: Assistant, record: Path, samples: Path) -> None:
    fill(record, samples, ["2026-10-15-payments-weekly.md", "jira-bad-rows.csv"])
    (record / "scan.pdf").write_bytes(b"%PDF-1.7")
    (record / "undecodable.md").write_bytes(b"Notes \x81\x8d\x8f\x90\x9d")
    (record / ".DS_Store").write_bytes(b"\x00")
    summary = assistant.records.ingest([record], "payments")
    where = sorted(f.where() for f in summary.failures)
    assert where == [
        "record/jira-bad-rows.csv, row 3, field 'Created'",
        "record/jira-bad-rows.csv, row 4, field 'Summary'",
        "record/jira-bad-rows.csv, row 5",
        "record/undecodable.md",
    ]
    # A PDF in the folder is a type pmassist does not read: skipped, not failed.
    assert [(s.file, s.reason) for s in summary.skipped_files] == [
        ("record/scan.pdf", "pmassist does not read .pdf files")
    ]
    reasons = {f.file: f.reason for f in summary.failures}
    assert "cannot decode the file as UTF-8 or Windows-1252" in reasons["record/undecodable.md"]
    assert sorted(summary.added) == [
        "minutes:2026-10-15-payments-weekly",
        "ticket:OPS-1",
        "ticket:OPS-5",
    ]


def test_duplicate_document_ids_across_files(
    assistant: Assistant, tmp_path: Path, samples: Path
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    fill(first, samples, ["jira-cloud-export.csv"])
    fill(second, samples, ["jira-cloud-export.csv"])
    summary = assistant.records.ingest([first, second], "payments")
    assert len(summary.added) == 5
    assert len(summary.failures) == 5
    assert "also comes from a/jira-cloud-export.csv" in summary.failures[0].reason


def test_bad_paths_and_names(assistant: Assistant, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="No such file or folder"):
        assistant.records.ingest([tmp_path / "missing"], "payments")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InvalidInputError, match="No files found"):
        assistant.records.ingest([empty], "payments")
    with pytest.raises(InvalidInputError, match="Invalid project name"):
        assistant.records.ingest([tmp_path], "bad name!")
    with pytest.raises(UnknownProjectError, match="Unknown project 'nope'"):
        assistant.records.search("anything", "nope")


def test_forget_erases_a_document_everywhere(
    assistant: Assistant, record: Path, samples: Path
) -> None:
    fill(record, samples, SAMPLE_FILES)
    assistant.records.ingest([record], "payments")
    erased = assistant.records.forget("payments", "ticket:PAY-104")
    # The ticket and its last comment: a chunk header names its date in words too.
    assert erased.chunks == 2 and erased.purged
    assert assistant.wiring.documents.document("payments", "ticket:PAY-104") is None
    assert not any(cid.startswith("ticket:PAY-104#") for cid in vector_ids(assistant, "payments"))
    assert all(
        hit.document_id != "ticket:PAY-104"
        for hit in assistant.records.search("card payments time out", "payments")
    )
    with pytest.raises(UnknownDocumentError):
        assistant.records.forget("payments", "ticket:PAY-104")
    # The source still holds it, so the next ingest brings it back.
    summary = assistant.records.ingest([record], "payments")
    assert summary.added == ["ticket:PAY-104"]


def test_another_embedding_model_is_refused_with_the_fix(
    assistant: Assistant, settings: Settings, record: Path, samples: Path
) -> None:
    fill(record, samples, ["0007-use-managed-postgresql.md"])
    assistant.records.ingest([record], "payments")
    openai_settings = settings.model_copy(update={"embeddings": "openai"})
    other = Assistant(openai_settings)
    with pytest.raises(EmbeddingModelMismatchError) as error:
        other.records.ingest([record], "payments")
    message = str(error.value)
    assert "sentence-transformers/all-MiniLM-L6-v2" in message
    assert "openai/text-embedding-3-small" in message
    assert "reindex the project" in message
    with pytest.raises(EmbeddingModelMismatchError):
        other.records.search("database", "payments")


def test_reindex_rebuilds_the_vectors(assistant: Assistant, record: Path, samples: Path) -> None:
    fill(record, samples, SAMPLE_FILES)
    assistant.records.ingest([record], "payments")
    before = vector_ids(assistant, "payments")
    summary = assistant.records.reindex("payments")
    assert summary.chunks == len(before)
    assert vector_ids(assistant, "payments") == before
    names = {c.name for c in assistant.wiring.vectors.client.list_collections()}
    assert names == {collection_name("payments")}
    assert (
        assistant.records.search("managed PostgreSQL licence", "payments", k=1)[0].document_id
        == "decision:ADR-0007"
    )


def test_an_interrupted_write_is_repaired(
    assistant: Assistant, record: Path, samples: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    fill(record, samples, ["0007-use-managed-postgresql.md"])
    assistant.records.ingest([record], "payments")
    # A crash after the new vectors were written but before SQLite switched to them.
    orphan = "decision:ADR-0007#deadbeef0000-0"
    index = assistant.wiring.vectors.project_index("payments", assistant.wiring.model_id)
    intent = assistant.wiring.documents.announce_vector_write("payments", "upsert", [orphan])
    index.collection.upsert(
        ids=[orphan], embeddings=embedder.embed_texts(["orphan"]), documents=["orphan"]
    )
    assert orphan in vector_ids(assistant, "payments")

    assistant.records.ingest([record], "payments")

    assert orphan not in vector_ids(assistant, "payments")
    assert assistant.wiring.documents.pending_vector_writes("payments") == []
    assert intent > 0
    assert vector_ids(assistant, "payments") == stored_chunk_ids(assistant, "payments")


def test_search_filters(assistant: Assistant, record: Path, samples: Path) -> None:
    import datetime as dt

    fill(record, samples, SAMPLE_FILES)
    assistant.records.ingest([record], "payments")
    decisions = assistant.records.search(
        "payments", "payments", k=20, filters=RetrievalFilter(kinds=(Kind.DECISION,))
    )
    assert decisions and {hit.kind for hit in decisions} == {"decision"}
    recent = assistant.records.search(
        "payments", "payments", k=20, filters=RetrievalFilter(since=dt.date(2026, 10, 10))
    )
    assert recent and all(hit.date and hit.date >= dt.date(2026, 10, 10) for hit in recent)
    assert (
        assistant.records.search(
            "payments", "payments", k=3, filters=RetrievalFilter(until=dt.date(2026, 1, 1))
        )
        == []
    )
    with pytest.raises(InvalidInputError, match="empty"):
        assistant.records.search("  ", "payments")


def test_a_checklist_the_notes_of_a_folder_repeat_is_not_stored_as_actions(
    assistant: Assistant, tmp_path: Path
) -> None:
    record = tmp_path / "notes"
    record.mkdir()
    tasks = ["rerun the reconciliation", "close audit item 7", "book the review room"]

    def note(day: int, task: str) -> None:
        (record / f"2026-05-0{day}.md").write_text(
            f"# 2026-05-0{day}\n\n## Action points\n"
            "* [x] Publish this meeting note on the wiki\n"
            f"* [ ] Dana Fox — {task}\n",
            encoding="utf-8",
        )

    for day, task in enumerate(tasks, start=1):
        note(day, task)
    assistant.records.ingest([record], "notes")

    def actions() -> dict[str, list[str]]:
        return {
            str(d.date): [item.task for item in d.record.action_items]  # type: ignore[union-attr]
            for d in assistant.records.documents("notes")
        }

    # Three notes are too few to call anything a series' template.
    assert actions()["2026-05-01"] == ["Publish this meeting note on the wiki", tasks[0]]
    # A fourth note makes the checklist the series' own: every note is read again without it.
    note(4, "send the vendor the logs")
    summary = assistant.records.ingest([record], "notes")
    assert sorted(summary.updated) == [f"minutes:2026-05-0{day}" for day in (1, 2, 3)]
    assert actions() == {
        "2026-05-01": [tasks[0]],
        "2026-05-02": [tasks[1]],
        "2026-05-03": [tasks[2]],
        "2026-05-04": ["send the vendor the logs"],
    }


def test_a_new_chunk_layout_writes_unchanged_documents_again(
    assistant: Assistant, samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "record"
    record.mkdir()
    shutil.copy(samples / "2026-10-15-payments-weekly.md", record)
    assistant.records.ingest([record], "payments")
    assert assistant.records.ingest([record], "payments").updated == []
    # Chunks made differently from the same text (a new header, say) must not be left stale.
    monkeypatch.setattr(Chunker, "LAYOUT", Chunker.LAYOUT + "-next")
    again = assistant.records.ingest([record], "payments")
    assert again.updated == ["minutes:2026-10-15-payments-weekly"]
