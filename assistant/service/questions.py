"""Questions about a project, answered from its record with every claim cited."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.answers import QuestionAnswerer
from assistant.answers.extracts import ExtractiveWriter
from assistant.domain.answer import Answer, AnswerComplete, AnswerEvent, Turn
from assistant.domain.search import RetrievalFilter
from assistant.service.wiring import Wiring


class QuestionService:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring

    def check_ready(self, project: str) -> None:
        """Raise unless the project has documents to answer from (before a chat starts)."""
        self.wiring.require_documents(project)

    def ask_stream(
        self,
        question: str,
        project: str,
        *,
        conversation_id: str | None = None,
        filters: RetrievalFilter | None = None,
        history: list[Turn] | None = None,
    ) -> Iterator[AnswerEvent]:
        """Answer a question, yielding the sources, the text as it is written, then the answer.

        A follow-up ("who owns it?") is read with the earlier turns: those of the saved
        conversation `conversation_id`, or `history` as a chat client sends it."""
        wiring = self.wiring
        wiring.require_documents(project)
        answerer = QuestionAnswerer(
            settings=wiring.settings,
            retriever=wiring.retriever,
            conversations=wiring.conversations,
            counter=wiring.token_counter,
            extractive=ExtractiveWriter(wiring.embedder()),
            model=wiring.language_model,
        )
        return answerer.stream(
            question, project, conversation_id=conversation_id, filters=filters, history=history
        )

    def ask(
        self,
        question: str,
        project: str,
        *,
        conversation_id: str | None = None,
        filters: RetrievalFilter | None = None,
        history: list[Turn] | None = None,
    ) -> Answer:
        for event in self.ask_stream(
            question, project, conversation_id=conversation_id, filters=filters, history=history
        ):
            if isinstance(event, AnswerComplete):
                return event.answer
        raise AssertionError("the answer stream ended without an answer")
