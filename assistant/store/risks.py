"""The risk register in the relational store: entries R-001, … and their append-only history.

Every change to an entry is written with its history row in one transaction, so the register
never holds a change that its history does not explain. History rows name evidence by its
locator, never by its text, so erasing a document (`forget`) can remove its words from the
register while the history stays append-only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine

from assistant.domain.clock import utc_now
from assistant.domain.errors import InvalidInputError, UnknownRiskError
from assistant.domain.risk import NEEDS_REASON, TRANSITIONS, RiskChange, RiskEntry, apply_fields
from assistant.store.db import risk_history, risks


class RiskRegister:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # Reading ------------------------------------------------------------------------------

    def entries(
        self, project: str, statuses: Iterable[str] | None = None, *, with_history: bool = False
    ) -> list[RiskEntry]:
        query = select(risks.c.entry_json).where(risks.c.project == project)
        if statuses is not None:
            query = query.where(risks.c.status.in_(list(statuses)))
        with self.engine.connect() as connection:
            found = [
                RiskEntry.model_validate_json(body)
                for body in connection.scalars(query.order_by(risks.c.id))
            ]
            if with_history:
                for entry in found:
                    entry.history = self._history(connection, project, entry.id)
        return sorted(found, key=lambda entry: _id_number(entry.id))

    def entry(self, project: str, risk_id: str) -> RiskEntry:
        with self.engine.connect() as connection:
            body = connection.scalar(
                select(risks.c.entry_json).where(
                    risks.c.project == project, risks.c.id == risk_id.upper()
                )
            )
            if body is None:
                raise UnknownRiskError(project, risk_id)
            entry = RiskEntry.model_validate_json(body)
            entry.history = self._history(connection, project, entry.id)
        return entry

    def _history(self, connection: Connection, project: str, risk_id: str) -> list[RiskChange]:
        rows = connection.execute(
            select(
                risk_history.c.at,
                risk_history.c.actor,
                risk_history.c.action,
                risk_history.c.changes_json,
                risk_history.c.reason,
            )
            .where(risk_history.c.project == project, risk_history.c.risk_id == risk_id)
            .order_by(risk_history.c.id)
        )
        return [
            RiskChange(
                at=row.at,
                actor=row.actor,
                action=row.action,
                changes=json.loads(row.changes_json),
                reason=row.reason,
            )
            for row in rows
        ]

    # Writing ------------------------------------------------------------------------------

    def write(
        self,
        project: str,
        changes: Sequence[tuple[RiskEntry, RiskChange]],
        connection: Connection | None = None,
    ) -> None:
        """Insert or update entries with their history rows, all in one transaction (the
        caller's, when it passes its connection)."""
        if connection is not None:
            for entry, change in changes:
                self._write(connection, project, entry, change)
            return
        with self.engine.begin() as own:
            self.write(project, changes, own)

    def next_ids(self, project: str, count: int) -> list[str]:
        with self.engine.connect() as connection:
            ids = connection.scalars(select(risks.c.id).where(risks.c.project == project))
            highest = max((_id_number(i) for i in ids), default=0)
        return [f"R-{highest + n:03d}" for n in range(1, count + 1)]

    def change(
        self,
        project: str,
        risk_id: str,
        *,
        actor: str,
        action: str,
        updates: dict[str, Any],
        reason: str | None = None,
    ) -> RiskEntry:
        """Apply a PM's change (accept, reject, edit, a status move) and record it."""
        entry = self.entry(project, risk_id)
        if not actor.strip():
            raise InvalidInputError("Say who makes the change.", field="actor")
        status = updates.get("status")
        if status is not None and status != entry.status:
            allowed = TRANSITIONS[entry.status]
            if status not in allowed:
                raise InvalidInputError(
                    f"{entry.id} is {entry.status}; it can move to "
                    f"{', '.join(sorted(allowed)) or 'no other status'}, not {status}."
                )
            if status in NEEDS_REASON and not (reason and reason.strip()):
                raise InvalidInputError(
                    f"Give a reason to mark {entry.id} {status}.", field="reason"
                )
        fields = {k: v for k, v in updates.items() if k != "status"}
        if fields and entry.status in ("closed", "rejected"):
            raise InvalidInputError(
                f"{entry.id} is {entry.status}; reopen it before editing its fields."
            )
        try:
            changed = apply_fields(entry, updates)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors()
            )
            raise InvalidInputError(f"Invalid value for {entry.id}: {problems}.") from None
        if not changed:
            raise InvalidInputError(f"Nothing to change: {entry.id} already has those values.")
        now = utc_now()
        entry.updated_at = now
        if set(changed) - {"status"} and not entry.edited:
            entry.edited = True
            changed["edited"] = [False, True]
        change = RiskChange(
            at=now, actor=actor.strip(), action=action, changes=changed, reason=reason
        )
        with self.engine.begin() as connection:
            self._write(connection, project, entry, change)
        entry.history.append(change)
        return entry

    def drop_evidence_of(self, project: str, document_id: str, actor: str) -> list[str]:
        """Remove an erased document's evidence from every entry; returns the entries touched."""
        touched: list[tuple[RiskEntry, RiskChange]] = []
        for entry in self.entries(project):
            kept = [item for item in entry.evidence if item.document_id != document_id]
            if len(kept) == len(entry.evidence):
                continue
            before = [item.label for item in entry.evidence]
            entry.evidence = kept
            entry.updated_at = utc_now()
            touched.append(
                (
                    entry,
                    RiskChange(
                        at=entry.updated_at,
                        actor=actor,
                        action="evidence removed",
                        changes={"evidence": [before, [item.label for item in kept]]},
                        reason=f"document {document_id} was erased",
                    ),
                )
            )
        self.write(project, touched)
        return [entry.id for entry, _ in touched]

    def _write(
        self, connection: Connection, project: str, entry: RiskEntry, change: RiskChange
    ) -> None:
        body = entry.model_copy(update={"history": []}).model_dump_json()
        values = {
            "status": entry.status,
            "category": entry.category,
            "title": entry.title,
            "score": entry.score,
            "signal_key": entry.signal_key,
            "entry_json": body,
            "updated_at": entry.updated_at,
        }
        exists = connection.scalar(
            select(func.count())
            .select_from(risks)
            .where(risks.c.project == project, risks.c.id == entry.id)
        )
        if exists:
            connection.execute(
                update(risks).where(risks.c.project == project, risks.c.id == entry.id),
                values,
            )
        else:
            connection.execute(
                risks.insert().values(
                    project=project, id=entry.id, created_at=entry.created_at, **values
                )
            )
        connection.execute(
            risk_history.insert().values(
                project=project,
                risk_id=entry.id,
                at=change.at,
                actor=change.actor,
                action=change.action,
                changes_json=json.dumps(change.changes, default=_json_default),
                reason=change.reason,
            )
        )


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the risk history")


def _id_number(risk_id: str) -> int:
    number = risk_id.rpartition("-")[2]
    return int(number) if number.isdigit() else 0
