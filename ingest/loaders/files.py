"""A file of the record as the loaders see it, and what a loader is.

The file's text and its parsed forms (JSON, a CSV's header) are read once, when a loader first
asks, so telling formats apart costs one read however many loaders look.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from assistant.domain.record import Kind
from ingest.loaders.base import LoaderOptions, LoadError, LoadResult, SourceFile
from ingest.loaders.decoding import read_text

TEXT_EXTENSIONS = frozenset({".md", ".markdown", ".txt"})
SKIPPED_FORMAT = "skipped"


class RecordFile:
    """One file being read: where it is, and its content in the forms loaders test."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source

    @property
    def extension(self) -> str:
        return self.source.path.suffix.lower()

    @property
    def name(self) -> str:
        return self.source.path.name

    @cached_property
    def text(self) -> str:
        return read_text(self.source.path)

    @cached_property
    def json(self) -> Any:
        return parse_json(self.text)

    @cached_property
    def csv_header(self) -> set[str]:
        """The first row's cells, lower case."""
        return {cell.strip().lower() for cell in next(csv.reader(io.StringIO(self.text)), [])}


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise LoadError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    except RecursionError:
        raise LoadError("JSON nested too deeply to read (thousands of levels)") from None


@dataclass(frozen=True)
class Loader:
    """One format of the record: the files it reads, how to tell them from other formats with
    the same extension, and how to read one. The registry (`loaders/__init__.py`) lists them."""

    name: str
    kind: Kind  # what every document it reads is
    extensions: frozenset[str]
    describes: str  # how a person recognises the format, for "unrecognised" errors
    looks_like: Callable[[RecordFile], bool]
    load: Callable[[RecordFile, LoaderOptions], LoadResult]


def any_content(file: RecordFile) -> bool:
    """For a format that is the only one of its extensions, or the fallback for them."""
    return True


@dataclass
class SkippedLoad(LoadResult):
    """What a loader returns for a file it recognises but that holds nothing to read (a list of
    issue numbers without titles): the ingest lists it as skipped with `reason`, not failed."""

    format: str = SKIPPED_FORMAT
    reason: str = ""


def skipped(reason: str) -> SkippedLoad:
    return SkippedLoad(reason=reason)
