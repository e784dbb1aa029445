"""The eval run as JSON and as one self-contained HTML page (no external resources): each suite's
figures on the fixtures and on the real projects (`real reports`), pooled and per project, and
what became of the real set (measured, skipped and why, files that failed to load)."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from evals.results import EvalResult
from evals.thresholds import Thresholds


def write_results(
    result: EvalResult, out: Path, thresholds: Thresholds | None
) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "eval-results.json"
    html_path = out / "eval-report.html"
    json_path.write_text(json.dumps(result.as_dict(), indent=2, default=str), encoding="utf-8")
    html_path.write_text(render_html(result, thresholds), encoding="utf-8")
    return json_path, html_path


def metric_rows(
    result: EvalResult, thresholds: Thresholds | None
) -> list[tuple[str, str, float, str, str]]:
    """(suite, metric, value, bound, verdict) for every metric of every suite on each set; the
    suite is `reports` on the fixtures, `real reports` on the real projects."""
    rows: list[tuple[str, str, float, str, str]] = []
    for result_suite in result.suites:
        label = result_suite.label
        gates = thresholds.for_engine(result.engine, result_suite.dataset) if thresholds else {}
        for name, value in result_suite.metrics.items():
            bound = gates.get(result_suite.suite, {}).get(name)
            if bound is None:
                rows.append((label, name, value, "", ""))
                continue
            ok = value <= bound if name.endswith("_max") else value >= bound
            sign = "≤" if name.endswith("_max") else "≥"
            rows.append((label, name, value, f"{sign} {bound:g}", "pass" if ok else "FAIL"))
    return rows


def project_rows(result: EvalResult, thresholds: Thresholds | None) -> list[tuple[str, str, str]]:
    """(suite, metric, figures per project) for each gated metric of a suite measured on more
    than one project: which project holds the pooled figure back."""
    rows: list[tuple[str, str, str]] = []
    for suite in result.suites:
        if len(suite.per_project) < 2 or thresholds is None:
            continue
        gates = thresholds.for_engine(result.engine, suite.dataset).get(suite.suite, {})
        for name in gates:
            figures = [
                f"{project} {metrics[name]:g}"
                for project, metrics in suite.per_project.items()
                if name in metrics
            ]
            if figures:
                rows.append((suite.label, name, " · ".join(figures)))
    return rows


def real_set_line(result: EvalResult) -> str:
    """What became of the real set: the projects measured, or why none was."""
    if result.real_projects:
        return "measured " + ", ".join(result.real_projects)
    return result.real_skipped or "not measured (no suite chosen runs on them)"


def render_html(result: EvalResult, thresholds: Thresholds | None) -> str:
    verdict = "passed" if result.passed else "FAILED"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>pmassist eval — {escape(result.engine)} — {verdict}</title>",
        "<style>body{font:14px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;"
        "padding:0 1rem;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
        "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}"
        ".FAIL,.fail{color:#c62828;font-weight:600}.pass{color:#2e7d32}h2{margin-top:2rem}"
        "</style></head><body>",
        f"<h1>pmassist eval: <span class='{verdict.lower()}'>{verdict}</span></h1>",
        f"<p>Engine {escape(result.engine)} · writer {escape(result.writer)} · projects "
        f"{escape(', '.join(result.projects))} · started {result.started_at:%Y-%m-%d %H:%M} UTC "
        f"· {result.seconds:.0f} s</p>",
    ]
    parts.append(f"<p>Real projects: {escape(real_set_line(result))}</p>")
    if result.real_problems:
        parts.append(
            "<ul>" + "".join(f"<li>{escape(p)}</li>" for p in result.real_problems) + "</ul>"
        )
    if result.failures:
        parts.append(
            "<ul>"
            + "".join(f"<li class='fail'>{escape(f)}</li>" for f in result.failures)
            + "</ul>"
        )
    if result.model:
        parts.append(
            f"<h2>The model: {escape(result.writer)}</h2><p>Measured in this run, for this "
            "model only.</p><table>"
            + "".join(
                f"<tr><td>{escape(name)}</td><td>{value:g}</td></tr>"
                for name, value in result.model.items()
            )
            + "</table>"
        )
    parts.append(
        "<h2>Metrics</h2><table><tr><th>Suite</th><th>Metric</th><th>Value</th>"
        "<th>Threshold</th><th></th></tr>"
    )
    for label, name, value, bound, ok in metric_rows(result, thresholds):
        parts.append(
            f"<tr><td>{escape(label)}</td><td>{escape(name)}</td><td>{value:g}</td>"
            f"<td>{escape(bound)}</td><td class='{ok}'>{escape(ok)}</td></tr>"
        )
    parts.append("</table><h2>Per project</h2>")
    for result_suite in result.suites:
        if result_suite.skipped:
            parts.append(
                f"<h3>{escape(result_suite.label)}</h3><p>{escape(result_suite.skipped)}</p>"
            )
            continue
        per_project = result_suite.per_project
        names = sorted({name for metrics in per_project.values() for name in metrics})
        parts.append(
            f"<h3>{escape(result_suite.label)}</h3><table><tr><th>Metric</th>"
            + "".join(f"<th>{escape(p)}</th>" for p in per_project)
            + "</tr>"
        )
        for name in names:
            cells = "".join(
                f"<td>{metrics[name]:g}</td>" if name in metrics else "<td>—</td>"
                for metrics in per_project.values()
            )
            parts.append(f"<tr><td>{escape(name)}</td>{cells}</tr>")
        parts.append("</table>")
    for suite in result.suites:
        parts.append(
            f"<h2>{escape(suite.label)}: cases</h2><table><tr><th>Project</th>"
            "<th>Case</th><th>Result</th><th>Notes</th><th>Seconds</th></tr>"
        )
        for case in suite.cases:
            notes = ([case.error] if case.error else []) + case.notes
            ok = "pass" if case.passed else "fail"
            parts.append(
                f"<tr><td>{escape(case.project)}</td><td>{escape(case.case)}</td>"
                f"<td class='{ok}'>{ok}</td><td>{'<br>'.join(escape(n) for n in notes)}</td>"
                f"<td>{case.seconds:.2f}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
