"""Answers to questions about a project, each claim cited to the record."""

from assistant.answers.answering import QuestionAnswerer

__all__ = ["QuestionAnswerer"]
