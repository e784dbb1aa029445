"""Facts the minutes and decision logs state: action items, decisions, milestones, budget lines,
the stated overall status, and concerns."""

from __future__ import annotations

import datetime as dt
import re

from assistant.domain.facts import (
    ActionItemFact,
    BudgetFact,
    DecisionFact,
    MeetingFact,
    MilestoneFact,
    NoteFact,
    ProgressFact,
    StatedStatusFact,
)
from assistant.domain.period import ReportPeriod
from assistant.domain.record import Document, MilestoneNote
from assistant.facts.record import RecordSnapshot
from assistant.text.injection import gives_orders

DECISION_NEEDED = re.compile(
    r"\b(?:not (?:yet )?decided|decision (?:needed|required|pending)|to be decided|will decide|"
    r"needs? a decision|awaiting (?:a )?decision|to decide)\b",
    re.IGNORECASE,
)

DECISION_ID = re.compile(r"\b(?:DL|ADR|DEC|D)-\d+\b")
# A meeting whose title says it is the team's own status or update note.
TEAM_UPDATE = re.compile(r"\b(?:status|update|updates|report|check-?in|stand-?up)\b", re.IGNORECASE)
STATUS_LINE = re.compile(r"^\W*(?:overall|project)\s+status\b", re.IGNORECASE)
# A new item repeated by half the meetings of at least this many is standing furniture.
STANDING_MIN_MEETINGS = 4
# An open action nobody has mentioned for this long is reported as not followed up, not listed.
FOLLOW_UP_DAYS = 21


class MinutesFacts:
    def __init__(self, record: RecordSnapshot, period: ReportPeriod) -> None:
        self.record = record
        self.period = period
        self.meetings = [
            (document, meeting)
            for document, meeting in record.meetings()
            if document.date is not None and document.date <= period.end
        ]
        self.in_period = [(d, m) for d, m in self.meetings if period.contains(d.date)]
        self.not_followed_up = 0

    def action_items(self) -> list[ActionItemFact]:
        """Each action once, in its latest state: done when any meeting up to the period's end
        ticked it, overdue when its due date passed before the period ended, else open. Actions
        done before this period are left out."""
        latest: dict[str, ActionItemFact] = {}
        last_mentioned: dict[str, dt.date | None] = {}
        for document, meeting in self.meetings:
            for item in meeting.action_items:
                if gives_orders(item.task):
                    continue  # an order to an assistant is not an action of the team
                key = _action_key(item.task)
                last_mentioned[key] = document.date
                known = latest.get(key)
                sources = self.record.cite_line_and_person(document.id, item.line, item.owner)
                if known is None:
                    latest[key] = ActionItemFact(
                        task=_first_sentence(item.task),
                        owner=item.owner,
                        due=item.due,
                        state="done" if item.done else "open",
                        raised_on=document.date,
                        done_on=document.date if item.done else None,
                        sources=sources,
                    )
                    continue
                if item.done and known.state != "done":
                    known.state, known.done_on, known.sources = "done", document.date, sources
                known.owner = known.owner or item.owner
                if item.due and item.due != known.due:
                    # A new due date is cited where it is written, not where the action began.
                    known.due, known.sources = item.due, sources
        result = []
        self.not_followed_up = 0
        for key, fact in latest.items():
            if fact.state == "done":
                if not self.period.contains(fact.done_on):
                    continue
            elif (mentioned := last_mentioned[key]) and (
                self.period.end - mentioned
            ).days > FOLLOW_UP_DAYS:
                self.not_followed_up += 1
                continue
            elif fact.due is not None and fact.due < self.period.end:
                fact.state = "overdue"
            result.append(fact)
        order = {"overdue": 0, "open": 1, "done": 2}
        return sorted(result, key=lambda f: (order[f.state], f.due or dt.date.max, f.task))

    def decisions(self) -> list[DecisionFact]:
        found: list[DecisionFact] = []
        for document, decision in self.record.decisions():
            if self.period.contains(decision.date) and not gives_orders(decision.title):
                sources = self.record.cite_mentioning(document.id, decision.deciders)
                found.append(
                    DecisionFact(
                        id=decision.id,
                        text=decision.title,
                        date=decision.date,
                        # Only deciders the cited text names: an ADR's front matter is not a chunk.
                        decided_by=self.record.named_in(sources, decision.deciders),
                        origin="decision log",
                        sources=sources,
                    )
                )
        logged = {fact.id for fact in found if fact.id}
        for document, meeting in self.in_period:
            for note in meeting.decisions:
                if DECISION_NEEDED.search(note.text) or STATUS_LINE.match(note.text):
                    continue
                if gives_orders(note.text):
                    continue  # an order to an assistant is not a decision of the team
                if set(DECISION_ID.findall(note.text)) & logged:
                    continue  # the decision log has it, with its id and deciders
                found.append(
                    DecisionFact(
                        text=note.text,
                        date=document.date,
                        origin="minutes",
                        sources=self.record.cite_line(document.id, note.line),
                    )
                )
        return sorted(found, key=lambda f: (f.date or dt.date.min, f.id or "", f.text))

    def decisions_needed(self) -> list[NoteFact]:
        found = []
        for document, meeting in self.in_period:
            for note in [*meeting.decisions, *meeting.concerns]:
                if DECISION_NEEDED.search(note.text) and not gives_orders(note.text):
                    found.append(
                        NoteFact(
                            text=note.text,
                            date=document.date,
                            sources=self.record.cite_line(document.id, note.line),
                        )
                    )
        return found

    def concerns(self) -> list[NoteFact]:
        return [
            NoteFact(
                text=note.text,
                date=document.date,
                sources=self.record.cite_line(document.id, note.line),
            )
            for document, meeting in self.in_period
            for note in meeting.concerns
            if not DECISION_NEEDED.search(note.text)
            and not gives_orders(note.text)
            and not _a_tag(note.text)
        ]

    def milestones(self) -> list[MilestoneFact]:
        notes: dict[str, list[tuple[Document, MilestoneNote]]] = {}
        for document, meeting in self.meetings:
            for note in meeting.milestones:
                notes.setdefault(note.id, []).append((document, note))
        facts = [self._milestone(milestone_id, items) for milestone_id, items in notes.items()]
        return sorted(facts, key=lambda f: int(f.id[1:]) if f.id[1:].isdigit() else 99)

    def _milestone(
        self, milestone_id: str, items: list[tuple[Document, MilestoneNote]]
    ) -> MilestoneFact:
        baseline_note = next(((d, n) for d, n in items if n.baseline), None)
        baseline = baseline_note[1].baseline if baseline_note else None
        name = max((n.name for _, n in items), key=len)
        forecasts: list[dt.date] = []
        slips = 0
        slipped_in_period = False
        slip_days = 0
        slip_sources: list[str] = []
        for document, note in items:
            when = note.forecast
            if when is None or (forecasts and forecasts[-1] == when):
                continue
            previous = forecasts[-1] if forecasts else baseline
            forecasts.append(when)
            if previous is not None and when > previous:
                slips += 1
                if self.period.contains(document.date):
                    slipped_in_period = True
                    slip_days += (when - previous).days
                    slip_sources = self.record.cite_line(document.id, note.line)
        last_document, last = items[-1]
        achieved = next((n.achieved for _, n in reversed(items) if n.achieved), None)
        current = achieved or (
            None if last.under_review else (forecasts[-1] if forecasts else baseline)
        )
        sources = self.record.cite_line(last_document.id, last.line)
        if baseline_note is not None and last.baseline is None:
            sources += self.record.cite_line(baseline_note[0].id, baseline_note[1].line)
        return MilestoneFact(
            id=milestone_id,
            name=name,
            baseline=baseline,
            current=current,
            achieved=achieved,
            under_review=last.under_review and not achieved,
            forecasts=forecasts,
            slips=slips,
            slipped_in_period=slipped_in_period,
            slip_days_in_period=slip_days,
            stated_on=last_document.date,
            sources=list(dict.fromkeys(sources + slip_sources)),
        )

    def budget(self) -> BudgetFact | None:
        for document, meeting in reversed(self.meetings):
            if meeting.budget:
                note = meeting.budget[-1]
                return BudgetFact(
                    stated_on=document.date,
                    currency=note.currency,
                    spend_to_date=note.spend_to_date,
                    approved=note.approved,
                    forecast_at_completion=note.forecast_at_completion,
                    variance_percent=note.forecast_variance_percent,
                    text=note.text,
                    sources=self.record.cite_line(document.id, note.line),
                )
        return None

    def stated_status(self) -> StatedStatusFact | None:
        for document, meeting in reversed(self.in_period):
            if meeting.stated_status in ("green", "amber", "red"):
                return StatedStatusFact(
                    colour=meeting.stated_status,
                    stated_on=document.date,
                    meeting=document.title,
                    sources=self.record.cite_line(document.id, meeting.stated_status_line),
                )
        return None

    def meetings_held(self) -> list[MeetingFact]:
        """The period's meetings, the team's own status or update notes first, then by date."""
        held = [
            MeetingFact(
                title=document.title,
                date=document.date,
                done=sum(1 for p in meeting.progress if p.state == "done"),
                in_progress=sum(1 for p in meeting.progress if p.state == "in_progress"),
                new=sum(1 for p in meeting.progress if p.state == "new"),
                decisions=len(meeting.decisions),
                actions=len(meeting.action_items),
                team_update=bool(TEAM_UPDATE.search(document.title)),
                sources=self.record.cite_line(document.id, None),
            )
            for document, meeting in self.in_period
        ]
        return sorted(held, key=lambda m: (not m.team_update, m.date or dt.date.min))

    def progress(self) -> list[ProgressFact]:
        """What the period's meetings report as done, in progress and new: each item once (the
        latest meeting's state wins), the team's own updates first."""
        ordered = sorted(
            self.in_period,
            key=lambda pair: (not TEAM_UPDATE.search(pair[0].title), pair[0].date or dt.date.min),
        )
        found: dict[str, ProgressFact] = {}
        repeated = self._standing_announcements()
        for document, meeting in ordered:
            for item in meeting.progress:
                if gives_orders(item.text):
                    continue
                key = _action_key(item.text)
                if item.state == "new" and key in repeated:
                    continue
                fact = ProgressFact(
                    text=item.text,
                    state=item.state,
                    owner=item.owner,
                    date=document.date,
                    meeting=document.title,
                    sources=self.record.cite_line_and_person(document.id, item.line, item.owner),
                )
                known = found.get(key)
                if known is None or (known.date or dt.date.min) <= (fact.date or dt.date.min):
                    found[key] = fact
        return list(found.values())

    def _standing_announcements(self) -> set[str]:
        """New items or announcements that at least half the meetings of a series repeat (a
        standing reminder, the release calendar's heading): the series' furniture, not news.
        Work in progress carried for weeks is news every week, so only new items count."""
        if len(self.meetings) < STANDING_MIN_MEETINGS:
            return set()
        seen: dict[str, int] = {}
        for _, meeting in self.meetings:
            for key in {_action_key(p.text) for p in meeting.progress if p.state == "new"}:
                seen[key] = seen.get(key, 0) + 1
        return {key for key, count in seen.items() if count * 2 >= len(self.meetings)}

    def meeting_titles(self) -> list[str]:
        return [document.title for document, _ in self.in_period]

    def baseline_date(self) -> dt.date | None:
        """The first meeting of the record: work added after it is scope change."""
        return self.meetings[0][0].date if self.meetings else None


def _a_tag(text: str) -> bool:
    """'needs-champion', 'complexity': a tag a tracker puts on a proposal, not a concern said
    in words (a ticket key alone still names what is at stake)."""
    return len(text.split()) < 3 and not re.search(r"[A-Za-z][\w-]*[-#]\d+", text)


def _first_sentence(text: str) -> str:
    """Transcripts note an action inside a longer utterance: keep its first sentence."""
    first = re.split(r"(?<=[a-z0-9)])\.\s+(?=[A-Z])", text.strip(), maxsplit=1)[0]
    return first.rstrip(" .")


def _action_key(task: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", task.lower()).split()
    return " ".join(words[:10])
