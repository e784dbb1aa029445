"""What kind of answer a question asks for, and whether a passage gives one.

"Why" wants a reason, "when" a date, "how long" a duration, "how many" a count, "how much" an
amount, "who" a person, "what did we decide" a decision. A passage that gives the kind asked for
is likelier to answer; and when a question asks for a figure (a date, a duration, a count, an
amount) and none of the passages chosen to answer it holds one, the record names the topic but
does not give what was asked ("What is Dana Fox's day rate?" against minutes that only name
Dana Fox).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
DATE = re.compile(
    rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b"
    rf"|\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b|\bQ[1-4]\b"
    rf"|\b(?:mid|end|early|late|beginning)[- ](?:of )?{_MONTH}\b"
    rf"|\b{_MONTH}\s+\d{{4}}\b|\b(?:today|tomorrow|yesterday|next week|this week)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several"
DURATION = re.compile(
    rf"\b(?:\d+(?:\.\d+)?|{_NUMBER_WORDS}|next|same)[\s-]+(?:business |working |calendar )?"
    r"(?:minutes?|hours?|days?|weeks?|months?|years?|sprints?)\b"
    r"|\b\d+\s?(?:h|d|w|min|hrs?)\b",
    re.IGNORECASE,
)
# A number that is not part of an identifier ("HBR-123", "M2", "v3"), or a number word.
COUNT = re.compile(
    rf"(?<![\w-])\d[\d,.]*(?![\w-]*-\d)|\b(?:{_NUMBER_WORDS}|dozens?|hundreds?|thousands?|none)\b",
    re.IGNORECASE,
)
AMOUNT = re.compile(
    r"(?:USD|EUR|GBP|CHF|\$|€|£)\s?\d|\d\s?(?:USD|EUR|GBP|CHF|€|£)"
    r"|\b\d+(?:[.,]\d+)?\s?(?:k|m|bn|%)(?!\w)|\b\d+(?:[.,]\d+)?\s?(?:percent|dollars|euros)\b",
    re.IGNORECASE,
)
PERSON = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z'’-]+\b|(?<!\w)@[\w-]+")
REASON = re.compile(
    r"\b(?:because|due to|caused|as a result|reason|since|owing to|so that|root cause|after)\b",
    re.IGNORECASE,
)
DECISION = re.compile(
    r"\b(?:decided|decision|chosen|agreed|approved|will use|outcome|rejected|accepted)\b",
    re.IGNORECASE,
)

# Where a thing stands: a state word, or a dated entry (a ticket comment, a log line).
STATE = re.compile(
    r"\b(?:status|done|closed|resolved|blocked|in progress|open|failed|merged|deployed|fixed|"
    r"reopened|delayed|on track|at risk|slipped|waiting|pending|approved|rejected)\b"
    r"|^\s*\d{4}-\d{2}-\d{2}\s*:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AnswerKind:
    name: str
    asks: re.Pattern[str]  # in a question that asks for it
    answer: re.Pattern[str]  # in a passage that gives it
    # A figure: a question asking for one is not answered by passages without one.
    figure: bool
    # A quantity (an amount, a count) answers only from a passage about what was asked: the
    # record is full of figures, and a budget line about something else is no answer.
    quantity: bool = False

    def answered_by(self, text: str) -> bool:
        return bool(self.answer.search(text))


KINDS = (
    AnswerKind(
        "reason",
        re.compile(r"^\s*why\b|\breason|\bcause|\bexplanation\b|\bexplain", re.I),
        REASON,
        figure=False,
    ),
    AnswerKind(
        "decision",
        re.compile(r"\bdecid|\bdecision|\bchoose|\bchose|\bagree", re.I),
        DECISION,
        False,
    ),
    AnswerKind(
        "date",
        re.compile(
            r"^\s*(?:and\s+)?when\b|\bwhat (?:date|day)\b|\b(?:by|from|until|since|till) when\b",
            re.I,
        ),
        DATE,
        figure=True,
    ),
    AnswerKind(
        "duration",
        re.compile(r"\bhow (?:long|quickly|fast|soon|often)\b", re.I),
        DURATION,
        figure=True,
    ),
    # "How much" asks for a quantity (43.85 Tb, three days); money words for an amount.
    AnswerKind(
        "count",
        re.compile(r"\bhow (?:many|much)\b|\bnumber of\b", re.I),
        COUNT,
        figure=True,
        quantity=True,
    ),
    AnswerKind(
        "amount",
        re.compile(
            r"\bcost|\bbudget|\bspen[dt]\b|\bforecast|\bpa(?:y|id)\b|\bprices?\b|\bfees?\b"
            r"|\bsalar|\brates?\b",
            re.I,
        ),
        AMOUNT,
        figure=True,
        quantity=True,
    ),
    AnswerKind("person", re.compile(r"\bwho(?:m|se)?\b", re.I), PERSON, figure=False),
    AnswerKind(
        "state",
        re.compile(r"\bstatus\b|\bprogress\b|\blatest\b|\bwhere (?:are|do) we\b", re.I),
        STATE,
        figure=False,
    ),
)


# "To cut DigitalOcean costs" and "to bring the costs down" ask what to do, not how much: money
# words after a verb of saving, or before "down", do not ask for an amount.
_MONEY = r"(?:costs?|spend(?:ing)?|budget|bills?)"
_SAVING = re.compile(
    r"\b(?:cut|cutting|reduce|reducing|decrease|decreasing|lower|lowering|save|saving|control)"
    rf"(?:\W+\w+){{0,3}}?\W+{_MONEY}\b"
    r"|\b(?:bring|bringing|brought|get|getting|got|keep|keeping|kept|push|pushing|drive|driving)"
    rf"(?:\W+\w+){{0,3}}?\W+{_MONEY}\W+down\b",
    re.I,
)


def asked_for(question: str) -> list[AnswerKind]:
    """The kinds of answer the question asks for."""
    question = _SAVING.sub(" ", question)
    return [kind for kind in KINDS if kind.asks.search(question)]


# The least share of the question's key terms a passage giving a quantity must hold.
QUANTITY_TERMS = 0.3


def figures_missing(question: str, extracts: Sequence[tuple[str, float]]) -> list[str]:
    """The figures the question asks for that none of the extracts gives (names of the kinds).
    Each extract comes with the weighted share of the question's key terms it holds."""
    missing = []
    for kind in asked_for(question):
        if not kind.figure:
            continue
        least = QUANTITY_TERMS if kind.quantity else 0.0
        if not any(kind.answered_by(text) and share >= least for text, share in extracts):
            missing.append(kind.name)
    return missing
