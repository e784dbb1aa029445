"""Meeting transcripts: WebVTT (Teams, Zoom) and SRT, with speakers from `<v Name>` voice tags,
`Name: text` prefixes or `[Name] text`. Consecutive cues of one speaker become one turn; each turn
keeps its first line number and its start and end times so a citation can point into the call."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.domain.record import Document, Kind, Locator, Meeting, MinutesNote
from assistant.text.dates import find_date
from ingest.loaders.action_items import parse_action_text
from ingest.loaders.base import (
    LoadedDocument,
    LoaderOptions,
    LoadError,
    LoadResult,
    SourceFile,
    SourceLine,
    SourceSection,
    date_from_filename,
    slugify,
    title_from_filename,
)
from ingest.loaders.files import Loader, RecordFile, any_content
from ingest.loaders.people import looks_like_name, unique_people

TIMING = re.compile(
    r"^\s*((?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(?:</v>|$)", re.DOTALL)
NAME_PREFIX = re.compile(r"^(?:>>\s*|-\s*)?([^:\[\]<>]{2,40}?):\s+(.+)$", re.DOTALL)
BRACKET_PREFIX = re.compile(r"^\[([^\]]{2,40})\]\s*(.+)$", re.DOTALL)
DECISION = re.compile(r"^(?:decision|decided|agreed)\s*[:\-–—]\s*(.+)$", re.IGNORECASE)
ACTION = re.compile(r"^(?:action(?:\s+item)?)\s*[:\-–—]\s*(.+)$", re.IGNORECASE)


@dataclass
class Cue:
    line: int
    last_line: int
    start: str
    end: str
    speaker: str | None
    text: str


def load_transcript(text: str, source: SourceFile, options: LoaderOptions, kind: str) -> LoadResult:
    cues, note_lines = parse_vtt(text) if kind == "vtt" else parse_srt(text)
    if not cues:
        raise LoadError("the transcript has no cues")
    turns = _turns(cues)
    lines = [turn.line for turn in turns]
    speakers = unique_people([cue.speaker for cue in cues if cue.speaker])
    date = date_from_filename(source.path.stem)
    if date is None:
        for note in note_lines:
            if found := find_date(note):
                date = found[0]
                break
    meeting = Meeting(
        title=title_from_filename(source.path.stem),
        date=date,
        attendees=speakers,
        transcript=True,
    )
    for turn in turns:
        if match := DECISION.match(turn.said):
            meeting.decisions.append(
                MinutesNote(text=match.group(1).strip(), line=turn.line.number)
            )
        elif (match := ACTION.match(turn.said)) and (
            item := parse_action_text(match.group(1), attendees=speakers, meeting_date=date)
        ):
            meeting.action_items.append(item.model_copy(update={"line": turn.line.number}))
    document = Document(
        id=f"minutes:{slugify(source.path.stem)}",
        project=options.project,
        kind=Kind.MINUTES,
        title=meeting.title,
        date=date,
        people=speakers,
        source=source.display,
        metadata={"format": kind, "transcript": True},
        record=meeting,
    )
    section = SourceSection(
        heading="Transcript",
        lines=lines,
        locator=Locator(source=source.display, heading="Transcript"),
    )
    return LoadResult(format=f"transcript-{kind}", documents=[LoadedDocument(document, [section])])


def parse_vtt(text: str) -> tuple[list[Cue], list[str]]:
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not lines[first].lstrip("\ufeff").startswith("WEBVTT"):
        raise LoadError("not a WebVTT file: the first line must be 'WEBVTT'", row=1)
    cues: list[Cue] = []
    notes: list[str] = []
    for block_start, block in _blocks(lines, first + 1):
        head = block[0].strip()
        if head.startswith(("NOTE", "STYLE", "REGION")):
            notes.extend(line.strip() for line in block)
            continue
        timing_at = 0 if TIMING.match(block[0]) else 1
        if timing_at >= len(block) or not TIMING.match(block[timing_at]):
            raise LoadError(
                f"line {block_start + 1}: expected a cue timing like "
                "'00:00:01.000 --> 00:00:04.000'",
                row=block_start + 1,
            )
        cues.extend(_cue(block, block_start, timing_at, cues))
    return cues, notes


def parse_srt(text: str) -> tuple[list[Cue], list[str]]:
    lines = text.lstrip("\ufeff").split("\n")
    cues: list[Cue] = []
    for block_start, block in _blocks(lines, 0):
        timing_at = 1 if block[0].strip().isdigit() else 0
        if timing_at >= len(block) or not TIMING.match(block[timing_at]):
            raise LoadError(
                f"line {block_start + 1}: expected a subtitle number and a timing like "
                "'00:00:01,000 --> 00:00:04,000'",
                row=block_start + 1,
            )
        cues.extend(_cue(block, block_start, timing_at, cues))
    return cues, []


def _blocks(lines: list[str], start: int) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines with the 0-based index of their first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    current_start = start
    for index in range(start, len(lines)):
        if lines[index].strip():
            if not current:
                current_start = index
            current.append(lines[index])
        elif current:
            blocks.append((current_start, current))
            current = []
    if current:
        blocks.append((current_start, current))
    return blocks


def _cue(block: list[str], block_start: int, timing_at: int, previous: list[Cue]) -> list[Cue]:
    match = TIMING.match(block[timing_at])
    assert match is not None
    text_lines = block[timing_at + 1 :]
    if not text_lines:
        return []
    raw = " ".join(line.strip() for line in text_lines)
    speaker, said = _speaker(raw)
    if speaker is None and previous:
        # Captions name the speaker when it changes; an unnamed cue continues the last speaker.
        speaker = previous[-1].speaker
    first_line = block_start + timing_at + 2  # 1-based number of the first text line
    last_line = block_start + len(block)
    return [
        Cue(first_line, last_line, _clock(match.group(1)), _clock(match.group(2)), speaker, said)
    ]


def _speaker(raw: str) -> tuple[str | None, str]:
    if match := VOICE.search(raw):
        return match.group(1).strip(), _strip_tags(match.group(2))
    text = _strip_tags(raw)
    for pattern in (NAME_PREFIX, BRACKET_PREFIX):
        if (match := pattern.match(text)) and looks_like_name(match.group(1)):
            return match.group(1).strip(), match.group(2).strip()
    return None, text


def _strip_tags(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip()


def _clock(value: str) -> str:
    """'00:03:12.480' / '3:12,480' -> '00:03:12' (seconds are precise enough to find a moment)."""
    hms = value.replace(",", ".").split(".")[0].split(":")
    while len(hms) < 3:
        hms.insert(0, "0")
    return ":".join(part.zfill(2) for part in hms)


@dataclass
class Turn:
    """What one speaker said without interruption, as one numbered line."""

    line: SourceLine
    said: str


def _turns(cues: list[Cue]) -> list[Turn]:
    turns: list[Turn] = []
    current: list[Cue] = []

    def flush() -> None:
        if current:
            said = " ".join(cue.text for cue in current if cue.text)
            speaker = current[0].speaker
            text = f"{speaker}: {said}" if speaker else said
            line = SourceLine(
                current[0].line, text, current[0].start, current[-1].end, current[-1].last_line
            )
            turns.append(Turn(line, said))

    for cue in cues:
        starts_new = current and (
            cue.speaker != current[0].speaker or DECISION.match(cue.text) or ACTION.match(cue.text)
        )
        if starts_new:
            flush()
            current = []
        current.append(cue)
    flush()
    return turns


def _read(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_transcript(file.text, file.source, options, file.extension.removeprefix("."))


LOADER = Loader(
    name="transcript",
    kind=Kind.MINUTES,
    extensions=frozenset({".vtt", ".srt"}),
    describes="a WebVTT or SRT meeting transcript",
    looks_like=any_content,
    load=_read,
)
