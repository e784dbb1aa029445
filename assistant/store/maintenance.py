"""Upkeep of the relational store: consistent copies and purging what an erasure freed."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

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
