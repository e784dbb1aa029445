"""pmassist on a real PostgreSQL server (Debian's, started here on a socket in a temporary
folder): every migration, the sample project ingested, drafts decided and final, the risk
history and the audit log append-only in the database itself, an erasure's redaction of a
decided draft, and the sync and schedule tables."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from assistant.config import Settings
from assistant.domain.errors import InvalidInputError
from assistant.domain.period import week_period
from assistant.domain.schedule import ScheduledRun
from assistant.embeddings import Embedder
from assistant.service import Assistant
from assistant.service.database import DatabaseCheckFailed
from assistant.store.db import _KEPT_BY_REDACTION, MIGRATIONS
from assistant.store.locks import ProjectBusyError
from assistant.store.postgres_guards import guard_postgres
from tests.conftest import SAMPLE_RECORD
from tests.postgres import postgres_server

W46 = week_period("2026-W46")
PM = "Priya Raman"


@pytest.fixture(scope="module")
def on_postgres(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[Assistant]:
    with postgres_server() as url:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, home=tmp_path_factory.mktemp("pg-home"), database_url=url
        )
        assistant = Assistant(settings, embedder=embedder, language_model=None)
        try:
            assert assistant.records.ingest([SAMPLE_RECORD], "harbor").added
            yield assistant
        finally:
            # Every connection closed before the server stops.
            assistant.wiring.documents.engine.dispose()


def test_every_migration_runs_and_the_record_reads_back(on_postgres: Assistant) -> None:
    engine = on_postgres.wiring.documents.engine
    assert engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        applied = set(connection.scalars(text("SELECT name FROM schema_migrations")))
    assert applied == {name for name, _ in MIGRATIONS}
    found = on_postgres.records.search("load test slipped", "harbor")
    assert found and found[0].document_id


def test_decided_drafts_and_the_audit_log_are_final_in_the_database(
    on_postgres: Assistant,
) -> None:
    draft_id, report = on_postgres.reports.draft("harbor", W46)
    on_postgres.drafts.approve(draft_id, PM, override_reason="checked by hand")
    statements = [
        f"UPDATE drafts SET body_json = '{{}}' WHERE id = {draft_id}",
        f"DELETE FROM drafts WHERE id = {draft_id}",
        "UPDATE draft_audit SET actor = 'someone else'",
        "DELETE FROM draft_audit",
    ]
    engine = on_postgres.wiring.documents.engine
    for statement in statements:
        with pytest.raises(DBAPIError, match=r"append-only|cannot change"), engine.begin() as c:
            c.execute(text(statement))
    saved = on_postgres.drafts.report(draft_id)
    assert saved is not None and saved.overall_status == report.overall_status
    assert [entry.action for entry in on_postgres.drafts.audit(draft_id)][-1] == "approved"


def test_the_risk_history_is_append_only_in_the_database(on_postgres: Assistant) -> None:
    on_postgres.risks.suggest("harbor", W46)
    engine = on_postgres.wiring.documents.engine
    with engine.connect() as connection:
        count = connection.scalar(text("SELECT count(*) FROM risk_history"))
    assert count
    for statement in ("UPDATE risk_history SET actor = 'x'", "DELETE FROM risk_history"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as c:
            c.execute(text(statement))
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM risk_history")) == count


def test_an_erasure_redacts_a_decided_draft_and_nothing_else_may(on_postgres: Assistant) -> None:
    draft_id, report = on_postgres.reports.draft("harbor", W46)
    on_postgres.drafts.approve(draft_id, PM, override_reason="checked by hand")
    cited = sorted({source.document_id for source in report.sources})
    summary = on_postgres.records.forget("harbor", cited[0])
    assert draft_id in summary.drafts_quoting
    done = on_postgres.drafts.redact(draft_id, cited[0], PM)
    assert done.redacted == [draft_id] and done.new_id is not None
    assert on_postgres.drafts.get(draft_id).status == "approved"  # the decision stands
    kept = on_postgres.drafts.report(draft_id)
    assert kept is not None and all(s.document_id != cited[0] for s in kept.sources)


def test_sources_and_scheduled_runs_are_kept(on_postgres: Assistant) -> None:
    on_postgres.sources.add("github-project", "harbor", owner="heron-org", number=3)
    [source] = on_postgres.sources.sources("harbor")
    assert source.describe() == "GitHub project 3 of heron-org"
    runs = on_postgres.wiring.runs
    started = runs.start(
        ScheduledRun(
            project="harbor", job="sync", trigger="schedule", started_at=dt.datetime(2026, 11, 23)
        )
    )
    assert runs.interrupt_unfinished(dt.datetime(2026, 11, 23, 1)) == 1
    [run] = on_postgres.schedule.history("harbor")
    assert (run.id, run.outcome) == (started.id, "interrupted")
    on_postgres.sources.remove("harbor", "github-project")


def test_the_server_is_really_postgresql(on_postgres: Assistant, tmp_path: Path) -> None:
    with on_postgres.wiring.documents.engine.connect() as connection:
        version = connection.scalar(text("SELECT version()"))
    assert str(version).startswith("PostgreSQL")


def test_approvals_racing_on_one_draft_decide_it_once(on_postgres: Assistant) -> None:
    """Server workers share the database: eight approvals of one draft at the same moment."""
    draft_id, _ = on_postgres.reports.draft("harbor", W46)
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def approve(person: int) -> None:
        start.wait()
        try:
            on_postgres.drafts.approve(draft_id, f"PM {person}", override_reason="checked")
            outcomes.append("approved")
        except InvalidInputError as error:
            outcomes.append(error.message)

    workers = [threading.Thread(target=approve, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert outcomes.count("approved") == 1, outcomes
    approvals = [e for e in on_postgres.drafts.audit(draft_id) if e.action == "approved"]
    assert len(approvals) == 1 and on_postgres.drafts.get(draft_id).status == "approved"


def test_db_check_names_a_missing_guard(on_postgres: Assistant, harbor: Any) -> None:
    report = on_postgres.database.check()
    assert report["dialect"] == "postgresql" and report["missing"] == []
    assert "pmassist" in str(report["database"]) and report["guards_missing"] == []
    sqlite, _ = harbor
    assert sqlite.database.check()["guards_missing"] == []  # SQLite's triggers, likewise
    engine = on_postgres.wiring.documents.engine
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER risk_history_append_only ON risk_history"))
    try:
        with pytest.raises(DatabaseCheckFailed, match="risk_history_append_only"):
            on_postgres.database.check()
    finally:
        with engine.begin() as connection:
            guard_postgres(connection, _KEPT_BY_REDACTION)
    assert on_postgres.database.upgrade()["applied_now"] == []


def test_servers_on_two_machines_take_turns_on_a_project(
    on_postgres: Assistant, tmp_path: Path, embedder: Embedder
) -> None:
    """Two data directories (two machines) on one database: their file locks cannot see each
    other, the database's advisory lock can."""
    url = on_postgres.settings.sqlalchemy_url
    other = Assistant(
        Settings(  # type: ignore[call-arg]
            _env_file=None, home=tmp_path / "other", database_url=url, lock_wait_seconds=0.5
        ),
        embedder=embedder,
        language_model=None,
    )
    try:
        with on_postgres.wiring.locks.hold("harbor", "ingest"):
            with (
                pytest.raises(ProjectBusyError, match="a pmassist on another machine"),
                other.wiring.locks.hold("harbor", "ingest"),
            ):
                pass
            with other.wiring.locks.hold("beacon", "ingest"):
                pass  # another project does not wait
        with other.wiring.locks.hold("harbor", "ingest"):
            pass  # released: the other machine's turn
    finally:
        other.wiring.documents.engine.dispose()
