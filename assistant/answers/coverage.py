"""Whether the record answers a question, judged on the best evidence before anything is written.

Meaning alone is not enough: a passage on a neighbouring topic reads close to the question
("What is Dana Fox's salary?" next to "Dana Fox renews the certificates"). So the judgement
weighs four readings of the best passages:
- closeness: the best passage's similarity to the question;
- the question's key terms that one passage holds, with its heading path, the bullets above it
  and its explanation lines (`key_terms.py` weights them by rarity, so the names and product
  words count most);
- the key terms the record never uses anywhere: a paraphrase, or what the record does not cover;
- the figure the question asks for (a date, a duration, a count, an amount) in the extracts.

The record does not cover the question when it never names what the question names (a person,
a product, an identifier no chunk holds; a numbered name such as "Sprint 7" no source holds), or
when nothing is close in meaning or in words. It
may not answer directly (the closest passages are shown as such) when the support is low or
the figure asked for is in none of the extracts. The weights were calibrated on the labelled
questions of both fixture projects (answerable and not) and checked on questions asked of a
real team's notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answers.answer_kinds import figures_missing
from assistant.answers.extracts import ScoredPassage, quotation
from assistant.answers.key_terms import KeyTerms, names_a, numbered_names
from assistant.config import Settings
from assistant.domain.answer import Coverage
from assistant.domain.evidence import Evidence

# The passages looked at for the question's terms.
BEST_PASSAGES = 10
TERMS_WEIGHT = 0.8
UNKNOWN_WEIGHT = 0.6
# Below the relevance threshold in meaning, a question is still covered when one passage holds
# this share of its terms.
TERMS_ALONE = 0.5
# When the record uses the question's words but no passage holds more than this share of them
# together, it speaks of each apart ("HHS" here, "officer" there), not of what was asked.
TERMS_APART = 0.2


# "What did the post-mortem find?": the outcome of a piece of work. When every passage that
# names the work says it is still to be done, the record holds no outcome to quote.
OUTCOME_ASKED = re.compile(
    r"\b(?:find|found|conclude|concluded|conclusion|show|showed|reveal|revealed|recommend|"
    r"recommended|identify|identified|outcome|result|findings?)\b",
    re.IGNORECASE,
)
ACTIVITY = re.compile(
    r"\b(?:post[- ]?mortems?|retrospectives?|retros?|root cause analys[ie]s|RCA|"
    r"investigations?|audits?|assessments?|analys[ie]s|reviews?|studies|study|surveys?|"
    r"load tests?|pen(?:etration)? tests?)\b",
    re.IGNORECASE,
)
PENDING = re.compile(
    r"\b(?:to (?:finish|write|be written|be done|do|start|be scheduled|come)|still (?:need|"
    r"needs|have|has) to|not (?:yet|done|started|written)|pending|TODO|will (?:write|do|run|"
    r"start)|planned|in progress|WIP|ongoing)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CoverageReading:
    closeness: float  # of the passage closest in meaning
    # The largest weighted share of the key terms that one passage and its context hold.
    terms_held: float
    # The weighted share of the key terms no chunk of the record holds.
    terms_unknown: float
    unknown_names: frozenset[str]
    figures_missing: tuple[str, ...]
    # Numbered names ("Sprint 7") the question gives and no source holds.
    names_missing: tuple[str, ...] = ()
    # The question asks what a piece of work found, and the record only says it is to be done.
    outcome_pending: bool = False

    @property
    def support(self) -> float:
        """How well the best evidence answers; below PMASSIST_WEAK_EVIDENCE_THRESHOLD the
        offline answer says the record may not answer directly."""
        return self.closeness + TERMS_WEIGHT * self.terms_held - UNKNOWN_WEIGHT * self.terms_unknown

    @property
    def known_held(self) -> float:
        """The share of the key terms the record uses that the best passage holds: a term in
        no chunk at all (a paraphrase) neither counts for nor against it."""
        known = 1.0 - self.terms_unknown
        return self.terms_held / known if known > 0 else 1.0


def read_coverage(
    question: str,
    terms: KeyTerms,
    scored: list[ScoredPassage],
    chosen: list[ScoredPassage],
    evidence: list[Evidence],
) -> CoverageReading:
    closeness = max((s.closeness for s in scored), default=-1.0)
    held = max(
        (
            terms.share(terms.found_in(" ".join((s.passage.heading, s.text, s.passage.context))))
            for s in scored[:BEST_PASSAGES]
        ),
        default=0.0,
    )
    if not terms.weights:
        held = 1.0  # nothing to hold: meaning alone decides
    # In the question's order: summed over the set, the result's last bits change between runs.
    unknown = (
        sum(w for t, w in terms.weights.items() if t in terms.unknown) / terms.total
        if terms.total
        else 0.0
    )
    quotes = [quotation(s.passage) for s in chosen]
    extracts = [(quote, terms.share(terms.found_in(quote))) for quote in quotes]
    return CoverageReading(
        closeness=closeness,
        terms_held=held,
        terms_unknown=unknown,
        unknown_names=terms.unknown_names,
        figures_missing=tuple(figures_missing(question, extracts)),
        names_missing=_names_missing(question, evidence),
        outcome_pending=outcome_pending(question, scored[:BEST_PASSAGES]),
    )


def outcome_pending(question: str, scored: list[ScoredPassage]) -> bool:
    """The question asks what an activity found ("the post-mortem", "the audit") and every
    line of the best passages that names it says it is still to be done."""
    activity = ACTIVITY.search(question)
    if activity is None or not OUTCOME_ASKED.search(question):
        return False
    asked = _activity_stem(activity.group(0))
    lines = [
        line
        for s in scored
        for line in s.text.splitlines()
        if any(_activity_stem(m.group(0)) == asked for m in ACTIVITY.finditer(line))
    ]
    return bool(lines) and all(PENDING.search(line) for line in lines)


def _activity_stem(name: str) -> str:
    """'post-mortem', 'Post mortems' and 'postmortem' are one piece of work."""
    return name.lower().replace(" ", "").replace("-", "")[:6]


def _names_missing(question: str, evidence: list[Evidence]) -> tuple[str, ...]:
    """Retrieval searches the words of a numbered name ("Sprint 7"), so a record that has it
    puts it among the sources; when none holds it, the record does not name it."""
    names = numbered_names(question)
    if not names:
        return ()
    texts = [f"{e.title}\n{e.text}" for e in evidence]
    return tuple(name for name in names if not any(names_a(text, name) for text in texts))


def judge_coverage(reading: CoverageReading, settings: Settings) -> Coverage:
    nothing_close = (
        reading.closeness < settings.relevance_threshold and reading.terms_held < TERMS_ALONE
    )
    if reading.unknown_names or reading.names_missing or nothing_close:
        return "not_covered"
    if reading.support < settings.weak_evidence_threshold or reading.figures_missing:
        return "weak"
    if reading.outcome_pending:
        return "weak"
    if reading.known_held < TERMS_APART:
        return "weak"
    return "answered"
