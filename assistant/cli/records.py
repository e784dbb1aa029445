"""`pmassist ingest`, `projects`, `docs`, `search`, `reindex`, `forget`: the project record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from assistant.cli.app import app
from assistant.cli.common import (
    DateOption,
    KindOption,
    ProjectOption,
    _call,
    _service,
    console,
    errors,
)
from assistant.cli.progress import ingest_progress
from assistant.domain.ingest import IngestSummary, SkippedFile
from assistant.domain.record import Kind
from assistant.domain.search import RetrievalFilter

# Skipped files named in an ingest's summary; `--verbose` names them all.
SKIPS_SHOWN = 5
VERBOSE_HINT = "`pmassist --verbose ingest …` lists them all"


@app.command()
def ingest(
    context: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of the project record.")],
    project: ProjectOption,
    kind: KindOption = None,
    prune: Annotated[
        bool, typer.Option(help="Remove documents that are no longer in these paths.")
    ] = False,
) -> None:
    """Ingest minutes, transcripts, ticket exports and decision logs; only changes are redone.

    Files in the folders that pmassist does not read (images, scripts, …) are listed as skipped;
    `pmassist --verbose ingest …` lists every one of them."""
    with ingest_progress() as progress:
        summary = _call(
            lambda: _service().records.ingest(
                paths, project, kind=kind, prune=prune, progress=progress
            )
        )
    _print_ingest_summary(summary, every_skip=bool(context.find_root().params.get("verbose")))
    if summary.failures:
        raise typer.Exit(1)


@app.command()
def projects() -> None:
    """List projects with their documents and chunks."""
    summaries = _call(lambda: _service().records.projects())
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
    documents = _call(lambda: _service().records.documents(project, kind))
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
    k: Annotated[
        int, typer.Option("-k", help="How many documents to show (each with its best passages).")
    ] = 8,
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
    """Search the project record: the K best documents, each with up to three of its best
    passages, where they come from and their scores."""
    filters = filters_of(kind, since, until, status, assignee)
    hits = _call(
        lambda: _service().records.search_documents(text, project, k=k, filters=filters, mode=mode)
    )
    if not hits:
        console.print("No matching text in the project record.")
        return
    for rank, hit in enumerate(hits, start=1):
        heading = Text(f"{rank:>2}. ", style="bold")
        heading.append(hit.kind.value, style="cyan")
        heading.append("  " + hit.title)
        if hit.date:
            heading.append(f"  ({hit.date.isoformat()})", style="dim")
        console.print(heading)
        for passage in hit.chunks:
            where = Text("    ↳ " + passage.locator.label(), style="green")
            # Similarity to the search text is the score shown: it reads the same in every
            # search, the fused rank score only within one.
            if passage.similarity is not None:
                where.append(f"  [{passage.similarity:.2f}]", style="dim")
            console.print(where)
            body = passage.text.split("\n", 1)[-1].replace("\n", " ")
            console.print(Text("      " + (body[:280] + "…" if len(body) > 280 else body)))


def filters_of(
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


@app.command()
def reindex(project: ProjectOption) -> None:
    """Rebuild a project's vectors with the configured embedding model."""
    console.print(f"Re-embedding every chunk of '{project}' with {_service().wiring.model_id} …")
    summary = _call(lambda: _service().records.reindex(project))
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
    erased = _call(lambda: _service().records.forget(project, document_id))
    if erased.finished_interrupted:
        console.print(f"Finished the interrupted erasure of '{escape(document_id)}'.")
    else:
        console.print(f"Erased '{escape(document_id)}' ({_count(erased.chunks, 'chunk')}).")
    if erased.answers_redacted:
        console.print(f"Redacted {_count(erased.answers_redacted, 'saved answer')} that quoted it.")
    if erased.risk_entries:
        console.print(f"Removed it as evidence from {', '.join(erased.risk_entries)}.")
    if erased.upload_removed:
        console.print(f"Deleted the uploaded file {escape(erased.upload_removed)}.")
    if erased.upload_still_holding:
        console.print(
            f"The uploaded file {escape(erased.upload_still_holding)} still holds it with other "
            "documents: edit it and upload it again, or the next ingest of that folder brings "
            "it back."
        )
    elif not erased.upload_removed:
        console.print(
            "If its source file still holds it, the next ingest of that file will bring it back."
        )
    if erased.drafts_quoting:
        ids = ", ".join(str(draft_id) for draft_id in erased.drafts_quoting)
        console.print(
            f"Report drafts quoting it: {ids}. Take it out with `pmassist drafts redact ID "
            f"--document {escape(document_id)}`."
        )
    if not erased.purged:
        console.print(
            "[yellow]The database was busy: its free pages still hold copies. The next change "
            "to the project, or `pmassist check --repair`, purges them.[/yellow]"
        )


@app.command()
def check(
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Only this project.")
    ] = None,
    repair: Annotated[
        bool, typer.Option(help="Put the vector and keyword indexes back in step.")
    ] = False,
) -> None:
    """Compare each project's documents with its vector and keyword indexes; with --repair,
    make the indexes agree with the documents again. Exit 1 when something is out of step."""
    reports = _call(lambda: _service().records.check(project, repair=repair))
    table = Table(
        "Project", "Chunks", "Vectors", "Missing", "Orphans", "Pending", "Keyword index", "State"
    )
    drift = False
    for report in reports:
        drift |= not report.consistent and not report.repaired
        table.add_row(
            report.project,
            str(report.chunks),
            str(report.vectors),
            str(len(report.missing_vectors)),
            str(len(report.orphan_vectors)),
            str(report.pending_writes),
            "current" if report.keyword_index_current else "stale",
            "in step" if report.consistent else ("repaired" if report.repaired else "OUT OF STEP"),
        )
    console.print(table)
    for report in reports:
        for done in report.repaired:
            console.print(f"{report.project}: {done}.", markup=False)
        if report.abandoned_reindex and not report.repaired:
            console.print(f"{report.project}: an interrupted reindex left a copy.", markup=False)
        if report.text_in_vector_index and not report.repaired:
            console.print(
                f"{report.project}: the vector index still holds chunk text (built by an "
                "earlier version); --repair rebuilds it without.",
                markup=False,
            )
        if report.unpurged_erasures and not report.repaired:
            console.print(
                f"{report.project}: the files may still hold copies of erased documents "
                f"({', '.join(report.unpurged_erasures)}); --repair purges them.",
                markup=False,
            )
    if drift:
        errors.print("Out of step: run `pmassist check --repair`.")
        raise typer.Exit(1)


def _print_ingest_summary(summary: IngestSummary, *, every_skip: bool = False) -> None:
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
    _print_skipped(summary.skipped_files, every_skip)
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


def _print_skipped(skipped: list[SkippedFile], every: bool) -> None:
    """One line for the files of types pmassist does not read, one per file a loader left out
    (its reason is particular to it); the first few unless `--verbose` asks for all."""
    shown = len(skipped) if every else SKIPS_SHOWN
    by_type = [skip.file for skip in skipped if skip.unread_type]
    if by_type:
        console.print(
            f"Skipped {_count(len(by_type), 'file')} pmassist does not read: "
            + ", ".join(by_type[:shown])
            + _more(len(by_type) - shown),
            markup=False,
        )
    by_content = [skip for skip in skipped if not skip.unread_type]
    for skip in by_content[:shown]:
        console.print(f"Skipped {skip.file}: {skip.reason}", markup=False)
    if len(by_content) > shown:
        console.print(
            f"Skipped {_count(len(by_content) - shown, 'more file')} with nothing to read "
            f"({VERBOSE_HINT})",
            markup=False,
        )


def _more(hidden: int) -> str:
    return f" … and {hidden} more ({VERBOSE_HINT})" if hidden > 0 else ""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _first(items: list[Any], count: int) -> list[Any]:
    if len(items) <= count:
        return items
    return [*items[:count], f"… and {len(items) - count} more"]
