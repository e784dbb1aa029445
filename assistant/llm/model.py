"""The chat model: one factory for OpenAI, any OpenAI-compatible server, Azure OpenAI, or none.

`LanguageModel` wraps a LangChain chat model and is the only place that talks to it: it streams
or invokes, records token usage, stops on `length` / `content_filter` / refusals, and turns the
openai client's exceptions into pmassist's typed errors. Timeouts and retries are explicit: the
openai client's own defaults (10 minutes, 2 retries) can block for about half an hour. A reply
that starts repeating itself is stopped there (`repetition.repeats_itself`). Every call goes
into the model's journal (time, tokens, outcome).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage

from assistant.config import Settings
from assistant.domain.errors import PmassistError
from assistant.llm.context import prompt_tokens
from assistant.llm.errors import (
    ModelError,
    ModelOutputError,
    ModelRequestError,
    ModelUnavailableError,
)
from assistant.llm.journal import ModelJournal
from assistant.llm.repetition import repeats_itself
from assistant.tokens import TokenCounter

CONTEXT_MARGIN = 0.8
MIN_PROMPT_TOKENS = 256
# How servers word a prompt longer than the model's context (OpenAI, llama.cpp, vLLM, Ollama).
CONTEXT_EXCEEDED = re.compile(
    r"context[_ ]length[_ ]exceeded|exceeds the (?:available )?context|maximum context length|"
    r"context window",
    re.IGNORECASE,
)
RAISE_LIMIT = (
    "Ask a narrower question or raise PMASSIST_ANSWER_TOKENS (answers) or PMASSIST_DRAFT_TOKENS "
    "(report summaries, risk proposals)."
)
REPETITION_CHECK_EVERY = 8  # stream chunks (about a token each)
# A failed call's outcome in the journal, by the error's reason.
OUTCOMES = {
    "length": "cut off",
    "repetition": "repeats itself",
    "content_filter": "filtered",
    "refusal": "refused",
    "context": "prompt too long",
    "ModelUnavailableError": "unavailable",
    "ModelRequestError": "refused request",
}


@dataclass
class TokenUsage:
    input_tokens: int = 0
    output_tokens: int = 0
    # True when the provider did not report usage and the counts are tiktoken's.
    counted_locally: bool = False

    def add(self, other: TokenUsage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.counted_locally = self.counted_locally or other.counted_locally


@dataclass
class ModelReply:
    text: str
    finish_reason: str | None
    usage: TokenUsage = field(default_factory=TokenUsage)
    message: AIMessage | None = None


class LanguageModel:
    def __init__(
        self,
        chat_model: BaseChatModel,
        name: str,
        counter: TokenCounter,
        *,
        endpoint: str = "",
        timeout: float = 30.0,
        max_retries: int = 2,
        context_tokens: int | None = None,
    ) -> None:
        """`context_tokens`: the context window the server reports (a local server does), which
        a prompt and its reply must fit; None when the endpoint does not say."""
        self.chat_model = chat_model
        self.name = name
        self.counter = counter
        self.endpoint = endpoint
        self.timeout = timeout
        self.max_retries = max_retries
        self.context_tokens = context_tokens
        self.journal = ModelJournal()

    def prompt_budget(self, configured: int, reply_tokens: int) -> int:
        """The prompt's token budget: the configured one, within what the model's context
        leaves for the prompt once the reply has its room."""
        if self.context_tokens is None:
            return configured
        # Prompts are counted with tiktoken; a model's own tokenizer can need a good deal more
        # for the same text (Gemma's about a fifth more on the fixtures), hence the margin.
        room = int((self.context_tokens - reply_tokens) * CONTEXT_MARGIN)
        return max(MIN_PROMPT_TOKENS, min(configured, room))

    def stream(self, messages: Sequence[BaseMessage]) -> Iterator[str | ModelReply]:
        """Text pieces as they arrive, then one ModelReply with the whole text and usage."""
        gathered: AIMessageChunk | None = None
        started = time.perf_counter()
        instructions = _instructions(messages)
        with self._journalled(messages, started):
            with self._translated_errors():
                for count, chunk in enumerate(self.chat_model.stream(list(messages)), 1):
                    gathered = chunk if gathered is None else gathered + chunk
                    if isinstance(chunk.content, str) and chunk.content:
                        yield chunk.content
                    if count % REPETITION_CHECK_EVERY == 0 and repeats_itself(
                        _text(gathered), instructions=instructions
                    ):
                        # Leaving the loop closes the stream, and the server stops generating.
                        break
            text = _text(gathered)
            finish = (gathered.response_metadata.get("finish_reason") if gathered else None) or None
            reply = ModelReply(text, finish, self._usage(messages, gathered, text))
            self._check_reply(reply, gathered, instructions=instructions)
            self.journal.call(time.perf_counter() - started, *_counts(reply), "ok")
        yield reply

    def invoke(self, messages: Sequence[BaseMessage], **kwargs: Any) -> ModelReply:
        started = time.perf_counter()
        with self._journalled(messages, started):
            with self._translated_errors():
                message = self.chat_model.invoke(list(messages), **kwargs)
            if not isinstance(message, AIMessage):
                raise ModelRequestError(
                    f"The model returned {type(message).__name__}, not a message."
                )
            text = _text(message)
            reply = ModelReply(
                text,
                message.response_metadata.get("finish_reason"),
                self._usage(messages, message, text),
                message,
            )
            structured = "response_format" in kwargs
            self._check_reply(reply, message, structured, _instructions(messages))
            self.journal.call(time.perf_counter() - started, *_counts(reply), "ok")
        return reply

    @contextmanager
    def _journalled(self, messages: Sequence[BaseMessage], started: float) -> Iterator[None]:
        """A failed call goes into the journal with what went wrong."""
        try:
            yield
        except ModelError as error:
            reason = getattr(error, "reason", None) or type(error).__name__
            prompt = prompt_tokens(messages, self.counter)
            outcome = OUTCOMES.get(reason, reason)
            written = getattr(error, "output_tokens", 0)
            self.journal.call(time.perf_counter() - started, prompt, written, outcome)
            raise

    def _usage(
        self, messages: Sequence[BaseMessage], message: AIMessage | None, text: str
    ) -> TokenUsage:
        reported = message.usage_metadata if message is not None else None
        if reported:
            return TokenUsage(reported["input_tokens"], reported["output_tokens"])
        prompt = prompt_tokens(messages, self.counter)
        return TokenUsage(prompt, self.counter.count(text), counted_locally=True)

    def _check_reply(
        self,
        reply: ModelReply,
        message: AIMessage | None,
        structured: bool = False,
        instructions: str = "",
    ) -> None:
        if repeats_itself(reply.text, structured, instructions):
            raise ModelOutputError(
                "repetition",
                f"The model's reply started repeating itself or its instructions and was stopped "
                f"({reply.usage.output_tokens} tokens); nothing was saved.",
                reply.usage.output_tokens,
            )
        refusal = message.additional_kwargs.get("refusal") if message is not None else None
        if refusal:
            raise ModelOutputError("refusal", f"The model declined to answer: {refusal}")
        if reply.finish_reason == "length":
            raise ModelOutputError(
                "length",
                f"The model's reply was cut off at its length limit "
                f"({reply.usage.output_tokens} tokens); nothing was saved. {RAISE_LIMIT}",
                reply.usage.output_tokens,
            )
        if reply.finish_reason == "content_filter":
            raise ModelOutputError(
                "content_filter",
                "The provider's content filter stopped the reply; nothing was saved.",
            )

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        import openai

        attempts = self.max_retries + 1
        where = self.endpoint or "the model endpoint"
        try:
            yield
        except PmassistError:
            raise
        except openai.LengthFinishReasonError as error:
            usage = error.completion.usage
            raise ModelOutputError(
                "length",
                f"The model's reply was cut off at its length limit; nothing was saved. "
                f"{RAISE_LIMIT}",
                usage.completion_tokens if usage else 0,
            ) from error
        except openai.ContentFilterFinishReasonError as error:
            raise ModelOutputError(
                "content_filter", "The provider's content filter stopped the reply."
            ) from error
        except openai.APITimeoutError as error:
            raise ModelUnavailableError(
                f"{where} did not answer within {self.timeout:g} s "
                f"({attempts} attempts); nothing was saved. Check the endpoint or raise "
                "PMASSIST_REQUEST_TIMEOUT."
            ) from error
        except openai.APIConnectionError as error:
            raise ModelUnavailableError(
                f"Cannot reach {where} ({attempts} attempts): {error.__cause__ or error}. "
                "Nothing was saved."
            ) from error
        except openai.RateLimitError as error:
            raise ModelUnavailableError(
                f"{where} is rate-limiting requests (HTTP 429) and still was after "
                f"{attempts} attempts; nothing was saved. Try again later."
            ) from error
        except openai.InternalServerError as error:
            raise ModelUnavailableError(
                f"{where} failed with HTTP {error.status_code} on all {attempts} attempts; "
                "nothing was saved."
            ) from error
        except openai.BadRequestError as error:
            if CONTEXT_EXCEEDED.search(_api_message(error)):
                raise ModelOutputError(
                    "context",
                    f"The prompt did not fit the model's context window: {_api_message(error)}. "
                    "Nothing was saved; lower PMASSIST_CONTEXT_TOKENS or give the model more "
                    "context.",
                ) from error
            raise ModelRequestError(
                f"{where} refused the request (HTTP 400): {_api_message(error)}"
            ) from error
        except openai.APIStatusError as error:
            raise ModelRequestError(
                f"{where} refused the request (HTTP {error.status_code}): {_api_message(error)}"
            ) from error


def _instructions(messages: Sequence[BaseMessage]) -> str:
    return "\n".join(str(m.content) for m in messages if m.type == "system")


def _counts(reply: ModelReply) -> tuple[int, int]:
    return reply.usage.input_tokens, reply.usage.output_tokens


def _text(message: AIMessage | None) -> str:
    if message is None:
        return ""
    if isinstance(message.content, str):
        return message.content
    return "".join(
        part.get("text", "") if isinstance(part, dict) else str(part) for part in message.content
    )


def _api_message(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(error)


def language_model_from_settings(settings: Settings, counter: TokenCounter) -> LanguageModel | None:
    """The configured chat model, or None when none is configured (extractive answers)."""
    provider = settings.chat_provider
    if provider == "none":
        return None
    common: dict[str, Any] = {
        "timeout": settings.request_timeout,
        "max_retries": settings.max_retries,
        "temperature": settings.temperature,
        "max_completion_tokens": settings.answer_tokens,
    }
    if provider == "azure":
        from langchain_openai import AzureChatOpenAI

        if not settings.azure_openai_endpoint:
            raise PmassistError("PMASSIST_LLM=azure needs AZURE_OPENAI_ENDPOINT.")
        deployment = settings.azure_deployment or settings.chat_model
        azure = AzureChatOpenAI(
            azure_endpoint=settings.azure_openai_endpoint,
            azure_deployment=deployment,
            api_version=settings.azure_openai_api_version,
            api_key=settings.azure_openai_api_key,
            **common,
        )
        return LanguageModel(
            azure,
            f"azure:{deployment}",
            counter,
            endpoint=settings.azure_openai_endpoint,
            timeout=settings.request_timeout,
            max_retries=settings.max_retries,
        )
    from langchain_openai import ChatOpenAI

    base_url: str | None
    context_tokens: int | None = None
    if provider == "local":
        from assistant.llm.local_server import shared_local_model

        # The local server is an OpenAI-compatible endpoint like any other, started here.
        local = shared_local_model(settings)
        model, key, base_url, label = local.name, None, local.base_url, f"local:{local.name}"
        context_tokens = local.context_tokens
    else:
        if not settings.openai_api_key and not settings.openai_base_url:
            raise PmassistError(
                "PMASSIST_LLM=openai needs OPENAI_API_KEY, or OPENAI_BASE_URL for a compatible "
                "server."
            )
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        model, base_url = settings.chat_model, settings.openai_base_url
        label = f"{'openai-compatible' if base_url else 'openai'}:{model}"
    chat = ChatOpenAI(
        model=model,
        # Compatible servers (Ollama, vLLM, LM Studio, llama.cpp) accept any key; the client
        # insists on one.
        api_key=key or "not-needed",
        base_url=base_url,
        **common,
    )
    return LanguageModel(
        chat,
        label,
        counter,
        endpoint=base_url or "api.openai.com",
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
        context_tokens=context_tokens,
    )
