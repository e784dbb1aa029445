"""The `pmassist` command: its options common to every command, and its logging."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.logging import RichHandler

from assistant.cli.common import errors

app = typer.Typer(
    name="pmassist",
    help="Reporting and risk assistant for IT project managers: ingest the project record, "
    "ask about it with citations, draft the weekly status report, review risk suggestions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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
