"""Reading text files the way people actually save them: UTF-8 (with or without BOM), UTF-16 or
UTF-32 with a BOM (Excel's "Unicode text", PowerShell's default), or cp1252."""

from __future__ import annotations

import codecs
from pathlib import Path

from ingest.loaders.base import LoadError

# Longest first: the UTF-32 little-endian BOM begins with the UTF-16 one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_text(path: Path) -> str:
    """Decode a text file; refuse binaries with a clear reason.

    Windows tools (Excel's CSV export, Notepad) still write cp1252, so when a file is not valid
    UTF-8 it is read as cp1252 rather than rejected.
    """
    text = _decoded(path.read_bytes())
    # Normalise line endings once so line numbers match what an editor shows.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decoded(data: bytes) -> str:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise LoadError(
                    f"starts with a {encoding.upper()} byte order mark but does not decode as "
                    f"{encoding.upper()} (byte {error.start})"
                ) from error
    if b"\x00" in data[:8192]:
        raise LoadError("binary file (contains NUL bytes); expected text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise LoadError(
                f"cannot decode the file as UTF-8 or Windows-1252 (byte {error.start})"
            ) from error
