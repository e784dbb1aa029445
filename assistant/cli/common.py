"""What every command shares: the consoles, the service for this invocation, error exits."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable
from typing import Annotated, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from assistant.config import Settings
from assistant.domain.errors import PmassistError
from assistant.domain.record import Kind
from assistant.service import Assistant

console = Console()
errors = Console(stderr=True)

ProjectOption = Annotated[str, typer.Option("--project", "-p", help="Project name.")]
KindOption = Annotated[Kind | None, typer.Option("--kind", help="minutes, ticket or decision.")]
DateOption = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who makes the change (default: PMASSIST_USER or your login)."),
]
T = TypeVar("T")

_state: dict[str, Assistant] = {}


def _service() -> Assistant:
    """The service for this invocation, built from the settings on first use."""
    if "assistant" not in _state:
        try:
            settings = Settings()
        except ValidationError as error:
            fields = ", ".join(str(e["loc"][0]).upper() for e in error.errors() if e.get("loc"))
            _fail(f"Invalid setting ({fields}): {error.errors()[0]['msg']}. See .env.example.")
        _state["assistant"] = Assistant(settings)
    return _state["assistant"]


def _fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[bold red]Error:[/] {escape(message)}")
    raise typer.Exit(code)


def _call(action: Callable[[], T]) -> T:
    try:
        return action()
    except PmassistError as error:
        _fail(str(error))


def _actor(by: str | None) -> str:
    if by and by.strip():
        return by.strip()
    configured = _service().settings.user
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        _fail("Cannot tell who you are: pass --by NAME or set PMASSIST_USER.")
