"""Upkeep of the relational store: consistent copies, purging what an erasure freed, and the
schema's state for `pmassist db check`."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

log = logging.getLogger("pmassist")


def copy_sqlite(url: str, target: Path) -> str:
    """A consistent copy of a SQLite database (the backup API, so WAL content is included);
    returns the copy's URL. The evals give each risk case a register of its own this way."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"only SQLite databases can be copied, not {url.split(':')[0]}")
    with (
        sqlite3.connect(url.removeprefix("sqlite:///")) as source,
        sqlite3.connect(target) as copy,
    ):
        source.backup(copy)
    return f"sqlite:///{target.as_posix()}"


def purge_freed_pages(engine: Engine) -> bool:
    """After an erasure, leave no copy of deleted rows in the database's files: SQLite is
    rewritten without free pages and its write-ahead log emptied. Returns False when another
    process kept it busy (the caller tries again later). PostgreSQL reuses the space of deleted
    rows itself; `VACUUM FULL` there is the database administrator's call."""
    if engine.dialect.name != "sqlite":
        return True
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM")
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
    except OperationalError as error:
        log.warning("Could not purge the database's free pages yet: %s", error)
        return False
    return not busy


# The database's own guarantees, by the triggers that give them (db.py, postgres_guards.py).
GUARD_TRIGGERS = {
    "sqlite": {
        "risk_history_no_update",
        "risk_history_no_delete",
        "draft_audit_no_update",
        "draft_audit_no_delete",
        "drafts_decided_no_update",
        "drafts_decided_no_delete",
    },
    "postgresql": {
        "risk_history_append_only",
        "draft_audit_append_only",
        "drafts_decided_is_final",
    },
}


def schema_report(
    engine: Engine, migrations: list[str], since: dt.datetime | None = None
) -> dict[str, object]:
    """What `pmassist db check` shows: the database, the migrations applied (and those applied
    since `since`) and missing, and the guard triggers missing (none on a healthy database)."""
    dialect = engine.dialect.name
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT name, applied_at FROM schema_migrations ORDER BY name")
        ).all()
        applied = [name for name, _ in rows]
        recent = [name for name, at in rows if since is not None and at >= since]
        if dialect == "sqlite":
            triggers = set(
                connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            )
        elif dialect == "postgresql":
            triggers = set(
                connection.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
            )
        else:
            triggers = set()
    return {
        "database": engine.url.render_as_string(hide_password=True),
        "dialect": dialect,
        "applied": applied,
        "applied_now": recent,
        "missing": [name for name in migrations if name not in applied],
        "guards_missing": sorted(GUARD_TRIGGERS.get(dialect, set()) - triggers),
    }
