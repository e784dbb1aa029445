"""Milestone dates and budget figures as minutes state them.

Minutes write milestones as a table (`| M4 Load test | 2026-10-30 | 2026-11-13 | Slipped |`) or as
bullets (`- M4 load test: 2026-11-13 → 2026-11-27 (second slip).`, `- M1 — achieved 2026-09-18.`),
and budget lines such as `Spend to date USD 410k of 600k approved; forecast at completion USD 655k
(9% over budget)`. Both are read into structured notes with their line, so a status report can
state them with a citation instead of asking a model to copy numbers.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.domain.record import BudgetNote, MilestoneNote
from assistant.text.dates import find_all_dates
from ingest.loaders.markdown import clean_inline

MILESTONE_ID = re.compile(r"^\s*(?:[-*+]\s*)?\**\s*(M\d{1,2})\b(?![–-]M?\d)", re.IGNORECASE)
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
ACHIEVED = re.compile(r"\b(?:achieved|done|completed|met)\b", re.IGNORECASE)
UNDER_REVIEW = re.compile(r"\b(?:under review|tbd|to be confirmed|not decided)\b", re.IGNORECASE)

_AMOUNT = r"(?P<{name}>\d[\d,]*(?:\.\d+)?)\s*(?P<{name}_unit>[kKmM]\b)?"
SPEND = re.compile(
    r"\b(?:spend|spent|actuals?)(?:\s+to\s+date)?\W+(?P<currency>USD|EUR|GBP|CHF|\$|€|£)\s*"
    + _AMOUNT.format(name="spend")
    + r"\s+of\s+(?:(?:USD|EUR|GBP|CHF|\$|€|£)\s*)?"
    + _AMOUNT.format(name="approved")
    + r"\s+(?:approved|budget)",
    re.IGNORECASE,
)
FORECAST = re.compile(
    r"\bforecast(?:\s+at\s+completion)?\W+(?:USD|EUR|GBP|CHF|\$|€|£)\s*"
    + _AMOUNT.format(name="forecast"),
    re.IGNORECASE,
)


def milestone_from_table_row(
    cells: list[str], header: list[str], line: int
) -> MilestoneNote | None:
    """A row of a milestone table; the header says which column is the baseline and forecast."""
    if not cells or not (match := MILESTONE_ID.match(cells[0])):
        return None
    columns = [cell.lower() for cell in header]

    def cell(*names: str) -> str:
        for index, column in enumerate(columns):
            if any(name in column for name in names) and index < len(cells):
                return cells[index]
        return ""

    baseline = _first_iso(cell("baseline", "planned", "original", "plan"))
    forecast_text = cell("forecast", "current", "actual", "revised", "new")
    status = cell("status", "rag", "comment")
    achieved = _first_iso(forecast_text) if ACHIEVED.search(forecast_text) else None
    if achieved is None and ACHIEVED.search(status) and not re.search(r"not", status, re.I):
        achieved = _first_iso(forecast_text) if _first_iso(forecast_text) else None
    return MilestoneNote(
        id=match.group(1).upper(),
        name=_name(cells[0], match),
        baseline=baseline,
        forecast=None if achieved else _first_iso(forecast_text),
        achieved=achieved,
        under_review=bool(UNDER_REVIEW.search(forecast_text)),
        status=status or None,
        line=line,
    )


def milestone_from_line(text: str, line: int, year: int | None = None) -> MilestoneNote | None:
    """A bullet about a milestone. A line naming several (`M5 … and M6 …`) is read up to the
    second one; a line with no date and no "under review" says nothing to record."""
    match = MILESTONE_ID.match(text)
    if not match:
        return None
    cleaned = clean_inline(text)
    rest = cleaned[cleaned.find(match.group(1)) + len(match.group(1)) :]
    if re.match(r"\s*(?:[–-]\s*M?\d|,\s*M\d|\s+and\s+M\d)", rest):
        return None
    rest = re.split(r"\bM\d{1,2}\b|\.\s+(?=[A-Z])", rest, maxsplit=1)[0]
    baseline = forecast = achieved = None
    for index, (when, start) in enumerate(find_all_dates(rest, year)):
        before = rest[max(0, start - 30) : start].lower()
        if re.search(r"achieved|done|completed", before):
            achieved = when
        elif re.search(r"re-?planned|forecast|now|moved|→|->|\bto\W*$", before):
            forecast = when
        elif re.search(r"baseline|planned|original|plan\b", before):
            baseline = when
        elif index == 0:
            # `M4 — 2026-11-13 (moved last week)`: a bare first date is the current date. Later
            # bare dates are about something else ("depends on the sandbox promised for …").
            forecast = when
    if forecast is None and baseline and re.search(r"on track|unchanged", rest, re.IGNORECASE):
        forecast = baseline
    under_review = bool(UNDER_REVIEW.search(rest))
    if not (baseline or forecast or achieved or under_review):
        return None
    return MilestoneNote(
        id=match.group(1).upper(),
        name=_name(cleaned, match),
        baseline=baseline,
        forecast=None if achieved else forecast,
        achieved=achieved,
        under_review=under_review,
        status=None,
        line=line,
    )


def budget_from_line(text: str, line: int) -> BudgetNote | None:
    """`Spend to date USD 410k of 600k approved; forecast at completion USD 655k (9% over)`."""
    spend = SPEND.search(text)
    if not spend:
        return None
    forecast = FORECAST.search(text)
    currency = {"$": "USD", "€": "EUR", "£": "GBP"}.get(spend.group("currency"))
    return BudgetNote(
        currency=currency or spend.group("currency").upper(),
        spend_to_date=_amount(spend.group("spend"), spend.group("spend_unit")),
        approved=_amount(spend.group("approved"), spend.group("approved_unit")),
        forecast_at_completion=(
            _amount(forecast.group("forecast"), forecast.group("forecast_unit"))
            if forecast
            else None
        ),
        text=clean_inline(text),
        line=line,
    )


def _amount(number: str, unit: str | None) -> float:
    value = float(number.replace(",", ""))
    scale = {"k": 1_000, "m": 1_000_000}.get((unit or "").lower(), 1)
    return value * scale


def _name(text: str, match: re.Match[str]) -> str:
    rest = clean_inline(text)[match.end() - match.start() :]
    # The name ends where its dates or notes start: "M3 Integration test ........ 26 Feb, …".
    rest = re.split(
        r"[:—–(]|\s-\s|\.{2,}|\d{4}-\d{2}-\d{2}"
        r"|\s\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b",
        rest,
        maxsplit=1,
        flags=re.IGNORECASE,
    )[0]
    return rest.strip(" ,.*") or match.group(1).upper()


def _first_iso(text: str) -> dt.date | None:
    match = ISO_DATE.search(text)
    return _iso(match.group(0)) if match else None


def _iso(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def forecast_amount(text: str) -> float | None:
    """`Forecast at completion USD 648k` on a line of its own."""
    match = FORECAST.search(text)
    return _amount(match.group("forecast"), match.group("forecast_unit")) if match else None
