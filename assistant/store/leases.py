"""Which `pmassist serve` worker runs the schedule: a lease in the database.

Several server workers (`serve --workers N`) and servers on several machines share one
database. Each would otherwise run the syncs and the weekly draft itself, and a worker starting
would mark another's running job interrupted. So one row, `scheduler_lease`, names the worker
that holds the schedule until `expires_at`. A worker takes the lease when it is free or has
expired, and its holder renews it well before it expires; a worker that stops releases it so
another takes over at its next poll, and one that dies leaves it to expire (or, on the same
machine, to the next worker that sees its process is gone).

Taking and renewing are single conditional UPDATEs of that row (created by the migration), so
two workers racing for an expired lease cannot both win: SQLite writes one at a time, and
PostgreSQL re-checks the WHERE clause on the row the first winner has just changed.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from typing import Literal

from sqlalchemy import Column, DateTime, MetaData, String, Table, select, update
from sqlalchemy.engine import Connection, Engine

SCHEDULER = "scheduler"
NOBODY = ""
LONG_AGO = dt.datetime(2000, 1, 1)

# Its own metadata: db.py's tables are created by their own migrations, this one by 0014.
lease_metadata = MetaData()
scheduler_lease = Table(
    "scheduler_lease",
    lease_metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("acquired_at", DateTime, nullable=True),
)

Outcome = Literal["kept", "taken", "refused"]


def add_scheduler_lease(connection: Connection) -> None:
    """Migration 0014: the table and its one row, free (held by nobody, long expired)."""
    lease_metadata.create_all(connection, tables=[scheduler_lease])
    connection.execute(
        scheduler_lease.insert().values(name=SCHEDULER, holder=NOBODY, expires_at=LONG_AGO)
    )


def worker_id() -> str:
    """hostname:pid:random — unique per process, and says where to look for it."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class LeaseStore:
    def __init__(self, engine: Engine, name: str = SCHEDULER) -> None:
        self.engine = engine
        self.name = name

    def take(self, holder: str, now: dt.datetime, until: dt.datetime) -> Outcome:
        """Renew the lease if `holder` has it ("kept", even just past its expiry: nobody took
        it meanwhile, so nothing this worker runs was given up), take it if it is free or
        expired ("taken": the previous holder is gone, so what it left running is over), or not
        ("refused": another worker holds it)."""
        row = scheduler_lease.c
        with self.engine.begin() as connection:
            kept = connection.execute(
                update(scheduler_lease)
                .where(row.name == self.name, row.holder == holder)
                .values(expires_at=until)
            ).rowcount
        if kept:
            return "kept"
        with self.engine.begin() as connection:
            taken = connection.execute(
                update(scheduler_lease)
                .where(row.name == self.name, row.expires_at < now)
                .values(holder=holder, expires_at=until, acquired_at=now)
            ).rowcount
            if not taken:
                # A server killed on this machine and started again need not wait out its lease.
                current = connection.scalar(select(row.holder).where(row.name == self.name))
                if current and _gone_from_this_machine(current):
                    taken = connection.execute(
                        update(scheduler_lease)
                        .where(row.name == self.name, row.holder == current)
                        .values(holder=holder, expires_at=until, acquired_at=now)
                    ).rowcount
        return "taken" if taken else "refused"

    def release(self, holder: str) -> bool:
        """Give the lease up (a stopping worker), if `holder` still has it."""
        row = scheduler_lease.c
        with self.engine.begin() as connection:
            released = connection.execute(
                update(scheduler_lease)
                .where(row.name == self.name, row.holder == holder)
                .values(holder=NOBODY, expires_at=LONG_AGO)
            ).rowcount
        return bool(released)

    def holder(self, now: dt.datetime) -> str | None:
        """Who holds the lease now, if anybody."""
        row = scheduler_lease.c
        with self.engine.connect() as connection:
            found = connection.execute(
                select(row.holder, row.expires_at).where(row.name == self.name)
            ).first()
        if found is None or found.holder == NOBODY or found.expires_at < now:
            return None
        return str(found.holder)


def _gone_from_this_machine(holder: str) -> bool:
    """A holder named for this host whose process no longer exists. A process that exists may
    be another one given the same pid (a container restarted): then the lease is waited out."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by another user
        return False
    return False
