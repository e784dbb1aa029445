"""A status report as a self-contained, printable HTML page.

The page has no external resources: inline CSS and inline SVG charts. All text from the record or
a model is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from assistant.charts import flow_chart_svg
from assistant.domain.drafts import DraftChecks
from assistant.domain.report import ReportLine, StatusReport, status_label
from assistant.reports import sections
from assistant.reports.rendering.markdown import metrics_lines

COLOURS = {"green": "#2e7d32", "amber": "#ef8f00", "red": "#c62828", "not_assessed": "#616161"}


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
        f"{escape(status_label(report.overall_status))}</span></p>",
        _html_list(report.status_reasons),
        _status_view(report),
        "<h2>Executive summary</h2>",
        f"<p class='flag'>{escape(report.summary_note)}</p>" if report.summary_note else "",
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
    for section, lines in sections.built(report):
        parts.append(f"<h2>{escape(section.title)}</h2>")
        parts.append(_html_list(lines, section.empty))
        if section.chart is not None:
            parts.append(section.chart(report))
    parts.append("<h2>Metrics</h2>")
    parts.append(flow_chart_svg(report.metrics.throughput))
    parts.append("<ul>" + "".join(f"<li>{escape(m)}</li>" for m in metrics_lines(report)) + "</ul>")
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


def _status_view(report: StatusReport) -> str:
    """The rules' view beside a stated status, and the challenge when they find worse."""
    parts = []
    if report.stated_status is not None and report.rules_status not in (
        None,
        report.overall_status,
    ):
        parts.append(f"<p>Rules' view: {escape(status_label(str(report.rules_status)))}.</p>")
    if report.status_challenge is not None:
        parts.append(
            "<p class='challenge' style='border-left:4px solid #c62828;padding-left:.6rem'>"
            f"<b>{_html_line(report.status_challenge)}</b></p>"
        )
    return "".join(parts)


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


def _html_list(lines: Sequence[ReportLine], empty: str = "None recorded.") -> str:
    if not lines:
        return f"<p>{escape(empty)}</p>"
    return "<ul>" + "".join(f"<li>{_html_line(line)}</li>" for line in lines) + "</ul>"


def _html_line(line: ReportLine) -> str:
    cites = " ".join(
        f"<a class='cite' href='#{escape(c)}'>[{escape(c)}]</a>" for c in line.citations
    )
    flags = f" <span class='flag'>⚠ {escape('; '.join(line.flags))}</span>" if line.flags else ""
    return f"{escape(line.text)} {cites}{flags}"
