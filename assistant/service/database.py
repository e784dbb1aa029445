"""The relational store itself: `pmassist db upgrade` and `pmassist db check`."""

from __future__ import annotations

import datetime as dt

from assistant.domain.clock import utc_now
from assistant.domain.errors import PmassistError
from assistant.service.wiring import Wiring
from assistant.store.db import MIGRATIONS
from assistant.store.maintenance import schema_report


class DatabaseService:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring

    def upgrade(self) -> dict[str, object]:
        """Apply every migration not yet applied (opening the store does), then check; the
        report's `applied_now` names what this run applied."""
        return self.check(since=utc_now())

    def check(self, since: dt.datetime | None = None) -> dict[str, object]:
        """The database, its migrations and its guard triggers; raises when any is missing."""
        names = [name for name, _ in MIGRATIONS]
        report = schema_report(self.wiring.documents.engine, names, since)
        if report["missing"] or report["guards_missing"]:
            raise DatabaseCheckFailed(report)
        return report


class DatabaseCheckFailed(PmassistError):
    def __init__(self, report: dict[str, object]) -> None:
        super().__init__(
            f"The database {report['database']} is not as pmassist needs it: migrations "
            f"missing {report['missing']}, guard triggers missing {report['guards_missing']}. "
            "Run `pmassist db upgrade`; a trigger dropped by hand comes back only by hand."
        )
        self.report = report
