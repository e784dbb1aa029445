"""What a decision record says about itself: its number, date, status and deciders, and which
files are decision records at all.

Teams publish ADRs and RFC-style proposals in many shapes: numbered (`0005-use-postgres.md`,
`# ADR-12: …`, `# 12. …`) or dated (`2023-07-05-use-postgres.md`, `20240507-…`, `2026-01-…`);
fields in front matter, in bullets (`* **Status:** Active`) or on plain lines (`Date: …`); deciders
inline or as nested bullets. A field that cannot be read is a warning naming the file and line,
and the record is still read.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from assistant.text.dates import Precision, parse_partial_date
from ingest.loaders.base import SourceFile, SourceLine, date_from_filename, slugify
from ingest.loaders.markdown import MarkdownSection, clean_inline
from ingest.loaders.people import split_people

# Folders that hold one proposal or decision per file, whatever their headings: the name a
# community gives its records (RFCs, KEPs, JEPs, PEPs, ADRs). The label a record's id takes
# when neither its file name nor its heading names its kind.
PROPOSAL_FOLDERS = {
    "rfc": "RFC",
    "rfcs": "RFC",
    "kep": "KEP",
    "keps": "KEP",
    "jep": "JEP",
    "jeps": "JEP",
    "pep": "PEP",
    "peps": "PEP",
    "adr": "ADR",
    "adrs": "ADR",
    "decisions": "ADR",
    "decision-records": "ADR",
}
# A folder's README or index introduces its records; it is not one of them.
INDEX_FILES = {"readme", "index", "_index", "summary"}
_KINDS = r"adr|rfc|kep|jep|pep"

# A date at the start of a file name or heading: 2023-07-05, 20240507, 2026-01. The year must
# read as one (19xx, 20xx) and the month as a month, so that numbered records such as
# `2000-const-generics.md` keep their number.
DATE_PREFIX = re.compile(
    r"^(?P<y>(?:19|20)\d{2})(?P<sep>[-_.]?)(?P<m>0[1-9]|1[0-2])"
    r"(?:(?P=sep)(?P<d>0[1-9]|[12]\d|3[01]))?(?![0-9])"
)
NUMBERED_FILE = re.compile(rf"^(?:(?P<kind>{_KINDS})[-_]?)?(?P<n>\d{{1,5}})(?:[-_.\s]|$)", re.I)
# "ADR-12 Title", "RFC 0012: Title", "12. Title", "12 - Title", "0012 Title". A bare number needs
# punctuation or leading zeros after it, so "2020 Goals" keeps its year in the title.
NUMBERED_TITLE = re.compile(
    rf"^(?:(?P<kind>{_KINDS})\s*[-#]?\s*(?P<n1>\d{{1,5}})\b\s*[.:)\-–—]?"
    r"|(?P<n2>\d{1,5})(?:\s*[.:)]|\s+[-–—])|(?P<n3>0\d{1,4}))\s+(?P<title>\S.*)$",
    re.IGNORECASE,
)
KIND_LABEL = re.compile(rf"^(?:{_KINDS})\s*[:\-–—]\s*(?=\S)", re.IGNORECASE)
FIELD = re.compile(
    r"^\s*(?:[-*+]\s+)?[*_]{0,2}\s*(?P<name>[A-Za-z][A-Za-z /-]{0,30}?)\s*"
    r"(?::\s*[*_]{0,2}|[*_]{1,2}\s*:)\s*(?P<value>.*?)\s*$"
)
# Field names by what they give. "Accepted:" and the like count only when they hold a date.
DECIDED_FIELDS = frozenset({"date", "decision date", "decided on", "accepted on", "approved on"})
DATED_IF_DATE = frozenset({"decided", "accepted", "approved"})
MODIFIED_FIELDS = frozenset({"last modified", "last updated", "last update", "updated", "modified"})
CREATED_FIELDS = frozenset({"created", "created on", "start date"})
DECIDER_FIELDS = frozenset({"deciders", "decision-makers", "decision makers", "decided by"})
# Every field a record's header list holds, so a list of fields is not read as people.
KNOWN_FIELDS = (
    DECIDED_FIELDS
    | DATED_IF_DATE
    | MODIFIED_FIELDS
    | CREATED_FIELDS
    | DECIDER_FIELDS
    | {"status", "title", "tags", "consulted", "informed"}
)
# Level-1 headings that open a part of the text rather than name the record.
SECTION_NAMES = frozenset(
    {"summary", "abstract", "introduction", "motivation", "overview", "background", "context"}
    | {"context and problem statement", "status"}
)
FIELD_LINES = 40  # fields sit under the title; further down, "Status:" may be prose
BULLET = re.compile(r"^(?P<indent>\s*)[-*+]\s+(?P<text>.*)$")
# "Name (w/ Other, Another)": people who decided with the one named.
WITH_PEOPLE = re.compile(r"\(\s*(?:w/|with\b|and\b)\s*([^)]*)\)", re.IGNORECASE)


@dataclass
class RecordHeader:
    """What a decision record states about itself, with warnings about what it states badly."""

    id: str
    title: str
    date: dt.date | None
    precision: Precision
    status: str
    deciders: list[str]
    warnings: list[str] = field(default_factory=list)


def is_index_file(name: str) -> bool:
    return PurePosixPath(name).stem.lower() in INDEX_FILES


def proposal_folder(display: str) -> str | None:
    """The innermost folder of the display path named for proposals or decisions, if any."""
    for part in reversed(PurePosixPath(display).parts[:-1]):
        name = part.lower().replace("_", "-")
        if name in PROPOSAL_FOLDERS:
            return name
    return None


def read_header(
    text: str,
    front: dict[str, Any],
    lines: list[SourceLine],
    sections: list[MarkdownSection],
    source: SourceFile,
) -> RecordHeader:
    """The id, title, date, status and deciders of one record."""
    raw_front = _raw_front_matter(text)
    fields = _fields(lines)
    heading = next((s.heading for s in sections if s.level == 1 and s.heading), None)
    if heading and heading.lower().strip(" :") in SECTION_NAMES:
        heading = None  # "# Summary" opens the text of many RFCs; it does not name the record
    named = next((item.value for item in fields if item.name == "title"), None)
    title = str(front.get("title") or heading or clean_text(named or "")).strip()
    title, heading_date = _strip_date(title)
    kind, number, title = _number_and_title(raw_front, title, source)
    warnings: list[str] = []
    date, precision = _date(front, raw_front, fields, source, heading_date, warnings)
    if number is None:
        decision_id = slugify(source.path.stem).upper()
        if date is None:
            warnings.append(f"{source.display}: no number or date; its id comes from the file name")
    else:
        decision_id = f"{kind}-{number:04d}"
    return RecordHeader(
        id=decision_id,
        title=clean_text(title) or _title_from_stem(source.path.stem),
        date=date,
        precision=precision,
        status=_status(front, fields, sections),
        deciders=_deciders(front, lines, fields, sections),
        warnings=warnings,
    )


def clean_text(text: str) -> str:
    """A field's value as words: no Markdown, HTML entities (`&#x20;`), backslash escapes
    (`P\\&D`), hard line breaks (a trailing backslash) or emphasis left open by the field name."""
    text = html.unescape(text).replace("\u00a0", " ")
    text = clean_inline(re.sub(r"\\\s*$", "", text.strip()))
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    return text.strip(" *_").strip()


@dataclass(frozen=True)
class _Field:
    name: str
    value: str
    line: SourceLine
    index: int  # in the body lines, to read the bullets nested under it


def _fields(lines: list[SourceLine]) -> list[_Field]:
    found: list[_Field] = []
    in_code = False
    for index, line in enumerate(lines[:FIELD_LINES]):
        if line.text.strip().startswith("```"):
            in_code = not in_code
        if not in_code and (match := FIELD.match(html.unescape(line.text))):
            name = re.sub(r"[\s_]+", " ", match.group("name").lower()).strip()
            found.append(_Field(name, match.group("value"), line, index))
    return found


def _raw_front_matter(text: str) -> dict[str, tuple[int, str]]:
    """Each top-level front matter key's line number and value as written: YAML reads `0012`
    as octal and builds dates itself, and a warning must quote what the file says."""
    lines = text.split("\n")
    if not lines or lines[0].strip() not in ("---", "+++"):
        return {}
    found: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() in ("---", "...", "+++"):
            break
        if match := re.match(r"^([A-Za-z][\w -]*?)\s*[:=]\s*(.*?)\s*$", line):
            found.setdefault(match.group(1).lower(), (number, match.group(2).strip("'\"")))
    return found


def _strip_date(title: str) -> tuple[str, tuple[dt.date, Precision] | None]:
    """A heading that starts with a date ("2023-07-05 Use Postgres"): the rest, and the date."""
    match = DATE_PREFIX.match(title)
    if not match or not re.match(r"^\s*(?:[-–—:.]\s*)?\S", title[match.end() :]):
        return title, None
    rest = re.sub(r"^\s*[-–—:.]?\s*", "", title[match.end() :])
    return rest, _prefix_date(match)


def _prefix_date(match: re.Match[str]) -> tuple[dt.date, Precision] | None:
    year, month, day = int(match["y"]), int(match["m"]), match["d"]
    try:
        return (
            (dt.date(year, month, int(day)), "day") if day else (dt.date(year, month, 1), "month")
        )
    except ValueError:  # 2023-02-30
        return None


def _number_and_title(
    raw_front: dict[str, tuple[int, str]], title: str, source: SourceFile
) -> tuple[str, int | None, str]:
    """The record's kind label, own number and title without the number."""
    kind = PROPOSAL_FOLDERS.get(proposal_folder(source.display) or "", "ADR")
    number: int | None = None
    for key in ("id", "number"):
        value = raw_front.get(key, (0, ""))[1]
        if match := re.fullmatch(rf"(?:({_KINDS})[-_ ]?)?#?(\d{{1,5}})", value.strip(), re.I):
            kind, number = (match.group(1) or kind).upper(), int(match.group(2))
            break
    if match := NUMBERED_TITLE.match(title):
        if number is None:
            named = match.group("kind")
            kind = named.upper() if named else kind
            number = int(match.group("n1") or match.group("n2") or match.group("n3"))
        title = match.group("title").strip()
    elif label := KIND_LABEL.match(title):
        title = title[label.end() :]  # "ADR: Chat"
    stem = source.path.stem
    if number is None and not DATE_PREFIX.match(stem) and (match := NUMBERED_FILE.match(stem)):
        kind = match.group("kind").upper() if match.group("kind") else kind
        number = int(match.group("n"))
    return kind, number, title


def _title_from_stem(stem: str) -> str:
    words = stem
    if match := DATE_PREFIX.match(words) or NUMBERED_FILE.match(words):
        words = words[match.end() :]
    words = re.sub(r"[-_\s]+", " ", words).strip() or stem
    return words[:1].upper() + words[1:]


Dated = tuple[dt.date, Precision, str]  # a date, how much of it is stated, where it was read


def _date(
    front: dict[str, Any],
    raw_front: dict[str, tuple[int, str]],
    fields: list[_Field],
    source: SourceFile,
    heading_date: tuple[dt.date, Precision] | None,
    warnings: list[str],
) -> tuple[dt.date | None, Precision]:
    """The date of the decision: a date field, else the file name's, else the heading's, else
    when the record was last modified (or created). Unreadable fields are warned about, and the
    next source is read."""
    unread: list[tuple[str, str]] = []  # (where, value as written)

    def from_front(*keys: str) -> Dated | None:
        for key in keys:
            value = front.get(key)
            if value is None or value == "":
                continue
            line, written = raw_front.get(key, (0, str(value)))
            where = f"line {line}" if line else f"front matter '{key}'"
            if isinstance(value, dt.datetime):
                return value.date(), "day", where
            if isinstance(value, dt.date):
                return value, "day", where
            if parsed := parse_partial_date(str(value)):
                return *parsed, where
            unread.append((where, written))
        return None

    def from_fields(
        names: frozenset[str], only_dates: frozenset[str] = frozenset()
    ) -> Dated | None:
        for item in fields:
            value = clean_text(item.value)
            if item.name not in names | only_dates or not value:
                continue
            where = f"line {item.line.number}"
            if parsed := parse_partial_date(value):
                return *parsed, where
            if item.name not in only_dates:
                unread.append((where, value))
        return None

    stem = source.path.stem
    in_name = _file_date(stem)
    found = (
        from_front("date", "decision-date", "decision_date")
        or from_fields(DECIDED_FIELDS, DATED_IF_DATE)
        or (in_name and (*in_name, "the file name"))
        or (heading_date and (*heading_date, "the title"))
        or from_front("last_modified", "last-modified", "updated", "last_updated")
        or from_fields(MODIFIED_FIELDS)
        or from_front("created")
        or from_fields(CREATED_FIELDS)
    )
    if found:
        date, precision, where = found
        written = date.isoformat()[: {"day": 10, "month": 7, "year": 4}[precision]]
        outcome = f"the record is dated {written} from {where} instead"
    else:
        outcome = "the record is read without it"
    for place, value in unread:
        warnings.append(f"{source.display}: {place}: cannot read date '{value}'; {outcome}")
    return (found[0], found[1]) if found else (None, "day")


def _file_date(stem: str) -> tuple[dt.date, Precision] | None:
    if match := DATE_PREFIX.match(stem):
        return _prefix_date(match)
    day = date_from_filename(stem)
    return (day, "day") if day else None


def _status(front: dict[str, Any], fields: list[_Field], sections: list[MarkdownSection]) -> str:
    """The status as written, or "unknown" when the record states none."""
    if status := clean_text(str(front.get("status") or "")):
        return _plain_status(status)
    for item in fields:
        if item.name == "status" and (status := clean_text(item.value)):
            return _plain_status(status)
    for section in sections:
        if (section.heading or "").lower().strip(" :") == "status":
            first = next((line.text for line in section.lines if line.text.strip()), "")
            if status := clean_text(re.sub(r"^\s*[-*+]\s+", "", first)):
                return _plain_status(status)
    return "unknown"


def _plain_status(status: str) -> str:
    """Without a template's braces ("{Active}") or a closing full stop ("Accepted.")."""
    status = re.sub(r"^[{\[(]\s*(.*?)\s*[}\])]$", r"\1", status)
    return status.rstrip(".").strip() or "unknown"


def _deciders(
    front: dict[str, Any],
    lines: list[SourceLine],
    fields: list[_Field],
    sections: list[MarkdownSection],
) -> list[str]:
    for key in ("deciders", "decision-makers", "decision_makers", "decided by", "decided_by"):
        if front.get(key):
            value = front[key]
            items = value if isinstance(value, list) else [value]
            return _people([clean_text(str(item)) for item in items])
    for item in fields:
        if item.name in DECIDER_FIELDS:
            if value := clean_text(item.value):
                return _people([value])
            return _people(_nested_bullets(lines, item.index))
    for section in sections:
        if (section.heading or "").lower().strip(" :") in DECIDER_FIELDS:
            bullets = [m.group("text") for line in section.lines if (m := BULLET.match(line.text))]
            first = next((line.text for line in section.lines if line.text.strip()), "")
            return _people([clean_text(text) for text in bullets] or [clean_text(first)])
    return []


def _nested_bullets(lines: list[SourceLine], index: int) -> list[str]:
    """The bullets under the field on `lines[index]`: indented under it when it is a bullet
    itself, else the list that follows it (a blank line may come first)."""
    own = BULLET.match(lines[index].text)
    own_indent = len(own.group("indent").expandtabs(4)) if own else -1
    found: list[str] = []
    for line in lines[index + 1 :]:
        if not line.text.strip():
            if found:
                break
            continue
        bullet = BULLET.match(line.text)
        if not bullet or len(bullet.group("indent").expandtabs(4)) <= own_indent:
            break
        named = FIELD.match(html.unescape(line.text))
        if named and named.group("name").lower().strip() in KNOWN_FIELDS:
            break  # the next field of a list of fields, not a person
        found.append(clean_text(bullet.group("text")))
    return found


def _people(items: list[str]) -> list[str]:
    people: list[str] = []
    for item in items:
        item = WITH_PEOPLE.sub(r", \1", item)  # "Ana (w/ Bo, Cy)": Bo and Cy decided with Ana
        item = re.sub(r"\band/or\b", ",", item, flags=re.IGNORECASE)
        for name in split_people(item):
            if name not in people:
                people.append(name)
    return people
