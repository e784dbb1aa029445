"""Meeting notes in AsciiDoc (`.adoc`, `.asciidoc`), read as Markdown minutes are.

The text is converted to Markdown line for line: every AsciiDoc line becomes exactly one Markdown
line, so a citation's line numbers are the file's own. What has no Markdown line of its own
(comments, the delimiters of blocks Markdown does not have, directives, block attributes) becomes
a blank line. The header's attributes (`:date: 2024-05-02`) become field lines (`date: 2024-05-02`)
that the minutes read as they read `Date:` lines in Markdown; `{name}` references take their value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.domain.record import Kind
from ingest.loaders.base import LoaderOptions, LoadResult, SourceFile
from ingest.loaders.files import Loader, RecordFile, any_content
from ingest.loaders.minutes import load_markdown_minutes

FORMAT = "minutes-asciidoc"
HEADING = re.compile(r"^(={1,6})\s+(.+?)(?:\s+=+)?\s*$")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s")
ATTRIBUTE = re.compile(r"^:(!?[\w][\w-]*!?):(?:\s+(.*?))?\s*$")
UNORDERED = re.compile(r"^(\*{1,5}|-)\s+(.*)$")
ORDERED = re.compile(r"^(\.{1,5})\s+(.*)$")
# `Term:: definition`, `Term::` (the definition on the next lines) and `Term;;`; `std::vector`
# is no term, the marker must end the term before a space or the line's end.
LABELED = re.compile(r"^(?![:\[/])(.+?)(?::{2,4}|;;)(?:\s+(.*))?$")
BLOCK_TITLE = re.compile(r"^\.([^\s.].*)$")
BLOCK_MACRO = re.compile(r"^(\w+)::(\S*?)\[(.*)\]$")
BLOCK_ATTRIBUTES = re.compile(r"^\[\[?[^\]]*\]\]?$")
VERBATIM = re.compile(r"^(?:-{4,}|\.{4,})$")  # listing and literal blocks
COMMENT_BLOCK = re.compile(r"^/{4,}$")
PASSTHROUGH = re.compile(r"^\+{4,}$")
TABLE = re.compile(r"^([|!,:])={3,}$")
# Example, sidebar, quote and open blocks: their content is ordinary text.
PLAIN_BLOCK = re.compile(r"^(?:={4,}|\*{4,}|_{4,}|--)$")
NO_LINE = re.compile(r"^(?:'{3,}|<{3}|\+)$")  # thematic and page breaks, list continuation

CROSS_REFERENCE = re.compile(r"<<([^<>,]+?)(?:,\s*([^<>]+?))?>>")
XREF = re.compile(r"\bxref:([^\s\[]+)\[([^\]]*)\]")
LINK_MACRO = re.compile(r"\blink:([^\s\[]+)\[([^\]]*)\]")
URL_WITH_TEXT = re.compile(
    r"(?<![\w(/\[])((?:https?|ftp|irc)://[^\s\[\]]+|mailto:[^\s\[\]]+)\[([^\]]*)\]"
)
INLINE_IMAGE = re.compile(r"\bimage:([^\s\[:][^\s\[]*)\[([^\]]*)\]")
FOOTNOTE = re.compile(r"\bfootnote:[\w-]*\[([^\]]*)\]")
TEXT_MACRO = re.compile(r"\b(?:kbd|btn|pass|menu):[^\s\[]*\[([^\]]*)\]")
CELL_SPEC = re.compile(r"^(?:\d+(?:\.\d+)?[+*])?[.<>^\d]*[adehlmsv]?(?=[|!])")
CELL_SPEC_AFTER = re.compile(r"\s+\d+(?:\.\d+)?[+*][.<>^\d]*[adehlmsv]?$")
ATTRIBUTE_REFERENCE = re.compile(r"\{([\w][\w-]*)\}")
BUILT_IN_ATTRIBUTES = {"nbsp": " ", "sp": " ", "empty": "", "amp": "&", "vbar": "|"}


@dataclass
class _State:
    attributes: dict[str, str] = field(default_factory=lambda: dict(BUILT_IN_ATTRIBUTES))
    in_sections: bool = False  # past the header: attributes no longer read as fields
    comment: str | None = None  # the delimiter that closes the open comment block
    verbatim: str | None = None  # the delimiter that closes the open listing or literal block
    passthrough: bool = False
    table: str | None = None  # the open table's cell separator


def asciidoc_to_markdown(text: str) -> str:
    """The same text in Markdown, one line for each line."""
    state = _State()
    return "\n".join(_line(line, state) for line in text.split("\n"))


def _line(line: str, state: _State) -> str:
    stripped = line.strip()
    if state.comment is not None:
        if stripped == state.comment:
            state.comment = None
        return ""
    if state.verbatim is not None:
        if stripped == state.verbatim:
            state.verbatim = None
            return "" if state.passthrough else "```"
        return line
    if COMMENT_BLOCK.match(stripped):
        state.comment = stripped
        return ""
    if stripped.startswith("//"):
        return ""  # a comment line: a note to the file's editors, never content
    if VERBATIM.match(stripped):
        state.verbatim, state.passthrough = stripped, False
        return "```"
    if stripped.startswith("```"):  # AsciiDoc reads Markdown's fences too
        state.verbatim, state.passthrough = "```", False
        return line
    if PASSTHROUGH.match(stripped):
        state.verbatim, state.passthrough = stripped, True
        return ""
    if table := TABLE.match(stripped):
        state.table = None if state.table else table.group(1)
        return ""
    if PLAIN_BLOCK.match(stripped) or NO_LINE.match(stripped):
        return ""
    if attribute := ATTRIBUTE.match(stripped):
        return _attribute(attribute.group(1), attribute.group(2) or "", state)
    if heading := HEADING.match(stripped):
        state.in_sections = state.in_sections or len(heading.group(1)) > 1
        return f"{'#' * len(heading.group(1))} {_inline(heading.group(2), state)}"
    if MARKDOWN_HEADING.match(stripped):
        state.in_sections = state.in_sections or not stripped.startswith("# ")
        return _inline(stripped, state)
    if BLOCK_ATTRIBUTES.match(stripped):
        return ""  # `[source,java]`, `[NOTE]`, `[[anchor]]`: how the next block is shown
    if macro := BLOCK_MACRO.match(stripped):
        name, target, text = macro.groups()
        # `include::`, `toc::`, `ifdef::`…: directives to the renderer, nothing to read.
        return f"![{_inline(text, state)}]({target})" if name == "image" else ""
    if state.table is not None:
        return _table_row(stripped, state)
    return _text_line(line, stripped, state)


def _text_line(line: str, stripped: str, state: _State) -> str:
    if item := UNORDERED.match(stripped):
        depth = 1 if item.group(1) == "-" else len(item.group(1))
        return f"{'  ' * (depth - 1)}- {_inline(item.group(2), state)}"
    if item := ORDERED.match(stripped):
        return f"{'  ' * (len(item.group(1)) - 1)}1. {_inline(item.group(2), state)}"
    if title := BLOCK_TITLE.match(stripped):
        return f"**{_inline(title.group(1), state)}**"
    if (term := LABELED.match(stripped)) and "://" not in term.group(1):
        definition = term.group(2) or ""
        return f"{_inline(term.group(1), state)}: {_inline(definition, state)}".rstrip()
    return _inline(line.rstrip(), state)


def _attribute(name: str, value: str, state: _State) -> str:
    if name.startswith("!") or name.endswith("!"):
        state.attributes.pop(name.strip("!"), None)
        return ""
    state.attributes[name] = value
    # In the header an attribute is a field of the document (its date, its authors); further
    # down it only sets how the rest is shown.
    return f"{name}: {_inline(value, state)}" if value and not state.in_sections else ""


def _table_row(stripped: str, state: _State) -> str:
    separator = state.table or "|"
    if separator not in "|!":
        cells = stripped.split(separator)  # CSV and DSV tables: a row a line, no leading mark
    else:
        # A span or style (`2+|`, `a|`) stands before the mark of the cell it shapes.
        row = CELL_SPEC.sub("", stripped) if CELL_SPEC.match(stripped) else stripped
        if not row.startswith(separator):
            return _inline(stripped, state)  # a cell's text continued on a line of its own
        cells = [CELL_SPEC_AFTER.sub("", cell) for cell in row[1:].split(separator)]
    return "| " + " | ".join(_inline(cell.strip(), state) for cell in cells) + " |"


def _inline(text: str, state: _State) -> str:
    text = ATTRIBUTE_REFERENCE.sub(lambda m: state.attributes.get(m.group(1), m.group(0)), text)
    text = CROSS_REFERENCE.sub(lambda m: (m.group(2) or m.group(1)).strip(), text)
    text = XREF.sub(lambda m: _link_text(m.group(2)) or m.group(1), text)
    text = INLINE_IMAGE.sub(lambda m: f"![{_link_text(m.group(2))}]({m.group(1)})", text)
    text = LINK_MACRO.sub(_markdown_link, text)
    text = URL_WITH_TEXT.sub(_markdown_link, text)
    text = FOOTNOTE.sub(lambda m: f" ({m.group(1)})", text)
    text = TEXT_MACRO.sub(lambda m: m.group(1), text)
    return text[:-2] if text.endswith(" +") else text  # a hard line break


def _markdown_link(match: re.Match[str]) -> str:
    url, text = match.group(1), _link_text(match.group(2))
    return f"[{text}]({url})" if text else url


def _link_text(text: str) -> str:
    """A link's text without its attributes (`text,window=_blank`, `text^`: a new window)."""
    parts = [part for part in text.split(",") if "=" not in part]
    return ",".join(parts).strip().rstrip("^").strip('"')


def load_asciidoc_minutes(text: str, source: SourceFile, options: LoaderOptions) -> LoadResult:
    result = load_markdown_minutes(asciidoc_to_markdown(text), source, options)
    result.format = FORMAT
    for loaded in result.documents:
        loaded.document.metadata["format"] = "asciidoc"
    return result


def _read(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_asciidoc_minutes(file.text, file.source, options)


LOADER = Loader(
    name=FORMAT,
    kind=Kind.MINUTES,
    extensions=frozenset({".adoc", ".asciidoc"}),
    describes="AsciiDoc minutes",
    looks_like=any_content,
    load=_read,
)
