"""The optional model judge: does a statement's cited source support it? Off by default; the
code checks (`assistant.grounding`) are the gate, the judge is a second, softer opinion."""

from __future__ import annotations

from pydantic import BaseModel

from assistant.domain.evidence import Evidence
from assistant.llm import LanguageModel, ask_structured
from assistant.llm.context import pack_evidence
from assistant.prompts import load_prompt
from assistant.tokens import TokenCounter

PROMPT_NAME = "judge_support"
JUDGE_BUDGET_TOKENS = 3000


class JudgeVerdict(BaseModel):
    supported: bool
    reason: str


def judge_support(
    model: LanguageModel, counter: TokenCounter, statement: str, sources: list[Evidence]
) -> JudgeVerdict:
    prompt = load_prompt(PROMPT_NAME)
    skeleton = prompt.render(statement=statement, sources="")
    fixed = sum(counter.count(str(message.content)) for message in skeleton) + 16
    pack = pack_evidence(sources, JUDGE_BUDGET_TOKENS, counter, fixed)
    messages = prompt.render(statement=statement, sources=pack.sources or "(none)")
    return ask_structured(model, messages, JudgeVerdict, retries=1).value
