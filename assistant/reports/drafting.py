"""Drafting a status report: facts -> status rules -> cited sections -> summary -> checks."""

from __future__ import annotations

from collections.abc import Callable

from assistant.config import Settings
from assistant.domain.clock import utc_now
from assistant.domain.evidence import Evidence
from assistant.domain.report import ReportLine, SectionLine, StatusReport
from assistant.domain.risk import RiskEntry
from assistant.facts import PeriodFacts, RecordSnapshot, ReportPeriod, period_facts
from assistant.facts.sources import SourceBook
from assistant.grounding import grounding_problems
from assistant.llm import LanguageModel, ModelOutputError, StructuredOutputError
from assistant.llm.errors import failed_because
from assistant.reports import sections
from assistant.reports.delta import report_delta
from assistant.reports.model_writer import write_summary
from assistant.reports.noise import standing_concerns
from assistant.reports.sections import SectionInputs
from assistant.reports.status_judgement import judge_status
from assistant.reports.summary import offline_summary
from assistant.text.citations import escape_citation_marks
from assistant.tokens import TokenCounter

# Retrieved beside the facts so the model can phrase them with the record's own words.
EVIDENCE_QUERY = "progress, blockers, slipped dates, risks, decisions and escalations this week"
EVIDENCE_K = 8

Retrieve = Callable[[str, ReportPeriod], list[Evidence]]


class ReportDrafter:
    def __init__(
        self,
        settings: Settings,
        counter: TokenCounter,
        model: LanguageModel | None,
        retrieve: Retrieve | None = None,
    ) -> None:
        self.settings = settings
        self.counter = counter
        self.model = model
        self.retrieve = retrieve

    def draft(
        self,
        record: RecordSnapshot,
        period: ReportPeriod,
        previous: StatusReport | None = None,
        register: list[RiskEntry] | None = None,
    ) -> StatusReport:
        """`register`: the risk register's current entries (accepted and suggested)."""
        facts = period_facts(record, period)
        report, book = self._compose(record, facts, register or [])
        if previous is not None:
            report.delta = report_delta(
                report, previous, f"the saved report for {previous.period.label}"
            )
        elif facts.record_ends is None or period.start > facts.record_ends:
            report.delta = None
        else:
            earlier, _ = self._compose(record, period_facts(record, period.previous()), [])
            report.delta = report_delta(
                report, earlier, f"the record as of the end of {period.previous().label}"
            )
        if self.model is not None:
            self._write_with_model(report, book, record.project)
        self._check(report, book)
        return report

    def _compose(
        self, record: RecordSnapshot, facts: PeriodFacts, register: list[RiskEntry]
    ) -> tuple[StatusReport, SourceBook]:
        book = SourceBook(record)
        judgement = judge_status(facts, book)
        standing = frozenset(standing_concerns(record, facts.period))
        inputs = SectionInputs(facts, book, register, standing_concerns=standing)
        built = _each_line_once(
            {section.key: section.build(inputs) for section in sections.registered()}
        )
        report = StatusReport(
            project=record.project,
            period=facts.period,
            overall_status=judgement.overall,
            status_reasons=judgement.reasons,
            stated_status=judgement.stated,
            rules_status=judgement.rules,
            status_challenge=judgement.challenge,
            executive_summary=offline_summary(facts, judgement, built),
            sections=built,
            metrics=facts.kpis,
            writer="offline",
            created_at=utc_now(),
        )
        if not facts.has_activity:
            report.warnings.append(f"No activity is recorded for {facts.period.label}.")
        if facts.record_ends and facts.period.end > facts.record_ends:
            report.warnings.append(
                f"The record ends on {facts.record_ends}; anything later is not known to this "
                "report."
            )
        report.sources = book.evidence
        # Lines quote the record; a "[S1]" typed into a ticket must not read as a citation.
        for line in report.lines():
            line.text = escape_citation_marks(line.text)
        return report, book

    def _write_with_model(self, report: StatusReport, book: SourceBook, project: str) -> None:
        assert self.model is not None
        cited = list(book.evidence)
        if self.retrieve is not None:
            book.add_evidence(self.retrieve(EVIDENCE_QUERY, report.period))
        budget = self.model.prompt_budget(self.settings.context_tokens, self.settings.draft_tokens)
        try:
            summary = write_summary(
                self.model,
                self.counter,
                project=project,
                period=report.period.label,
                colour=report.overall_status,
                facts=model_facts(report),
                evidence=cited + book.evidence[len(cited) :],
                sources_by_id=book.by_citation(),
                known_people=book.known_people(),
                year=report.period.end.year,
                budget_tokens=budget,
                retries=self.settings.structured_output_retries,
                reply_tokens=self.settings.draft_tokens,
            )
        except (ModelOutputError, StructuredOutputError) as error:
            self._summary_from_facts(report, failed_because(error))
            return
        flagged = len(summary.needs_checking) + summary.said_nothing
        self.model.journal.sentences(len(summary.accepted), flagged)
        report.writer = self.model.name
        report.prompt = summary.prompt
        report.input_tokens = summary.input_tokens
        report.output_tokens = summary.output_tokens
        report.needs_checking = summary.needs_checking
        if summary.accepted:
            report.executive_summary = summary.accepted
        else:
            self._summary_from_facts(report, "no sentence of it passed the grounding checks")
        if summary.dropped_sources:
            report.warnings.append(
                f"{len(summary.dropped_sources)} sources left out of the prompt to fit "
                f"{budget} tokens."
            )
        if summary.removed_links:
            report.warnings.append(
                f"{len(summary.removed_links)} link(s) or image(s) the model wrote were removed: "
                "their addresses are in none of the sources cited."
            )
        report.sources = book.evidence

    def _summary_from_facts(self, report: StatusReport, reason: str) -> None:
        """The model's summary is not used: the one composed from the facts stays, labelled
        with why, and the rest of the report (all computed) is unchanged."""
        assert self.model is not None
        self.model.journal.fell_back("report summary", reason)
        report.writer = f"offline ({self.model.name}'s summary failed its checks)"
        report.summary_note = (
            f"The model's summary failed its checks ({reason}); the summary composed from the "
            "facts is shown."
        )
        report.warnings.insert(0, report.summary_note)

    def _check(self, report: StatusReport, book: SourceBook) -> None:
        """Flag any line whose citations do not resolve or do not hold what it names."""
        sources = book.by_citation()
        people = book.known_people()
        for line in report.lines():
            line.flags = grounding_problems(
                line.text, line.citations, sources, people, report.period.end.year
            )


def _each_line_once(built: dict[str, list[SectionLine]]) -> dict[str, list[SectionLine]]:
    """A line is shown in the first section that has it: an action due next week is in the
    plan, an action asking for a decision is an ask; listed again under Actions it reads as a
    second action to a reader who counts them."""
    seen: set[str] = set()
    once: dict[str, list[SectionLine]] = {}
    for key, lines in built.items():
        # Uncited lines are counts ("8 more in the minutes."): two sections may say the same.
        once[key] = [line for line in lines if not line.citations or line.text not in seen]
        seen.update(line.text for line in lines if line.citations)
    return once


def model_facts(report: StatusReport) -> dict[str, list[ReportLine]]:
    """The computed lines the model writes its summary from: the status reasons, then every
    section under its title."""
    facts: dict[str, list[ReportLine]] = {"Overall status reasons": list(report.status_reasons)}
    if report.status_challenge is not None:
        facts["Status challenge"] = [report.status_challenge]
    for key, lines in report.sections.items():
        facts[sections.titled(key)] = list(lines)
    return facts
