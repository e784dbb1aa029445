"""The project record in the relational store: projects, documents, chunks, the ingest manifest."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.engine import Connection, Engine

from assistant.domain.clock import utc_now
from assistant.domain.ingest import ProjectSummary
from assistant.domain.record import Chunk, Document, Kind, Locator
from assistant.store.db import chunks, documents, pending_vector_writes, projects, source_files


@dataclass(frozen=True)
class StoredDocumentState:
    """What the manifest knows about a stored document, enough to decide whether to re-ingest it."""

    content_hash: str
    source_file: str
    chunk_ids: tuple[str, ...]


@dataclass(frozen=True)
class SourceFileState:
    fingerprint: str
    document_ids: tuple[str, ...]


@dataclass(frozen=True)
class PendingVectorWrite:
    id: int
    action: str
    chunk_ids: list[str]


@dataclass(frozen=True)
class DocumentWrite:
    """A document and its chunks, about to replace whatever the store holds under its id."""

    document: Document
    source_file: str
    chunks: list[Chunk]


class DocumentStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # Projects -----------------------------------------------------------------------------

    def project_model(self, project: str) -> str | None:
        with self.engine.connect() as connection:
            return connection.scalar(
                select(projects.c.embedding_model).where(projects.c.name == project)
            )

    def project_names(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.scalars(select(projects.c.name).order_by(projects.c.name)))

    def ensure_project(self, project: str, embedding_model: str) -> None:
        with self.engine.begin() as connection:
            exists = connection.scalar(select(projects.c.name).where(projects.c.name == project))
            if exists is None:
                connection.execute(
                    projects.insert().values(
                        name=project, embedding_model=embedding_model, created_at=utc_now()
                    )
                )

    def project_generation(self, project: str) -> int:
        """Changes whenever the project's chunks change (see `projects.generation`)."""
        with self.engine.connect() as connection:
            return int(
                connection.scalar(select(projects.c.generation).where(projects.c.name == project))
                or 0
            )

    def set_project_model(self, project: str, embedding_model: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(projects)
                .where(projects.c.name == project)
                .values(embedding_model=embedding_model)
            )

    def mark_ingested(self, project: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(projects).where(projects.c.name == project).values(last_ingest_at=utc_now())
            )

    def project_summaries(self) -> list[ProjectSummary]:
        with self.engine.connect() as connection:
            kind_counts: dict[str, dict[str, int]] = {}
            for project, kind, count in connection.execute(
                select(documents.c.project, documents.c.kind, func.count()).group_by(
                    documents.c.project, documents.c.kind
                )
            ):
                kind_counts.setdefault(project, {})[kind] = count
            chunk_counts: dict[str, int] = {}
            for project, count in connection.execute(
                select(chunks.c.project, func.count()).group_by(chunks.c.project)
            ):
                chunk_counts[project] = count
            rows = connection.execute(select(projects).order_by(projects.c.name)).mappings()
            return [
                ProjectSummary(
                    name=row["name"],
                    embedding_model=row["embedding_model"],
                    created_at=row["created_at"],
                    last_ingest_at=row["last_ingest_at"],
                    documents=sum(kind_counts.get(row["name"], {}).values()),
                    chunks=int(chunk_counts.get(row["name"], 0)),
                    by_kind=kind_counts.get(row["name"], {}),
                )
                for row in rows
            ]

    # Documents ----------------------------------------------------------------------------

    def document_states(self, project: str) -> dict[str, StoredDocumentState]:
        """Hash, source file and chunk ids of every stored document, in two queries."""
        with self.engine.connect() as connection:
            chunk_ids: dict[str, list[str]] = {}
            for document_id, chunk_id in connection.execute(
                select(chunks.c.document_id, chunks.c.id)
                .where(chunks.c.project == project)
                .order_by(chunks.c.document_id, chunks.c.seq)
            ):
                chunk_ids.setdefault(document_id, []).append(chunk_id)
            return {
                row.id: StoredDocumentState(
                    content_hash=row.content_hash,
                    source_file=row.source_file,
                    chunk_ids=tuple(chunk_ids.get(row.id, ())),
                )
                for row in connection.execute(
                    select(documents.c.id, documents.c.content_hash, documents.c.source_file).where(
                        documents.c.project == project
                    )
                )
            }

    def documents(self, project: str, kind: Kind | None = None) -> list[Document]:
        query = select(documents.c.document_json).where(documents.c.project == project)
        if kind is not None:
            query = query.where(documents.c.kind == kind.value)
        query = query.order_by(documents.c.kind, documents.c.date.desc(), documents.c.id)
        with self.engine.connect() as connection:
            return [Document.model_validate_json(text) for text in connection.scalars(query)]

    def document(self, project: str, document_id: str) -> Document | None:
        with self.engine.connect() as connection:
            text = connection.scalar(
                select(documents.c.document_json).where(
                    documents.c.project == project, documents.c.id == document_id
                )
            )
        return None if text is None else Document.model_validate_json(text)

    def document_source_file(self, project: str, document_id: str) -> str | None:
        with self.engine.connect() as connection:
            return connection.scalar(
                select(documents.c.source_file).where(
                    documents.c.project == project, documents.c.id == document_id
                )
            )

    def latest_document_date(self, project: str) -> dt.date | None:
        """The newest date in the project's record: what "now" means in its questions."""
        with self.engine.connect() as connection:
            latest: dt.date | None = connection.scalar(
                select(func.max(documents.c.date)).where(documents.c.project == project)
            )
        return latest

    def chunk_count(self, project: str) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.scalar(
                    select(func.count()).select_from(chunks).where(chunks.c.project == project)
                )
                or 0
            )

    def iter_chunks(self, project: str, batch_size: int = 1000) -> Iterator[list[Chunk]]:
        """Every stored chunk of a project, in batches (used to rebuild the vector index)."""
        with self.engine.connect() as connection:
            result = connection.execution_options(stream_results=True).execute(
                select(chunks).where(chunks.c.project == project).order_by(chunks.c.id)
            )
            for rows in result.mappings().partitions(batch_size):
                yield [_chunk_from_row(row) for row in rows]

    def chunks_of_documents(self, project: str, document_ids: Sequence[str]) -> list[Chunk]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(chunks)
                .where(chunks.c.project == project, chunks.c.document_id.in_(list(document_ids)))
                .order_by(chunks.c.document_id, chunks.c.seq)
            ).mappings()
            return [_chunk_from_row(row) for row in rows]

    def chunks_by_id(self, project: str, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        found: dict[str, Chunk] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(chunk_ids), 500):
                batch = list(chunk_ids[start : start + 500])
                for row in connection.execute(
                    select(chunks).where(chunks.c.project == project, chunks.c.id.in_(batch))
                ).mappings():
                    found[row["id"]] = _chunk_from_row(row)
        return found

    def existing_chunk_ids(self, project: str, chunk_ids: Sequence[str]) -> set[str]:
        """Which of these chunk ids the manifest holds now."""
        with self.engine.connect() as connection:
            return set(_chunk_ids_where(connection, project, chunks.c.id, chunk_ids))

    def all_chunk_ids(self, project: str) -> set[str]:
        with self.engine.connect() as connection:
            return set(connection.scalars(select(chunks.c.id).where(chunks.c.project == project)))

    # Writes -------------------------------------------------------------------------------

    def commit_documents(
        self, project: str, writes: Sequence[DocumentWrite], upsert_intent: int
    ) -> tuple[int | None, list[str]]:
        """Switch the stored documents to their new versions in one transaction.

        Clears the intent that announced the new vectors and announces the removal of the
        vectors the old versions used. Returns that removal intent and the ids to remove.
        """
        now = utc_now()
        ids = [write.document.id for write in writes]
        with self.engine.begin() as connection:
            old_chunk_ids = _chunk_ids_of(connection, project, ids)
            new_chunk_ids = {chunk.id for write in writes for chunk in write.chunks}
            stale = [chunk_id for chunk_id in old_chunk_ids if chunk_id not in new_chunk_ids]
            _delete_documents(connection, project, ids)
            for write in writes:
                document = write.document
                connection.execute(
                    documents.insert().values(
                        project=project,
                        id=document.id,
                        kind=document.kind.value,
                        title=document.title,
                        date=document.date,
                        source=document.source,
                        source_file=write.source_file,
                        content_hash=document.content_hash,
                        chunk_count=len(write.chunks),
                        document_json=document.model_dump_json(),
                        ingested_at=now,
                    )
                )
            chunk_rows = [
                {
                    "project": project,
                    "id": chunk.id,
                    "document_id": chunk.document_id,
                    "seq": chunk.seq,
                    "text": chunk.text,
                    "token_count": chunk.token_count,
                    "locator_json": chunk.locator.model_dump_json(),
                    "metadata_json": json.dumps(chunk.metadata, sort_keys=True),
                }
                for write in writes
                for chunk in write.chunks
            ]
            if chunk_rows:
                connection.execute(chunks.insert(), chunk_rows)
            connection.execute(
                delete(pending_vector_writes).where(pending_vector_writes.c.id == upsert_intent)
            )
            _bump_generation(connection, project)
            removal = _announce(connection, project, "delete", stale) if stale else None
        return removal, stale

    def remove_documents(
        self, project: str, document_ids: Sequence[str]
    ) -> tuple[int | None, list[str]]:
        """Delete documents with their chunks and manifest rows; announce their vectors' removal."""
        with self.engine.begin() as connection:
            chunk_ids = _chunk_ids_of(connection, project, document_ids)
            files = set(
                connection.scalars(
                    select(documents.c.source_file).where(
                        documents.c.project == project, documents.c.id.in_(list(document_ids))
                    )
                )
            )
            _delete_documents(connection, project, document_ids)
            # The file must be read again next time, or a forgotten document would stay
            # missing while its source still holds it, without anyone having asked for that.
            if files:
                connection.execute(
                    delete(source_files).where(
                        source_files.c.project == project, source_files.c.path.in_(list(files))
                    )
                )
            _bump_generation(connection, project)
            removal = _announce(connection, project, "delete", chunk_ids) if chunk_ids else None
        return removal, chunk_ids

    def documents_from_files(self, project: str) -> dict[str, list[str]]:
        """Source file -> ids of the documents stored from it."""
        found: dict[str, list[str]] = {}
        with self.engine.connect() as connection:
            for document_id, source_file in connection.execute(
                select(documents.c.id, documents.c.source_file).where(
                    documents.c.project == project
                )
            ):
                found.setdefault(source_file, []).append(document_id)
        return found

    # Ingest manifest per source file ----------------------------------------------------------

    def source_file_states(self, project: str) -> dict[str, SourceFileState]:
        with self.engine.connect() as connection:
            return {
                row.path: SourceFileState(row.fingerprint, tuple(json.loads(row.document_ids_json)))
                for row in connection.execute(
                    select(source_files).where(source_files.c.project == project)
                )
            }

    def record_source_files(
        self, project: str, states: dict[str, SourceFileState], removed: Sequence[str] = ()
    ) -> None:
        now = utc_now()
        with self.engine.begin() as connection:
            paths = list(states) + list(removed)
            if paths:
                connection.execute(
                    delete(source_files).where(
                        source_files.c.project == project, source_files.c.path.in_(paths)
                    )
                )
            rows = [
                {
                    "project": project,
                    "path": path,
                    "fingerprint": state.fingerprint,
                    "document_ids_json": json.dumps(list(state.document_ids)),
                    "ingested_at": now,
                }
                for path, state in states.items()
            ]
            if rows:
                connection.execute(source_files.insert(), rows)

    def forget_source_files(self, project: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(source_files).where(source_files.c.project == project))

    # Vector-write intents -----------------------------------------------------------------

    def announce_vector_write(self, project: str, action: str, chunk_ids: Sequence[str]) -> int:
        with self.engine.begin() as connection:
            return _announce(connection, project, action, chunk_ids)

    def pending_vector_writes(self, project: str) -> list[PendingVectorWrite]:
        with self.engine.connect() as connection:
            return [
                PendingVectorWrite(row.id, row.action, json.loads(row.chunk_ids_json))
                for row in connection.execute(
                    select(pending_vector_writes)
                    .where(pending_vector_writes.c.project == project)
                    .order_by(pending_vector_writes.c.id)
                )
            ]

    def clear_vector_write(self, intent: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                delete(pending_vector_writes).where(pending_vector_writes.c.id == intent)
            )


def _bump_generation(connection: Connection, project: str) -> None:
    connection.execute(
        update(projects)
        .where(projects.c.name == project)
        .values(generation=projects.c.generation + 1)
    )


def _announce(connection: Connection, project: str, action: str, chunk_ids: Sequence[str]) -> int:
    result = connection.execute(
        pending_vector_writes.insert().values(
            project=project,
            action=action,
            chunk_ids_json=json.dumps(list(chunk_ids)),
            created_at=utc_now(),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _chunk_ids_of(connection: Connection, project: str, document_ids: Sequence[str]) -> list[str]:
    return _chunk_ids_where(connection, project, chunks.c.document_id, document_ids)


def _chunk_ids_where(
    connection: Connection, project: str, column: ColumnElement[str], values: Sequence[str]
) -> list[str]:
    """Ids of the project's chunks whose `column` is one of `values`, asked in batches (SQLite
    caps the number of parameters of one statement)."""
    found: list[str] = []
    values = list(values)
    for start in range(0, len(values), 500):
        batch = values[start : start + 500]
        found.extend(
            connection.scalars(
                select(chunks.c.id).where(chunks.c.project == project, column.in_(batch))
            )
        )
    return found


def _delete_documents(connection: Connection, project: str, document_ids: Sequence[str]) -> None:
    ids = list(document_ids)
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        # Chunks first and explicitly: not every database enforces the cascade (SQLite needs a
        # pragma), and a chunk without its document must never survive.
        connection.execute(
            delete(chunks).where(chunks.c.project == project, chunks.c.document_id.in_(batch))
        )
        connection.execute(
            delete(documents).where(documents.c.project == project, documents.c.id.in_(batch))
        )


def _chunk_from_row(row: object) -> Chunk:
    mapping = dict(row)  # type: ignore[call-overload]
    return Chunk(
        id=mapping["id"],
        document_id=mapping["document_id"],
        seq=mapping["seq"],
        text=mapping["text"],
        token_count=mapping["token_count"],
        locator=Locator.model_validate_json(mapping["locator_json"]),
        metadata=json.loads(mapping["metadata_json"]),
    )
