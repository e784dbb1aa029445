"""What every command shares: the consoles, the service for this invocation, and how the command
line words an error (the flag for the field it is about, and the command that helps)."""

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
from assistant.domain.errors import (
    ApprovalRefused,
    EmbeddingModelMismatchError,
    InvalidInputError,
    NoDocumentsError,
    PmassistError,
    UnknownDocumentError,
    UnknownDraftError,
    UnknownRiskError,
    UnknownTokenError,
)
from assistant.domain.record import Kind
from assistant.service import Assistant

console = Console()
errors = Console(stderr=True)

ProjectOption = Annotated[str, typer.Option("--project", "-p", help="Project name.")]
KindOption = Annotated[Kind | None, typer.Option("--kind", help="minutes, ticket or decision.")]
DateOption = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])]
WeekOption = Annotated[
    str | None, typer.Option("--week", help="ISO week, e.g. 2026-W46. Default: last week.")
]
FromOption = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who makes the change (default: PMASSIST_USER or your login)."),
]
T = TypeVar("T")

# The service's names for inputs, as the command line spells them.
FLAGS = {
    "project": "--project",
    "projects": "--project",
    "week": "--week",
    "start": "--from",
    "end": "--to",
    "since": "--since",
    "until": "--until",
    "k": "-k",
    "mode": "--mode",
    "status": "--status",
    "format": "--format",
    "actor": "--by",
    "reason": "--reason",
    "override_reason": "--override",
    "changes": "--set",
    "role": "--role",
    "suite": "--suite",
    "engine": "--engine",
    "judge": "--judge",
    "fixtures": "--fixtures",
    "report": "--file",
}

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


def command_line_message(error: PmassistError) -> str:
    """An error as the command line says it: the flag it is about first, the command that
    helps last."""
    text = error.message
    flag = FLAGS.get(error.field or "")
    if flag and isinstance(error, InvalidInputError):
        text = f"{flag}: {text}"
    hint = _hint(error)
    if not hint:
        return text
    return f"{text}\n{hint}" if "\n" in text else f"{text} {hint}"


def _hint(error: PmassistError) -> str | None:
    """The command that helps with an error, as a sentence."""
    if isinstance(error, UnknownDocumentError):
        return f"`pmassist docs --project {error.project}` lists the ids."
    if isinstance(error, UnknownDraftError):
        return "`pmassist drafts list` shows them."
    if isinstance(error, UnknownRiskError):
        return f"`pmassist risks list --project {error.project}` lists them."
    if isinstance(error, UnknownTokenError):
        return "`pmassist token list` shows them."
    if isinstance(error, NoDocumentsError):
        return f"Add some with `pmassist ingest PATH --project {error.project}`."
    if isinstance(error, EmbeddingModelMismatchError):
        return f"Run `pmassist reindex --project {error.project}`."
    if isinstance(error, ApprovalRefused):
        return "Fix it (`pmassist drafts edit`), or approve it anyway with --override REASON."
    return None


def _fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[bold red]Error:[/] {escape(message)}")
    raise typer.Exit(code)


def _call(action: Callable[[], T]) -> T:
    try:
        return action()
    except PmassistError as error:
        _fail(command_line_message(error))


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
