"""The language model: factory, typed errors, structured output, context packs."""

from assistant.llm.errors import (
    ModelError,
    ModelOutputError,
    ModelRequestError,
    ModelUnavailableError,
    StructuredOutputError,
)
from assistant.llm.model import LanguageModel, ModelReply, TokenUsage, language_model_from_settings
from assistant.llm.structured import StructuredReply, ask_structured

__all__ = [
    "LanguageModel",
    "ModelError",
    "ModelOutputError",
    "ModelReply",
    "ModelRequestError",
    "ModelUnavailableError",
    "StructuredOutputError",
    "StructuredReply",
    "TokenUsage",
    "ask_structured",
    "language_model_from_settings",
]
