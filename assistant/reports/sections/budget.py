"""Budget: the latest spend, approved budget and forecast the minutes state."""

from __future__ import annotations

from assistant.domain.report import SectionLine
from assistant.reports.sections.base import ReportSection, SectionInputs
from assistant.reports.status_rules import money


def budget(inputs: SectionInputs) -> list[SectionLine]:
    stated = inputs.facts.budget
    if stated is None:
        return []
    text = (
        f"Spend to date {money(stated.currency, stated.spend_to_date)} of "
        f"{money('', stated.approved)} approved"
    )
    if stated.forecast_at_completion is not None:
        text += f"; forecast at completion {money(stated.currency, stated.forecast_at_completion)}"
        if stated.variance_percent is not None and abs(stated.variance_percent) >= 0.5:
            side = "over" if stated.variance_percent > 0 else "under"
            text += f" ({abs(stated.variance_percent):.0f}% {side})"
    return [inputs.line(f"{text} (stated {stated.stated_on}).", stated.sources)]


SECTION = ReportSection(
    key="budget", title="Budget", build=budget, empty="No budget figure stated."
)
