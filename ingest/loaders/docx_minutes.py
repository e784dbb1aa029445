"""Minutes written in Word. Paragraphs become Markdown-like lines (headings, bullets, table rows)
and go through the Markdown minutes reader; locators count paragraphs, as Word users do."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from assistant.domain.record import Kind
from ingest.loaders.base import LoaderOptions, LoadError, LoadResult, SourceFile, SourceLine
from ingest.loaders.files import Loader, RecordFile, any_content
from ingest.loaders.minutes import minutes_result

_LIST_STYLES = ("list", "bullet", "number")
# Word minutes, images included, unpack to a few megabytes; a file that unpacks to more than this
# is refused before it is opened (a 700 KB zip can expand to gigabytes).
MAX_EXPANDED_BYTES = 100 * 1024 * 1024


def load_docx_minutes(source: SourceFile, options: LoaderOptions) -> LoadResult:
    lines = docx_lines(source.path)
    return minutes_result(
        {}, lines, source, options, result_format="minutes-docx", line_unit="paragraph"
    )


def docx_lines(path: Path) -> list[SourceLine]:
    """One numbered line per paragraph or table row, in document order."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    _check_expanded_size(path)
    try:
        word = docx.Document(str(path))
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        XMLSyntaxError,
        KeyError,
        ValueError,
    ) as error:
        raise LoadError(f"not a valid Word (.docx) file ({type(error).__name__})") from error
    lines: list[SourceLine] = []
    for block in word.iter_inner_content():
        if hasattr(block, "rows"):
            for row in block.rows:
                cells = [cell.text.strip().replace("\n", " ") for cell in row.cells]
                lines.append(SourceLine(len(lines) + 1, "| " + " | ".join(cells) + " |"))
            lines.append(SourceLine(len(lines) + 1, ""))
            continue
        lines.append(SourceLine(len(lines) + 1, _paragraph_line(block)))
    return lines


def _check_expanded_size(path: Path) -> None:
    """Refuse a .docx whose parts add up to more than MAX_EXPANDED_BYTES unpacked. The sizes
    are those the zip declares; reading never goes past a declared size (zipfile checks)."""
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise LoadError(f"not a valid Word (.docx) file ({error})") from error
    if expanded > MAX_EXPANDED_BYTES:
        raise LoadError(
            f"unpacks to {expanded / 1_048_576:,.0f} MB, more than the "
            f"{MAX_EXPANDED_BYTES // 1_048_576} MB a Word file of minutes needs; not read"
        )


def _paragraph_line(paragraph: Any) -> str:
    text = str(paragraph.text).strip()
    style = (paragraph.style.name if paragraph.style is not None else "").lower()
    if not text:
        return ""
    if style == "title":
        return f"# {text}"
    if style.startswith("heading"):
        level = style.removeprefix("heading").strip()
        return "#" * (int(level) if level.isdigit() else 2) + " " + text
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    if numbered or any(word in style for word in _LIST_STYLES):
        return f"- {text}"
    return text


def _read(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_docx_minutes(file.source, options)


LOADER = Loader(
    name="minutes-docx",
    kind=Kind.MINUTES,
    extensions=frozenset({".docx"}),
    describes="Word minutes",
    looks_like=any_content,
    load=_read,
)
