"""Reading citations out of an answer and checking each against the evidence it was given.

The writer must end every factual sentence with `[S#]`. Each sentence is checked: citations that
resolve to a retrieved source are kept; ids that were not among the sources are recorded as
invalid; a sentence left with no valid citation is unsupported and is shown flagged, never as
fact. A sentence saying what the record does not cover needs no citation.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from assistant.domain.answer import AnswerSentence
from assistant.text.citations import CITATION_GROUP, CITATION_ID

# "… was late. [S1][S2]" -> "… was late [S1][S2]." so the ids stay with their sentence.
TRAILING_CITATIONS = re.compile(r"([.!?])((?:\s*\[\s*S\d+(?:\s*[,;]\s*S\d+)*\s*\])+)")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(“‘])")
ABBREVIATIONS = ("e.g.", "i.e.", "approx.", "vs.", "etc.", "no.", "dr.", "mr.", "ms.", "mrs.")
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
GAP = re.compile(
    r"^(?:the\s+(?:project\s+)?record|the\s+sources?|the\s+documents?)\s+(?:does|do)\s+not\b",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage, one line (or bullet) at a time."""
    sentences: list[str] = []
    for raw in text.splitlines():
        line = BULLET.sub("", raw).strip()
        if not line:
            continue
        line = TRAILING_CITATIONS.sub(lambda m: f"{m.group(2)}{m.group(1)}", line)
        pieces = SENTENCE_BREAK.split(line)
        merged: list[str] = []
        for piece in pieces:
            if merged and merged[-1].lower().endswith(ABBREVIATIONS):
                merged[-1] = f"{merged[-1]} {piece}"
            else:
                merged.append(piece)
        sentences.extend(piece.strip() for piece in merged if piece.strip())
    return sentences


def read_sentences(text: str, known: Collection[str]) -> list[AnswerSentence]:
    """Each sentence with its citations split into those that resolve and those that do not."""
    result: list[AnswerSentence] = []
    for sentence in split_sentences(text):
        cited: list[str] = []
        for group in CITATION_GROUP.findall(sentence):
            cited.extend(CITATION_ID.findall(group))
        plain = CITATION_GROUP.sub("", sentence)
        plain = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s{2,}", " ", plain)).strip()
        if not plain or re.fullmatch(r"[\W_]+", plain):
            continue
        valid = list(dict.fromkeys(c for c in cited if c in known))
        invalid = list(dict.fromkeys(c for c in cited if c not in known))
        result.append(
            AnswerSentence(
                text=plain, citations=valid, invalid_citations=invalid, gap=bool(GAP.match(plain))
            )
        )
    return result


def render_checked(sentences: list[AnswerSentence]) -> str:
    """The answer as shown to a person: valid citations kept, unsupported sentences marked."""
    lines = []
    for sentence in sentences:
        marks = "".join(f"[{citation}]" for citation in sentence.citations)
        if sentence.supported:
            lines.append(f"{sentence.text} {marks}".strip())
        else:
            lines.append(f"[unsupported: no source given] {sentence.text}")
    return "\n".join(lines)
