"""Front matter and heading sections of Markdown files, keeping each line's number."""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml

from ingest.loaders.base import LoadError, SourceLine

# A bullet or numbered item's text.
BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.+)$")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# A line underlined with === or --- ("setext" headings, common in plain-text minutes).
UNDERLINE = re.compile(r"^(=+|-+)$")
# A link's text may hold one level of brackets: `[[INFRA-31] Move the mirrors](https://…)`.
LINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\](?:\([^)\s]*(?:\s+\"[^\"]*\")?\)|\[[^\]]*\])")
SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
NOT_A_TITLE = re.compile(r"^(?:[-*+]\s|\d+[.)]\s+\S.*[.;:]$|\|)")


@dataclass
class MarkdownSection:
    heading: str | None
    level: int
    heading_line: int | None
    lines: list[SourceLine]
    # The headings above this one, outermost first, ending with its own.
    path: tuple[str, ...] = field(default=())


def split_front_matter(text: str) -> tuple[dict[str, Any], list[SourceLine]]:
    """Front matter (YAML between `---`, or TOML between `+++`), if any, and the remaining
    lines numbered as in the file, with HTML comments blanked (they are notes to the editors
    of the file, never content: a commented-out poll must not read as a vote)."""
    lines = text.split("\n")
    numbered = without_html_comments([SourceLine(i + 1, line) for i, line in enumerate(lines)])
    fence = lines[0].strip() if lines else ""
    if fence not in ("---", "+++"):
        return {}, numbered
    closers = ("---", "...") if fence == "---" else ("+++",)
    for end in range(1, len(lines)):
        if lines[end].strip() in closers:
            data = _front_matter_data("\n".join(lines[1:end]), toml=fence == "+++")
            return {str(k).strip().lower(): v for k, v in data.items()}, numbered[end + 1 :]
    raise LoadError(f"front matter opened with '{fence}' is never closed", field="front matter")


def _front_matter_data(text: str, *, toml: bool) -> dict[Any, Any]:
    if toml:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            message = f"front matter is not valid TOML ({error})"
            raise LoadError(message, field="front matter") from error
    try:
        try:
            data = yaml.safe_load(text) or {}
        except ValueError:
            # A date YAML reads but cannot build ("date: 2023-02-30") stays text, for the loader
            # to warn about, rather than spoiling the whole file.
            data = yaml.load(text, Loader=_DatesAsText) or {}  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise LoadError(f"front matter is not valid YAML{where}", field="front matter") from error
    if not isinstance(data, dict):
        raise LoadError("front matter must be a YAML mapping", field="front matter")
    return data


class _DatesAsText(yaml.SafeLoader):
    """Safe YAML that leaves dates as written."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def without_html_comments(lines: list[SourceLine]) -> list[SourceLine]:
    """The lines with `<!-- … -->` removed, across lines too; every line keeps its number."""
    result: list[SourceLine] = []
    open_comment = False
    for line in lines:
        text = line.text
        if not open_comment and "<!--" not in text:
            result.append(line)
            continue
        kept: list[str] = []
        rest = text
        while rest:
            if open_comment:
                end = rest.find("-->")
                if end < 0:
                    rest = ""
                    break
                rest = rest[end + 3 :]
                open_comment = False
            else:
                start = rest.find("<!--")
                if start < 0:
                    kept.append(rest)
                    break
                kept.append(rest[:start])
                rest = rest[start + 4 :]
                open_comment = True
        result.append(line._replace(text="".join(kept).rstrip()))
    return result


def split_sections(lines: list[SourceLine]) -> list[MarkdownSection]:
    """Split at every heading; text before the first heading is a section without heading."""
    sections = [MarkdownSection(None, 0, None, [])]
    in_code = False
    # (level, heading) of the headings open at this point, for each section's path.
    open_headings: list[tuple[int, str]] = []

    def opened(heading: str, level: int, number: int) -> MarkdownSection:
        while open_headings and open_headings[-1][0] >= level:
            open_headings.pop()
        open_headings.append((level, heading))
        path = tuple(name for _, name in open_headings)
        return MarkdownSection(heading, level, number, [], path)

    for line in lines:
        stripped = line.text.strip()
        if stripped.startswith("```"):
            in_code = not in_code
        match = None if in_code else HEADING.match(stripped)
        current = sections[-1].lines
        title = current[-1] if current else None
        if match:
            # "Notes :book:" is the heading "Notes": a chat-style emoji code is decoration.
            heading = re.sub(r"\s+", " ", SHORTCODE.sub(" ", clean_inline(match.group(2)))).strip()
            sections.append(opened(heading or match.group(2), len(match.group(1)), line.number))
        elif (
            not in_code
            and len(stripped) >= 3
            and UNDERLINE.match(stripped)
            and title is not None
            and title.text.strip()
            and not NOT_A_TITLE.match(title.text.strip())
        ):
            current.pop()
            level = 1 if stripped[0] == "=" else 2
            sections.append(opened(clean_inline(title.text.strip()), level, title.number))
        else:
            current.append(line)
    return [s for s in sections if s.heading is not None or any(x.text.strip() for x in s.lines)]


def clean_inline(text: str) -> str:
    """Drop Markdown emphasis and link syntax and HTML entities, keeping the words."""
    text = html.unescape(text).replace("\u00a0", " ")
    text = LINK.sub(r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"\1", text)
    text = text.replace("`", "")
    return text.strip()


def plain_words(text: str) -> str:
    """A heading or label as plain lower-case words, without emoji, `:shortcodes:`, links'
    targets or punctuation: what its meaning is read from ("Notes :book:" -> "notes")."""
    text = SHORTCODE.sub(" ", clean_inline(text).lower())
    text = re.sub(r"https?://\S+", " ", text)
    return " ".join(re.findall(r"[^\W_]+(?:['’][^\W_]+)*", text))


def table_rows(lines: list[SourceLine]) -> list[tuple[SourceLine, list[str]]]:
    """Rows of Markdown tables among `lines`, without separator rows."""
    rows: list[tuple[SourceLine, list[str]]] = []
    for line in lines:
        stripped = line.text.strip()
        if not (stripped.startswith("|") and stripped.count("|") >= 2):
            continue
        cells = [clean_inline(cell) for cell in stripped.strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", cell.replace(" ", "")) for cell in cells if cell):
            continue
        rows.append((line, cells))
    return rows
