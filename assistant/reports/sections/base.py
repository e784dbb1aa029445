"""What a report section is: a key, a title, and how its cited lines are built from the facts.

A section's lines are composed by code from facts, so their numbers, keys, owners and dates are
the record's. Every line cites its chunks through the report's one `SourceBook`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.domain.facts import ActionItemFact, PeriodFacts, ProgressFact, TicketFact
from assistant.domain.report import ReportLine, SectionLine, StatusReport
from assistant.domain.risk import RiskEntry
from assistant.facts.sources import SourceBook
from assistant.reports.noise import about_the_meeting, distinct_actions, says_nothing

LIST_LIMIT = 8
# The team's own items are the substance of a report on a record without a tracker: show more.
PROGRESS_LIMIT = 30


@dataclass(frozen=True)
class SectionInputs:
    """What every section is built from: the period's facts, the book that numbers the sources,
    the risk register as of the period, and the concern tags the series repeats (keyed by
    `noise.concern_key`)."""

    facts: PeriodFacts
    book: SourceBook
    register: list[RiskEntry] = field(default_factory=list)
    standing_concerns: frozenset[str] = frozenset()

    def line(self, text: str, sources: list[str]) -> ReportLine:
        return ReportLine(text=text, citations=self.book.cite(sources))

    def ticket_line(self, ticket: TicketFact, state: str) -> ReportLine:
        owner = f" — {ticket.assignee}" if ticket.assignee else ""
        return self.line(f"{ticket.key} {ticket.summary}: {state}{owner}.", ticket.sources)

    def progress_lines(self, state: str) -> list[SectionLine]:
        """The period's meeting items in one state, in the team's words, at most
        PROGRESS_LIMIT, then how many more."""
        facts = self.facts
        several = len(facts.meetings_held) > 1
        lines: list[SectionLine] = []
        for item in (p for p in facts.progress if p.state == state):
            if about_the_meeting(item.text):
                continue  # the next meeting's date or its notes is not the project's work
            if says_nothing(item.text):
                continue  # "None at this time": a template's empty slot, not an item
            lines.append(self.line(_progress_text(item, several), item.sources))
        if len(lines) <= PROGRESS_LIMIT:
            return lines
        more = len(lines) - PROGRESS_LIMIT
        return [*lines[:PROGRESS_LIMIT], ReportLine(text=f"{more} more in the minutes.")]

    def actions(self, *states: str) -> list[ActionItemFact]:
        """The period's actions in these states, each once, without the meeting's own chores
        (publishing its notes, booking the next one)."""
        wanted = [
            a
            for a in self.facts.action_items
            if a.state in states and not about_the_meeting(a.task)
        ]
        return distinct_actions(wanted)

    def action_line(self, action: ActionItemFact) -> ReportLine:
        owner = action.owner or "no owner"
        due = f", due {action.due}" if action.due else ""
        state = {
            "done": f"done ({action.done_on})",
            "overdue": "overdue",
            "open": "open",
        }[action.state]
        return self.line(f"Action: {action.task} — {owner}{due}; {state}.", action.sources)


@dataclass(frozen=True)
class ReportSection:
    """One section of the status report. The registry (`sections/__init__.py`) lists them in
    the order they are drafted and shown; drafting, the JSON, the renderers, the model's facts
    and the web page all read this one definition."""

    key: str  # the key in StatusReport.sections (and the JSON)
    title: str  # the heading in Markdown and HTML, on the web page and in the model's facts
    build: Callable[[SectionInputs], list[SectionLine]]
    empty: str = "None recorded."  # what a reader sees when the section has no lines
    # A chart drawn below the section in the HTML report (self-contained SVG), if any.
    chart: Callable[[StatusReport], str] | None = None


def _progress_text(item: ProgressFact, several_meetings: bool) -> str:
    owner = f" — {item.owner}" if item.owner else ""
    where = f" ({item.meeting}, {item.date})" if several_meetings else ""
    return f"{item.text.rstrip('. ')}{owner}{where}."


def limited(lines: list[SectionLine], what: str) -> list[SectionLine]:
    """At most LIST_LIMIT lines, then one line saying how many more there are."""
    if len(lines) <= LIST_LIMIT:
        return lines
    return [*lines[:LIST_LIMIT], ReportLine(text=f"{len(lines) - LIST_LIMIT} {what}.")]
