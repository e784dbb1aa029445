"""Progress bars for the commands that read files in (`ingest`) or fetch them (`sync`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from assistant.cli.common import console


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.0f} chunks/s" if speed else "", style="dim")


class RichIngestProgress:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.files = progress.add_task("Reading files", total=None)
        self.chunks = progress.add_task("Embedding chunks", total=None, visible=False)

    def files_found(self, count: int) -> None:
        self.progress.update(self.files, total=count)

    def file_read(self, display: str) -> None:
        self.progress.update(self.files, advance=1, description=f"Reading {display[-40:]}")

    def embedding_planned(self, chunks: int) -> None:
        self.progress.update(self.files, description="Read files")
        self.progress.update(self.chunks, total=chunks, visible=chunks > 0)

    def chunks_embedded(self, count: int) -> None:
        self.progress.update(self.chunks, advance=count)


@contextmanager
def ingest_progress() -> Iterator[RichIngestProgress]:
    with _progress() as progress:
        yield RichIngestProgress(progress)


@contextmanager
def _progress() -> Iterator[Progress]:
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with progress:
        yield progress


class RichSyncProgress(RichIngestProgress):
    """Pages fetched from each source (their count is unknown until the last), then the ingest."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(progress)
        self.fetched = progress.add_task("Fetching", total=None)

    def fetching(self, source: str) -> None:
        self.progress.reset(self.fetched, total=None, description=f"Fetching {source}")
        self.progress.reset(self.files, total=None, description="Reading files")
        self.progress.update(self.chunks, visible=False)

    def page_fetched(self, items: int) -> None:
        self.progress.update(self.fetched, advance=items)


@contextmanager
def sync_progress() -> Iterator[RichSyncProgress]:
    with _progress() as progress:
        yield RichSyncProgress(progress)
