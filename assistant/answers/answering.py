"""Answering a question about a project: retrieve, then write with the model or extractively.

1. A follow-up is made standalone: with a model through `prompts/rewrite_question.md`
   (structured output), offline by joining it to the previous question when it leans on it.
2. Hybrid retrieval, then the sources read as passages and weighed against the question's key
   terms and meaning (`extracts.py`, `coverage.py`). When the record never names what the
   question names, or nothing in it is close in meaning or in words, the answer says the record
   does not cover the question, and no model is called.
3. With a model: the sources go in as delimited data within the token budget
   (`prompts/answer_question.md`), the reply streams sentence by sentence through a screen
   (links to addresses no source has, and calls that are the PM's, never reach the reader),
   and every citation is checked. Without one: the passages that answer, quoted with their
   citations (with the closest passages, labelled as such, when the support is weak).
4. The complete answer is saved with its conversation, prompt (name, version, hash), model and
   token counts. An error at any step saves nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Generator, Iterator

from pydantic import BaseModel, Field

from assistant.answers.citations import read_sentences, render_checked
from assistant.answers.coverage import judge_coverage, read_coverage
from assistant.answers.extracts import ExtractiveWriter, ScoredPassage
from assistant.answers.frequencies import RecordFrequencies
from assistant.answers.key_terms import KeyTerms, frequencies_in, key_terms
from assistant.answers.screening import AnswerScreen
from assistant.config import Settings
from assistant.domain.answer import (
    Answer,
    AnswerComplete,
    AnswerDelta,
    AnswerEvent,
    Coverage,
    SourcesFound,
    Turn,
)
from assistant.domain.clock import utc_now
from assistant.domain.errors import InvalidInputError
from assistant.domain.evidence import Evidence
from assistant.domain.search import RetrievalFilter
from assistant.llm import (
    LanguageModel,
    ModelOutputError,
    ModelReply,
    StructuredOutputError,
    TokenUsage,
    ask_structured,
)
from assistant.llm.context import given_addresses, pack_evidence, prompt_tokens
from assistant.llm.errors import failed_because
from assistant.prompts import load_prompt
from assistant.retrieval import Retriever
from assistant.store.conversations import ConversationStore, new_conversation_id
from assistant.text.links import without_foreign_links
from assistant.tokens import TokenCounter

# Why a reply was unusable, as the label under the extracts says it.
NOT_COVERED = (
    "The project record does not cover this question: none of its documents is close enough "
    "to answer from."
)
FOLLOW_UP = re.compile(
    r"^(?:and|but|also|so|what about|how about)\b"
    r"|\b(?:it|its|that|this|those|these|they|them|their|he|she|his|her|him)\b",
    re.IGNORECASE,
)


class StandaloneQuestion(BaseModel):
    question: str = Field(min_length=1, description="The question, understandable on its own.")


class QuestionAnswerer:
    def __init__(
        self,
        *,
        settings: Settings,
        retriever: Retriever,
        conversations: ConversationStore,
        counter: TokenCounter,
        extractive: ExtractiveWriter,
        model: LanguageModel | None,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.conversations = conversations
        self.counter = counter
        self.extractive = extractive
        self.model = model

    def stream(
        self,
        question: str,
        project: str,
        *,
        conversation_id: str | None = None,
        filters: RetrievalFilter | None = None,
        history: list[Turn] | None = None,
    ) -> Iterator[AnswerEvent]:
        """`conversation_id` continues a saved conversation; `history` gives the earlier turns
        of one pmassist did not keep (a chat client sends them with every question)."""
        question = question.strip()
        if not question:
            raise InvalidInputError("The question is empty.", field="question")
        length = self.counter.count(question)
        if length > self.settings.question_tokens:
            raise InvalidInputError(
                f"The question is {length} tokens long; the limit is "
                f"{self.settings.question_tokens} (PMASSIST_QUESTION_TOKENS). Shorten it.",
                field="question",
            )
        if conversation_id and history:
            raise InvalidInputError(
                "Continue a saved conversation or give the earlier turns, not both.",
                field="history",
            )
        history = list(history or [])
        if conversation_id:
            conversation = self.conversations.get(conversation_id)
            if conversation is None or conversation.project != project:
                raise InvalidInputError(
                    f"Project '{project}' has no conversation '{conversation_id}'.",
                    field="conversation_id",
                )
            history = self.conversations.history(conversation_id)
        else:
            conversation_id = new_conversation_id()

        usage = TokenUsage()
        warnings: list[str] = []
        search_query = self._standalone(question, history, usage, warnings)
        retrieval = self.retriever.retrieve(
            search_query,
            project,
            k=self.settings.retrieval_k,
            filters=filters,
            per_document=self.settings.chunks_per_document,
        )
        # How well the record covers the question is judged on its best passages, not the best
        # chunk: a chunk on the right topic can still lack the answer.
        terms = self._key_terms(search_query, project, retrieval.evidence)
        scored = self.extractive.score(search_query, retrieval.evidence, terms)
        chosen = self.extractive.choose(scored, terms)
        coverage: Coverage = judge_coverage(
            read_coverage(search_query, terms, scored, chosen, retrieval.evidence), self.settings
        )
        yield SourcesFound(search_query, retrieval.evidence, coverage)
        answer = Answer(
            conversation_id=conversation_id,
            project=project,
            question=question,
            search_query=search_query,
            coverage=coverage,
            writer="none",
            text=NOT_COVERED,
            sources=retrieval.evidence,
            warnings=warnings,
            created_at=utc_now(),
        )
        if coverage == "not_covered":
            yield AnswerDelta(NOT_COVERED)
        elif self.model is None:
            text, sentences = self.extractive.write(chosen, weak=coverage == "weak")
            yield AnswerDelta(text)
            answer = answer.model_copy(
                update={"writer": self.extractive.name, "text": text, "sentences": sentences}
            )
        else:
            try:
                answer = yield from self._model_answer(answer, project, search_query, usage)
            except (ModelOutputError, StructuredOutputError) as error:
                reason = failed_because(error)
                answer = yield from self._extracts_instead(answer, chosen, coverage, reason)
            if answer.sentences and not any(s.supported for s in answer.sentences):
                reason = "no sentence of it cites a source it was given"
                answer = yield from self._extracts_instead(answer, chosen, coverage, reason)
        yield AnswerComplete(self.conversations.save(answer))

    def _extracts_instead(
        self, answer: Answer, chosen: list[ScoredPassage], coverage: Coverage, reason: str
    ) -> Generator[AnswerEvent, None, Answer]:
        """A model reply that is cut off, fails its format or cites nothing: the PM gets the
        extracts, labelled as such, never nothing; the reason is kept with the answer."""
        if self.model is not None:
            self.model.journal.fell_back("answer", reason)
        text, sentences = self.extractive.write(
            chosen, weak=coverage == "weak", instead_of_model=True
        )
        label = f"The model's answer failed its checks ({reason.rstrip('.')}); extracts shown."
        yield AnswerDelta(f"\n\n{label}\n\n{text}")
        return answer.model_copy(
            update={
                "writer": f"{self.extractive.name} (the model's answer failed its checks)",
                "text": f"{label}\n\n{text}",
                "sentences": sentences,
                "warnings": [*answer.warnings, label],
            }
        )

    def _key_terms(self, question: str, project: str, evidence: list[Evidence]) -> KeyTerms:
        """The question's terms weighted by their rarity in the project's record (in the
        evidence alone when the project has no keyword index yet)."""
        frequencies = RecordFrequencies.of(self.retriever, project)
        if frequencies.documents:
            return key_terms(question, frequencies, frequencies.documents)
        texts = [item.text for item in evidence]
        return key_terms(question, frequencies_in(texts), len(texts))

    def _model_answer(
        self, answer: Answer, project: str, question: str, usage: TokenUsage
    ) -> Generator[AnswerEvent, None, Answer]:
        assert self.model is not None
        prompt = load_prompt("answer_question")
        values = {"project": project, "today": dt.date.today().isoformat(), "question": question}
        empty = prompt.render(sources="", **values)
        overhead = prompt_tokens(empty, self.counter)
        budget = self.model.prompt_budget(self.settings.context_tokens, self.settings.answer_tokens)
        pack = pack_evidence(answer.sources, budget, self.counter, overhead)
        if not pack.included:
            raise InvalidInputError(
                f"A prompt of {budget} tokens (PMASSIST_CONTEXT_TOKENS, within the model's "
                "context) leaves no room for even one source next to the instructions and the "
                "question; raise it."
            )
        messages = prompt.render(sources=pack.sources, **values)
        reply: ModelReply | None = None
        screen = AnswerScreen(pack.included)
        for piece in self.model.stream(messages):
            if isinstance(piece, str):
                if shown := screen.feed(piece):
                    yield AnswerDelta(shown)
            else:
                reply = piece
        if tail := screen.finish():
            yield AnswerDelta(tail)
        assert reply is not None
        usage.add(reply.usage)
        cleaned = without_foreign_links(reply.text, given_addresses(pack.included))
        read = read_sentences(cleaned.text, {item.citation for item in pack.included})
        sentences = screen.screened(read)
        warnings = list(answer.warnings)
        if cleaned.removed:
            warnings.append(
                f"{len(cleaned.removed)} link(s) or image(s) the model wrote were removed: their "
                "addresses are in none of the sources."
            )
        if len(sentences) < len(read):
            warnings.append(
                f"{len(read) - len(sentences)} sentence(s) were left out: they made a call that "
                "is the PM's (an overall status, closed risks) that no cited source makes."
            )
        unsupported = [s for s in sentences if not s.supported]
        self.model.journal.sentences(len(sentences) - len(unsupported), len(unsupported))
        invalid = sorted({c for s in sentences for c in s.invalid_citations})
        if invalid:
            warnings.append(
                f"The model cited {', '.join(invalid)}, which it was not given; those citations "
                "were removed."
            )
        if unsupported:
            warnings.append(
                f"{len(unsupported)} sentence(s) have no valid source and are marked unsupported."
            )
        if pack.dropped:
            warnings.append(
                f"{len(pack.dropped)} source(s) were left out to fit the token budget "
                f"({budget} tokens)."
            )
        return answer.model_copy(
            update={
                "writer": self.model.name,
                "text": render_checked(sentences),
                "sentences": sentences,
                "sources": pack.included,
                "dropped_sources": [item.citation for item in pack.dropped],
                "prompt": prompt.ref,
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "warnings": warnings,
            }
        )

    def _standalone(
        self, question: str, history: list[Turn], usage: TokenUsage, warnings: list[str]
    ) -> str:
        if not history:
            return question
        if self.model is None:
            return joined_follow_up(question, history)
        prompt = load_prompt("rewrite_question")
        transcript = "\n".join(
            f"User: {turn.question}\nAssistant: {_shorten(turn.answer, 400)}" for turn in history
        )
        try:
            reply = ask_structured(
                self.model,
                prompt.render(history=transcript, question=question),
                StandaloneQuestion,
                retries=self.settings.structured_output_retries,
            )
        except StructuredOutputError as error:
            usage.input_tokens += error.input_tokens
            usage.output_tokens += error.output_tokens
            warnings.append(
                "The follow-up could not be rewritten into a standalone question "
                f"({error.attempts} attempts); it was searched joined to the previous question."
            )
            return joined_follow_up(question, history)
        usage.add(reply.usage)
        return reply.value.question.strip()


FOLLOW_UP_TURNS = 3  # how far back a chain of follow-ups is followed


def joined_follow_up(question: str, history: list[Turn]) -> str:
    """Offline: a follow-up that leans on the last question ("and who owns it?") is searched
    together with it, so the query carries what that question named; when the last question
    leaned on the one before it, that one comes too (a few turns back at most)."""
    joined = [question]
    for turn in reversed(history[-FOLLOW_UP_TURNS:]):
        if not FOLLOW_UP.search(joined[0]):
            break
        joined.insert(0, turn.question)
    return " ".join(joined)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
