"""`pmassist source add | list | remove` and `pmassist sync`: trackers read over their APIs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.common import _call, _service, console
from assistant.cli.progress import sync_progress

source_app = typer.Typer(
    name="source", help="Trackers a project syncs from (Jira Cloud, GitHub).", no_args_is_help=True
)
add_app = typer.Typer(name="add", help="Add a tracker to sync from.", no_args_is_help=True)
source_app.add_typer(add_app, name="add")

Project = Annotated[str, typer.Option("--project", "-p", help="The project it feeds.")]
Name = Annotated[str | None, typer.Option(help="Its name in this project (default: the kind).")]


@add_app.command("jira")
def add_jira(
    project: Project,
    site: Annotated[str, typer.Option(help="The Jira Cloud site, https://x.atlassian.net.")],
    jql: Annotated[str, typer.Option(help='The issues to sync, e.g. "project = HER".')],
    name: Name = None,
) -> None:
    """Sync Jira Cloud issues (PMASSIST_JIRA_EMAIL and PMASSIST_JIRA_API_TOKEN at sync time)."""
    source = _call(lambda: _service().sources.add("jira", project, name=name, site=site, jql=jql))
    console.print(f"Added {source.name} to {project}: {source.describe()}", markup=False)


@add_app.command("github")
def add_github(
    project: Project,
    repo: Annotated[str, typer.Option(help="owner/name")],
    name: Name = None,
) -> None:
    """Sync a repository's GitHub issues (PMASSIST_GITHUB_TOKEN for private ones)."""
    source = _call(lambda: _service().sources.add("github", project, name=name, repository=repo))
    console.print(f"Added {source.name} to {project}: {source.describe()}", markup=False)


@add_app.command("github-project")
def add_github_project(
    project: Project,
    owner: Annotated[str, typer.Option(help="The user or organization that owns the board.")],
    number: Annotated[int, typer.Option(help="The board's number (…/projects/7).")],
    name: Name = None,
) -> None:
    """Sync a GitHub Projects board: status, iteration and fields (PMASSIST_GITHUB_TOKEN)."""
    source = _call(
        lambda: _service().sources.add(
            "github-project", project, name=name, owner=owner, number=number
        )
    )
    console.print(f"Added {source.name} to {project}: {source.describe()}", markup=False)


@source_app.command("list")
def list_sources(
    project: Annotated[str | None, typer.Option("--project", "-p")] = None,
) -> None:
    """The sources of every project (or one), and when each last synced."""
    table = Table("Project", "Name", "Source", "Last synced (UTC)")
    for source in _call(lambda: _service().sources.sources(project)):
        synced = f"{source.last_synced_at:%Y-%m-%d %H:%M}" if source.last_synced_at else "never"
        table.add_row(source.project, source.name, source.describe(), synced)
    console.print(table)


@source_app.command("remove")
def remove_source(name: Annotated[str, typer.Argument()], project: Project) -> None:
    """Stop syncing from a source (what it brought in stays in the record)."""
    _call(lambda: _service().sources.remove(project, name))
    console.print(f"Removed {name} from {project}.", markup=False)


def sync(
    project: Annotated[str | None, typer.Option("--project", "-p")] = None,
    reconcile: Annotated[
        bool,
        typer.Option(
            help="Jira: also list every key now, to remove deleted or moved issues and fetch "
            "ones that entered the query unchanged (otherwise every "
            "PMASSIST_RECONCILE_EVERY_HOURS)."
        ),
    ] = False,
) -> None:
    """Fetch what changed in every source (or one project's) and ingest it."""
    with sync_progress() as progress:
        outcomes = _call(
            lambda: _service().sources.sync(project, reconcile=reconcile, progress=progress)
        )
    table = Table(
        "Source", "Fetched", "Added", "Updated", "Unchanged", "Removed", "Pages", "Retries"
    )
    for o in outcomes:
        counts = (o.fetched, o.added, o.updated, o.unchanged, o.removed, o.pages, o.retries)
        table.add_row(o.source, *(str(n) for n in counts))
    console.print(table)
    for outcome in outcomes:
        for warning in outcome.warnings:
            console.print(f"{outcome.source}: {warning}", markup=False)
