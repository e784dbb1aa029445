"""A status report as Markdown: the form a PM pastes into an e-mail or a wiki page.

Text from the record and the model is written with `<`, `>` and `&` escaped: Markdown passes
HTML through, and a `<img src=…>` or `<script>` typed into a ticket must not become one in the
page the report is pasted into."""

from __future__ import annotations

import html

from assistant.domain.drafts import DraftChecks
from assistant.domain.report import ReportLine, StatusReport, status_label
from assistant.reports import sections


def render_markdown(report: StatusReport, checks: DraftChecks | None = None) -> str:
    out = [
        f"# {_escaped(report.project)}: status report {report.period.label}",
        "",
        f"Period {report.period.start} to {report.period.end} · writer: {report.writer} · "
        "draft for review",
        "",
        f"## Overall status: {status_label(report.overall_status)}",
        "",
        *(f"- {_md(reason)} ({reason.rule})" for reason in report.status_reasons),
        *status_view_lines(report),
        "",
        "## Executive summary",
        "",
        *([f"*{_escaped(report.summary_note)}*", ""] if report.summary_note else []),
        *(f"- {_md(line)}" for line in report.executive_summary),
    ]
    if report.needs_checking:
        out += ["", "## Needs checking (not shown as fact)", ""]
        out += [
            f"- {_escaped(line.text)} — {_escaped('; '.join(line.flags))}"
            for line in report.needs_checking
        ]
    if report.delta:
        delta = report.delta
        changes = [delta.status_change] if delta.status_change else []
        changes += delta.new_blockers + delta.closed_blockers + delta.slipped_dates
        out += ["", f"## Since the last report ({delta.compared_with})", ""]
        out += [f"- {_md(line)}" for line in changes] or [
            "- No change in status, blockers or dates."
        ]
    for section, lines in sections.built(report):
        out += ["", f"## {section.title}", ""]
        out += [f"- {_md(line)}" for line in lines] or [f"- {section.empty}"]
    out += ["", "## Metrics", "", *(f"- {_escaped(line)}" for line in metrics_lines(report))]
    if report.warnings:
        out += ["", "## Warnings", "", *(f"- {_escaped(w)}" for w in report.warnings)]
    if checks is not None:
        first, *rest = checks.summary_lines()
        out += ["", "## Checks", "", first, "", *(f"- {line}" for line in rest)]
    out += ["", "## Sources", ""]
    out += [f"- [{s.citation}] {_escaped(s.locator.label())}" for s in report.sources]
    return "\n".join(out) + "\n"


def status_view_lines(report: StatusReport) -> list[str]:
    """The rules' view beside a stated status, and the challenge when they find worse."""
    lines = []
    if report.stated_status is not None and report.rules_status not in (
        None,
        report.overall_status,
    ):
        lines += ["", f"Rules' view: {status_label(str(report.rules_status))}."]
    if report.status_challenge is not None:
        lines += ["", f"> **{_md(report.status_challenge)}**"]
    return lines


def metrics_lines(report: StatusReport) -> list[str]:
    """The delivery metrics as sentences (shared with the HTML page)."""
    kpis = report.metrics
    if not kpis.tickets_considered:
        return ["No ticket export in this record: no ticket flow, delivery or defect figures."]
    flow = ", ".join(f"{w.week} {w.completed} done / {w.opened} opened" for w in kpis.throughput)
    lines = [f"Ticket flow: {flow}."]
    if kpis.on_time_share is not None:
        lines.append(
            f"On-time delivery this period: {kpis.done_on_time_in_period} of "
            f"{kpis.due_in_period} done by their due date ({kpis.on_time_share:.0%})."
        )
    if kpis.on_time_share_to_date is not None:
        lines.append(f"On-time delivery to date: {kpis.on_time_share_to_date:.0%}.")
    if kpis.scope_change_percent is not None:
        crs = (
            f" including change requests {', '.join(kpis.change_requests)}"
            if kpis.change_requests
            else ""
        )
        lines.append(
            f"Scope change: {kpis.scope_items_added} items added after the baseline of "
            f"{kpis.baseline_date} ({kpis.scope_change_percent:.0f}% of "
            f"{kpis.scope_items_at_baseline}){crs}."
        )
    defects = ", ".join(f"{k}: {v}" for k, v in kpis.open_defects_by_severity.items()) or "none"
    lines.append(f"Open defects by severity: {defects}.")
    ages = ", ".join(f"{k}: {v}" for k, v in kpis.open_items_by_age.items())
    lines.append(f"Age of open work: {ages}.")
    return lines


def _md(line: ReportLine) -> str:
    marks = "".join(f"[{c}]" for c in line.citations)
    flags = f" ⚠ {_escaped('; '.join(line.flags))}" if line.flags else ""
    return f"{_escaped(line.text)} {marks}".rstrip() + flags


def _escaped(text: str) -> str:
    return html.escape(text, quote=False)
