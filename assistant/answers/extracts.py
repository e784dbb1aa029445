"""The offline writer: the passages of the sources that answer the question, quoted and cited.

Every passage of the best sources (`passages.py`) is scored against the question:
- its key terms (`key_terms.py`): the IDF-weighted share of the question's terms it holds, a term
  in the passage itself counting fully, one only in what it is about (heading path, the bullet
  above it, its explanation lines, the sentences beside it) counting in part;
- its embedding's similarity to the question, read under its heading and the bullet it is
  nested in;
- a small bonus when it has what the question asks for (a reason for "why", a date for "when",
  an amount for "how much", a person for "who": `answer_kinds.py`) and when it holds a figure
  at all (PM answers mostly are dates, amounts and counts); a ticket's or decision's title, which
  names the topic rather than the fact, counts a little less.
With no language model configured, the best passages are the answer, chosen so that together
they hold as many of the question's terms as they can ("what date, and who decides?" needs two):
each quoted word for word, with the bullet above it and its explanation lines where those say
what it is about, and cited.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass, replace

from assistant.answers.answer_kinds import asked_for
from assistant.answers.key_terms import KeyTerms, named_terms, stems
from assistant.answers.passages import Passage, passages
from assistant.domain.answer import AnswerSentence
from assistant.domain.evidence import Evidence
from assistant.embeddings import Embedder
from assistant.retrieval.temporal import NOW, TimeWindow, names_a_period, time_window
from assistant.text.citations import escape_citation_marks

EXTRACTS_LABEL = "Extracts from the project record (no language model is configured):"
WEAK_LABEL = (
    "The project record may not answer this directly. The closest passages "
    "(no language model is configured):"
)
# In place of a model's reply that failed its checks (the label before them says why).
NO_MODEL = " (no language model is configured)"
# Retrieval returns up to two chunks of each of the best documents; reading past the best eight
# chunks costs embedding time and finds more noise than answers (measured on the fixtures).
SOURCES_READ = 8
MAX_EXTRACTS = 5
PER_SOURCE = 2
# A passage shorter than this is quoted only when it holds one of the question's terms itself:
# "Fastly: done" answers a question about Fastly; "Agreed." answers nothing on its own.
SHORT_CHARACTERS = 25
KEYWORD_WEIGHT = 0.5
CUE_WEIGHT = 0.15
# Answers to a PM's questions are mostly figures: dates, amounts, counts, times.
FIGURE_WEIGHT = 0.15
# A ticket's or decision's title names the topic; the fact is usually in its fields and comments.
TITLE_WEIGHT = 0.1
# How much a term counts when it is only in what the passage is about, not in the passage.
CONTEXT_WEIGHT = 0.5
HEADING_WEIGHT = 0.35
# After the first extract, terms no chosen extract holds yet count this much more.
NEW_TERMS_WEIGHT = 0.35
# How many passages are read for meaning, and how many of the best again without their heading.
# A passage from the period the question names moves up (from another week, down).
TIME_WEIGHT = 0.2
WEEK_DAYS = 7
MEANING_READ = 16
REREAD = 10
# An extract scoring below this share of the best one adds more noise than answer.
RELATIVE_FLOOR = 0.6
# The bullet above a passage is quoted before it when it is this short (a label, not a story).
LEAD_CHARACTERS = 80
# A sentence is quoted with the one after it on its line while both fit this many characters.
FOLLOWING_CHARACTERS = 200
EXPLANATION_LINES = 3
EXPLANATION_CHARACTERS = 300
# A figure: a number that is not part of an identifier ("HBR-123", "M2", "v3").
_FIGURE = re.compile(r"(?<![\w-])\d[\d,.:%]*(?![\w-]*-\d)")


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    similarity: float
    # Weighted share of the question's key terms in the passage, its context and heading.
    term_share: float
    # The key terms (stems) the passage itself holds.
    own_terms: frozenset[str]
    score: float
    # Similarity of the passage read on its own, without its heading (the best few only).
    alone: float = -1.0

    @property
    def closeness(self) -> float:
        """How close in meaning the passage comes to the question, read either way."""
        return max(self.similarity, self.alone)

    @property
    def text(self) -> str:
        return self.passage.text

    @property
    def citation(self) -> str:
        return self.passage.citation

    @property
    def support(self) -> float:
        """How well this passage alone answers: similarity plus the question's terms held."""
        return self.similarity + KEYWORD_WEIGHT * self.term_share


class ExtractiveWriter:
    name = "extractive"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def score(
        self, question: str, evidence: list[Evidence], terms: KeyTerms
    ) -> list[ScoredPassage]:
        """Every quotable passage of the best sources, best first."""
        wanted = asked_for(question)
        when = _period_asked(question, evidence)
        dated = {source.citation: source.date for source in evidence}
        # Words first: they are cheap, and a fragment ("Agreed.") without the question's terms
        # is never quoted.
        read: list[tuple[Passage, float, frozenset[str], float]] = []
        for passage in passages(_sources_read(question, evidence)):
            own = frozenset(terms.present(terms.found_in(passage.text)))
            if len(passage.text) < SHORT_CHARACTERS and not own:
                continue
            share = _term_share(passage, own, terms)
            cue = CUE_WEIGHT if any(kind.answered_by(passage.text) for kind in wanted) else 0.0
            cue += FIGURE_WEIGHT if _FIGURE.search(passage.text) else 0.0
            cue -= TITLE_WEIGHT if passage.line < 0 else 0.0
            if when is not None and (day := dated.get(passage.citation)) is not None:
                # "At the end of week 46": a line from that week answers before September's.
                cue += TIME_WEIGHT if when.contains(day) else _elsewhen(when)
            read.append((passage, share, own, KEYWORD_WEIGHT * share + cue))
        if not read:
            return []
        # Meaning is read for the passages the words rank best (embedding is most of the cost
        # of an answer); the order of the sources breaks ties, so a paraphrase in the best
        # source is still read.
        if len(read) > MEANING_READ:
            order = sorted(range(len(read)), key=lambda i: (-read[i][3], i))
            read = [read[i] for i in sorted(order[:MEANING_READ])]
        # A line is read under its heading and the bullet above it: "June: $1,977" is the June
        # of the "Azure" bullet in "Cloud budgets".
        texts = list(dict.fromkeys(_as_read(passage) for passage, *_ in read))
        vectors = self.embedder.embed_texts([question, *texts])
        similarity = dict(zip(texts, (vectors[1:] @ vectors[0]).tolist(), strict=True))
        scored = []
        for passage, share, own, lexical in read:
            cosine = similarity[_as_read(passage)]
            scored.append(ScoredPassage(passage, cosine, share, own, cosine + lexical))
        scored.sort(key=lambda s: s.score, reverse=True)
        return self._reread(question, scored)

    def _reread(self, question: str, scored: list[ScoredPassage]) -> list[ScoredPassage]:
        """The best passages read again on their own. Their heading ranks passages well, but can
        drown a short line's meaning (a table row under a long title): how close the record
        comes to the question is judged on the closer of the two readings."""
        head = scored[:REREAD]
        if not head:
            return scored
        vectors = self.embedder.embed_texts([question, *(s.text for s in head)])
        alone = vectors[1:] @ vectors[0]
        again = [replace(s, alone=float(c)) for s, c in zip(head, alone, strict=True)]
        return again + scored[REREAD:]

    def choose(self, scored: list[ScoredPassage], terms: KeyTerms) -> list[ScoredPassage]:
        """The extracts: the best passage, then those that add the most, one source at most
        twice, none far below the best."""
        if not scored:
            return []
        chosen = [scored[0]]
        covered = set(scored[0].own_terms)
        floor = RELATIVE_FLOOR * scored[0].score
        rest = list(scored[1:])
        while rest and len(chosen) < MAX_EXTRACTS:
            quoted = " ".join(quotation(s.passage) for s in chosen).lower()
            per_source: dict[str, int] = {}
            for s in chosen:
                per_source[s.citation] = per_source.get(s.citation, 0) + 1
            best: tuple[float, ScoredPassage] | None = None
            for candidate in rest:
                if per_source.get(candidate.citation, 0) >= PER_SOURCE or candidate.score < floor:
                    continue
                if candidate.text.lower() in quoted:
                    continue  # already said by an extract that quotes it with its neighbours
                new = terms.share(candidate.own_terms - covered)
                value = candidate.score + NEW_TERMS_WEIGHT * new
                if best is None or value > best[0]:
                    best = (value, candidate)
            if best is None:
                break
            chosen.append(best[1])
            covered |= best[1].own_terms
            rest.remove(best[1])
        return chosen

    def write(
        self, chosen: list[ScoredPassage], *, weak: bool = False, instead_of_model: bool = False
    ) -> tuple[str, list[AnswerSentence]]:
        label = WEAK_LABEL if weak else EXTRACTS_LABEL
        lines = [label.replace(NO_MODEL, "") if instead_of_model else label]
        answer = []
        for extract in chosen:
            # A quote keeps the record's words, but a "[S1]" typed into the record is not a
            # citation.
            text = escape_citation_marks(quotation(extract.passage))
            lines.append(f"- “{text}” [{extract.citation}]")
            answer.append(AnswerSentence(text=text, citations=[extract.citation]))
        return "\n".join(lines), answer


def quotation(passage: Passage) -> str:
    """The passage as quoted: after the short bullet it is nested under ("Azure … June: $1,977")
    and before its explanation lines, joined as quotations join lines (" / ") and mark what
    they leave out (" … ")."""
    text = passage.text
    if passage.following and len(text) + len(passage.following) <= FOLLOWING_CHARACTERS:
        text = f"{text} {passage.following}"
    # The bullets it is nested under, nearest first, as many as are short enough to read as
    # labels: "JFrog usage … Bandwidth: … April: 43.85 Tb".
    leads: list[str] = []
    for parent in reversed(passage.parents):
        if sum(len(lead) for lead in leads) + len(parent) > LEAD_CHARACTERS:
            break
        leads.insert(0, parent)
    text = " … ".join([*leads, text])
    explanation = list(passage.children[:EXPLANATION_LINES])
    while explanation and sum(len(line) for line in explanation) > EXPLANATION_CHARACTERS:
        explanation.pop()
    return " / ".join([text, *explanation])


def _period_asked(question: str, evidence: list[Evidence]) -> TimeWindow | None:
    """The period the question names ("in week 46", "in March"), read against the newest source.
    "Now" is no period here: what a thing is called now may have been decided months ago."""
    if not names_a_period(question):
        return None
    window = time_window(question, max((e.date for e in evidence if e.date), default=None))
    return None if window is None or NOW.fullmatch(window.phrase) else window


def _elsewhen(when: TimeWindow) -> float:
    """A named week is narrow: a line from another week is about another state of things. A
    month or longer may be answered by a line written before or after it."""
    return -TIME_WEIGHT if (when.end - when.start).days <= WEEK_DAYS else 0.0


def _sources_read(question: str, evidence: list[Evidence]) -> list[Evidence]:
    """The best sources, and any further one that holds an identifier the question names
    ("beacon#44 status" when retrieval ranked that ticket ninth)."""
    named = {term for term in named_terms(question) if any(c.isdigit() for c in term)}
    further = [e for e in evidence[SOURCES_READ:] if named & stems(f"{e.title}\n{e.text}")]
    return evidence[:SOURCES_READ] + further


def _as_read(passage: Passage) -> str:
    """The passage as its meaning is read: under its heading and the bullet it is nested in."""
    text = f"{passage.parents[-1]}: {passage.text}" if passage.parents else passage.text
    return f"{passage.heading}\n{text}" if passage.heading else text


def _term_share(passage: Passage, own: Set[str], terms: KeyTerms) -> float:
    if not terms.total:
        return 0.0
    around = terms.present(terms.found_in(passage.context)) - own
    heading = terms.present(terms.found_in(passage.heading)) - own - around
    # Summed in the question's order, not the sets': a set of strings iterates in an order that
    # changes from one process to the next, and so would the last bits of the sum, and the
    # order of passages that tie.
    weight = terms.weights.items()
    held = (
        sum(w for t, w in weight if t in own)
        + CONTEXT_WEIGHT * sum(w for t, w in weight if t in around)
        + HEADING_WEIGHT * sum(w for t, w in weight if t in heading)
    )
    return held / terms.total
