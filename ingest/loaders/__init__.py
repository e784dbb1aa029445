"""Reading any supported file of the project record: the format is told by the extension and,
where one extension serves several formats (.md, .csv, .json), by the content. `--kind` decides
when the content is ambiguous."""

from __future__ import annotations

import csv
import io

from assistant.models import Kind
from ingest.loaders.base import LoaderOptions, LoadError, LoadFailure, LoadResult, SourceFile
from ingest.loaders.decisions import load_adr, load_decision_log, looks_like_adr
from ingest.loaders.decoding import read_text
from ingest.loaders.docx_minutes import load_docx_minutes
from ingest.loaders.github_issues import load_github_issues, looks_like_github_issues
from ingest.loaders.jira_csv import load_jira_csv
from ingest.loaders.jira_json import load_jira_json, parse_json
from ingest.loaders.minutes import load_markdown_minutes
from ingest.loaders.transcripts import load_transcript

TEXT_EXTENSIONS = {".md", ".markdown", ".txt"}
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | {".docx", ".vtt", ".srt", ".csv", ".json"}
# Bump when a loader changes what it produces, so unchanged files are read again.
LOADER_VERSION = "3"


def load_file(source: SourceFile, options: LoaderOptions) -> LoadResult:
    """Load one file. Never raises for bad content: problems come back as failures."""
    try:
        return _load(source, options)
    except LoadError as error:
        return LoadResult(
            format="unknown",
            failures=[LoadFailure(source.display, error.reason, row=error.row, field=error.field)],
        )
    except (OSError, csv.Error) as error:
        return LoadResult(format="unknown", failures=[LoadFailure(source.display, str(error))])


def _load(source: SourceFile, options: LoaderOptions) -> LoadResult:
    extension = source.path.suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        raise LoadError(
            f"unsupported file type '{extension or source.path.name}' (supported: "
            f"{', '.join(sorted(SUPPORTED_EXTENSIONS))})"
        )
    kind = options.kind
    if extension == ".docx":
        _require_kind(kind, Kind.MINUTES, "Word files are read as meeting minutes")
        return load_docx_minutes(source, options)
    text = read_text(source.path)
    if extension in (".vtt", ".srt"):
        _require_kind(kind, Kind.MINUTES, "transcripts are meeting minutes")
        return load_transcript(text, source, options, extension.removeprefix("."))
    if extension == ".csv":
        return _load_csv(text, source, options)
    if extension == ".json":
        _require_kind(kind, Kind.TICKET, "JSON files are read as ticket exports")
        data = parse_json(text)
        if looks_like_github_issues(data):
            return load_github_issues(data, source, options)
        if isinstance(data, dict) and "issues" in data:
            return load_jira_json(data, source, options)
        raise LoadError(
            'unrecognised JSON: expected a Jira search result ({"issues": [...]}) or a GitHub '
            'issues list ([{"number": …, "title": …}])'
        )
    if kind == Kind.TICKET:
        raise LoadError("--kind ticket needs a Jira CSV/JSON or GitHub issues JSON file")
    if kind == Kind.DECISION or (kind is None and looks_like_adr(text, source.path.name)):
        return load_adr(text, source, options)
    return load_markdown_minutes(text, source, options)


def _load_csv(text: str, source: SourceFile, options: LoaderOptions) -> LoadResult:
    header = {cell.strip().lower() for cell in next(csv.reader(io.StringIO(text)), [])}
    is_jira = "issue key" in header
    is_decision_log = "decision" in header
    if options.kind == Kind.TICKET or (options.kind is None and is_jira):
        return load_jira_csv(text, source, options)
    if options.kind == Kind.DECISION or (options.kind is None and is_decision_log):
        return load_decision_log(text, source, options)
    if options.kind == Kind.MINUTES:
        raise LoadError("CSV files hold tickets or decisions, not minutes")
    raise LoadError(
        "unrecognised CSV: expected a Jira export (columns 'Issue key', 'Summary', …) or a "
        "decision log (columns 'ID', 'Date', 'Decision', …); use --kind to say which"
    )


def _require_kind(kind: Kind | None, expected: Kind, why: str) -> None:
    if kind is not None and kind != expected:
        raise LoadError(f"cannot read this file as {kind.value}: {why}")


__all__ = ["LOADER_VERSION", "SUPPORTED_EXTENSIONS", "load_file"]
