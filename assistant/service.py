"""The use cases of pmassist. The CLI and the API are thin layers over this class."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from assistant.answers import QuestionAnswerer
from assistant.answers.extracts import ExtractiveWriter
from assistant.charts import heat_map_svg, plotted
from assistant.config import Settings
from assistant.domain.answer import Answer, AnswerComplete, AnswerEvent
from assistant.domain.clock import utc_now
from assistant.domain.drafts import DraftChecks, DraftSummary
from assistant.domain.errors import (
    InvalidInputError,
    PmassistError,
    UnknownDocumentError,
    UnknownProjectError,
)
from assistant.domain.evidence import Evidence
from assistant.domain.ingest import IngestProgress, IngestSummary, ProjectSummary
from assistant.domain.period import (
    last_complete_week,
    parse_date_option,
    period_between,
    week_period,
)
from assistant.domain.record import PROJECT_NAME_PATTERN, Document, Kind
from assistant.domain.report import StatusReport
from assistant.domain.risk import EDITABLE_FIELDS, STATUSES, RiskEntry, RiskSuggestionRun
from assistant.domain.search import RetrievalFilter
from assistant.embeddings import Embedder, configured_model_id, embedder_from_settings
from assistant.facts import RecordSnapshot, ReportPeriod
from assistant.llm import LanguageModel, language_model_from_settings
from assistant.reports import ReportDrafter
from assistant.retrieval import KeywordIndexes, Retriever, SearchMode
from assistant.review.approval import ensure_open, override_needed
from assistant.review.checks import CheckContext, check_report, check_risk_run
from assistant.risks.export import register_csv, register_xlsx
from assistant.risks.suggesting import RiskSuggester
from assistant.store.conversations import ConversationStore
from assistant.store.db import open_engine
from assistant.store.documents import DocumentStore
from assistant.store.drafts import DraftStore
from assistant.store.risks import RiskRegister
from assistant.store.vectors import VectorStore
from assistant.tokens import TokenCounter
from ingest.chunking import Chunker
from ingest.pipeline import IngestPipeline, LazyProjectIndex, repair_vector_writes

MAX_SEARCH_RESULTS = 100


@dataclass(frozen=True)
class ReindexSummary:
    project: str
    model_id: str
    chunks: int
    seconds: float


class _Configured:
    """Marker: use the language model the settings configure."""


class Assistant:
    """Holds the stores and models for one data directory; opens each on first use."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        language_model: LanguageModel | type[_Configured] | None = _Configured,
    ) -> None:
        """`language_model` replaces the configured model (tests pass a fake, or None)."""
        self.settings = settings
        self._embedder = embedder
        self.vectors = VectorStore(settings)
        if language_model is not _Configured:
            self.__dict__["language_model"] = language_model

    @cached_property
    def documents(self) -> DocumentStore:
        return DocumentStore(open_engine(self.settings.sqlalchemy_url))

    @cached_property
    def token_counter(self) -> TokenCounter:
        return TokenCounter(self.settings.tokenizer, self.settings.tiktoken_cache_dir)

    @cached_property
    def keyword_indexes(self) -> KeywordIndexes:
        return KeywordIndexes(self.documents, self.settings.keyword_index_path)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(
            self.documents,
            self.keyword_indexes,
            lambda project: self.vectors.project_index(project, self.model_id, create=False),
            self.embedder,
        )

    @cached_property
    def conversations(self) -> ConversationStore:
        return ConversationStore(self.documents.engine)

    @cached_property
    def drafts(self) -> DraftStore:
        return DraftStore(self.documents.engine)

    @cached_property
    def risk_register(self) -> RiskRegister:
        return RiskRegister(self.documents.engine)

    @cached_property
    def language_model(self) -> LanguageModel | None:
        return language_model_from_settings(self.settings, self.token_counter)

    @property
    def model_id(self) -> str:
        return self._embedder.model_id if self._embedder else configured_model_id(self.settings)

    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = embedder_from_settings(self.settings)
        return self._embedder

    # Ingest -------------------------------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[Path],
        project: str,
        *,
        kind: Kind | None = None,
        prune: bool = False,
        progress: IngestProgress | None = None,
    ) -> IngestSummary:
        validate_project_name(project)
        pipeline = IngestPipeline(
            store=self.documents,
            vectors=self.vectors,
            embedder=self.embedder,
            model_id=self.model_id,
            chunker=Chunker(self.token_counter, self.settings.chunk_tokens),
            status_map=self.settings.status_map,
            jira_browse_url=self.settings.jira_browse_url,
        )
        summary = pipeline.run(paths, project, kind=kind, prune=prune, progress=progress)
        # Keep the keyword index in step now, so the first question after an ingest is fast.
        self.keyword_indexes.refresh(project)
        return summary

    def forget(self, project: str, document_id: str) -> int:
        """Erase one document: its chunks, vectors and manifest rows. Returns chunks removed."""
        self.require_project(project)
        if self.documents.document(project, document_id) is None:
            raise UnknownDocumentError(project, document_id)
        # Erasure must work whatever model is configured now: open the index as it was built.
        indexed_with = self.documents.project_model(project) or self.model_id
        index = LazyProjectIndex(lambda: self.vectors.project_index(project, indexed_with))
        repair_vector_writes(self.documents, index, project)
        # Erasure reaches the register too: its evidence quotes the document's words. First, so
        # that a failure here leaves the document in place and `forget` can be run again.
        self.risk_register.drop_evidence_of(project, document_id, actor="pmassist (forget)")
        removal, chunk_ids = self.documents.remove_documents(project, [document_id])
        if removal is not None:
            index.get().delete(chunk_ids)
            self.documents.clear_vector_write(removal)
        self.keyword_indexes.refresh(project)
        return len(chunk_ids)

    def reindex(self, project: str) -> ReindexSummary:
        """Rebuild the project's vectors with the configured embedding model.

        The new index is built beside the old one and swapped in only when complete.
        """
        self.require_project(project)
        started = time.perf_counter()
        indexed_with = self.documents.project_model(project) or self.model_id
        old_index = LazyProjectIndex(lambda: self.vectors.project_index(project, indexed_with))
        repair_vector_writes(self.documents, old_index, project)
        target = self.vectors.new_reindex_target(project, self.model_id)
        embedder = self.embedder()
        count = 0
        for batch in self.documents.iter_chunks(project, batch_size=512):
            target.upsert(batch, embedder.embed_texts([chunk.text for chunk in batch]))
            count += len(batch)
        self.vectors.swap_in_reindexed(project, target)
        self.documents.set_project_model(project, self.model_id)
        return ReindexSummary(project, self.model_id, count, time.perf_counter() - started)

    # Reading the record -------------------------------------------------------------------

    def projects(self) -> list[ProjectSummary]:
        return self.documents.project_summaries()

    def require_project(self, project: str) -> None:
        validate_project_name(project)
        if self.documents.project_model(project) is None:
            raise UnknownProjectError(project, self.documents.project_names())

    def list_documents(self, project: str, kind: Kind | None = None) -> list[Document]:
        self.require_project(project)
        return self.documents.documents(project, kind)

    def require_documents(self, project: str) -> None:
        self.require_project(project)
        if self.documents.chunk_count(project) == 0:
            raise InvalidInputError(
                f"Project '{project}' has no documents yet. Add some with "
                f"`pmassist ingest PATH --project {project}`."
            )

    def search(
        self,
        query: str,
        project: str,
        *,
        k: int = 8,
        filters: RetrievalFilter | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[Evidence]:
        """Hybrid (or dense-only, or keyword-only) search with filters; best first."""
        if not query.strip():
            raise InvalidInputError("The search text is empty.")
        if not 1 <= k <= MAX_SEARCH_RESULTS:
            raise InvalidInputError(f"-k must be between 1 and {MAX_SEARCH_RESULTS}.")
        filters = filters or RetrievalFilter()
        if filters.since and filters.until and filters.since > filters.until:
            raise InvalidInputError(f"--since {filters.since} is after --until {filters.until}.")
        self.require_documents(project)
        return self.retriever.retrieve(
            query,
            project,
            k=k,
            filters=filters,
            per_document=self.settings.chunks_per_document if mode == "hybrid" else 1,
            mode=mode,
        ).evidence

    # Questions ---------------------------------------------------------------------------

    def ask_stream(
        self,
        question: str,
        project: str,
        *,
        conversation_id: str | None = None,
        filters: RetrievalFilter | None = None,
    ) -> Iterator[AnswerEvent]:
        """Answer a question, yielding the sources, the text as it is written, then the answer."""
        self.require_documents(project)
        answerer = QuestionAnswerer(
            settings=self.settings,
            retriever=self.retriever,
            conversations=self.conversations,
            counter=self.token_counter,
            extractive=ExtractiveWriter(self.embedder()),
            model=self.language_model,
        )
        return answerer.stream(question, project, conversation_id=conversation_id, filters=filters)

    def ask(
        self,
        question: str,
        project: str,
        *,
        conversation_id: str | None = None,
        filters: RetrievalFilter | None = None,
    ) -> Answer:
        for event in self.ask_stream(
            question, project, conversation_id=conversation_id, filters=filters
        ):
            if isinstance(event, AnswerComplete):
                return event.answer
        raise AssertionError("the answer stream ended without an answer")

    # Status reports ----------------------------------------------------------------------

    def report_period(
        self,
        project: str,
        week: str | None = None,
        start: str | None = None,
        end: str | None = None,
        today: dt.date | None = None,
    ) -> ReportPeriod:
        """`--week`, or `--from`/`--to`, or by default the last complete week."""
        if week and (start or end):
            raise InvalidInputError("Give either --week or --from/--to, not both.")
        if week:
            return week_period(week)
        if start or end:
            if not (start and end):
                raise InvalidInputError("--from and --to go together.")
            return period_between(
                parse_date_option(start, "--from"), parse_date_option(end, "--to")
            )
        self.require_project(project)
        newest = self.documents.latest_document_date(project)
        return last_complete_week(today or dt.date.today(), newest)

    def draft_report(self, project: str, period: ReportPeriod) -> tuple[int, StatusReport]:
        """Draft the status report for the period and save it as a draft; returns its id.

        The draft is saved only once complete: a model failure raises before anything is stored.
        """
        self.require_documents(project)
        record = RecordSnapshot.load(self.documents, project)
        drafter = ReportDrafter(
            self.settings,
            self.token_counter,
            self.language_model,
            retrieve=lambda query, period: (
                self.retriever.retrieve(
                    query,
                    project,
                    k=8,
                    filters=RetrievalFilter(since=period.start, until=period.end),
                    per_document=self.settings.chunks_per_document,
                ).evidence
            ),
        )
        previous = self.drafts.previous_report(project, period.start)
        register = [
            entry
            for entry in self.risk_register.entries(project, ("proposed", "open", "mitigating"))
            # A report of an earlier week shows the risks seen by then, not later ones.
            if entry.first_seen is None or entry.first_seen <= period.end
        ]
        report = drafter.draft(record, period, previous, register)
        checks = check_report(report, self.check_context(record), utc_now())
        return self.drafts.save_report(report, checks), report

    # Risks -------------------------------------------------------------------------------

    def suggest_risks(self, project: str, period: ReportPeriod) -> tuple[int, RiskSuggestionRun]:
        """Find the period's early-warning signals and propose register entries for review.

        Nothing a PM decided changes: new proposals are added as `proposed`, matches link to
        their entries. The run is saved as a draft with what was dropped and why.
        """
        self.require_documents(project)
        record = RecordSnapshot.load(self.documents, project)
        suggester = RiskSuggester(
            self.settings,
            self.token_counter,
            self.language_model,
            self.risk_register,
            embed=lambda texts: self.embedder().embed_texts(texts),
            retrieve=lambda query, since, until, k: (
                self.retriever.retrieve(
                    query,
                    project,
                    k=k,
                    filters=RetrievalFilter(since=since, until=until),
                    per_document=1,
                ).evidence
            ),
        )
        run, plan = suggester.suggest(record, period)
        written = {entry.id: entry for entry, _ in plan.changes}
        entries = [written.get(e.id, e) for e in self.risk_register.entries(project)]
        entries += [e for e in written.values() if e.id not in {x.id for x in entries}]
        checks = check_risk_run(run, entries, self.check_context(record), utc_now())
        with self.documents.engine.begin() as connection:
            self.risk_register.write(project, plan.changes, connection)
            draft_id = self.drafts.save_risk_suggestions(run, checks, connection)
        return draft_id, run

    def risks(self, project: str, status: Sequence[str] | None = None) -> list[RiskEntry]:
        self.require_project(project)
        unknown = [s for s in status or () if s not in STATUSES]
        if unknown:
            raise InvalidInputError(
                f"Unknown status {', '.join(unknown)}: use {', '.join(STATUSES)}."
            )
        return self.risk_register.entries(project, status or None)

    def risk(self, project: str, risk_id: str) -> RiskEntry:
        self.require_project(project)
        return self.risk_register.entry(project, risk_id)

    def accept_risk(
        self, project: str, risk_id: str, actor: str, note: str | None = None
    ) -> RiskEntry:
        """A PM accepts a proposal: it becomes an open entry of the register."""
        self.require_project(project)
        entry = self.risk_register.entry(project, risk_id)
        if entry.status != "proposed":
            raise InvalidInputError(f"{entry.id} is {entry.status}; only proposals are accepted.")
        return self.risk_register.change(
            project,
            risk_id,
            actor=actor,
            action="accepted",
            updates={"status": "open"},
            reason=note,
        )

    def reject_risk(self, project: str, risk_id: str, actor: str, reason: str) -> RiskEntry:
        self.require_project(project)
        entry = self.risk_register.entry(project, risk_id)
        if entry.status != "proposed":
            raise InvalidInputError(
                f"{entry.id} is {entry.status}; only proposals are rejected (close an open risk "
                "instead)."
            )
        return self.risk_register.change(
            project,
            risk_id,
            actor=actor,
            action="rejected",
            updates={"status": "rejected"},
            reason=reason,
        )

    def edit_risk(
        self,
        project: str,
        risk_id: str,
        actor: str,
        changes: dict[str, object],
        reason: str | None = None,
    ) -> RiskEntry:
        """Change fields of an entry (and optionally its status); each value is validated."""
        self.require_project(project)
        updates = parse_risk_changes(changes)
        action = "status changed" if set(updates) == {"status"} else "edited"
        return self.risk_register.change(
            project, risk_id, actor=actor, action=action, updates=updates, reason=reason
        )

    def export_risks(self, project: str, output_format: str) -> bytes:
        entries = self.risks(project)
        if output_format == "csv":
            return register_csv(entries)
        if output_format == "xlsx":
            return register_xlsx(entries, project)
        raise InvalidInputError(f"Unknown export format {output_format!r}: use csv or xlsx.")

    def risk_heat_map(self, project: str) -> str:
        return heat_map_svg(plotted(self.risks(project)), f"Risk heat map — {project}")

    # Drafts: checks, approval, versions ---------------------------------------------------

    def check_context(self, record: RecordSnapshot) -> CheckContext:
        """What drafts are checked against, built once per state of the project's record (every
        change to its chunks moves the project's generation)."""
        key = (record.project, self.documents.project_generation(record.project))
        cache: dict[tuple[str, int], CheckContext] = self.__dict__.setdefault("_contexts", {})
        if key not in cache:
            cache.clear()
            cache[key] = CheckContext.of(record)
        return cache[key]

    def list_drafts(
        self, project: str | None = None, kind: str | None = None
    ) -> list[DraftSummary]:
        if project:
            self.require_project(project)
        return self.drafts.summaries(project, kind)

    def draft(self, draft_id: int) -> DraftSummary:
        return self.drafts.get(draft_id)

    def draft_checks(self, draft_id: int) -> DraftChecks | None:
        return self.drafts.checks(draft_id)

    def approve_draft(
        self, draft_id: int, actor: str, override_reason: str | None = None
    ) -> DraftSummary:
        """Approve a checked draft. One whose checks failed is refused, with the reasons,
        unless the approver gives an override reason, which is recorded."""
        draft = self.drafts.get(draft_id)
        ensure_open(draft)
        if not actor.strip():
            raise InvalidInputError("Say who approves (--by).")
        checks = self.drafts.checks(draft_id)
        report = self.drafts.report(draft_id)
        if report is not None and checks is not None:
            # The record may have changed since the draft was saved (a re-ingest, a forget):
            # approve against the checks as they are now.
            record = RecordSnapshot.load(self.documents, draft.project)
            now = check_report(report, self.check_context(record), utc_now())
            if now.passed != checks.passed or now.failures() != checks.failures():
                self.drafts.update_checks(draft_id, now)
            checks = now
        recorded = override_needed(draft, checks, override_reason)
        return self.drafts.decide(draft_id, "approved", actor.strip(), None, recorded)

    def reject_draft(self, draft_id: int, actor: str, reason: str) -> DraftSummary:
        draft = self.drafts.get(draft_id)
        ensure_open(draft)
        if not reason.strip():
            raise InvalidInputError(f"Give a reason to reject draft {draft_id} (--reason).")
        if not actor.strip():
            raise InvalidInputError("Say who rejects (--by).")
        return self.drafts.decide(draft_id, "rejected", actor.strip(), reason.strip())

    def edit_report_draft(
        self, draft_id: int, edited_json: str, actor: str, reason: str | None = None
    ) -> tuple[int, DraftChecks]:
        """Save an edited report as a new version of the draft (checked again); the draft it
        came from stays as it was (superseded, or approved/rejected)."""
        draft = self.drafts.get(draft_id)
        if draft.kind != "status_report":
            raise InvalidInputError(
                f"Draft {draft_id} is a risk suggestion run; review its risks with "
                f"`pmassist risks review --project {draft.project}`."
            )
        if draft.status == "superseded":
            ensure_open(draft)
        try:
            edited = StatusReport.model_validate_json(edited_json)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'top level'}: {e['msg']}"
                for e in error.errors()[:5]
            )
            raise InvalidInputError(f"The edited report is not valid: {problems}.") from None
        parent = self.drafts.report(draft_id)
        assert parent is not None
        # An edit rewords the report's statements; what code computed or recorded stays.
        fixed = [name for name in FIXED_IN_EDITS if getattr(edited, name) != getattr(parent, name)]
        if fixed:
            raise InvalidInputError(
                f"An edit cannot change {', '.join(fixed)}: they come from the record and the "
                "rules. Draft the report again (`pmassist report`) if the record changed."
            )
        edited.created_at = utc_now()
        record = RecordSnapshot.load(self.documents, draft.project)
        checks = check_report(edited, self.check_context(record), utc_now())
        new_id = self.drafts.save_report(
            edited, checks, edited_from=draft, actor=actor.strip() or "unknown", reason=reason
        )
        return new_id, checks


# The parts of a status report an edit keeps as they were (the statements are editable).
FIXED_IN_EDITS = (
    "project",
    "period",
    "overall_status",
    "metrics",
    "delta",
    "sources",
    "writer",
    "prompt",
    "input_tokens",
    "output_tokens",
    "warnings",
)


def parse_risk_changes(changes: dict[str, object]) -> dict[str, object]:
    """Field values as a person types them ("4", "2026-11-30", "a; b"); an unknown field is an
    error. The register validates the values themselves (`RiskRegister.change`)."""
    unknown = [name for name in changes if name not in (*EDITABLE_FIELDS, "status")]
    if unknown:
        raise InvalidInputError(
            f"Cannot edit {', '.join(unknown)}: editable fields are "
            f"{', '.join((*EDITABLE_FIELDS, 'status'))}."
        )
    updates: dict[str, object] = {}
    for name, value in changes.items():
        if name == "status":
            if value not in STATUSES:
                raise InvalidInputError(f"status: '{value}' is not one of {', '.join(STATUSES)}.")
            updates[name] = value
        elif name == "mitigation" and isinstance(value, str):
            updates[name] = [step.strip() for step in value.split(";") if step.strip()]
        elif name in ("owner", "proximity_date") and value in ("", "-", None):
            updates[name] = None
        else:
            updates[name] = value
    return updates


def validate_project_name(project: str) -> None:
    if not PROJECT_NAME_PATTERN.match(project or ""):
        raise InvalidInputError(
            f"Invalid project name {project!r}: use 1-63 letters, digits, '-' or '_', starting "
            "with a letter or digit."
        )


__all__ = ["Assistant", "PmassistError"]
