"""Lines a series of meetings repeats in every note: a publish checklist, a template's standing
items. They are the note's furniture, not the meeting's actions.

A line is known by its first words, without links, handles, numbers or ticks, so "Publish the
recording - https://…/abc" and "[x] Publish the recording" are one line. A line is boilerplate
when at least half the notes of a series (the files of one folder, or the meetings of one
running file) hold it, and the series has enough notes to tell.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from ingest.loaders.base import LoaderOptions, LoadError
from ingest.loaders.decoding import read_text
from ingest.loaders.markdown import BULLET, clean_inline

MIN_NOTES = 4
SHARE = 0.5
KEY_WORDS = 4
_CHECKBOX = re.compile(r"^\[[ xX✓✔]\]\s*")
NOTE_EXTENSIONS = frozenset({".md", ".markdown", ".txt", ".adoc", ".asciidoc"})


def line_key(text: str) -> str | None:
    """How a bullet is known across notes; None for lines too short to say anything."""
    match = BULLET.match(text)
    if match is None:
        return None
    body = _CHECKBOX.sub("", match.group(1).strip())
    body = re.sub(r"https?://\S+|@[\w.-]+", " ", clean_inline(body).lower())
    words = re.findall(r"[^\W\d_]{2,}", body)
    return " ".join(words[:KEY_WORDS]) if len(words) >= 3 else None


def repeated_lines(notes: Iterable[Iterable[str]]) -> frozenset[str]:
    """Keys of the lines at least half the notes hold (each note counted once per key)."""
    counts: Counter[str] = Counter()
    total = 0
    for lines in notes:
        total += 1
        counts.update({key for line in lines if (key := line_key(line))})
    if total < MIN_NOTES:
        return frozenset()
    return frozenset(key for key, count in counts.items() if count >= SHARE * total)


def series_boilerplate(folder: Path) -> frozenset[str]:
    """The boilerplate of the notes directly in `folder`."""
    notes: list[list[str]] = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        if path.suffix.lower() not in NOTE_EXTENSIONS or path.name.startswith("."):
            continue
        try:
            notes.append(read_text(path).splitlines())
        except (OSError, LoadError):
            continue  # the file's own reading reports it
    return repeated_lines(notes)


class SeriesBook:
    """Each folder's boilerplate, worked out once per run, for reading its files as the ingest
    does (`options_for`)."""

    def __init__(self) -> None:
        self._folders: dict[Path, frozenset[str]] = {}

    def boilerplate(self, path: Path) -> frozenset[str]:
        folder = path.parent
        if folder not in self._folders:
            self._folders[folder] = series_boilerplate(folder)
        return self._folders[folder]

    def options_for(self, path: Path, options: LoaderOptions) -> LoaderOptions:
        return replace(options, boilerplate=options.boilerplate | self.boilerplate(path))
