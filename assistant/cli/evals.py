"""`pmassist eval`: run the labelled fixtures and gate on the thresholds; `eval capture`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from assistant.cli.common import _call, _service, console, errors
from assistant.service.evals import suite_names

eval_app = typer.Typer(
    name="eval",
    help="Measure pmassist on the labelled projects (fixtures, real records); turn approved "
    "reports into new cases.",
    invoke_without_command=True,
)


@eval_app.callback()
def run(
    ctx: typer.Context,
    suite: Annotated[
        str,
        typer.Option(help=f"A suite ({', '.join(suite_names())}), several, or all."),
    ] = "all",
    engine: Annotated[str, typer.Option(help="offline, or model (the configured one).")] = (
        "offline"
    ),
    project: Annotated[
        list[str] | None,
        typer.Option("--project", "-p", help="Only these projects (fixture or real)."),
    ] = None,
    dataset: Annotated[
        str,
        typer.Option(
            "--set",
            help="all, fixtures (the fixture projects) or real (real teams' records, "
            "PMASSIST_REAL_RECORDS).",
        ),
    ] = "all",
    week: Annotated[list[str] | None, typer.Option(help="Only these ISO weeks.")] = None,
    question: Annotated[list[str] | None, typer.Option(help="Only these question ids.")] = None,
    judge: Annotated[
        bool, typer.Option(help="Also ask the configured model whether sources support lines.")
    ] = False,
    fixtures: Annotated[Path | None, typer.Option(help="The fixtures folder.")] = None,
    thresholds: Annotated[Path | None, typer.Option(help="The thresholds file.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the JSON and HTML (default PMASSIST_HOME/evals)."),
    ] = None,
) -> None:
    """Run the eval suites; exit 1 when a metric misses its threshold."""
    if ctx.invoked_subcommand is not None:
        return
    outcome = _call(
        lambda: _service().evals.run(
            suite=suite,
            engine=engine,
            projects=project,
            weeks=week,
            questions=question,
            judge=judge,
            fixtures=fixtures,
            thresholds=thresholds,
            out=out,
            dataset=dataset,
            progress=lambda message: errors.print(Text(message, style="dim")),
        )
    )
    result = outcome.result
    table = Table("Suite", "Metric", "Value", "Threshold", "", title=f"pmassist eval ({engine})")
    for label, name, value, bound, verdict in outcome.rows:
        style = "bold red" if verdict == "FAIL" else "green" if verdict else ""
        table.add_row(label, name, f"{value:g}", bound, Text(verdict, style=style))
    console.print(table)
    if outcome.project_rows:
        per_project = Table("Suite", "Metric", "Per project", title="Gated metrics per project")
        for label, name, figures in outcome.project_rows:
            per_project.add_row(label, name, figures)
        console.print(per_project)
    if result.model:
        measured = Table("Figure", "Value", title=f"The model: {result.writer} (this run)")
        for name, value in result.model.items():
            measured.add_row(name, f"{value:g}")
        console.print(measured)
    console.print(f"Real projects: {outcome.real_set}", markup=False)
    failed_cases = [c for s in result.suites for c in s.cases if not c.passed]
    for case in failed_cases[:15]:
        notes = "; ".join(([case.error] if case.error else []) + case.notes[:3])
        console.print(f"  {case.suite} {case.project} {case.case}: {notes}", markup=False)
    console.print(f"Results: {outcome.json_path} and {outcome.html_path}", markup=False)
    if not result.passed:
        for failure in result.failures:
            errors.print(Text("Below threshold: " + failure, style="bold red"))
        raise typer.Exit(1)
    console.print(f"All thresholds met ({len(result.suites)} suites, {result.seconds:.0f} s).")


@eval_app.command()
def capture(
    draft_id: Annotated[int, typer.Argument(help="An approved status-report draft.")],
    fixtures: Annotated[Path | None, typer.Option(help="The fixtures folder.")] = None,
) -> None:
    """Turn an approved (and edited) report into a labelled case of its fixture project."""
    path, case = _call(lambda: _service().evals.capture(draft_id, fixtures))
    console.print(
        f"Case {case.week} ({case.expected_status}, {len(case.must_appear)} facts that must "
        f"appear, {len(case.must_not_appear)} that must not) written to {path}.",
        markup=False,
    )
