"""`pmassist serve` and `pmassist token …`: the web app and API, and who may use them."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.common import _call, _fail, _service, console, errors
from assistant.domain.access import ROLES
from assistant.service import Assistant

token_app = typer.Typer(
    name="token", help="API tokens: create, list, revoke.", no_args_is_help=True
)


@token_app.command("create")
def create_token(
    role: Annotated[str, typer.Option(help="viewer, pm or admin.")],
    project: Annotated[
        list[str] | None, typer.Option("--project", "-p", help="A project it may use (repeatable).")
    ] = None,
    all_projects: Annotated[
        bool, typer.Option("--all-projects", help="Every project (admin tokens only).")
    ] = False,
    name: Annotated[str | None, typer.Option(help="Who it is for; the history shows it.")] = None,
) -> None:
    """Create a token; it is shown once, only its hash is kept."""
    if role not in ROLES:
        _fail(f"Unknown role '{role}': use {', '.join(ROLES)}.")
    projects = list(project or [])
    token_id, token = _call(
        lambda: _service().access.create_token(role, projects, all_projects=all_projects, name=name)
    )
    scope = "every project" if all_projects else ", ".join(projects)
    console.print(f"Token {token_id} ({role}, {scope}):")
    console.print(token, markup=False, highlight=False)
    errors.print("Keep it now: it is not shown again. Revoke it with `pmassist token revoke`.")


@token_app.command("list")
def list_tokens() -> None:
    """Tokens with their role, projects and last use (never the tokens themselves)."""
    table = Table("Id", "Name", "Role", "Projects", "Created", "Last used", "Revoked")
    for token in _service().access.tokens():
        table.add_row(
            str(token.id),
            token.name,
            token.role,
            ", ".join(token.projects),
            token.created_at.strftime("%Y-%m-%d"),
            token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "—",
            token.revoked_at.strftime("%Y-%m-%d") if token.revoked_at else "",
        )
    console.print(table)


@token_app.command("revoke")
def revoke_token(
    token_id: Annotated[int, typer.Argument(help="The id `token list` shows.")],
) -> None:
    """Revoke a token; its browser sessions end with it."""
    _call(lambda: _service().access.revoke(token_id))
    console.print(f"Token {token_id} revoked.")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="Server processes; one of them runs the schedule (a database lease)."
        ),
    ] = 1,
) -> None:
    """The web app and API. With no tokens it listens on 127.0.0.1 only, without login."""
    import os

    import uvicorn

    from assistant.server import create_app, serve_environment

    service = _service()
    local_mode = not service.access.has_tokens()
    if local_mode and not _is_loopback(host):
        errors.print(
            f"No API tokens exist, so pmassist serves on 127.0.0.1 only (not {host}), for you "
            "alone and without login. Create tokens with `pmassist token create` to serve others."
        )
        host = "127.0.0.1"
    elif local_mode:
        console.print(
            "No API tokens exist: serving on 127.0.0.1 only, without login. Create tokens with "
            "`pmassist token create --project P --role pm` to require them."
        )
    wildcard = host in ("0.0.0.0", "::", "")  # noqa: S104 - an address, compared, not bound here
    if wildcard and not service.settings.allowed_host_names:
        _fail(
            f"Serving on {host or 'every address'} needs the names people reach this server by: "
            "set PMASSIST_ALLOWED_HOSTS (e.g. pmassist.example.org,10.0.0.5). Requests for any "
            "other host name are refused, so that no other site can reach the record through "
            "its own name."
        )
    hosts = () if wildcard else (host,)
    console.print(f"pmassist on http://{host}:{port}/ (API: /api/docs, /openapi.json, /v1)")
    _call(service.schedule.weekly_time)  # a malformed PMASSIST_WEEKLY_DRAFT is named now
    console.print(_schedule_line(service), markup=False)
    if workers == 1:
        app = create_app(service, local_mode=local_mode, hosts=hosts, schedules=True)
        uvicorn.run(app, host=host, port=port, log_level="info")
        return
    if service.settings.sqlalchemy_url.startswith("sqlite"):
        console.print(
            f"{workers} workers share a SQLite database (one writer at a time); for a team, use "
            "PostgreSQL (PMASSIST_DATABASE_URL, see deploy/README.md)."
        )
    # Each worker builds its own app from the settings and what was decided here.
    os.environ.update(serve_environment(local_mode=local_mode, hosts=hosts))
    uvicorn.run(
        "assistant.server:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
    )


def _schedule_line(service: Assistant) -> str:
    settings = service.settings
    every = settings.sync_every_minutes
    sync = f"sources synced every {every:g} min" if every else "sources not synced by schedule"
    weekly = (
        f"weekly draft at '{settings.weekly_draft}' ({settings.schedule_timezone})"
        if settings.weekly_draft
        else "no weekly draft scheduled (PMASSIST_WEEKLY_DRAFT)"
    )
    return f"Schedule: {sync}; {weekly}. Runs: /p/<project>/runs"


def _is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
