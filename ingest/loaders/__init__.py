"""Reading any supported file of the project record.

`LOADERS` lists every format. A file's extension picks the candidates; where one extension
serves several formats (.md, .csv, .json) the first candidate whose content it looks like reads
it. A kind the person gives (`--kind` on the command line) narrows the candidates, and reads the
file as the only format of that kind for its extension even when its content is unusual.

Adding a format is one module with its `Loader` plus one line in `LOADERS`.
"""

from __future__ import annotations

import csv
import logging

from assistant.domain.ingest import LoadFailure
from assistant.domain.record import Kind
from ingest.loaders import (
    asciidoc,
    decisions,
    docx_minutes,
    github_issues,
    github_projects,
    jira_csv,
    jira_json,
    minutes,
    transcripts,
)
from ingest.loaders.base import LoaderOptions, LoadError, LoadResult, SourceFile
from ingest.loaders.files import Loader, RecordFile

# Where one extension serves several formats, the more particular come first: the Markdown
# minutes read any text file that is nothing else.
LOADERS: tuple[Loader, ...] = (
    docx_minutes.LOADER,
    transcripts.LOADER,
    jira_csv.LOADER,
    decisions.DECISION_LOG_LOADER,
    github_issues.LOADER,
    github_projects.LOADER,
    jira_json.LOADER,
    decisions.ADR_LOADER,
    minutes.LOADER,
    asciidoc.LOADER,
)
log = logging.getLogger("pmassist")

# Bump when a loader changes what it produces, so unchanged files are read again.
LOADER_VERSION = "8"


def supported_extensions() -> frozenset[str]:
    return frozenset(extension for loader in LOADERS for extension in loader.extensions)


def load_file(source: SourceFile, options: LoaderOptions) -> LoadResult:
    """Load one file. Never raises for bad content: problems come back as failures."""
    try:
        return _load(RecordFile(source), options)
    except LoadError as error:
        return LoadResult(
            format="unknown",
            failures=[LoadFailure(source.display, error.reason, row=error.row, field=error.field)],
        )
    except (OSError, csv.Error) as error:
        return LoadResult(format="unknown", failures=[LoadFailure(source.display, str(error))])
    except RecursionError:
        reason = "nested too deeply to read (a structure inside a structure, thousands deep)"
        return LoadResult(format="unknown", failures=[LoadFailure(source.display, reason)])
    except Exception as error:  # a loader's bug or a library's surprise: this file's failure
        log.exception("Reading %s failed", source.display)
        reason = f"could not be read ({type(error).__name__}: {error})"
        return LoadResult(format="unknown", failures=[LoadFailure(source.display, reason)])


def _load(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return loader_for(file, options.kind).load(file, options)


def loader_for(file: RecordFile, kind: Kind | None) -> Loader:
    """The loader that reads `file`, or a LoadError that says why none does."""
    extension = file.extension
    candidates = [loader for loader in LOADERS if extension in loader.extensions]
    if not candidates:
        raise LoadError(
            f"unsupported file type '{extension or file.name}' (supported: "
            f"{', '.join(sorted(supported_extensions()))})"
        )
    if kind is not None:
        of_kind = [loader for loader in candidates if loader.kind == kind]
        if not of_kind:
            held = sorted({loader.kind.value for loader in candidates})
            raise LoadError(
                f"cannot read a {extension} file as {kind.value}: {extension} files hold "
                f"{' or '.join(held)} records"
            )
        candidates = of_kind
    for loader in candidates:
        if loader.looks_like(file):
            return loader
    if kind is not None and len(candidates) == 1:
        return candidates[0]  # the person said what it is, and only one format fits
    label = extension.removeprefix(".").upper()
    raise LoadError(
        f"unrecognised {label}: expected "
        + " or ".join(loader.describes for loader in candidates)
        + ("" if kind is not None else "; say which kind it is (minutes, ticket or decision)")
    )


__all__ = ["LOADERS", "LOADER_VERSION", "Loader", "load_file", "supported_extensions"]
