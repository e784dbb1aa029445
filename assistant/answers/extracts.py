"""Sentence-level reading of the evidence: how well the sources answer, and the offline writer.

Every sentence of the best sources is scored against the question: its embedding's similarity,
plus the share of the question's keywords it holds, plus a small bonus when it has what the
question asks for (a reason for "why", a date for "when", an amount for "how much", a decision
for "what did we decide"). The best similarity says how well the record covers the question; with
no language model configured, the best sentences are the answer: quoted, each with its citation,
and labelled as extracts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answers.citations import split_sentences
from assistant.domain.answer import AnswerSentence
from assistant.domain.evidence import Evidence
from assistant.domain.record import Kind
from assistant.embeddings import Embedder
from assistant.text.citations import escape_citation_marks
from assistant.text.injection import gives_orders

EXTRACTS_LABEL = "Extracts from the project record (no language model is configured):"
WEAK_LABEL = (
    "The project record may not answer this directly. The closest passages "
    "(no language model is configured):"
)
SOURCES_READ = 6
MAX_EXTRACTS = 4
PER_SOURCE = 2
MIN_CHARACTERS = 25
KEYWORD_WEIGHT = 0.35
CUE_WEIGHT = 0.1
_MARKUP = re.compile(r"^\s*(?:\[[ xX]\]\s*|[-*•]\s+|\d+[.)]\s+|#+\s+|\|)+")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]+")
_STOP = {
    "the",
    "and",
    "for",
    "was",
    "were",
    "what",
    "when",
    "who",
    "why",
    "how",
    "did",
    "does",
    "is",
    "are",
    "about",
    "with",
    "this",
    "that",
    "which",
    "from",
    "our",
    "we",
    "it",
    "of",
    "to",
    "in",
    "on",
    "a",
    "an",
    "be",
    "has",
    "have",
    "had",
    "do",
    "any",
    "there",
    "project",
}
_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{1,2}\b",
    re.IGNORECASE,
)
# What a kind of question looks for in a sentence that answers it.
_CUES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(r"^\s*why\b|\breason\b|\bcause", re.I),
        re.compile(
            r"\b(?:because|due to|caused|as a result|reason|since|owing to|so that)\b", re.I
        ),
    ),
    (
        re.compile(r"\bdecid|\bdecision|\bchoose|\bchose|\bagree", re.I),
        re.compile(r"\b(?:decided|decision|chosen|agreed|approved|will use|outcome)\b", re.I),
    ),
    (re.compile(r"^\s*when\b|\bwhat date\b|\bby when\b|\bdeadline\b", re.I), _DATE),
    (
        re.compile(r"\bhow much\b|\bcost|\bbudget|\bspend|\bforecast", re.I),
        re.compile(r"(?:USD|EUR|GBP|\$|€|£)\s?\d|\b\d+(?:\.\d+)?\s?(?:k|m|%)\b", re.I),
    ),
)


@dataclass(frozen=True)
class ScoredSentence:
    text: str
    citation: str
    similarity: float
    keyword_overlap: float
    score: float

    @property
    def support(self) -> float:
        """How well this sentence alone answers: similarity plus the question's keywords held."""
        return self.similarity + KEYWORD_WEIGHT * self.keyword_overlap


class ExtractiveWriter:
    name = "extractive"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def score(self, question: str, evidence: list[Evidence]) -> list[ScoredSentence]:
        """Every candidate sentence of the best sources, best first."""
        candidates: list[tuple[str, str]] = []
        for item in evidence[:SOURCES_READ]:
            if item.kind in (Kind.TICKET, Kind.DECISION):
                # A ticket's summary and a decision's title often answer the question outright.
                candidates.append((item.title, item.citation))
            body = item.text.split("\n", 1)[1] if "\n" in item.text else item.text
            for line in body.split("\n"):
                if gives_orders(line):
                    continue  # an order planted in the record is never quoted as an answer
                for sentence in split_sentences(_MARKUP.sub("", line)):
                    cleaned = sentence.strip(" |")
                    if len(cleaned) < MIN_CHARACTERS or cleaned.endswith("?"):
                        continue
                    candidates.append((cleaned, item.citation))
        if not candidates:
            return []
        vectors = self.embedder.embed_texts([question] + [text for text, _ in candidates])
        similarity = vectors[1:] @ vectors[0]
        keywords = _keywords(question)
        wanted = [answer for asks, answer in _CUES if asks.search(question)]
        scored = []
        for (text, citation), cosine in zip(candidates, similarity, strict=True):
            overlap = len(keywords & _keywords(text)) / len(keywords) if keywords else 0.0
            cue = CUE_WEIGHT if any(pattern.search(text) for pattern in wanted) else 0.0
            score = float(cosine) + KEYWORD_WEIGHT * overlap + cue
            scored.append(ScoredSentence(text, citation, float(cosine), overlap, score))
        scored.sort(key=lambda sentence: sentence.score, reverse=True)
        return scored

    def write(
        self, scored: list[ScoredSentence], *, weak: bool = False
    ) -> tuple[str, list[AnswerSentence]]:
        chosen: list[ScoredSentence] = []
        per_source: dict[str, int] = {}
        seen: set[str] = set()
        for sentence in scored:
            key = sentence.text.lower()
            if key in seen or per_source.get(sentence.citation, 0) >= PER_SOURCE:
                continue
            seen.add(key)
            per_source[sentence.citation] = per_source.get(sentence.citation, 0) + 1
            chosen.append(sentence)
            if len(chosen) == MAX_EXTRACTS:
                break
        lines = [WEAK_LABEL if weak else EXTRACTS_LABEL]
        # A quote keeps the record's words, but a "[S1]" typed into the record is not a citation.
        quoted = [(escape_citation_marks(s.text), s.citation) for s in chosen]
        lines += [f"- “{text}” [{citation}]" for text, citation in quoted]
        answer = [AnswerSentence(text=text, citations=[citation]) for text, citation in quoted]
        return "\n".join(lines), answer


def _keywords(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 2}
