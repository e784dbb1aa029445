"""`pmassist report`: draft the weekly status report, in any format pmassist writes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.app import app
from assistant.cli.common import (
    FromOption,
    ProjectOption,
    ToOption,
    WeekOption,
    _call,
    _fail,
    _service,
    console,
    errors,
)
from assistant.domain.period import PeriodChoice
from assistant.domain.report import status_label
from assistant.service.reports import report_formats


@app.command()
def report(
    project: ProjectOption,
    week: WeekOption = None,
    start: FromOption = None,
    end: ToOption = None,
    output_format: Annotated[
        str,
        typer.Option("--format", help=f"One of {', '.join(f.name for f in report_formats())}."),
    ] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """Draft the weekly status report: facts and status by rules, every line cited."""
    service = _service()
    draft_id, drafted = _call(
        lambda: service.reports.draft(project, PeriodChoice(week, start, end))
    )
    rendered = _call(lambda: service.reports.render(draft_id, output_format))
    if out is not None:
        try:
            out.write_text(rendered.text, encoding="utf-8")
        except OSError as error:
            _fail(f"Cannot write {out}: {error.strerror}.")
        console.print(
            f"Draft {draft_id} ({drafted.period.label}, {status_label(drafted.overall_status)}) "
            f"written to {out}."
        )
    else:
        console.print(rendered.text, markup=False, highlight=False, soft_wrap=True)
    checks = service.drafts.checks(draft_id)
    verdict = "passed its checks" if checks and checks.passed else "FAILED its checks"
    errors.print(
        f"Saved as draft {draft_id}; it {verdict}. Review it with `pmassist drafts show "
        f"{draft_id}`, then `pmassist drafts approve {draft_id}`."
    )
