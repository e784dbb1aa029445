"""The formats a status report is written out in, one module each.

Adding a format is one module (a render function) plus one line in `RENDERERS`; the command line
(`--format`), the API (`?format=`) and the web page's export links offer what this table holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from assistant.domain.drafts import DraftChecks
from assistant.domain.errors import InvalidInputError
from assistant.domain.report import StatusReport
from assistant.reports.rendering.html_page import render_html
from assistant.reports.rendering.json_document import render_json
from assistant.reports.rendering.markdown import render_markdown


@dataclass(frozen=True)
class Renderer:
    name: str  # what --format and ?format= take
    label: str  # how a page names it
    media_type: str
    suffix: str  # of a file written in this format
    render: Callable[[StatusReport, DraftChecks | None], str]
    # How a browser gets it: saved as a file, shown in place, or left to the client.
    disposition: Literal["attachment", "inline"] | None = "attachment"
    # A page shown as is carries its own policy (the HTML report's inline styles, nothing else).
    content_security_policy: str | None = None


RENDERERS: tuple[Renderer, ...] = (
    Renderer("md", "Markdown", "text/markdown; charset=utf-8", ".md", render_markdown),
    Renderer(
        "html",
        "HTML",
        "text/html",
        ".html",
        render_html,
        disposition="inline",
        content_security_policy="default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    ),
    Renderer("json", "JSON", "application/json", ".json", render_json, disposition=None),
)


def names() -> list[str]:
    return [renderer.name for renderer in RENDERERS]


def renderer(name: str) -> Renderer:
    """The renderer of a format, or an error that lists the formats there are."""
    for candidate in RENDERERS:
        if candidate.name == name:
            return candidate
    known = names()
    raise InvalidInputError(
        f"Unknown format '{name}': use {', '.join(known[:-1])} or {known[-1]}.", field="format"
    )


__all__ = [
    "RENDERERS",
    "Renderer",
    "names",
    "render_html",
    "render_json",
    "render_markdown",
    "renderer",
]
