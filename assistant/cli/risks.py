"""`pmassist risks …`: suggest, review, list, show, accept, reject, edit, export, heat map."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from assistant.cli.common import (
    ByOption,
    FromOption,
    ProjectOption,
    ToOption,
    WeekOption,
    _actor,
    _call,
    _fail,
    _service,
    command_line_message,
    console,
    errors,
)
from assistant.domain.errors import PmassistError
from assistant.domain.period import PeriodChoice
from assistant.domain.risk import EDITABLE_FIELDS, RiskEntry, RiskSuggestionRun

risks_app = typer.Typer(
    name="risks",
    help="Risk suggestions for review, and the risk register.",
    no_args_is_help=True,
)

RiskId = Annotated[str, typer.Argument(help="The register id, e.g. R-003.")]


@risks_app.command()
def suggest(
    project: ProjectOption,
    week: WeekOption = None,
    start: FromOption = None,
    end: ToOption = None,
) -> None:
    """Find early-warning signals in the record and propose register entries for review."""
    service = _service()
    draft_id, run = _call(lambda: service.risks.suggest(project, PeriodChoice(week, start, end)))
    _print_run(run)
    errors.print(f"Saved as draft {draft_id}.")
    pending = [o for o in run.outcomes if o.action in ("proposed", "updated", "reproposed")]
    if pending:
        console.print(f"Review them with `pmassist risks review --project {project}`.")


@risks_app.command("list")
def list_risks(
    project: ProjectOption,
    status: Annotated[
        list[str] | None,
        typer.Option(
            help="Only this status (repeatable): proposed, open, mitigating, closed, rejected."
        ),
    ] = None,
) -> None:
    """The register: every entry with its status, score, category, owner and trend."""
    entries = _call(lambda: _service().risks.entries(project, status))
    if not entries:
        console.print(
            "The register is empty." if not status else f"No risks with status {', '.join(status)}."
        )
        return
    table = Table("Id", "Status", "Score", "Category", "Title", "Owner", "Trend")
    for entry in entries:
        table.add_row(
            entry.id,
            entry.status,
            f"{entry.score} ({entry.likelihood}×{entry.impact})",
            entry.category,
            escape(entry.title),
            escape(entry.owner or "—"),
            entry.trend,
        )
    console.print(table)


@risks_app.command()
def show(risk_id: RiskId, project: ProjectOption) -> None:
    """One entry in full: fields (inferences marked), evidence with locators, history."""
    entry = _call(lambda: _service().risks.entry(project, risk_id))
    _print_entry(entry)
    history = Table("When (UTC)", "Who", "What", "Changes", "Why", title="History")
    for change in entry.history:
        history.add_row(
            change.at.strftime("%Y-%m-%d %H:%M"),
            escape(change.actor),
            change.action,
            escape(_changes(change.changes)),
            escape(change.reason or ""),
        )
    console.print(history)


@risks_app.command()
def accept(
    risk_id: RiskId,
    project: ProjectOption,
    by: ByOption = None,
    note: Annotated[str | None, typer.Option(help="Why, for the history.")] = None,
) -> None:
    """Accept a proposal into the register (status open)."""
    actor = _actor(by)
    entry = _call(lambda: _service().risks.accept(project, risk_id, actor, note))
    console.print(f"{entry.id} accepted: open in the register.")


@risks_app.command()
def reject(
    risk_id: RiskId,
    project: ProjectOption,
    reason: Annotated[str, typer.Option(help="Why it is not a risk (kept in the history).")],
    by: ByOption = None,
) -> None:
    """Reject a proposal. It is not proposed again unless new evidence appears."""
    actor = _actor(by)
    entry = _call(lambda: _service().risks.reject(project, risk_id, actor, reason))
    console.print(f"{entry.id} rejected.")


@risks_app.command()
def edit(
    risk_id: RiskId,
    project: ProjectOption,
    set_: Annotated[
        list[str],
        typer.Option(
            "--set",
            help=f"FIELD=VALUE (repeatable). Fields: {', '.join(EDITABLE_FIELDS)}, status. "
            "Mitigation steps are separated by ';'.",
        ),
    ],
    reason: Annotated[str | None, typer.Option(help="Why, for the history.")] = None,
    by: ByOption = None,
) -> None:
    """Change fields of an entry, or move it to another status (mitigating, closed, open)."""
    changes: dict[str, object] = {}
    for item in set_:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            _fail(f"--set needs FIELD=VALUE, not {item!r}.")
        changes[name.strip()] = value.strip()
    actor = _actor(by)
    entry = _call(lambda: _service().risks.edit(project, risk_id, actor, changes, reason))
    last = entry.history[-1]
    console.print(f"{entry.id} changed: {_changes(last.changes)}.", markup=False)


@risks_app.command()
def review(project: ProjectOption, by: ByOption = None) -> None:
    """Go through the proposals one by one: accept, edit, reject (with a reason) or skip."""
    service = _service()
    actor = _actor(by)
    proposals = _call(lambda: service.risks.entries(project, ["proposed"]))
    if not proposals:
        console.print("No proposals to review. `pmassist risks suggest` looks for new ones.")
        return
    done = {"accepted": 0, "rejected": 0, "edited": 0, "skipped": 0}
    for number, entry in enumerate(proposals, start=1):
        while True:
            console.rule(f"{number} of {len(proposals)}")
            _print_entry(entry)
            choice = (
                typer.prompt("[a]ccept, [e]dit, [r]eject, [s]kip, [q]uit", default="s")
                .strip()
                .lower()[:1]
            )
            risk_id = entry.id
            if choice == "a":
                note = typer.prompt("Note (optional)", default="", show_default=False)
                _call(lambda: service.risks.accept(project, risk_id, actor, note or None))  # noqa: B023
                done["accepted"] += 1
                break
            if choice == "r":
                reason = ""
                while not reason.strip():
                    reason = typer.prompt("Why is it not a risk?")
                _call(lambda: service.risks.reject(project, risk_id, actor, reason))  # noqa: B023
                done["rejected"] += 1
                break
            if choice == "e":
                entry = _edit_interactively(project, entry, actor) or entry
                done["edited"] += 1
                continue
            if choice == "q":
                _print_review_summary(done)
                return
            done["skipped"] += 1
            break
    _print_review_summary(done)


@risks_app.command()
def export(
    project: ProjectOption,
    output_format: Annotated[str, typer.Option("--format", help="csv or xlsx.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """The register as CSV or XLSX (cells that would run as formulas are made text)."""
    exported = _call(lambda: _service().risks.export(project, output_format))
    if out is None:
        if not exported.media_type.startswith("text/"):
            _fail(f"An {output_format.upper()} export needs --out FILE.")
        # Plain text: the console would wrap long rows and break the CSV.
        typer.echo(exported.data.decode("utf-8-sig"), nl=False)
        return
    try:
        out.write_bytes(exported.data)
    except OSError as error:
        _fail(f"Cannot write {out}: {error.strerror}.")
    console.print(f"Register of '{project}' written to {out}.")


@risks_app.command()
def heatmap(
    project: ProjectOption,
    out: Annotated[Path, typer.Option("--out", help="The SVG file to write.")],
) -> None:
    """The 5x5 heat map of the register (likelihood × impact) as SVG."""
    svg = _call(lambda: _service().risks.heat_map(project))
    try:
        out.write_text(svg, encoding="utf-8")
    except OSError as error:
        _fail(f"Cannot write {out}: {error.strerror}.")
    console.print(f"Heat map written to {out}.")


# Printing ------------------------------------------------------------------------------------


def _print_run(run: RiskSuggestionRun) -> None:
    console.print(
        f"{len(run.signals)} signals in {run.period_label} · writer: {run.writer}"
        + (f" · prompt {run.prompt.name} v{run.prompt.version}" if run.prompt else "")
    )
    if run.outcomes:
        table = Table("Id", "What", "Trend", "Score", "Category", "Title", title="Suggestions")
        for outcome in run.outcomes:
            table.add_row(
                outcome.risk_id,
                outcome.action,
                outcome.trend,
                str(outcome.score),
                outcome.category,
                escape(outcome.title),
            )
        console.print(table)
    if run.suppressed:
        console.print(f"Held back (rejected before, no new evidence): {', '.join(run.suppressed)}.")
    for dropped in run.dropped:
        errors.print(
            Text(f"Dropped '{dropped.title}': {'; '.join(dropped.reasons)}", style="yellow")
        )
    for warning in run.warnings:
        errors.print(Text("Warning: " + warning, style="yellow"))


def _print_entry(entry: RiskEntry) -> None:
    def mark(name: str) -> str:
        return " [dim](inferred)[/]" if name in entry.inferred else ""

    lines = [
        f"[bold]{escape(entry.id)} {escape(entry.title)}[/]  ({entry.status}, {entry.trend})",
        f"Category: {escape(entry.category)}",
        f"Cause: {escape(entry.cause)}{mark('cause')}",
        f"Event: {escape(entry.event)}{mark('event')}",
        f"Effect: {escape(entry.effect)}{mark('effect')}",
        f"Likelihood {entry.likelihood}{mark('likelihood')} × impact {entry.impact}"
        f"{mark('impact')} = score {entry.score}"
        + (
            f" (latest signal suggests {entry.signal_score})"
            if entry.signal_score and entry.signal_score != entry.score
            else ""
        ),
        f"Proximity: {entry.proximity_date or '—'}{mark('proximity_date')}",
        f"Owner: {escape(entry.owner or '—')}{mark('owner')}",
        f"Response: {entry.response}{mark('response')}",
        "Mitigation"
        + mark("mitigation")
        + ":"
        + "".join(f"\n  - {escape(step)}" for step in entry.mitigation),
        f"Trigger: {escape(entry.trigger)}{mark('trigger')}",
        f"Confidence: {entry.confidence} · proposed by {escape(entry.proposed_by)}",
        "Evidence:"
        + "".join(
            f"\n  - {escape(item.label)}: “{escape(item.excerpt)}”" for item in entry.evidence
        ),
    ]
    if entry.inferred:
        lines.append(
            "[dim]Inferred: "
            + "; ".join(f"{escape(k)}: {escape(v)}" for k, v in sorted(entry.inferred.items()))
            + "[/]"
        )
    console.print(Panel("\n".join(lines), expand=False))


def _edit_interactively(project: str, entry: RiskEntry, actor: str) -> RiskEntry | None:
    changes: dict[str, object] = {}
    for name in EDITABLE_FIELDS:
        current = getattr(entry, name)
        shown = (
            "; ".join(current)
            if isinstance(current, list)
            else ("" if current is None else str(current))
        )
        value = typer.prompt(name, default=shown, show_default=True)
        if value != shown:
            changes[name] = value
    if not changes:
        console.print("Nothing changed.")
        return None
    reason = typer.prompt("Why (optional)", default="", show_default=False) or None
    try:
        return _service().risks.edit(project, entry.id, actor, changes, reason)
    except PmassistError as error:  # show it and let the PM try again
        errors.print(f"[bold red]Not saved:[/] {escape(command_line_message(error))}")
        return None


def _print_review_summary(done: dict[str, int]) -> None:
    console.print(", ".join(f"{count} {what}" for what, count in done.items()) + ".")


def _changes(changes: dict[str, list[object]]) -> str:
    parts = []
    for name, pair in changes.items():
        before, after = [*pair, None, None][:2]
        if name == "evidence":
            added = len(after or []) - len(before or [])  # type: ignore[arg-type]
            parts.append(f"evidence {'+' if added >= 0 else ''}{added}")
        else:
            parts.append(f"{name} {before} → {after}")
    return ", ".join(parts)
