"""`pmassist`: the command line. Each command parses its arguments, calls the service, prints."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from assistant.cli.common import (
    DateOption,
    KindOption,
    ProjectOption,
    _call,
    _fail,
    _service,
    _state,
    console,
    errors,
)
from assistant.domain.answer import Answer, AnswerComplete, AnswerDelta
from assistant.domain.errors import PmassistError
from assistant.domain.ingest import IngestSummary
from assistant.domain.record import Kind
from assistant.domain.search import RetrievalFilter
from assistant.reports.rendering import render_html, render_json, render_markdown

app = typer.Typer(
    name="pmassist",
    help="Reporting and risk assistant for IT project managers: ingest the project record, "
    "ask about it with citations, draft the weekly status report, review risk suggestions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# `_state` is re-exported: tests reset the service between invocations.
__all__ = ["_state", "app"]


def _add_subcommands() -> None:
    from assistant.cli.drafts import drafts_app
    from assistant.cli.evals import eval_app
    from assistant.cli.risks import risks_app
    from assistant.cli.server import serve, token_app

    app.add_typer(risks_app, name="risks")
    app.add_typer(token_app, name="token")
    app.command()(serve)
    app.add_typer(drafts_app, name="drafts")
    app.add_typer(eval_app, name="eval")


_add_subcommands()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more detail.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=errors, show_time=False, show_path=False)],
        force=True,
    )


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of the project record.")],
    project: ProjectOption,
    kind: KindOption = None,
    prune: Annotated[
        bool, typer.Option(help="Remove documents that are no longer in these paths.")
    ] = False,
) -> None:
    """Ingest minutes, transcripts, ticket exports and decision logs; only changes are redone."""
    with _ingest_progress() as progress:
        summary = _call(
            lambda: _service().ingest(paths, project, kind=kind, prune=prune, progress=progress)
        )
    _print_ingest_summary(summary)
    if summary.failures:
        raise typer.Exit(1)


@app.command()
def projects() -> None:
    """List projects with their documents and chunks."""
    summaries = _call(lambda: _service().projects())
    if not summaries:
        console.print("No projects yet. Start with `pmassist ingest PATH --project NAME`.")
        return
    table = Table(
        "Project", "Minutes", "Tickets", "Decisions", "Chunks", "Embedding model", "Last ingest"
    )
    for item in summaries:
        table.add_row(
            item.name,
            str(item.by_kind.get("minutes", 0)),
            str(item.by_kind.get("ticket", 0)),
            str(item.by_kind.get("decision", 0)),
            str(item.chunks),
            item.embedding_model,
            item.last_ingest_at.strftime("%Y-%m-%d %H:%M UTC") if item.last_ingest_at else "—",
        )
    console.print(table)


@app.command()
def docs(
    project: ProjectOption,
    kind: KindOption = None,
    limit: Annotated[int, typer.Option(help="Show at most this many (0 = all).")] = 0,
) -> None:
    """List a project's documents with their ids (for `forget`) and sources."""
    documents = _call(lambda: _service().list_documents(project, kind))
    shown = documents[:limit] if limit > 0 else documents
    table = Table("Id", "Kind", "Date", "Title", "Source", title=f"{len(documents)} documents")
    for document in shown:
        table.add_row(
            escape(document.id),
            document.kind.value,
            document.date.isoformat() if document.date else "—",
            escape(document.title[:70]),
            escape(document.source),
        )
    console.print(table)
    if len(shown) < len(documents):
        console.print(f"… and {len(documents) - len(shown)} more (use --limit 0 for all).")


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    project: ProjectOption,
    k: Annotated[int, typer.Option("-k", help="How many results.")] = 8,
    kind: Annotated[
        list[Kind] | None, typer.Option("--kind", help="Only these kinds (repeatable).")
    ] = None,
    since: DateOption = None,
    until: DateOption = None,
    status: Annotated[
        list[str] | None,
        typer.Option(help="Tickets in this status or category: todo, in_progress, done, Blocked…"),
    ] = None,
    assignee: Annotated[
        list[str] | None, typer.Option(help="Tickets assigned to this person.")
    ] = None,
    mode: Annotated[str, typer.Option(help="hybrid (default), dense or keyword.")] = "hybrid",
) -> None:
    """Search the project record; each hit shows where it comes from."""
    if mode not in ("hybrid", "dense", "keyword"):
        _fail(f"--mode must be hybrid, dense or keyword, not '{mode}'.")
    filters = _filters(kind, since, until, status, assignee)
    hits = _call(
        lambda: _service().search(text, project, k=k, filters=filters, mode=mode)  # type: ignore[arg-type]
    )
    if not hits:
        console.print("No matching text in the project record.")
        return
    for rank, hit in enumerate(hits, start=1):
        heading = Text(f"{rank:>2}. ", style="bold")
        if hit.similarity is not None:
            heading.append(f"[{hit.similarity:.2f}] ", style="dim")
        heading.append(hit.kind.value, style="cyan")
        heading.append("  " + hit.title)
        if hit.date:
            heading.append(f"  ({hit.date.isoformat()})", style="dim")
        console.print(heading)
        console.print(Text("    ↳ " + hit.locator.label(), style="green"))
        body = hit.text.split("\n", 1)[-1].replace("\n", " ")
        console.print(Text("    " + (body[:280] + "…" if len(body) > 280 else body)))


def _filters(
    kinds: list[Kind] | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    statuses: list[str] | None,
    assignees: list[str] | None,
) -> RetrievalFilter:
    return RetrievalFilter(
        kinds=tuple(kinds or ()),
        since=since.date() if since else None,
        until=until.date() if until else None,
        statuses=tuple(statuses or ()),
        assignees=tuple(assignees or ()),
    )


ConversationOption = Annotated[
    str | None,
    typer.Option(
        "--conversation", "-c", help="Continue this conversation (id shown after an answer)."
    ),
]


class ReportFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"


@app.command()
def report(
    project: ProjectOption,
    week: Annotated[
        str | None, typer.Option("--week", help="ISO week, e.g. 2026-W46. Default: last week.")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="md, html or json.")
    ] = ReportFormat.md,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """Draft the weekly status report: facts and status by rules, every line cited."""
    service = _service()
    period = _call(lambda: service.report_period(project, week, start, end))
    draft_id, drafted = _call(lambda: service.draft_report(project, period))
    checks = service.draft_checks(draft_id)
    if output_format is ReportFormat.json:
        text = render_json(drafted)
    elif output_format is ReportFormat.html:
        text = render_html(drafted, checks)
    else:
        text = render_markdown(drafted, checks)
    if out is not None:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as error:
            _fail(f"Cannot write {out}: {error.strerror}.")
        console.print(
            f"Draft {draft_id} ({period.label}, {drafted.overall_status.upper()}) written to {out}."
        )
    else:
        console.print(text, markup=False, highlight=False, soft_wrap=True)
    verdict = "passed its checks" if checks and checks.passed else "FAILED its checks"
    errors.print(
        f"Saved as draft {draft_id}; it {verdict}. Review it with `pmassist drafts show "
        f"{draft_id}`, then `pmassist drafts approve {draft_id}`."
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    project: ProjectOption,
    conversation: ConversationOption = None,
    kind: Annotated[
        list[Kind] | None, typer.Option("--kind", help="Only these kinds (repeatable).")
    ] = None,
    since: DateOption = None,
    until: DateOption = None,
) -> None:
    """Answer a question from the project record; every claim cites its source."""
    filters = _filters(kind, since, until, None, None)
    answer = _answer(question, project, conversation, filters)
    if answer is None:
        raise typer.Exit(2)


@app.command()
def chat(project: ProjectOption, conversation: ConversationOption = None) -> None:
    """Ask one question after another; follow-ups may refer to earlier answers."""
    _call(lambda: _service().require_documents(project))
    console.print(
        f"Questions about [bold]{escape(project)}[/]. /new starts a new conversation, "
        "/sources lists the last sources, /quit leaves."
    )
    last: Answer | None = None
    while True:
        try:
            question = console.input("[bold cyan]you ›[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if question in ("/quit", "/exit", "/q"):
            return
        if question == "/new":
            conversation, last = None, None
            console.print("New conversation.")
            continue
        if question == "/sources":
            if last is not None:
                _print_sources(last, every=True)
            continue
        if not question:
            continue
        answer = _answer(question, project, conversation, RetrievalFilter())
        if answer is not None:
            conversation, last = answer.conversation_id, answer


def _answer(
    question: str, project: str, conversation: str | None, filters: RetrievalFilter
) -> Answer | None:
    """Stream one answer to the console; on an error print it and return None."""
    answer: Answer | None = None
    try:
        for event in _service().ask_stream(
            question, project, conversation_id=conversation, filters=filters
        ):
            if isinstance(event, AnswerDelta):
                console.print(event.text, end="", markup=False, highlight=False)
            elif isinstance(event, AnswerComplete):
                answer = event.answer
    except PmassistError as error:
        console.print()
        errors.print(f"[bold red]Error:[/] {escape(str(error))}")
        return None
    console.print()
    assert answer is not None
    for warning in answer.warnings:
        errors.print(Text("Checked: " + warning, style="yellow"))
    for sentence in answer.unsupported_sentences():
        errors.print(Text(f"  unsupported: {sentence.text}", style="yellow"))
    _print_sources(answer)
    console.print(
        Text(
            f"answer {answer.id} · conversation {answer.conversation_id} · {answer.writer}"
            + (f" · prompt {answer.prompt.name} v{answer.prompt.version}" if answer.prompt else ""),
            style="dim",
        )
    )
    return answer


def _print_sources(answer: Answer, every: bool = False) -> None:
    sources = (
        answer.sources if every or answer.coverage == "not_covered" else answer.cited_sources()
    )
    if not sources:
        return
    title = (
        "Closest documents (not close enough to answer):"
        if answer.coverage == "not_covered"
        else "Sources:"
    )
    console.print(Text(title, style="bold"))
    for source in sources[:8] if answer.coverage == "not_covered" else sources:
        line = Text(f"  [{source.citation}] ", style="bold green")
        line.append(source.locator.label(), style="green")
        line.append(f"  {source.title}", style="dim")
        console.print(line)


@app.command()
def reindex(project: ProjectOption) -> None:
    """Rebuild a project's vectors with the configured embedding model."""
    console.print(f"Re-embedding every chunk of '{project}' with {_service().model_id} …")
    summary = _call(lambda: _service().reindex(project))
    console.print(
        f"Reindexed {_count(summary.chunks, 'chunk')} of '{project}' with {summary.model_id} "
        f"in {summary.seconds:.1f} s."
    )


@app.command()
def forget(
    document_id: Annotated[str, typer.Argument(help="Document id, as `pmassist docs` shows it.")],
    project: ProjectOption,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase one document: its text, chunks, vectors and manifest entries."""
    if not yes and not typer.confirm(f"Erase '{document_id}' from project '{project}'?"):
        raise typer.Exit(1)
    removed = _call(lambda: _service().forget(project, document_id))
    console.print(
        f"Erased '{document_id}' ({_count(removed, 'chunk')}). If its source file still holds "
        "it, the next ingest of that file will bring it back."
    )


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.0f} chunks/s" if speed else "", style="dim")


class _RichIngestProgress:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.files = progress.add_task("Reading files", total=None)
        self.chunks = progress.add_task("Embedding chunks", total=None, visible=False)

    def files_found(self, count: int) -> None:
        self.progress.update(self.files, total=count)

    def file_read(self, display: str) -> None:
        self.progress.update(self.files, advance=1, description=f"Reading {display[-40:]}")

    def embedding_planned(self, chunks: int) -> None:
        self.progress.update(self.files, description="Read files")
        self.progress.update(self.chunks, total=chunks, visible=chunks > 0)

    def chunks_embedded(self, count: int) -> None:
        self.progress.update(self.chunks, advance=count)


@contextmanager
def _ingest_progress() -> Iterator[_RichIngestProgress]:
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with progress:
        yield _RichIngestProgress(progress)


def _print_ingest_summary(summary: IngestSummary) -> None:
    table = Table(
        "Added", "Updated", "Unchanged", "Removed", "Failed", title=f"Ingest of '{summary.project}'"
    )
    table.add_row(
        str(len(summary.added)),
        str(len(summary.updated)),
        str(summary.unchanged),
        str(len(summary.removed)),
        Text(str(len(summary.failures)), style="bold red" if summary.failures else ""),
    )
    console.print(table)
    rate = summary.chunks_written / summary.embed_seconds if summary.embed_seconds else 0.0
    details = [
        f"{_count(summary.files, 'file')} ({summary.files_unchanged} unchanged, not re-read)",
        f"{_count(summary.chunks_written, 'chunk')} embedded"
        + (f" at {rate:.0f}/s" if rate else ""),
        f"{summary.seconds:.1f} s",
    ]
    if summary.skipped_items:
        details.append(f"{summary.skipped_items} pull requests skipped")
    console.print(" · ".join(details))
    if summary.stale:
        console.print(
            f"{len(summary.stale)} documents are no longer in these paths and were kept: "
            + ", ".join(summary.stale[:5])
            + (" …" if len(summary.stale) > 5 else "")
            + ". Run with --prune to remove them.",
            markup=False,
        )
    for warning in _first(summary.warnings, 10):
        errors.print(Text("Warning: " + warning, style="yellow"))
    if summary.failures:
        failed = Table("File", "Where", "Problem", title="Not ingested", title_style="bold red")
        for failure in summary.failures:
            where = ", ".join(
                part
                for part in (
                    f"row {failure.row}" if failure.row is not None else "",
                    f"field '{failure.field}'" if failure.field else "",
                )
                if part
            )
            failed.add_row(escape(failure.file), escape(where or "—"), escape(failure.reason))
        errors.print(failed)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _first(items: list[Any], count: int) -> list[Any]:
    if len(items) <= count:
        return items
    return [*items[:count], f"… and {len(items) - count} more"]
