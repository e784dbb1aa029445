"""Answers to questions about a project, each claim cited to the record."""

from assistant.answers.answering import (
    AnswerComplete,
    AnswerDelta,
    AnswerEvent,
    QuestionAnswerer,
    SourcesFound,
)

__all__ = ["AnswerComplete", "AnswerDelta", "AnswerEvent", "QuestionAnswerer", "SourcesFound"]
