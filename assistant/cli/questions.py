"""`pmassist ask` and `pmassist chat`: questions answered from the record, every claim cited."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from assistant.cli.app import app
from assistant.cli.common import (
    DateOption,
    ProjectOption,
    _call,
    _service,
    command_line_message,
    console,
    errors,
)
from assistant.cli.records import filters_of
from assistant.domain.answer import Answer, AnswerComplete, AnswerDelta
from assistant.domain.errors import PmassistError
from assistant.domain.record import Kind
from assistant.domain.search import RetrievalFilter

ConversationOption = Annotated[
    str | None,
    typer.Option(
        "--conversation", "-c", help="Continue this conversation (id shown after an answer)."
    ),
]


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
    filters = filters_of(kind, since, until, None, None)
    answer = _answer(question, project, conversation, filters)
    if answer is None:
        raise typer.Exit(2)


@app.command()
def chat(project: ProjectOption, conversation: ConversationOption = None) -> None:
    """Ask one question after another; follow-ups may refer to earlier answers."""
    _call(lambda: _service().questions.check_ready(project))
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
        for event in _service().questions.ask_stream(
            question, project, conversation_id=conversation, filters=filters
        ):
            if isinstance(event, AnswerDelta):
                console.print(event.text, end="", markup=False, highlight=False)
            elif isinstance(event, AnswerComplete):
                answer = event.answer
    except PmassistError as error:
        console.print()
        errors.print(f"[bold red]Error:[/] {escape(command_line_message(error))}")
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
