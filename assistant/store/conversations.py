"""Conversations and their answers in the relational store.

An answer is written only once it is complete, in one transaction with its conversation's row,
so a failed or interrupted question leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from assistant.domain.answer import Answer, Turn
from assistant.domain.clock import utc_now
from assistant.store.db import answers, conversations, names_document


@dataclass(frozen=True)
class Conversation:
    id: str
    project: str
    title: str
    created_at: dt.datetime
    updated_at: dt.datetime
    answers: int


def new_conversation_id() -> str:
    return str(uuid.uuid4())


class ConversationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, conversation_id: str) -> Conversation | None:
        with self.engine.connect() as connection:
            row = (
                connection.execute(
                    select(conversations).where(conversations.c.id == conversation_id)
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            count = connection.scalar(
                select(func.count()).where(answers.c.conversation_id == conversation_id)
            )
        return Conversation(
            row["id"],
            row["project"],
            row["title"],
            row["created_at"],
            row["updated_at"],
            int(count or 0),
        )

    def recent(self, project: str, limit: int = 20) -> list[Conversation]:
        with self.engine.connect() as connection:
            counts: dict[str, int] = {}
            for conversation_id, count in connection.execute(
                select(answers.c.conversation_id, func.count())
                .where(answers.c.project == project)
                .group_by(answers.c.conversation_id)
            ):
                counts[conversation_id] = count
            rows = connection.execute(
                select(conversations)
                .where(conversations.c.project == project)
                .order_by(conversations.c.updated_at.desc())
                .limit(limit)
            ).mappings()
            return [
                Conversation(
                    row["id"],
                    row["project"],
                    row["title"],
                    row["created_at"],
                    row["updated_at"],
                    int(counts.get(row["id"], 0)),
                )
                for row in rows
            ]

    def history(self, conversation_id: str, turns: int = 4) -> list[Turn]:
        """The last `turns` questions and answers, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(answers.c.question, answers.c.text)
                .where(answers.c.conversation_id == conversation_id)
                .order_by(answers.c.id.desc())
                .limit(turns)
            ).all()
        return [Turn(question, text) for question, text in reversed(rows)]

    def answers(self, conversation_id: str) -> list[Answer]:
        with self.engine.connect() as connection:
            texts = connection.scalars(
                select(answers.c.answer_json)
                .where(answers.c.conversation_id == conversation_id)
                .order_by(answers.c.id)
            ).all()
        return [Answer.model_validate_json(text) for text in texts]

    def save(self, answer: Answer) -> Answer:
        """Store a complete answer (and its conversation, if new); returns it with its id."""
        now = utc_now()
        with self.engine.begin() as connection:
            exists = connection.scalar(
                select(conversations.c.id).where(conversations.c.id == answer.conversation_id)
            )
            if exists is None:
                connection.execute(
                    conversations.insert().values(
                        id=answer.conversation_id,
                        project=answer.project,
                        title=answer.question[:120],
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                connection.execute(
                    update(conversations)
                    .where(conversations.c.id == answer.conversation_id)
                    .values(updated_at=now)
                )
            result = connection.execute(
                answers.insert().values(
                    conversation_id=answer.conversation_id,
                    project=answer.project,
                    question=answer.question,
                    search_query=answer.search_query,
                    text=answer.text,
                    answer_json="{}",
                    writer=answer.writer,
                    prompt_name=answer.prompt.name if answer.prompt else None,
                    prompt_version=answer.prompt.version if answer.prompt else None,
                    prompt_hash=answer.prompt.hash if answer.prompt else None,
                    prompt_tokens=answer.input_tokens,
                    completion_tokens=answer.output_tokens,
                    created_at=answer.created_at,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            saved = answer.model_copy(update={"id": int(key[0])})
            connection.execute(
                update(answers)
                .where(answers.c.id == saved.id)
                .values(answer_json=saved.model_dump_json())
            )
        return saved

    def answers_citing(self, project: str, document_id: str) -> list[Answer]:
        """Saved answers of the project with a source in this document."""
        needle = names_document(document_id)
        with self.engine.connect() as connection:
            texts = connection.scalars(
                select(answers.c.answer_json)
                .where(answers.c.project == project, answers.c.answer_json.contains(needle))
                .order_by(answers.c.id)
            ).all()
        found = [Answer.model_validate_json(text) for text in texts]
        return [a for a in found if any(s.document_id == document_id for s in a.sources)]

    def rewrite(self, rewritten: list[Answer]) -> None:
        """Replace saved answers' text and sources (an erasure redacted them), in one
        transaction."""
        with self.engine.begin() as connection:
            for answer in rewritten:
                connection.execute(
                    update(answers)
                    .where(answers.c.id == answer.id)
                    .values(text=answer.text, answer_json=answer.model_dump_json())
                )
