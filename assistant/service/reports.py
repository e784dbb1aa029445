"""Status reports: draft one for a period (saved as a checked draft), and write one out in any
registered format."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.domain.clock import utc_now
from assistant.domain.errors import InvalidInputError
from assistant.domain.period import PeriodChoice, ReportPeriod
from assistant.domain.report import SectionLine, StatusReport
from assistant.domain.search import RetrievalFilter
from assistant.reports import ReportDrafter, rendering, sections
from assistant.reports.drafting import EVIDENCE_K
from assistant.reports.sections.risk_register import register_heat_map
from assistant.review.checks import check_report
from assistant.service.wiring import Wiring


@dataclass(frozen=True)
class RenderedReport:
    """A report written out, with what a client needs to serve or save it."""

    text: str
    format: str
    media_type: str
    file_name: str
    disposition: str | None  # "attachment", "inline" or None (left to the client)
    content_security_policy: str | None


@dataclass(frozen=True)
class OutputFormat:
    name: str  # what a request names it by
    label: str  # what a person reads


@dataclass(frozen=True)
class ShownSection:
    """A section as a page shows it."""

    title: str
    lines: list[SectionLine]
    empty: str


def report_formats() -> list[OutputFormat]:
    """The formats a report is written out in (the renderer registry), as read now."""
    return [OutputFormat(r.name, r.label) for r in rendering.RENDERERS]


class ReportService:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring

    def period(self, project: str, period: PeriodChoice | None = None) -> ReportPeriod:
        """The period a person asked for (by default the last complete week of the record)."""
        return self.wiring.period(project, period)

    def draft(
        self, project: str, period: PeriodChoice | ReportPeriod | None = None
    ) -> tuple[int, StatusReport]:
        """Draft the status report for the period and save it as a checked draft; returns its
        id. It is saved only once complete: a model failure raises before anything is stored."""
        wiring = self.wiring
        wiring.require_documents(project)
        chosen = wiring.period(project, period)
        record = wiring.record(project)
        drafter = ReportDrafter(
            wiring.settings,
            wiring.token_counter,
            wiring.language_model,
            retrieve=lambda query, within: (
                wiring.retriever.retrieve(
                    query,
                    project,
                    k=EVIDENCE_K,
                    filters=RetrievalFilter(since=within.start, until=within.end),
                    per_document=wiring.settings.chunks_per_document,
                ).evidence
            ),
        )
        previous = wiring.drafts.previous_report(project, chosen.start)
        register = [
            entry
            for entry in wiring.risk_register.entries(project, ("proposed", "open", "mitigating"))
            # A report of an earlier week shows the risks seen by then, not later ones.
            if entry.first_seen is None or entry.first_seen <= chosen.end
        ]
        report = drafter.draft(record, chosen, previous, register)
        checks = check_report(report, wiring.check_context(record), utc_now())
        return wiring.drafts.save_report(report, checks), report

    # Writing a report out -----------------------------------------------------------------

    def formats(self) -> list[OutputFormat]:
        """The formats a report is written out in (the renderer registry)."""
        return report_formats()

    def render(self, draft_id: int, output_format: str = "md") -> RenderedReport:
        """A saved report in a registered format, with its checks where the format shows them."""
        renderer = rendering.renderer(output_format)
        report = self.wiring.drafts.report(draft_id)
        if report is None:
            raise InvalidInputError(f"Draft {draft_id} is not a status report.", field="draft_id")
        checks = self.wiring.drafts.checks(draft_id)
        return RenderedReport(
            text=renderer.render(report, checks),
            format=renderer.name,
            media_type=renderer.media_type,
            file_name=f"{report.project}-{report.period.label}-draft{draft_id}{renderer.suffix}",
            disposition=renderer.disposition,
            content_security_policy=renderer.content_security_policy,
        )

    def shown_sections(self, report: StatusReport) -> list[ShownSection]:
        """The report's sections as a page shows them, in the registry's order."""
        return [
            ShownSection(section.title, lines, section.empty)
            for section, lines in sections.built(report)
        ]

    def heat_map(self, report: StatusReport) -> str:
        """The heat map of the risks the report shows (empty when it shows none)."""
        return register_heat_map(report)
