"""The context pack: retrieved evidence rendered as delimited data, fitted to a token budget.

Each source goes in a `<source id="S1" …>` block; text inside a source that looks like a source
tag is defused so a document cannot close its block and speak as the prompt. When the sources do
not fit, whole chunks are dropped, lowest-ranked first; a chunk is never cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage

from assistant.domain.evidence import Evidence
from assistant.text.citations import escape_citation_marks
from assistant.text.injection import without_orders
from assistant.text.links import addresses_in
from assistant.tokens import TokenCounter


@dataclass
class ContextPack:
    sources: str
    included: list[Evidence] = field(default_factory=list)
    dropped: list[Evidence] = field(default_factory=list)
    prompt_tokens: int = 0


def render_source(item: Evidence) -> str:
    attributes = {
        "id": item.citation,
        "kind": item.kind.value,
        "date": item.date.isoformat() if item.date else "",
        "where": item.locator.label(),
    }
    rendered = " ".join(
        f'{key}="{_attribute(value)}"' for key, value in attributes.items() if value
    )
    return f"<source {rendered}>\n{defuse(item.text)}\n</source>"


WITHHELD = "(a line addressed to an AI assistant is withheld here)"
# "<source", "</SOURCE", "< / source": any spelling of the tag that fences sources in.
SOURCE_TAG = re.compile(r"<\s*/?\s*source", re.IGNORECASE)


def defuse(text: str) -> str:
    """Keep source text from opening or closing a source block or passing for a citation, and
    keep a line that gives an assistant orders ("ignore previous instructions …") out of the
    prompt altogether."""
    text = escape_citation_marks(without_orders(text, WITHHELD))
    return SOURCE_TAG.sub(lambda m: "&lt;" + m.group(0)[1:], text)


def pack_evidence(
    evidence: list[Evidence],
    budget_tokens: int,
    counter: TokenCounter,
    prompt_tokens_without_sources: int,
    render: Callable[[Evidence], str] = render_source,
) -> ContextPack:
    """Keep evidence in rank order while the whole prompt stays within `budget_tokens`."""
    pack = ContextPack(sources="", prompt_tokens=prompt_tokens_without_sources)
    blocks: list[str] = []
    for item in evidence:
        block = render(item)
        cost = counter.count(block) + 1
        if pack.prompt_tokens + cost > budget_tokens:
            pack.dropped.append(item)
            continue
        blocks.append(block)
        pack.included.append(item)
        pack.prompt_tokens += cost
    pack.sources = "\n".join(blocks)
    return pack


def _attribute(value: str) -> str:
    return value.replace('"', "'").replace("\n", " ").replace("<", "‹").replace(">", "›")


def given_addresses(evidence: list[Evidence]) -> set[str]:
    """The web addresses in sources as a model is given them (lines that give orders withheld):
    the only ones a link in its reply may point at."""
    return addresses_in(defuse(item.text) for item in evidence)


def prompt_tokens(messages: Sequence[BaseMessage], counter: TokenCounter) -> int:
    """The tokens of a rendered prompt's messages, as the budgets count them."""
    return sum(counter.count(str(message.content)) for message in messages)
