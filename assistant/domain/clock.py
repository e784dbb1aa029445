"""The one clock every stored time is read from."""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """Naive UTC: SQLite has no time zones, so every stored time is UTC by convention."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
