"""Front matter and heading sections of Markdown files, keeping each line's number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from ingest.loaders.base import LoadError, SourceLine

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# A line underlined with === or --- ("setext" headings, common in plain-text minutes).
UNDERLINE = re.compile(r"^(=+|-+)$")
NOT_A_TITLE = re.compile(r"^(?:[-*+]\s|\d+[.)]\s+\S.*[.;:]$|\|)")


@dataclass
class MarkdownSection:
    heading: str | None
    level: int
    heading_line: int | None
    lines: list[SourceLine]


def split_front_matter(text: str) -> tuple[dict[str, Any], list[SourceLine]]:
    """YAML front matter (if any) and the remaining lines numbered as in the file."""
    lines = text.split("\n")
    numbered = [SourceLine(i + 1, line) for i, line in enumerate(lines)]
    if not lines or lines[0].strip() != "---":
        return {}, numbered
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            try:
                data = yaml.safe_load("\n".join(lines[1:end])) or {}
            except yaml.YAMLError as error:
                mark = getattr(error, "problem_mark", None)
                where = f" (line {mark.line + 2})" if mark is not None else ""
                raise LoadError(
                    f"front matter is not valid YAML{where}", field="front matter"
                ) from error
            if not isinstance(data, dict):
                raise LoadError("front matter must be a YAML mapping", field="front matter")
            return {str(k).strip().lower(): v for k, v in data.items()}, numbered[end + 1 :]
    raise LoadError("front matter opened with '---' is never closed", field="front matter")


def split_sections(lines: list[SourceLine]) -> list[MarkdownSection]:
    """Split at every heading; text before the first heading is a section without heading."""
    sections = [MarkdownSection(None, 0, None, [])]
    in_code = False
    for line in lines:
        stripped = line.text.strip()
        if stripped.startswith("```"):
            in_code = not in_code
        match = None if in_code else HEADING.match(stripped)
        current = sections[-1].lines
        title = current[-1] if current else None
        if match:
            heading = clean_inline(match.group(2))
            sections.append(MarkdownSection(heading, len(match.group(1)), line.number, []))
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
            sections.append(
                MarkdownSection(clean_inline(title.text.strip()), level, title.number, [])
            )
        else:
            current.append(line)
    return [s for s in sections if s.heading is not None or any(x.text.strip() for x in s.lines)]


def clean_inline(text: str) -> str:
    """Drop Markdown emphasis and link syntax, keeping the words."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"\1", text)
    text = text.replace("`", "")
    return text.strip()


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
