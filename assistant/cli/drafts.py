"""`pmassist drafts …`: list, show, approve, reject, edit and redact drafts, with their checks."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from assistant.cli.common import ByOption, _actor, _call, _fail, _service, console, errors
from assistant.domain.drafts import DraftSummary

drafts_app = typer.Typer(
    name="drafts",
    help="Drafts (status reports, risk suggestions): their checks, approval and versions.",
    no_args_is_help=True,
)
DraftId = Annotated[int, typer.Argument(help="The draft id, as `pmassist drafts list` shows.")]


class ShowFormat(StrEnum):
    md = "md"
    json = "json"


@drafts_app.command("list")
def list_drafts(
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Only this project.")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="status_report or risk_suggestions.")] = None,
) -> None:
    """Every draft, newest first, with its version, status and checks."""
    found = _call(lambda: _service().drafts.summaries(project, kind))
    if not found:
        console.print("No drafts yet. `pmassist report` and `pmassist risks suggest` make them.")
        return
    table = Table(
        "Id", "Project", "Kind", "Period", "Version", "Status", "Checks", "Writer", "Saved (UTC)"
    )
    for draft in found:
        table.add_row(
            str(draft.id),
            draft.project,
            draft.kind.replace("_", " "),
            draft.period_label,
            str(draft.version),
            _status(draft),
            _checks_mark(draft),
            escape(draft.writer),
            draft.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@drafts_app.command()
def show(
    draft_id: DraftId,
    output_format: Annotated[ShowFormat, typer.Option("--format", help="md or json.")] = (
        ShowFormat.md
    ),
) -> None:
    """A draft with its check results, its versions and its audit log."""
    service = _service()
    draft = _call(lambda: service.drafts.get(draft_id))
    checks = service.drafts.checks(draft_id)
    report = service.drafts.report(draft_id)
    if output_format is ShowFormat.json:
        # Plain output: a console would wrap long lines inside JSON strings.
        typer.echo(
            service.reports.render(draft_id, "json").text
            if report
            else service.drafts.body(draft_id)
        )
        return
    if report is not None:
        console.print(
            service.reports.render(draft_id, "md").text,
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    else:
        run = service.drafts.risk_run(draft_id)
        assert run is not None
        console.print(f"Risk suggestions for {run.project}, {run.period_label} ({run.writer}):")
        for outcome in run.outcomes:
            console.print(
                f"  {outcome.risk_id} {outcome.action} ({outcome.trend}), score {outcome.score}: "
                f"{outcome.title}",
                markup=False,
            )
        if checks:
            for line in checks.summary_lines():
                console.print(line, markup=False)
    console.print(Text(f"Draft {draft.id}: {_status(draft)}", style="bold"))
    versions = service.drafts.versions(draft_id)
    if len(versions) > 1:
        console.print(
            "Versions: " + ", ".join(f"v{v.version} = draft {v.id} ({v.status})" for v in versions),
            markup=False,
        )
    audit = Table("When (UTC)", "Draft", "Version", "Who", "What", "Why", title="Audit log")
    for entry in service.drafts.audit(draft_id):
        audit.add_row(
            entry.at.strftime("%Y-%m-%d %H:%M"),
            str(entry.draft_id),
            f"v{entry.version}",
            escape(entry.actor),
            entry.action,
            escape(entry.reason or ""),
        )
    console.print(audit)


@drafts_app.command()
def approve(
    draft_id: DraftId,
    by: ByOption = None,
    override: Annotated[
        str | None,
        typer.Option(help="Approve although checks failed; the reason is recorded."),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help="The status to approve with: keep (the proposed one), green, amber, red. "
            "Needed when the draft carries a status challenge; a changed status is a new version."
        ),
    ] = None,
    status_reason: Annotated[
        str | None, typer.Option(help="Why the status is kept or changed (recorded).")
    ] = None,
) -> None:
    """Approve a draft. One whose checks failed is refused unless you give --override REASON;
    one with a status challenge needs --status keep|green|amber|red and --status-reason."""
    actor = _actor(by)
    decided = _call(
        lambda: _service().drafts.approve(draft_id, actor, override, status, status_reason)
    )
    note = f" (checks overridden: {decided.override_reason})" if decided.override_reason else ""
    console.print(
        f"Draft {decided.id} (v{decided.version}) approved by {decided.decided_by}{note}.",
        markup=False,
    )


@drafts_app.command()
def reject(
    draft_id: DraftId,
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")],
    by: ByOption = None,
) -> None:
    """Reject a draft; it stays in the record with the reason."""
    actor = _actor(by)
    decided = _call(lambda: _service().drafts.reject(draft_id, actor, reason))
    console.print(f"Draft {decided.id} rejected.", markup=False)


@drafts_app.command()
def edit(
    draft_id: DraftId,
    file: Annotated[
        Path,
        typer.Option("--file", help="The edited report as JSON (`drafts show --format json`)."),
    ],
    reason: Annotated[str | None, typer.Option(help="Why, for the audit log.")] = None,
    by: ByOption = None,
) -> None:
    """Save an edited report as a new version; it is checked again before anyone approves it."""
    try:
        edited = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        _fail(f"Cannot read {file}: {error}.")
    actor = _actor(by)
    new_id, checks = _call(lambda: _service().drafts.edit(draft_id, edited, actor, reason))
    console.print(f"Saved as draft {new_id}, a new version of draft {draft_id}.")
    for line in checks.summary_lines():
        (console if checks.passed else errors).print(line, markup=False)


@drafts_app.command()
def redact(
    draft_id: DraftId,
    document: Annotated[
        str, typer.Option(help="The erased document's id, as `pmassist forget` named it.")
    ],
    by: ByOption = None,
) -> None:
    """Take an erased document out of a report draft: a new version without the statements
    citing it, and the same statements taken out of its earlier versions (audit kept)."""
    actor = _actor(by)
    done = _call(lambda: _service().drafts.redact(draft_id, document, actor))
    versions = ", ".join(str(redacted) for redacted in done.redacted)
    console.print(f"Took {document} out of drafts {versions}.", markup=False)
    if done.new_id is not None and done.checks is not None:
        console.print(f"Saved draft {done.new_id}, a new version to approve.", markup=False)
        for line in done.checks.summary_lines():
            (console if done.checks.passed else errors).print(line, markup=False)
    if not done.purged:
        errors.print(
            "The database was busy: its free pages still hold copies. The next change to the "
            "project, or `pmassist check --repair`, purges them.",
            markup=False,
        )


def _status(draft: DraftSummary) -> str:
    if draft.status in ("approved", "rejected") and draft.decided_by:
        return f"{draft.status} by {draft.decided_by}" + (
            " (override)" if draft.override_reason else ""
        )
    return draft.status


def _checks_mark(draft: DraftSummary) -> str:
    if draft.checks_passed is None:
        return "—"
    return "passed" if draft.checks_passed else "FAILED"
