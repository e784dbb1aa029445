"""Risk suggestions for the PM's review, and the risk register they feed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.charts import heat_map_svg, plotted
from assistant.domain.clock import utc_now
from assistant.domain.errors import InvalidInputError
from assistant.domain.period import PeriodChoice, ReportPeriod
from assistant.domain.risk import EDITABLE_FIELDS, STATUSES, RiskEntry, RiskSuggestionRun
from assistant.domain.search import RetrievalFilter
from assistant.review.checks import check_risk_run
from assistant.risks.export import REGISTER_FORMATS, register_format
from assistant.risks.suggesting import RiskSuggester
from assistant.service.wiring import Wiring


@dataclass(frozen=True)
class RegisterExport:
    data: bytes
    media_type: str
    file_name: str


class RiskService:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring

    def suggest(
        self, project: str, period: PeriodChoice | ReportPeriod | None = None
    ) -> tuple[int, RiskSuggestionRun]:
        """Find the period's early-warning signals and propose register entries for review.

        Nothing a PM decided changes: new proposals are added as `proposed`, matches link to
        their entries. The run is saved as a draft with what was dropped and why.
        """
        wiring = self.wiring
        wiring.require_documents(project)
        chosen = wiring.period(project, period)
        record = wiring.record(project)
        register = wiring.risk_register
        suggester = RiskSuggester(
            wiring.settings,
            wiring.token_counter,
            wiring.language_model,
            register,
            embed=lambda texts: wiring.embedder().embed_texts(texts),
            retrieve=lambda query, since, until, k: (
                wiring.retriever.retrieve(
                    query,
                    project,
                    k=k,
                    filters=RetrievalFilter(since=since, until=until),
                    per_document=1,
                ).evidence
            ),
        )
        # One run at a time per project: two would number new entries alike.
        with wiring.locks.hold(project, "risk suggestions"):
            run, plan = suggester.suggest(record, chosen)
            written = {entry.id: entry for entry, _ in plan.changes}
            entries = [written.get(e.id, e) for e in register.entries(project)]
            entries += [e for e in written.values() if e.id not in {x.id for x in entries}]
            checks = check_risk_run(run, entries, wiring.check_context(record), utc_now())
            with wiring.documents.engine.begin() as connection:
                register.write(project, plan.changes, connection)
                draft_id = wiring.drafts.save_risk_suggestions(run, checks, connection)
        return draft_id, run

    # The register ---------------------------------------------------------------------------

    def entries(self, project: str, status: Sequence[str] | None = None) -> list[RiskEntry]:
        self.wiring.require_project(project)
        unknown = [s for s in status or () if s not in STATUSES]
        if unknown:
            raise InvalidInputError(
                f"Unknown status {', '.join(unknown)}: use {', '.join(STATUSES)}.", field="status"
            )
        return self.wiring.risk_register.entries(project, status or None)

    def entry(self, project: str, risk_id: str) -> RiskEntry:
        self.wiring.require_project(project)
        return self.wiring.risk_register.entry(project, risk_id)

    def accept(self, project: str, risk_id: str, actor: str, note: str | None = None) -> RiskEntry:
        """A PM accepts a proposal: it becomes an open entry of the register."""
        entry = self.entry(project, risk_id)
        if entry.status != "proposed":
            raise InvalidInputError(
                f"{entry.id} is {entry.status}; only proposals are accepted.", field="risk_id"
            )
        return self.wiring.risk_register.change(
            project,
            risk_id,
            actor=actor,
            action="accepted",
            updates={"status": "open"},
            reason=note,
        )

    def reject(self, project: str, risk_id: str, actor: str, reason: str) -> RiskEntry:
        entry = self.entry(project, risk_id)
        if entry.status != "proposed":
            raise InvalidInputError(
                f"{entry.id} is {entry.status}; only proposals are rejected (close an open risk "
                "instead).",
                field="risk_id",
            )
        return self.wiring.risk_register.change(
            project,
            risk_id,
            actor=actor,
            action="rejected",
            updates={"status": "rejected"},
            reason=reason,
        )

    def edit(
        self,
        project: str,
        risk_id: str,
        actor: str,
        changes: dict[str, object],
        reason: str | None = None,
    ) -> RiskEntry:
        """Change fields of an entry (and optionally its status), given as a person types them
        ("4", "2026-11-30", "a; b"). A value the entry already has is no change; each other
        value is validated."""
        entry = self.entry(project, risk_id)
        updates = parse_risk_changes(
            {name: value for name, value in changes.items() if not _same_as(entry, name, value)}
        )
        if not updates:
            raise InvalidInputError(
                f"Nothing to change: {entry.id} already has those values.", field="changes"
            )
        action = "status changed" if set(updates) == {"status"} else "edited"
        return self.wiring.risk_register.change(
            project, risk_id, actor=actor, action=action, updates=updates, reason=reason
        )

    def export_formats(self) -> list[str]:
        return [f.name for f in REGISTER_FORMATS]

    def export(self, project: str, output_format: str) -> RegisterExport:
        """The register as a spreadsheet file (cells that would run as formulas are text)."""
        chosen = register_format(output_format)
        entries = self.entries(project)
        return RegisterExport(
            chosen.write(entries, project), chosen.media_type, f"{project}-risks{chosen.suffix}"
        )

    def heat_map(self, project: str) -> str:
        return heat_map_svg(plotted(self.entries(project)), f"Risk heat map — {project}")


def parse_risk_changes(changes: dict[str, object]) -> dict[str, object]:
    """Field values as a person types them; an unknown field is an error. The register
    validates the values themselves (`RiskRegister.change`)."""
    editable = (*EDITABLE_FIELDS, "status")
    unknown = [name for name in changes if name not in editable]
    if unknown:
        raise InvalidInputError(
            f"Cannot edit {', '.join(unknown)}: editable fields are {', '.join(editable)}.",
            field="changes",
        )
    updates: dict[str, object] = {}
    for name, value in changes.items():
        if name == "status":
            if value not in STATUSES:
                raise InvalidInputError(
                    f"'{value}' is not a status: use {', '.join(STATUSES)}.", field="status"
                )
            updates[name] = value
        elif name == "mitigation" and isinstance(value, str):
            updates[name] = [step.strip() for step in value.split(";") if step.strip()]
        elif name in ("owner", "proximity_date") and value in ("", "-", None):
            updates[name] = None
        else:
            updates[name] = value
    return updates


def _same_as(entry: RiskEntry, name: str, value: object) -> bool:
    """A typed value that says what the entry already holds (a form sends every field)."""
    if name not in (*EDITABLE_FIELDS, "status") or not isinstance(value, str):
        return False
    current = getattr(entry, name)
    if current is None:
        shown = ""
    elif isinstance(current, list):
        shown = "; ".join(str(item) for item in current)
    elif hasattr(current, "isoformat"):
        shown = current.isoformat()
    else:
        shown = str(current)
    return value.strip() == shown
