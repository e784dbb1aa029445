"""Whether the record answers a question: judged on the best evidence, before anything is written.

Two readings, because each misses what the other sees:
- meaning: the best passage's similarity to the question. Below the relevance threshold nothing
  in the record is on the question's topic.
- terms: whether the question's distinctive terms (the rare ones: names, product words,
  identifiers, numbers) are in the best evidence, its headings and titles included. A passage on
  a neighbouring topic can read close to the question ("What is Dana Fox's salary?" next to
  "Dana Fox renews the certificates") while holding none of what the question asks about.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answers.extracts import ScoredPassage
from assistant.answers.key_terms import KeyTerms, stems
from assistant.config import Settings
from assistant.domain.answer import Coverage
from assistant.domain.evidence import Evidence

# The evidence a question's terms are looked for in: the best passages and the best sources.
BEST_PASSAGES = 5
BEST_SOURCES = 3


@dataclass(frozen=True)
class CoverageReading:
    similarity: float  # of the best passage
    support: float  # similarity plus key terms held, of the best passage
    # Weighted share of the distinctive terms found in the best evidence.
    distinctive_found: float
    # Weighted share of all key terms found in the best evidence.
    terms_found: float


def read_coverage(
    terms: KeyTerms, scored: list[ScoredPassage], evidence: list[Evidence]
) -> CoverageReading:
    similarity = max((s.similarity for s in scored), default=-1.0)
    support = max((s.support for s in scored), default=-1.0)
    held: set[str] = set()
    for passage in scored[:BEST_PASSAGES]:
        held |= stems(" ".join((passage.passage.heading, passage.text, passage.passage.context)))
    for item in evidence[:BEST_SOURCES]:
        held |= stems(f"{item.title}\n{item.text}")
    distinctive = KeyTerms(
        {t: w for t, w in terms.weights.items() if t in terms.distinctive}, terms.distinctive
    )
    return CoverageReading(
        similarity=similarity,
        support=support,
        distinctive_found=distinctive.share(held) if distinctive.weights else 1.0,
        terms_found=terms.share(held) if terms.weights else 1.0,
    )


def judge_coverage(reading: CoverageReading, settings: Settings) -> Coverage:
    if reading.similarity < settings.relevance_threshold:
        return "not_covered"
    if reading.support < settings.weak_evidence_threshold:
        return "weak"
    return "answered"
