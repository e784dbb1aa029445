"""Structured output: a JSON reply validated with pydantic, re-asked a bounded number of times.

The schema goes to the model as a strict JSON schema (OpenAI structured outputs; compatible
servers that support `response_format` honour it too). The reply is validated here, not inside
the client, so that an invalid reply can be sent back with its validation errors. After the last
attempt a `StructuredOutputError` reports the attempts, the problems and the tokens spent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from assistant.llm.errors import StructuredOutputError
from assistant.llm.model import LanguageModel, TokenUsage

T = TypeVar("T", bound=BaseModel)


@dataclass
class StructuredReply(Generic[T]):
    value: T
    attempts: int
    usage: TokenUsage


def ask_structured(
    model: LanguageModel,
    messages: Sequence[BaseMessage],
    schema: type[T],
    *,
    retries: int = 2,
    reply_tokens: int | None = None,
) -> StructuredReply[T]:
    """`reply_tokens`: the longest reply, when it differs from the model's default."""
    conversation = list(messages)
    usage = TokenUsage()
    problems: list[str] = []
    response_format = {
        "type": "json_schema",
        "json_schema": {
            "name": schema.__name__,
            "schema": strict_json_schema(schema),
            "strict": True,
        },
    }
    for attempt in range(1, retries + 2):
        limit = {"max_completion_tokens": reply_tokens} if reply_tokens else {}
        reply = model.invoke(conversation, response_format=response_format, **limit)
        usage.add(reply.usage)
        try:
            value = schema.model_validate(json.loads(_json_text(reply.text)))
        except (json.JSONDecodeError, ValidationError) as error:
            model.journal.structured(valid=False)
            problem = _describe(error)
            problems.append(problem)
            conversation += [
                AIMessage(content=reply.text),
                HumanMessage(
                    content=f"That reply could not be used: {problem}. Reply again with only a "
                    f"JSON object matching the {schema.__name__} schema."
                ),
            ]
            continue
        model.journal.structured(valid=True)
        return StructuredReply(value, attempt, usage)
    raise StructuredOutputError(
        schema.__name__, retries + 1, problems, usage.input_tokens, usage.output_tokens
    )


def strict_json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """Pydantic's JSON schema made acceptable to strict mode: every object closed and every
    property required (optional fields stay nullable)."""

    def tighten(node: Any) -> Any:
        if isinstance(node, dict):
            node = {key: tighten(value) for key, value in node.items() if key != "default"}
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            return node
        if isinstance(node, list):
            return [tighten(item) for item in node]
        return node

    result: dict[str, Any] = tighten(schema.model_json_schema())
    return result


def _json_text(text: str) -> str:
    # Models without response_format support sometimes wrap JSON in a Markdown fence.
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.DOTALL)
    return fenced.group(1) if fenced else text.strip()


def _describe(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
    assert isinstance(error, ValidationError)
    details = "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'reply'}: {item['msg']}"
        for item in error.errors()[:5]
    )
    return f"it does not match the schema ({details})"
