"""Reading text files the way people actually save them: UTF-8 (with or without BOM) or cp1252."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.base import LoadError


def read_text(path: Path) -> str:
    """Decode a text file; refuse binaries with a clear reason.

    Windows tools (Excel's CSV export, Notepad) still write cp1252, so when a file is not valid
    UTF-8 it is read as cp1252 rather than rejected.
    """
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise LoadError("binary file (contains NUL bytes); expected text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise LoadError(
                f"cannot decode the file as UTF-8 or Windows-1252 (byte {error.start})"
            ) from error
    # Normalise line endings once so line numbers match what an editor shows.
    return text.replace("\r\n", "\n").replace("\r", "\n")
