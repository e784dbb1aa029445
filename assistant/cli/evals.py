"""`pmassist eval`: run the labelled fixtures and gate on the thresholds; `eval capture`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from assistant.cli.common import _call, _fail, _service, console, errors

eval_app = typer.Typer(
    name="eval",
    help="Measure pmassist on the labelled fixtures; turn approved reports into new cases.",
    invoke_without_command=True,
)


def _default_fixtures() -> Path:
    import evals

    return Path(evals.__file__).parent / "fixtures"


@eval_app.callback()
def run(
    ctx: typer.Context,
    suite: Annotated[str, typer.Option(help="reports, risks, qa, injection or all.")] = "all",
    engine: Annotated[str, typer.Option(help="offline, or model (the configured one).")] = (
        "offline"
    ),
    project: Annotated[
        list[str] | None, typer.Option("--project", "-p", help="Only these fixture projects.")
    ] = None,
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
    from evals.report import metric_rows, write_results
    from evals.runner import EvalOptions, EvalRunner, parse_suites
    from evals.thresholds import Thresholds

    if engine not in ("offline", "model"):
        _fail(f"--engine must be offline or model, not '{engine}'.")
    service = _service()
    root = fixtures or _default_fixtures()
    if not root.is_dir():
        _fail(f"No fixtures folder at {root}.")
    gates = _call(
        lambda: Thresholds.load(thresholds or _default_fixtures().parent / "thresholds.yaml")
    )
    suites = _call(lambda: parse_suites(suite))
    # A fresh data directory per run: nothing from an earlier run (drafts, registers) leaks in.
    scratch = tempfile.TemporaryDirectory(prefix="pmassist-eval-")
    options = EvalOptions(
        fixtures=root,
        work_dir=Path(scratch.name),
        suites=suites,
        engine=engine,  # type: ignore[arg-type]
        projects=project,
        weeks=week,
        questions=question,
        judge=judge,
    )
    runner = EvalRunner(
        service.settings,
        options,
        embedder=service.embedder(),
        thresholds=gates,
        progress=lambda message: errors.print(Text(message, style="dim")),
    )
    with scratch:
        result = _call(runner.run)
    table = Table("Suite", "Metric", "Value", "Threshold", "", title=f"pmassist eval ({engine})")
    for label, name, value, bound, verdict in metric_rows(result, gates):
        style = "bold red" if verdict == "FAIL" else "green" if verdict else ""
        table.add_row(label, name, f"{value:g}", bound, Text(verdict, style=style))
    console.print(table)
    failed_cases = [c for s in result.suites for c in s.cases if not c.passed]
    for case in failed_cases[:15]:
        notes = "; ".join(([case.error] if case.error else []) + case.notes[:3])
        console.print(f"  {case.suite} {case.project} {case.case}: {notes}", markup=False)
    json_path, html_path = write_results(result, out or service.settings.home / "evals", gates)
    console.print(f"Results: {json_path} and {html_path}", markup=False)
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
    from evals.capture import capture_case

    path, case = _call(lambda: capture_case(_service(), draft_id, fixtures or _default_fixtures()))
    console.print(
        f"Case {case.week} ({case.expected_status}, {len(case.must_appear)} facts that must "
        f"appear, {len(case.must_not_appear)} that must not) written to {path}.",
        markup=False,
    )
