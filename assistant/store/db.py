"""The relational store: SQLite by default, any SQLAlchemy database (PostgreSQL) by URL.

Schema changes are applied by numbered migrations, each recorded once in `schema_migrations`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine

from assistant.domain.clock import utc_now
from assistant.store.leases import add_scheduler_lease
from assistant.store.postgres_guards import guard_postgres

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("applied_at", DateTime, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("embedding_model", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_ingest_at", DateTime, nullable=True),
    # Bumped by every change to the project's chunks; derived indexes (BM25) record the
    # generation they were built from and rebuild when it moved.
    Column("generation", Integer, nullable=False, server_default="0"),
)

# One row per item of the project record. `document_json` is the whole parsed Document (ticket
# fields, meeting action items, ...), which is what the facts of a status report are computed from.
documents = Table(
    "documents",
    metadata,
    Column("project", String(63), primary_key=True),
    Column("id", String(300), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("title", Text, nullable=False),
    Column("date", Date, nullable=True),
    Column("source", Text, nullable=False),
    Column("source_file", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("chunk_count", Integer, nullable=False),
    Column("document_json", Text, nullable=False),
    Column("ingested_at", DateTime, nullable=False),
    ForeignKeyConstraint(["project"], ["projects.name"], ondelete="CASCADE"),
    # "now" in a question means the newest date in the record: keep that lookup cheap.
    Index("ix_documents_project_date", "project", "date"),
)

chunks = Table(
    "chunks",
    metadata,
    Column("project", String(63), primary_key=True),
    Column("id", String(400), primary_key=True),
    Column("document_id", String(300), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("token_count", Integer, nullable=False),
    Column("locator_json", Text, nullable=False),
    Column("metadata_json", Text, nullable=False),
    ForeignKeyConstraint(
        ["project", "document_id"], ["documents.project", "documents.id"], ondelete="CASCADE"
    ),
    Index("ix_chunks_document", "project", "document_id"),
)

# The ingest manifest per source file: lets an unchanged file be skipped without parsing it.
source_files = Table(
    "source_files",
    metadata,
    Column("project", String(63), primary_key=True),
    Column("path", Text, primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("document_ids_json", Text, nullable=False),
    Column("ingested_at", DateTime, nullable=False),
    ForeignKeyConstraint(["project"], ["projects.name"], ondelete="CASCADE"),
)

# Vector writes are not transactional, so each is announced here first. A row left behind by a
# crash tells the next run which vectors to remove: new ones never committed, or old ones whose
# deletion did not finish.
pending_vector_writes = Table(
    "pending_vector_writes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project", String(63), nullable=False),
    Column("action", String(20), nullable=False),  # "upsert" (roll back) or "delete" (finish)
    Column("chunk_ids_json", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)


conversations = Table(
    "conversations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("project", String(63), nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    ForeignKeyConstraint(["project"], ["projects.name"], ondelete="CASCADE"),
    Index("ix_conversations_project", "project", "updated_at"),
)

# One row per answered question: what was asked, what was answered with which sources, and the
# prompt (name, version, hash) and model that produced it.
answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(36), nullable=False),
    Column("project", String(63), nullable=False),
    Column("question", Text, nullable=False),
    Column("search_query", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("answer_json", Text, nullable=False),
    Column("writer", String(200), nullable=False),
    Column("prompt_name", String(100), nullable=True),
    Column("prompt_version", String(20), nullable=True),
    Column("prompt_hash", String(64), nullable=True),
    Column("prompt_tokens", Integer, nullable=True),
    Column("completion_tokens", Integer, nullable=True),
    Column("created_at", DateTime, nullable=False),
    ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
    Index("ix_answers_conversation", "conversation_id", "id"),
)


# Drafts for the PM to review: status reports now, risk suggestions later. The body is the whole
# typed draft as JSON; the columns are what lists and filters need.
drafts = Table(
    "drafts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project", String(63), nullable=False),
    Column("kind", String(30), nullable=False),  # "status_report"
    Column("period_label", String(40), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    # checked -> approved | rejected; an edit makes a new version and supersedes the old one.
    Column("status", String(20), nullable=False),
    Column("overall_status", String(16), nullable=True),
    Column("body_json", Text, nullable=False),
    Column("writer", String(200), nullable=False),
    Column("prompt_name", String(100), nullable=True),
    Column("prompt_version", String(20), nullable=True),
    Column("prompt_hash", String(64), nullable=True),
    Column("input_tokens", Integer, nullable=True),
    Column("output_tokens", Integer, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("parent_id", Integer, nullable=True),  # the version this one was edited from
    Column("body_hash", String(64), nullable=True),
    Column("checks_json", Text, nullable=True),
    Column("checks_passed", Integer, nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", DateTime, nullable=True),
    Column("decision_reason", Text, nullable=True),
    Column("override_reason", Text, nullable=True),
    # How many times an erasure took a document's words out of this body (see migration 0008).
    Column("redactions", Integer, nullable=False, server_default="0"),
    ForeignKeyConstraint(["project"], ["projects.name"], ondelete="CASCADE"),
    Index("ix_drafts_project_period", "project", "kind", "period_end"),
)

# Every step of a draft's life (saved, checked, edited, approved, rejected, overridden), who
# did it and why. Append-only, enforced by triggers on SQLite (migration 0006).
draft_audit = Table(
    "draft_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draft_id", Integer, nullable=False),
    Column("project", String(63), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(30), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body_hash", String(64), nullable=True),
    Column("details_json", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Index("ix_draft_audit_draft", "draft_id", "id"),
)


# The risk register: one row per entry (R-001, …) with the whole entry as JSON and the columns
# lists and filters need. Its history is append-only: rows are added, never changed or removed
# (enforced by triggers on SQLite, see migration 0005).
risks = Table(
    "risks",
    metadata,
    Column("project", String(63), primary_key=True),
    Column("id", String(12), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("category", String(30), nullable=False),
    Column("title", Text, nullable=False),
    Column("score", Integer, nullable=False),
    Column("signal_key", String(200), nullable=False),
    Column("entry_json", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    ForeignKeyConstraint(["project"], ["projects.name"], ondelete="CASCADE"),
    Index("ix_risks_project_status", "project", "status"),
)

risk_history = Table(
    "risk_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project", String(63), nullable=False),
    Column("risk_id", String(12), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(30), nullable=False),
    Column("changes_json", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Index("ix_risk_history_entry", "project", "risk_id", "id"),
)


# API tokens and browser sessions. Only hashes are stored: a token is shown once, when created.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(10), nullable=False),  # viewer | pm | admin
    Column("projects_json", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("token_id", Integer, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    ForeignKeyConstraint(["token_id"], ["api_tokens.id"], ondelete="CASCADE"),
)


tracker_sources = Table(
    "tracker_sources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("kind", String(20), nullable=False),  # jira | github | github-project
    Column("source_json", Text, nullable=False),  # the TrackerSource, credentials never
    Column("last_synced_at", DateTime, nullable=True),
    # The last time a sync listed every key the source finds, to remove deleted issues.
    Column("last_reconciled_at", DateTime, nullable=True),
    UniqueConstraint("project", "name"),
)


scheduled_runs = Table(
    "scheduled_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project", String(100), nullable=False),
    Column("job", String(20), nullable=False),  # sync | weekly_draft
    Column("trigger", String(20), nullable=False),  # schedule | run now | webhook
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("outcome", String(20), nullable=False),  # running | succeeded | failed | interrupted
    Column("run_json", Text, nullable=False),  # the ScheduledRun, with its deliveries
    Index("ix_scheduled_runs_project_job", "project", "job", "started_at"),
)


# Migration 0001 creates tables from the definitions above as they stand today, so a later
# migration that adds a column must tolerate finding it already there (a fresh database).
def _create_project_record_tables(connection: Connection) -> None:
    metadata.create_all(
        connection, tables=[projects, documents, chunks, source_files, pending_vector_writes]
    )


def _add_chat_history(connection: Connection) -> None:
    _add_column_if_missing(connection, "projects", "generation INTEGER NOT NULL DEFAULT 0")
    metadata.create_all(connection, tables=[conversations, answers])


def _add_column_if_missing(connection: Connection, table: str, column_ddl: str) -> None:
    name = column_ddl.split()[0]
    if name not in {column["name"] for column in inspect(connection).get_columns(table)}:
        connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column_ddl}"))


def _index_document_dates(connection: Connection) -> None:
    for index in documents.indexes:
        index.create(connection, checkfirst=True)


def _add_drafts(connection: Connection) -> None:
    metadata.create_all(connection, tables=[drafts])


def _add_risk_register(connection: Connection) -> None:
    metadata.create_all(connection, tables=[risks, risk_history])
    if connection.dialect.name == "sqlite":
        _append_only(connection, "risk_history", "the risk history is append-only")


def _add_draft_review(connection: Connection) -> None:
    for column in (
        "version INTEGER NOT NULL DEFAULT 1",
        "parent_id INTEGER",
        "body_hash VARCHAR(64)",
        "checks_json TEXT",
        "checks_passed INTEGER",
        "decided_by VARCHAR(200)",
        "decided_at DATETIME",
        "decision_reason TEXT",
        "override_reason TEXT",
    ):
        _add_column_if_missing(connection, "drafts", column)
    metadata.create_all(connection, tables=[draft_audit])
    if connection.dialect.name == "sqlite":
        _append_only(connection, "draft_audit", "the draft audit log is append-only")
        # An approved or rejected draft is final: an edit makes a new version instead.
        for verb in ("UPDATE", "DELETE"):
            connection.execute(
                text(
                    f"CREATE TRIGGER IF NOT EXISTS drafts_decided_no_{verb.lower()} "
                    f"BEFORE {verb} ON drafts WHEN OLD.status IN ('approved', 'rejected') "
                    "BEGIN SELECT RAISE(ABORT, 'an approved or rejected draft cannot change; "
                    "edit it into a new version'); END"
                )
            )


# The columns a redaction leaves as they were: everything but the body, its hash and the count.
_KEPT_BY_REDACTION = (
    "project",
    "kind",
    "period_label",
    "period_start",
    "period_end",
    "status",
    "overall_status",
    "writer",
    "created_at",
    "version",
    "parent_id",
    "checks_json",
    "checks_passed",
    "decided_by",
    "decided_at",
    "decision_reason",
    "override_reason",
)


def _allow_redaction(connection: Connection) -> None:
    """A decided draft stays final, with one exception: an erasure takes the erased document's
    words out of its body (counted in `redactions`, recorded in the audit log)."""
    _add_column_if_missing(connection, "drafts", "redactions INTEGER NOT NULL DEFAULT 0")
    if connection.dialect.name != "sqlite":
        return
    unchanged = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in _KEPT_BY_REDACTION)
    connection.execute(text("DROP TRIGGER IF EXISTS drafts_decided_no_update"))
    connection.execute(
        text(
            "CREATE TRIGGER drafts_decided_no_update BEFORE UPDATE ON drafts "
            "WHEN OLD.status IN ('approved', 'rejected') AND NOT "
            f"(NEW.redactions = OLD.redactions + 1 AND {unchanged}) "
            "BEGIN SELECT RAISE(ABORT, 'an approved or rejected draft cannot change; "
            "edit it into a new version'); END"
        )
    )


def _append_only(connection: Connection, table: str, message: str) -> None:
    for verb in ("UPDATE", "DELETE"):
        connection.execute(
            text(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        )


def _add_access(connection: Connection) -> None:
    metadata.create_all(connection, tables=[api_tokens, web_sessions])


def _add_tracker_sources(connection: Connection) -> None:
    metadata.create_all(connection, tables=[tracker_sources])


def _add_source_reconciliation(connection: Connection) -> None:
    _add_column_if_missing(connection, "tracker_sources", "last_reconciled_at DATETIME")


def _widen_source_kind(connection: Connection) -> None:
    # SQLite does not enforce a VARCHAR's length; other databases need the wider column.
    if connection.dialect.name != "sqlite":
        connection.execute(text("ALTER TABLE tracker_sources ALTER COLUMN kind TYPE VARCHAR(20)"))


def _add_scheduled_runs(connection: Connection) -> None:
    metadata.create_all(connection, tables=[scheduled_runs])


# Append only. A later change to a table above must come with its own migration here.
MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0001_project_record", _create_project_record_tables),
    ("0002_chat_history", _add_chat_history),
    ("0003_document_date_index", _index_document_dates),
    ("0004_drafts", _add_drafts),
    ("0005_risk_register", _add_risk_register),
    ("0006_draft_review", _add_draft_review),
    ("0007_access", _add_access),
    ("0008_draft_redaction", _allow_redaction),
    ("0009_tracker_sources", _add_tracker_sources),
    ("0010_source_reconciliation", _add_source_reconciliation),
    ("0011_scheduled_runs", _add_scheduled_runs),
    ("0012_github_project_sources", _widen_source_kind),
    ("0013_postgres_guards", lambda connection: guard_postgres(connection, _KEPT_BY_REDACTION)),
    ("0014_scheduler_lease", add_scheduler_lease),
]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, so an erased document leaves no copy in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def open_engine(url: str) -> Engine:
    """Create the engine and bring the schema up to date."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    return engine


def migrate(engine: Engine) -> list[str]:
    """Apply the migrations not yet applied; returns their names."""
    applied_now: list[str] = []
    with engine.begin() as connection:
        schema_migrations.create(connection, checkfirst=True)
        done = set(connection.scalars(select(schema_migrations.c.name)))
        for name, apply in MIGRATIONS:
            if name in done:
                continue
            apply(connection)
            connection.execute(schema_migrations.insert().values(name=name, applied_at=utc_now()))
            applied_now.append(name)
    return applied_now


def names_document(document_id: str) -> str:
    """How a body stored as JSON (an answer, a report) names a source's document: the text to
    look for before parsing only the rows that hold it."""
    return f'"document_id":{json.dumps(document_id, ensure_ascii=False)}'
