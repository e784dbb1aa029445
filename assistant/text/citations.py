"""Citation marks as writers and people type them: `[S1]`, `[S1][S2]`, `[S1, S3]`."""

from __future__ import annotations

import re

CITATION_GROUP = re.compile(r"\[\s*(S\d+(?:\s*[,;]\s*S\d+)*)\s*\]")
CITATION_ID = re.compile(r"S\d+")


def cited_ids(text: str) -> list[str]:
    """The source ids a text cites, in order, each once."""
    found: list[str] = []
    for group in CITATION_GROUP.findall(text):
        found.extend(CITATION_ID.findall(group))
    return list(dict.fromkeys(found))


def without_citation_marks(text: str) -> str:
    """The text with its citation marks taken out and its spacing tidied."""
    cleaned = CITATION_GROUP.sub("", text)
    return " ".join(cleaned.split()).replace(" .", ".").strip()


def escape_citation_marks(text: str) -> str:
    """Record text that looks like a citation (`[S1]` typed into a ticket) written so that no
    reader, person or parser, takes it for one: `(S1)`."""
    return CITATION_GROUP.sub(lambda match: f"({match.group(1)})", text)
