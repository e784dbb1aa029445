"""A status report as Markdown, as a self-contained printable HTML page, or as JSON.

The HTML page has no external resources: inline CSS and an inline SVG of the ticket flow. All
text from the record or a model is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from assistant.reports.schema import ReportLine, StatusReport
from assistant.review.checks import DraftChecks
from assistant.risks.heatmap import heat_map_svg

SECTIONS = (
    ("Accomplishments", "accomplishments"),
    ("In progress", "in_progress"),
    ("Plan for next period", "next_period"),
    ("Milestones", "milestones"),
    ("Blockers and issues", "blockers"),
    ("Decisions", "decisions"),
    ("Risks and concerns", "risks"),
    ("Risk register", "risk_register"),
    ("Suggested risks (not yet reviewed)", "suggested_risks"),
    ("Asks and escalations", "asks"),
)
COLOURS = {"green": "#2e7d32", "amber": "#ef8f00", "red": "#c62828"}


def render_json(report: StatusReport) -> str:
    return report.model_dump_json(indent=2)


def checks_lines(checks: DraftChecks) -> list[str]:
    verdict = "passed" if checks.passed else "FAILED — approval needs an override reason"
    lines = [f"Checks {verdict}:"]
    for check in checks.checks:
        mark = "✓" if check.passed else "✗"
        lines.append(f"{mark} {check.name}: {check.summary}")
        lines += [f"    {problem}" for problem in check.problems if not check.passed]
    return lines


def render_markdown(report: StatusReport, checks: DraftChecks | None = None) -> str:
    out = [
        f"# {report.project}: status report {report.period.label}",
        "",
        f"Period {report.period.start} to {report.period.end} · writer: {report.writer} · "
        "draft for review",
        "",
        f"## Overall status: {report.overall_status.upper()}",
        "",
        *(
            f"- {_md(line)} ({reason.rule})"
            for reason in report.status_reasons
            for line in [reason]
        ),
        "",
        "## Executive summary",
        "",
        *(f"- {_md(line)}" for line in report.executive_summary),
    ]
    if report.needs_checking:
        out += ["", "## Needs checking (not shown as fact)", ""]
        out += [f"- {line.text} — {'; '.join(line.flags)}" for line in report.needs_checking]
    if report.delta:
        delta = report.delta
        changes = [delta.status_change] if delta.status_change else []
        changes += delta.new_blockers + delta.closed_blockers + delta.slipped_dates
        out += ["", f"## Since the last report ({delta.compared_with})", ""]
        out += [f"- {_md(line)}" for line in changes] or [
            "- No change in status, blockers or dates."
        ]
    for title, name in SECTIONS:
        lines: list[ReportLine] = list(getattr(report, name))
        out += ["", f"## {title}", ""]
        out += [f"- {_md(line)}" for line in lines] or ["- None recorded."]
    out += [
        "",
        "## Budget",
        "",
        f"- {_md(report.budget)}" if report.budget else "- No budget figure stated.",
    ]
    out += ["", "## Metrics", "", *_metrics_lines(report)]
    if report.warnings:
        out += ["", "## Warnings", "", *(f"- {w}" for w in report.warnings)]
    if checks is not None:
        first, *rest = checks_lines(checks)
        out += ["", "## Checks", "", first, "", *(f"- {line}" for line in rest)]
    out += ["", "## Sources", ""]
    out += [f"- [{s.citation}] {s.locator.label()}" for s in report.sources]
    return "\n".join(out) + "\n"


def _md(line: ReportLine) -> str:
    marks = "".join(f"[{c}]" for c in line.citations)
    flags = f" ⚠ {'; '.join(line.flags)}" if line.flags else ""
    return f"{line.text} {marks}".rstrip() + flags


def _metrics_lines(report: StatusReport) -> list[str]:
    kpis = report.metrics
    flow = ", ".join(f"{w.week} {w.completed} done / {w.opened} opened" for w in kpis.throughput)
    lines = [f"- Ticket flow: {flow}."]
    if kpis.on_time_share is not None:
        lines.append(
            f"- On-time delivery this period: {kpis.done_on_time_in_period} of "
            f"{kpis.due_in_period} done by their due date ({kpis.on_time_share:.0%})."
        )
    if kpis.on_time_share_to_date is not None:
        lines.append(f"- On-time delivery to date: {kpis.on_time_share_to_date:.0%}.")
    if kpis.scope_change_percent is not None:
        crs = (
            f" including change requests {', '.join(kpis.change_requests)}"
            if kpis.change_requests
            else ""
        )
        lines.append(
            f"- Scope change: {kpis.scope_items_added} items added after the baseline of "
            f"{kpis.baseline_date} ({kpis.scope_change_percent:.0f}% of "
            f"{kpis.scope_items_at_baseline}){crs}."
        )
    defects = ", ".join(f"{k}: {v}" for k, v in kpis.open_defects_by_severity.items()) or "none"
    lines.append(f"- Open defects by severity: {defects}.")
    ages = ", ".join(f"{k}: {v}" for k, v in kpis.open_items_by_age.items())
    lines.append(f"- Age of open work: {ages}.")
    return lines


def render_html(report: StatusReport, checks: DraftChecks | None = None) -> str:
    colour = COLOURS[report.overall_status]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(report.project)} status report {escape(report.period.label)}</title>",
        "<style>body{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem;color:#222}h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:1.6rem;"
        "border-bottom:1px solid #ddd}.status{display:inline-block;padding:.2rem .7rem;"
        "border-radius:.3rem;color:#fff;font-weight:600}.cite{font-size:.8em;color:#555}"
        ".flag{color:#c62828}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:.2rem .5rem;text-align:left}@media print{body{margin:0}}</style></head><body>",
        f"<h1>{escape(report.project)}: status report {escape(report.period.label)}</h1>",
        f"<p>{report.period.start} to {report.period.end} · writer: {escape(report.writer)} · "
        "draft for review</p>",
        f"<p><span class='status' style='background:{colour}'>"
        f"{escape(report.overall_status.upper())}</span></p>",
        _html_list(report.status_reasons),
        "<h2>Executive summary</h2>",
        _html_list(report.executive_summary),
    ]
    if report.needs_checking:
        parts.append("<h2>Needs checking (not shown as fact)</h2>")
        parts.append(_html_list(report.needs_checking))
    if report.delta:
        delta = report.delta
        changes = [delta.status_change] if delta.status_change else []
        changes += delta.new_blockers + delta.closed_blockers + delta.slipped_dates
        parts.append(f"<h2>Since the last report ({escape(delta.compared_with)})</h2>")
        parts.append(_html_list(changes))
    for title, name in SECTIONS:
        parts.append(f"<h2>{escape(title)}</h2>")
        parts.append(_html_list(list(getattr(report, name))))
        if name == "suggested_risks" and (report.risk_register or report.suggested_risks):
            plotted = [
                (line.risk_id, line.status, line.likelihood, line.impact)
                for line in [*report.risk_register, *report.suggested_risks]
            ]
            parts.append(heat_map_svg(plotted))
    parts.append("<h2>Budget</h2>")
    parts.append(_html_list([report.budget] if report.budget else []))
    parts.append("<h2>Metrics</h2>")
    parts.append(flow_chart_svg(report))
    parts.append(
        "<ul>" + "".join(f"<li>{escape(m[2:])}</li>" for m in _metrics_lines(report)) + "</ul>"
    )
    if report.warnings:
        parts.append("<h2>Warnings</h2><ul>")
        parts += [f"<li>{escape(w)}</li>" for w in report.warnings]
        parts.append("</ul>")
    if checks is not None:
        parts.append("<h2>Checks</h2>")
        parts.append(checks_html(checks))
    parts.append("<h2>Sources</h2><ol class='sources'>")
    parts += [
        f"<li id='{escape(source.citation)}'><b>{escape(source.citation)}</b> "
        f"{escape(source.locator.label())}</li>"
        for source in report.sources
    ]
    parts.append("</ol></body></html>")
    return "\n".join(parts)


def checks_html(checks: DraftChecks) -> str:
    verdict = "passed" if checks.passed else "failed: approval needs an override reason"
    items = []
    for check in checks.checks:
        mark = "✓" if check.passed else "✗"
        problems = "".join(f"<li>{escape(p)}</li>" for p in check.problems if not check.passed)
        items.append(
            f"<li class='{'ok' if check.passed else 'flag'}'>{mark} <b>{escape(check.name)}</b>: "
            f"{escape(check.summary)}" + (f"<ul>{problems}</ul>" if problems else "") + "</li>"
        )
    return f"<p>Checks {escape(verdict)}.</p><ul class='checks'>{''.join(items)}</ul>"


def _html_list(lines: Sequence[ReportLine]) -> str:
    if not lines:
        return "<p>None recorded.</p>"
    items = []
    for line in lines:
        cites = " ".join(
            f"<a class='cite' href='#{escape(c)}'>[{escape(c)}]</a>" for c in line.citations
        )
        flags = (
            f" <span class='flag'>⚠ {escape('; '.join(line.flags))}</span>" if line.flags else ""
        )
        items.append(f"<li>{escape(line.text)} {cites}{flags}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def flow_chart_svg(report: StatusReport) -> str:
    """Completed and opened tickets per week as paired bars."""
    weeks = report.metrics.throughput
    if not weeks:
        return ""
    top = max([1] + [max(w.completed, w.opened) for w in weeks])
    width, height, bar = 60 * len(weeks) + 40, 160, 18
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height + 40}' "
        "role='img' aria-label='Tickets completed and opened per week'>"
    ]
    for index, week in enumerate(weeks):
        x = 30 + index * 60
        for offset, value, fill in (
            (0, week.completed, "#2e7d32"),
            (bar + 2, week.opened, "#90a4ae"),
        ):
            h = round(value / top * (height - 20))
            parts.append(
                f"<rect x='{x + offset}' y='{height - h}' width='{bar}' height='{h}' fill='{fill}'>"
                f"<title>{escape(week.week)}: {value}</title></rect>"
            )
            parts.append(
                f"<text x='{x + offset + bar / 2}' y='{height - h - 3}' font-size='10' "
                f"text-anchor='middle'>{value}</text>"
            )
        parts.append(
            f"<text x='{x + bar}' y='{height + 14}' font-size='10' text-anchor='middle'>"
            f"{escape(week.week[-3:])}</text>"
        )
    parts.append(
        f"<text x='30' y='{height + 32}' font-size='11'><tspan fill='#2e7d32'>■</tspan> completed "
        "<tspan fill='#90a4ae'>■</tspan> opened</text></svg>"
    )
    return "".join(parts)
