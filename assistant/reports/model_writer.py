"""The executive summary written by a language model from the report's facts and sources.

The model sees the cited lines the code composed (facts, screened for orders like the sources)
and the source texts, packed within the token budget; it returns sentences with citations as
JSON. Links and images to addresses no cited source contains are taken out. Each sentence is
then checked: one that cites a missing source, names a ticket, person, date or amount its
sources do not contain, states an overall status other than the rules', or says risks are
closed when no source does, goes to "needs checking" and is never shown as fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from assistant.domain.evidence import Evidence, PromptRef
from assistant.domain.report import OverallStatus, ReportLine, status_label
from assistant.grounding import grounding_problems, judgement_problems
from assistant.llm import LanguageModel
from assistant.llm.context import WITHHELD, given_addresses, pack_evidence, prompt_tokens
from assistant.llm.structured import ask_structured
from assistant.prompts import load_prompt
from assistant.text.citations import without_citation_marks
from assistant.text.injection import gives_orders
from assistant.text.links import without_foreign_links
from assistant.tokens import TokenCounter

PROMPT_NAME = "write_status_report"


class SummarySentence(BaseModel):
    text: str = Field(min_length=1)
    citations: list[str]


class ReportSummaryReply(BaseModel):
    summary: list[SummarySentence] = Field(min_length=1, max_length=12)


@dataclass
class ModelSummary:
    accepted: list[ReportLine]
    needs_checking: list[ReportLine]
    prompt: PromptRef
    input_tokens: int
    output_tokens: int
    prompt_tokens: int
    dropped_sources: list[str] = field(default_factory=list)
    removed_links: list[str] = field(default_factory=list)  # addresses no cited source has
    said_nothing: int = 0  # sentences with no words ("..."), left out


def facts_text(
    facts: dict[str, list[ReportLine]], counter: TokenCounter | None = None, limit: int = 0
) -> str:
    """The computed lines, by section title, each with its citations, as the model reads them.

    With a `limit` (tokens), lines are taken in turns, every section's first, then every
    section's second, …, so a small context shortens every section rather than losing the last.
    """
    rendered: dict[str, list[str]] = {title: [] for title, lines in facts.items() if lines}
    spent = 0
    depth = max((len(lines) for lines in facts.values()), default=0)
    for rank in range(depth):
        for title, lines in facts.items():
            if rank >= len(lines):
                continue
            line = lines[rank]
            # Facts quote the record (a decision, an action, a ticket title), so a fact that
            # gives an assistant orders is withheld here as it is from the sources.
            text = WITHHELD if gives_orders(line.text) else line.text
            item = f"- {text} {''.join(f'[{c}]' for c in line.citations)}".rstrip()
            cost = counter.count(item) + 1 if counter is not None and limit else 0
            if limit and spent + cost > limit:
                continue
            rendered[title].append(item)
            spent += cost
    blocks = [f"{title}:\n" + "\n".join(items) for title, items in rendered.items() if items]
    return "\n\n".join(blocks) or "(no facts recorded for this period)"


def write_summary(
    model: LanguageModel,
    counter: TokenCounter,
    *,
    project: str,
    period: str,
    colour: OverallStatus,
    facts: dict[str, list[ReportLine]],
    evidence: list[Evidence],
    sources_by_id: dict[str, Evidence],
    known_people: set[str],
    year: int,
    budget_tokens: int,
    retries: int,
    reply_tokens: int | None = None,
) -> ModelSummary:
    prompt = load_prompt(PROMPT_NAME)
    values = {
        "project": project,
        "period": period,
        "overall_status": status_label(colour).capitalize(),
        # The facts may have at most half the prompt; the sources that back them, the rest.
        "facts": facts_text(facts, counter, budget_tokens // 2),
    }
    skeleton = prompt.render(**values, sources="")
    fixed_tokens = prompt_tokens(skeleton, counter) + 16
    pack = pack_evidence(evidence, budget_tokens, counter, fixed_tokens)
    messages = prompt.render(**values, sources=pack.sources or "(none)")
    reply = ask_structured(
        model, messages, ReportSummaryReply, retries=retries, reply_tokens=reply_tokens
    )

    accepted: list[ReportLine] = []
    needs_checking: list[ReportLine] = []
    removed_links: list[str] = []
    said_nothing = 0
    for sentence in reply.value.summary:
        citations = list(dict.fromkeys(sentence.citations))
        cited = [sources_by_id[c] for c in citations if c in sources_by_id]
        cleaned = without_foreign_links(sentence.text, given_addresses(cited))
        removed_links += cleaned.removed
        text = without_citation_marks(cleaned.text)
        if not re.search(r"[^\W\d_]{2}", text):
            # "...", a bare mark: a small model copying the reply format's example says nothing.
            said_nothing += 1
            continue
        problems = grounding_problems(text, citations, sources_by_id, known_people, year)
        problems += judgement_problems(text, [s.text for s in cited], colour)
        if not citations:
            problems.insert(0, "no citation")
        line = ReportLine(
            text=text, citations=[c for c in citations if c in sources_by_id], flags=problems
        )
        (needs_checking if problems else accepted).append(line)
    return ModelSummary(
        accepted=accepted,
        needs_checking=needs_checking,
        prompt=prompt.ref,
        input_tokens=reply.usage.input_tokens,
        output_tokens=reply.usage.output_tokens,
        prompt_tokens=pack.prompt_tokens,
        dropped_sources=[item.citation for item in pack.dropped],
        removed_links=removed_links,
        said_nothing=said_nothing,
    )
