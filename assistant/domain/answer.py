"""Answers to questions about a project, the turns of a conversation, and the events an answer
streams as it is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from assistant.domain.evidence import Evidence, PromptRef
from assistant.domain.record import RecordModel

Coverage = Literal["answered", "weak", "not_covered"]


class AnswerSentence(RecordModel):
    """One sentence of an answer with the sources it cites, as checked against the evidence."""

    text: str
    citations: list[str] = Field(default_factory=list, description="Ids that resolve (S1…).")
    invalid_citations: list[str] = Field(
        default_factory=list, description="Ids the writer cited that were not among the sources."
    )
    gap: bool = Field(default=False, description="Says what the record does not cover.")

    @property
    def supported(self) -> bool:
        return self.gap or bool(self.citations)


class Answer(RecordModel):
    """An answer to a question about a project, with its sources and how it was produced."""

    id: int | None = None
    conversation_id: str
    project: str
    question: str
    search_query: str
    coverage: Literal["answered", "weak", "not_covered"] = Field(
        description="How well the best source matches: 'not_covered' means no model was asked."
    )
    writer: str = Field(
        description="'extractive', 'none', or the model, e.g. 'openai:gpt-4o-mini'."
    )
    text: str
    sentences: list[AnswerSentence] = Field(default_factory=list)
    sources: list[Evidence] = Field(default_factory=list)
    dropped_sources: list[str] = Field(
        default_factory=list, description="Sources left out to fit the token budget."
    )
    prompt: PromptRef | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    warnings: list[str] = Field(default_factory=list)
    created_at: dt.datetime

    def cited_sources(self) -> list[Evidence]:
        cited = {citation for sentence in self.sentences for citation in sentence.citations}
        return [source for source in self.sources if source.citation in cited]

    def unsupported_sentences(self) -> list[AnswerSentence]:
        return [sentence for sentence in self.sentences if not sentence.supported]


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation: what was asked and what was answered."""

    question: str
    answer: str


@dataclass(frozen=True)
class SourcesFound:
    search_query: str
    evidence: list[Evidence]
    coverage: Coverage


@dataclass(frozen=True)
class AnswerDelta:
    text: str


@dataclass(frozen=True)
class AnswerComplete:
    answer: Answer


AnswerEvent = SourcesFound | AnswerDelta | AnswerComplete
