"""Risk proposals written by a language model from the signals and their sources.

The model sees each signal (its key, kind, category and the facts code found, with citations)
and the source texts packed within the token budget; it returns proposals as JSON. Nothing it
writes is trusted: links to addresses no source has are taken out, every proposal goes through
`validation.validate_proposal` like the offline writer's, what the model assesses (scores,
response, owner, actions) is marked inferred, and scores far from what the signal's rule gives
are flagged (`validation.scores_against_rule`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from assistant.domain.evidence import Evidence, PromptRef
from assistant.domain.risk import CATEGORIES, RESPONSES, ProposalDraft
from assistant.llm import LanguageModel
from assistant.llm.context import WITHHELD, given_addresses, pack_evidence, prompt_tokens
from assistant.llm.structured import ask_structured
from assistant.prompts import load_prompt
from assistant.risks.signals import RiskSignal
from assistant.text.injection import gives_orders
from assistant.text.links import without_foreign_links
from assistant.tokens import TokenCounter

PROMPT_NAME = "propose_risks"
MODEL_INFERENCE = "the model's assessment, not stated in the record"
INFERRED_BY_MODEL = (
    "event",
    "effect",
    "likelihood",
    "impact",
    "owner",
    "response",
    "mitigation",
    "trigger",
    "proximity_date",
)


class ModelRiskProposal(BaseModel):
    # Loosely typed on purpose: a value out of range is dropped per proposal with its reason,
    # rather than failing the whole reply.
    signal: str
    title: str
    cause: str
    event: str
    effect: str
    category: str = Field(description="One of the categories in the instructions.")
    likelihood: int
    impact: int
    proximity_date: str | None
    owner: str | None
    response: str
    mitigation: list[str]
    trigger: str
    citations: list[str]
    confidence: str


class RiskProposalsReply(BaseModel):
    proposals: list[ModelRiskProposal] = Field(max_length=30)


@dataclass
class ModelProposals:
    drafts: list[ProposalDraft]
    prompt: PromptRef
    input_tokens: int
    output_tokens: int
    given_sources: list[str] = field(default_factory=list)  # what the model could cite
    omitted_signals: list[str] = field(default_factory=list)
    dropped_sources: list[str] = field(default_factory=list)
    removed_links: list[str] = field(default_factory=list)  # addresses no given source has


def signals_text(signals: list[RiskSignal], citations: dict[str, list[str]]) -> str:
    blocks = []
    for signal in signals:
        cited = "".join(f"[{c}]" for c in citations.get(signal.key, []))
        # Facts quote the record: one that gives an assistant orders is withheld, as in sources.
        facts = "\n".join(
            f"- {WITHHELD if gives_orders(fact) else _defused(fact)}" for fact in signal.facts[:10]
        )
        facts = facts or "- (see sources)"
        blocks.append(
            f'<signal key="{signal.key}" kind="{signal.kind}" category="{signal.category}">\n'
            f"{facts}\nSources: {cited or '(none)'}\n</signal>"
        )
    return "\n".join(blocks)


def _defused(text: str) -> str:
    # A fact quotes the record: it must not be able to open or close a <signal> block.
    return text.replace("<", "‹").replace(">", "›")


def propose_with_model(
    model: LanguageModel,
    counter: TokenCounter,
    *,
    project: str,
    period: str,
    signals: list[RiskSignal],
    citations: dict[str, list[str]],
    evidence: list[Evidence],
    budget_tokens: int,
    retries: int,
    reply_tokens: int | None = None,
) -> ModelProposals:
    prompt = load_prompt(PROMPT_NAME)
    values = {
        "project": project,
        "period": period,
        "categories": ", ".join(CATEGORIES),
        "responses": ", ".join(RESPONSES),
        "signals": signals_text(signals, citations),
    }
    skeleton = prompt.render(**values, sources="")
    fixed_tokens = prompt_tokens(skeleton, counter) + 16
    pack = pack_evidence(evidence, budget_tokens, counter, fixed_tokens)
    # A signal lists only the sources that made it into the prompt; one left with none is not
    # shown at all (the caller warns), so the model is never asked to cite what it cannot see.
    given = {item.citation for item in pack.included}
    shown = {key: [c for c in cited if c in given] for key, cited in citations.items()}
    values["signals"] = signals_text([s for s in signals if shown.get(s.key)], shown)
    messages = prompt.render(**values, sources=pack.sources or "(none)")
    reply = ask_structured(
        model, messages, RiskProposalsReply, retries=retries, reply_tokens=reply_tokens
    )
    drafts = []
    allowed = given_addresses(pack.included)
    removed_links: list[str] = []
    for item in reply.value.proposals:
        draft = ProposalDraft.model_validate(item.model_dump())
        removed_links += _without_foreign_links(draft, allowed)
        draft.inferred = dict.fromkeys(INFERRED_BY_MODEL, MODEL_INFERENCE)
        drafts.append(draft)
    return ModelProposals(
        drafts=drafts,
        prompt=prompt.ref,
        input_tokens=reply.usage.input_tokens,
        output_tokens=reply.usage.output_tokens,
        given_sources=[item.citation for item in pack.included],
        omitted_signals=[s.key for s in signals if not shown.get(s.key)],
        dropped_sources=[item.citation for item in pack.dropped],
        removed_links=removed_links,
    )


def _without_foreign_links(draft: ProposalDraft, allowed: set[str]) -> list[str]:
    """Take links and images to addresses no given source has out of every text field."""
    removed: list[str] = []

    def clean(text: str) -> str:
        cleaned = without_foreign_links(text, allowed)
        removed.extend(cleaned.removed)
        return cleaned.text

    for name in ("title", "cause", "event", "effect", "trigger", "response"):
        setattr(draft, name, clean(getattr(draft, name)))
    draft.mitigation = [clean(step) for step in draft.mitigation]
    if draft.owner:
        draft.owner = clean(draft.owner)
    return removed
