"""The key terms of a question, each weighted by how rare it is in the project record.

A question's key terms are its words less stop words and the words every PM question shares
("project", "team", "status", "week"): what is left names what is asked about. Each is weighted by
its inverse document frequency (IDF) over the project's chunks, so a name, a product word or a
number counts for more than a word the whole record uses. A term no chunk holds is either a
paraphrase ("holiday" for "leave") or something the record does not cover ("salary"); one that
names something ("Rebecca Quill", "CRM", "Q3") is taken as the latter (`coverage.py`).

Matching ignores case and the endings English adds to a word (plural, -ing, -ed), so "outages"
finds "outage" and "renewed" finds "renew".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# Words as the record writes them: identifiers (HBR-48, PF-CASE-88213, beacon#44, 2.568.1, 97.2%)
# stay whole, apostrophes stay inside a word ("Tom's").
_WORD = re.compile(r"[A-Za-z0-9$€£][A-Za-z0-9$€£%]*(?:[-#./'’][A-Za-z0-9%]+)*")
_STOP_WORDS = """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can cannot could couldn't did didn't do does doesn't
    doing don't down during each either else ever few for from further had hadn't has hasn't have
    haven't having he her here hers herself him himself his how i if in into is isn't it it's its
    itself just let me more most much must my myself no nor not of off on once only or other our
    ours ourselves out over own same shall she should shouldn't so some such than that that's the
    their theirs them themselves then there there's these they this those through to too under
    until up upon us very was wasn't we were weren't what what's when where which while who who's
    whom why will with won't would wouldn't you your yours yourself yourselves
    s t re ve ll d anyone anything anybody someone something somebody everyone everything
    yet still already actually really now currently current latest back ago far going get got
    getting give gave given go goes went gone make made making many way ways
"""
_STOP = frozenset(_STOP_WORDS.split())
# Words that nearly every question to a PM assistant carries; they say nothing about which part
# of the record answers it.
_GENERIC_WORDS = """
    project projects team teams status week weeks weekly meeting meetings record records
    update updates happen happened happening say said says tell told know known mention mentioned
    discuss discussed thing things need needs needed ask asked
"""
_GENERIC = frozenset(_GENERIC_WORDS.split())
_VOWELS = frozenset("aeiouy")


def stem(word: str) -> str:
    """A matching key for a word: without case, a possessive, a plural, -ed or -ing, a final
    "e" or a doubled final consonant, so "rates", "rated" and "rate" meet, as do "planned" and
    "plan". Deliberately simple (no dictionary): both sides of a comparison go through it, and
    identifiers and numbers are left whole."""
    word = word.lower().strip("'’.")
    word = word.removesuffix("'s").removesuffix("’s")
    if not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for ending in ("ing", "ed", "s"):
        if not word.endswith(ending) or len(word) - len(ending) < 3:
            continue
        if ending == "s" and word.endswith(("ss", "us", "is")):
            break  # "process", "status", "analysis" are not plurals
        word = word[: -len(ending)]
        break
    while word.endswith("e") and len(word) > 3:
        word = word[:-1]  # "agree" and "agreed" meet at "agr"
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in _VOWELS:
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """The words of a text; a hyphenated word ("text-message") is its parts, an identifier
    ("HBR-48", "2026-11-27") stays whole."""
    found: list[str] = []
    for token in _WORD.findall(text):
        if "-" in token and not any(character.isdigit() for character in token):
            found.extend(part for part in token.split("-") if part)
        else:
            found.append(token)
    return found


def stems(text: str) -> set[str]:
    """The stems of every word of a text."""
    return {stem(word) for word in words(text)}


# "Early September", "the end of May": the word places a period, which the question's time
# window reads (`retrieval.temporal`); the record dates its lines rather than saying "early".
_PERIOD_PLACE = re.compile(
    r"\b(?:early|late|mid|start|beginning|end)\b(?=(?:\s+of)?(?:\s+the)?[\s-]+"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|q[1-4]\b|(?:19|20)\d\d\b))",
    re.IGNORECASE,
)


def question_terms(question: str) -> dict[str, str]:
    """The question's words that name what it asks about: stem -> the word as asked."""
    found: dict[str, str] = {}
    for word in words(_PERIOD_PLACE.sub(" ", question)):
        lowered = word.lower().removesuffix("'s").removesuffix("’s")
        if lowered in _STOP or lowered in _GENERIC or len(lowered) < 2:
            continue
        if lowered.isalpha() and len(lowered) < 3 and not word.isupper():
            continue  # "ok", "vs"; an acronym such as "QA" stays
        found.setdefault(stem(word), lowered)
    return found


def named_terms(question: str) -> set[str]:
    """Stems of the words that name something: capitalised inside a sentence ("Dana Fox",
    "Payflow"), acronyms ("CRM"), identifiers and numbers ("HBR-48", "2.568.1")."""
    named: set[str] = set()
    for sentence in re.split(r"(?<=[.?!])\s+", question):
        for position, word in enumerate(words(sentence)):
            capitalised = position > 0 and word[:1].isupper()
            if capitalised or (len(word) > 1 and word.isupper()) or _has_digit(word):
                named.add(stem(word))
    return named


_MONTH_NAMES = """january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec"""
_MONTHS = frozenset(_MONTH_NAMES.split())
# A numbered name: "Sprint 7", "Kubernetes 1.34", "LTS 2.541.1", "HL7 v2".
# An identifier ("HBR-100", "PF-CASE-88213") is one word, and `unknown_names` judges it.
_NUMBERED_NAME = re.compile(r"(?<![\w-])([A-Z]\w*)\s+v?(\d[\w.]*\w|\d)\b")


def numbered_names(question: str) -> list[str]:
    """The numbered names a question gives ("Sprint 7", "Kubernetes 1.34"), as `name number`
    in lower case; a month and year ("July 2026") is a date, not a name."""
    return [
        f"{name.lower()} {number.lower()}"
        for name, number in _NUMBERED_NAME.findall(question)
        if name.lower() not in _MONTHS
    ]


# How many words apart a name and its number may stand: a version is distinctive wherever it
# stands ("LTS: 2026-07-08 - 2.568.1"), a small number only right after its name ("Sprint 7").
NAME_REACH = 5


def names_a(text: str, name: str) -> bool:
    """Whether a text holds a numbered name (`name number`, as `numbered_names` gives it): the
    name, or a longer word it begins ("Postgres" in "PostgreSQL"), within a few words of the
    number ("Sprint-7", "Kubernetes v1.34", "LTS: 2026-07-08 - 2.568.1")."""
    word, number = name.split(" ", 1)
    # "Version 13" and "release 13" say what the number is, not what it is of: they are read
    # past, so "Postgres version 13" names "Postgres 13".
    tokens = [
        token.rstrip(".")
        for token in re.findall(r"[\w.]+", text.lower())
        if token not in _VERSION_WORDS
    ]
    tokens = [token[1:] if re.fullmatch(r"v\d[\w.]*", token) else token for token in tokens]
    places = [i for i, token in enumerate(tokens) if token == number]
    if "." in number or len(number) > 2:
        return any(
            token.startswith(word)
            for i in places
            for token in tokens[max(i - NAME_REACH, 0) : i + NAME_REACH + 1]
        )
    return any(i > 0 and tokens[i - 1].startswith(word) for i in places)


_VERSION_WORDS = frozenset({"version", "release", "v"})


def _has_digit(word: str) -> bool:
    return any(character.isdigit() for character in word)


@dataclass(frozen=True)
class KeyTerms:
    """The question's key terms (stems) with their IDF weights."""

    weights: dict[str, float]
    # Terms no chunk of the record holds: a paraphrase, or something the record never covers.
    unknown: frozenset[str] = frozenset()
    # Unknown terms that name something (a person, a product, an identifier): a record that
    # never mentions what the question names does not answer it.
    unknown_names: frozenset[str] = frozenset()
    # The initials of adjacent key terms ("WG" for "working group") -> those terms: notes
    # abbreviate what a question spells out.
    initials: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    def share(self, found: Iterable[str]) -> float:
        """The weighted share of the key terms among `found` (stems)."""
        total = self.total
        if not total:
            return 0.0
        present = set(found)
        return sum(weight for term, weight in self.weights.items() if term in present) / total

    def present(self, found: Iterable[str]) -> set[str]:
        """The key terms among `found` (stems)."""
        present = set(found)
        return {term for term in self.weights if term in present}

    def found_in(self, text: str) -> set[str]:
        """The stems of a text, with the key terms its abbreviations stand for ("WG-linker is
        now active" holds "working" and "group")."""
        found = stems(text)
        for abbreviation, terms in self.initials.items():
            if re.search(rf"(?<![\w-]){abbreviation}(?![a-z])", text):
                found |= terms
        return found


def key_terms(question: str, document_frequency: Callable[[str], int], documents: int) -> KeyTerms:
    """Key terms weighted by BM25's IDF, `ln(1 + (N - df + 0.5) / (df + 0.5))` over `documents`
    chunks; `document_frequency` counts the chunks that hold a word."""
    weights: dict[str, float] = {}
    unknown: set[str] = set()
    for term, word in question_terms(question).items():
        frequency = min(max(document_frequency(word), 0), documents)
        if frequency == 0:
            if word.isalpha() and word.endswith(("ed", "ly")):
                # A word that says how rather than what ("exposed", "quickly") and that the
                # record never uses matches nothing and names nothing: it is left out.
                continue
            unknown.add(term)
        weights[term] = math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))
    names = frozenset(unknown & named_terms(question))
    return KeyTerms(weights, frozenset(unknown), names, _initials(question, set(weights)))


# How many adjacent words an abbreviation stands for, at most ("WG", "SLA", "RACI").
INITIALS_WORDS = 4


def _initials(question: str, terms: set[str]) -> dict[str, frozenset[str]]:
    """The abbreviations (upper-case initials) of every run of adjacent key terms."""
    runs: list[list[str]] = [[]]
    for word in words(question):
        if stem(word) in terms and word.isalpha():
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    found: dict[str, frozenset[str]] = {}
    for run in runs:
        for start in range(len(run)):
            for end in range(start + 2, min(start + INITIALS_WORDS, len(run)) + 1):
                part = run[start:end]
                found["".join(w[0] for w in part).upper()] = frozenset(stem(w) for w in part)
    return found


def frequencies_in(texts: list[str]) -> Callable[[str], int]:
    """Document frequency of a word over a handful of texts (the evidence itself), for when the
    project's keyword index is not at hand."""
    held = [stems(text) for text in texts]
    return lambda word: sum(stem(word) in found for found in held)
