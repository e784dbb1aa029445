"""Suggesting risks: facts -> signals -> proposals (model or offline) -> checks -> register.

A suggestion run never changes what a PM decided: it adds `proposed` entries, refreshes entries
nobody has reviewed yet, and links to reviewed ones (see `matching`). What it plans is written
to the register in one transaction with the run itself, after every proposal has been checked.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from assistant.config import Settings
from assistant.domain.clock import utc_now
from assistant.domain.evidence import Evidence
from assistant.domain.risk import DroppedProposal, ProposalDraft, RiskProposal, RiskSuggestionRun
from assistant.facts import RecordSnapshot, ReportPeriod, period_facts
from assistant.facts.sources import SourceBook
from assistant.llm import LanguageModel, ModelOutputError, StructuredOutputError
from assistant.llm.errors import failed_because
from assistant.risks.matching import Embed, RegisterPlan, plan_register_changes
from assistant.risks.model_writer import propose_with_model
from assistant.risks.offline_writer import write_offline
from assistant.risks.signals import LOOKBACK_DAYS, MAX_EVIDENCE, RiskSignal, detect_signals
from assistant.risks.validation import scores_against_rule, validate_proposal
from assistant.store.risks import RiskRegister
from assistant.tokens import TokenCounter

log = logging.getLogger(__name__)

# Retrieved per signal beside its own evidence, so the model reads the record's wider words.
EVIDENCE_PER_SIGNAL = 3

Retrieve = Callable[[str, dt.date, dt.date, int], list[Evidence]]


class RiskSuggester:
    def __init__(
        self,
        settings: Settings,
        counter: TokenCounter,
        model: LanguageModel | None,
        register: RiskRegister,
        embed: Embed,
        retrieve: Retrieve | None = None,
    ) -> None:
        self.settings = settings
        self.counter = counter
        self.model = model
        self.register = register
        self.embed = embed
        self.retrieve = retrieve

    def suggest(
        self, record: RecordSnapshot, period: ReportPeriod
    ) -> tuple[RiskSuggestionRun, RegisterPlan]:
        """The run and the register changes it plans; the caller writes both in one
        transaction."""
        facts = period_facts(record, period)
        signals = detect_signals(facts, record)
        book = SourceBook(record)
        citations = {
            signal.key: book.cite([e.chunk_id for e in signal.evidence[:MAX_EVIDENCE]])
            for signal in signals
        }
        writer = self.model.name if self.model is not None else "offline"
        run = RiskSuggestionRun(
            project=record.project,
            period_label=period.label,
            period_start=period.start,
            period_end=period.end,
            writer=writer,
            signals=[signal.key for signal in signals],
            created_at=utc_now(),
        )
        checks = _Checks(
            {signal.key: signal for signal in signals}, book.known_people(), period.end.year
        )
        if self.model is None:
            drafts = [write_offline(signal, citations[signal.key]) for signal in signals]
            proposals = checks.proposals(run, drafts, book.by_citation(), writer)
            answered = {p.signal_key for p in proposals} | {d.signal_key for d in run.dropped}
            for signal in signals:
                if signal.key not in answered:
                    run.warnings.append(f"No proposal was written for the signal {signal.key}.")
        else:
            proposals = self._with_model(run, signals, citations, book, period, checks)

        now = utc_now()
        plan = plan_register_changes(
            proposals,
            self.register.entries(record.project),
            embed=self.embed,
            new_ids=lambda count: self.register.next_ids(record.project, count),
            project=record.project,
            seen_on=period.end,
            actor=f"pmassist ({run.writer})",
            now=now,
        )
        run.outcomes = plan.outcomes
        run.suppressed = plan.suppressed
        return run, plan

    def _with_model(
        self,
        run: RiskSuggestionRun,
        signals: list[RiskSignal],
        citations: dict[str, list[str]],
        book: SourceBook,
        period: ReportPeriod,
        checks: _Checks,
    ) -> list[RiskProposal]:
        """The model's proposals that pass the checks; a signal it wrote nothing usable for
        gets the offline proposal, marked as such, so a failing model never leaves a found
        risk unproposed."""
        assert self.model is not None
        failure: str | None = None
        try:
            drafts, sources = self._write_with_model(run, signals, citations, book, period)
        except (ModelOutputError, StructuredOutputError) as error:
            drafts, sources, failure = [], {}, failed_because(error)
        proposals = checks.proposals(run, drafts, sources, run.writer)
        answered = {p.signal_key for p in proposals}
        missing = [signal for signal in signals if signal.key not in answered]
        if not missing:
            return proposals
        offline = [write_offline(signal, citations[signal.key]) for signal in missing]
        by = f"offline ({self.model.name}'s proposal failed its checks)"
        proposals += checks.proposals(run, offline, book.by_citation(), by)
        if failure is not None:
            reason = failure
            run.writer = f"offline ({self.model.name}'s proposals failed their checks)"
            shown = "the offline proposals are shown"
        else:
            reason = f"{len(missing)} of {len(signals)} signals had no usable proposal"
            shown = f"the offline proposals are shown for {', '.join(s.key for s in missing)}"
        self.model.journal.fell_back("risk proposals", reason)
        label = f"The model's risk proposals failed their checks ({reason}); {shown}."
        run.warnings.insert(0, label)
        return proposals

    def _write_with_model(
        self,
        run: RiskSuggestionRun,
        signals: list[RiskSignal],
        citations: dict[str, list[str]],
        book: SourceBook,
        period: ReportPeriod,
    ) -> tuple[list[ProposalDraft], dict[str, Evidence]]:
        assert self.model is not None
        # Packed in turns: each signal's best source first, then each one's second, …, then
        # what retrieval adds; so a tight budget shortens every signal, not the last ones.
        ordered: list[Evidence] = []
        seen: set[str] = set()

        def take(citation: str) -> None:
            item = book.by_citation()[citation]
            if item.chunk_id not in seen:
                seen.add(item.chunk_id)
                ordered.append(item)

        for rank in range(MAX_EVIDENCE):
            for signal in signals:
                if rank < len(citations[signal.key]):
                    take(citations[signal.key][rank])
        if self.retrieve is not None:
            since = period.end - dt.timedelta(days=LOOKBACK_DAYS)
            for signal in signals:
                query = signal.facts[0] if signal.facts else signal.key
                found = self.retrieve(query, since, period.end, EVIDENCE_PER_SIGNAL)
                for item in book.add_evidence(found):
                    take(item.citation)
        budget = self.model.prompt_budget(self.settings.context_tokens, self.settings.draft_tokens)
        written = propose_with_model(
            self.model,
            self.counter,
            project=run.project,
            period=period.label,
            signals=signals,
            citations=citations,
            evidence=ordered,
            budget_tokens=budget,
            retries=self.settings.structured_output_retries,
            reply_tokens=self.settings.draft_tokens,
        )
        run.prompt = written.prompt
        run.input_tokens = written.input_tokens
        run.output_tokens = written.output_tokens
        if written.dropped_sources:
            run.warnings.append(
                f"{len(written.dropped_sources)} sources left out of the prompt to fit "
                f"{budget} tokens."
            )
        for key in written.omitted_signals:
            run.warnings.append(
                f"The signal {key} was left out of the prompt: none of its "
                "sources fit the token budget."
            )
        if written.removed_links:
            run.warnings.append(
                f"{len(written.removed_links)} link(s) or image(s) the model wrote were removed: "
                "their addresses are in none of the sources."
            )
        by_key = {signal.key: signal for signal in signals}
        for draft in written.drafts:
            answered = by_key.get(draft.signal)
            disagreement = scores_against_rule(draft, answered) if answered else None
            if disagreement:
                # Kept for the PM to judge, but marked: the scores may not be the evidence's.
                note = f"the model's assessment, which ignores its evidence: {disagreement}"
                draft.inferred["likelihood"] = draft.inferred["impact"] = note
                draft.confidence = "low"
                run.warnings.append(
                    f"The model {disagreement} for the signal {draft.signal}: check its scores."
                )
        given = set(written.given_sources)
        sources = {c: e for c, e in book.by_citation().items() if c in given}
        return written.drafts, sources


@dataclass
class _Checks:
    """What every proposal is checked against, whoever wrote it."""

    signals: dict[str, RiskSignal]
    people: set[str]
    year: int

    def proposals(
        self,
        run: RiskSuggestionRun,
        drafts: list[ProposalDraft],
        sources: dict[str, Evidence],
        proposed_by: str,
    ) -> list[RiskProposal]:
        """The drafts that pass; the others go to the run's dropped list with their reasons."""
        kept: list[RiskProposal] = []
        for draft in drafts:
            checked = validate_proposal(
                draft,
                signals=self.signals,
                sources=sources,
                known_people=self.people,
                year=self.year,
                proposed_by=proposed_by,
            )
            if isinstance(checked, RiskProposal) and any(
                p.signal_key == checked.signal_key for p in kept
            ):
                checked = DroppedProposal(
                    signal_key=draft.signal,
                    title=draft.title,
                    reasons=[f"a second proposal for the signal {draft.signal}"],
                )
            if isinstance(checked, DroppedProposal):
                run.dropped.append(checked)
            else:
                kept.append(checked)
        return kept
