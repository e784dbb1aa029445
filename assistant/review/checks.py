"""Checks every saved draft passes before a PM approves it (also the evals' per-draft metrics).

A status report is checked for: a valid schema; the required sections; citations that resolve;
citations that support their line (every ticket key, person, date and amount in the line is in
the sources it cites); no writer sentence left needing checking; and no ticket key, date or
amount that the project record never mentions. A risk suggestion run is checked the same way
for every entry it proposed or changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from assistant.domain.drafts import DraftCheck, DraftChecks
from assistant.domain.evidence import Evidence, chunk_evidence
from assistant.domain.report import StatusReport
from assistant.domain.risk import RiskEntry, RiskSuggestionRun
from assistant.facts.record import RecordSnapshot
from assistant.grounding import RecordEntities, grounding_problems

MAX_LISTED = 12


@dataclass(frozen=True)
class CheckContext:
    """What the checks compare a draft with: the project record as it is now."""

    entities: RecordEntities
    known_people: set[str]
    chunks: dict[str, Evidence]  # chunk id -> the chunk as evidence

    @classmethod
    def of(cls, record: RecordSnapshot) -> CheckContext:
        documents = {document.id: document for document in record.documents}
        chunks: dict[str, Evidence] = {}
        for document_id, items in record.chunks_by_document.items():
            document = documents[document_id]
            for chunk in items:
                chunks[chunk.id] = chunk_evidence(chunk, document, chunk.id)
        entities = RecordEntities.of([(e.text, e.date) for e in chunks.values()])
        people = {p for d in record.documents for p in d.people if " " in p.strip()}
        return cls(entities, people, chunks)


def _check(name: str, problems: list[str], ok: str, failed: str) -> DraftCheck:
    return DraftCheck(
        name=name,
        passed=not problems,
        summary=ok if not problems else failed.format(count=len(problems)),
        problems=problems[:MAX_LISTED]
        + ([f"… and {len(problems) - MAX_LISTED} more"] if len(problems) > MAX_LISTED else []),
    )


def check_report(report: StatusReport, context: CheckContext, now: dt.datetime) -> DraftChecks:
    entities, known_people = context.entities, context.known_people
    checks = [_schema(report)]
    missing = []
    if not report.status_reasons:
        missing.append("overall status reasons")
    if not report.executive_summary:
        missing.append("executive summary")
    lines = report.lines()
    if any(line.citations for line in lines) and not report.sources:
        missing.append("sources")
    checks.append(
        _check(
            "required sections", missing, "all present", "{count} missing: " + ", ".join(missing)
        )
    )
    # The sources a draft carries must be the record's own words (an edit cannot change them).
    altered = [
        f"{source.citation} {source.locator.label()}"
        + (
            " is no longer in the record"
            if source.chunk_id not in context.chunks
            else " differs from the record"
        )
        for source in report.sources
        if context.chunks.get(source.chunk_id) is None
        or context.chunks[source.chunk_id].text != source.text
    ]
    checks.append(
        _check(
            "sources match the record",
            altered,
            f"{len(report.sources)} sources, as recorded",
            "{count} sources do not match the record",
        )
    )
    sources = {source.citation: source for source in report.sources}
    unresolved = [
        f"{citation} in “{_short(line.text)}”"
        for line in lines
        for citation in line.citations
        if citation not in sources
    ]
    checks.append(
        _check(
            "citations resolve",
            unresolved,
            f"{_cited(lines)} citations, all resolve",
            "{count} citations do not resolve",
        )
    )
    year = report.period.end.year
    unsupported = [
        f"“{_short(line.text)}”: {'; '.join(problems)}"
        for line in lines
        if (problems := grounding_problems(line.text, line.citations, sources, known_people, year))
    ]
    checks.append(
        _check(
            "citations support",
            unsupported,
            f"{len(lines)} lines, all supported",
            "{count} lines not supported by their sources",
        )
    )
    pending = [f"“{_short(line.text)}”: {'; '.join(line.flags)}" for line in report.needs_checking]
    checks.append(
        _check(
            "writer sentences",
            pending,
            "every sentence of the writer passed",
            "{count} sentences of the writer need checking",
        )
    )
    invented = [
        f"{what} in “{_short(line.text)}”"
        for line in [*lines, *report.needs_checking]
        for what in entities.invented(line.text, year)
    ]
    checks.append(
        _check(
            "no invented entities",
            invented,
            "every ticket key, date and amount is in the record",
            "{count} names the record does not contain",
        )
    )
    return DraftChecks(passed=all(c.passed for c in checks), checks=checks, checked_at=now)


def check_risk_run(
    run: RiskSuggestionRun, entries: Sequence[RiskEntry], context: CheckContext, now: dt.datetime
) -> DraftChecks:
    """`entries`: the register's entries, as the run leaves them."""
    sources_of, entities, known_people = context.chunks, context.entities, context.known_people
    checks = [_schema(run)]
    by_id = {entry.id: entry for entry in entries}
    touched = [o.risk_id for o in run.outcomes if o.action != "unchanged"]
    missing = [risk_id for risk_id in touched if risk_id not in by_id]
    checks.append(
        _check(
            "entries exist",
            missing,
            f"{len(touched)} entries written, all in the register",
            "{count} entries are not in the register",
        )
    )
    unresolved: list[str] = []
    unsupported: list[str] = []
    invented: list[str] = []
    year = run.period_end.year
    for risk_id in touched:
        entry = by_id.get(risk_id)
        if entry is None:
            continue
        cited = {
            f"E{n}": sources_of[e.chunk_id]
            for n, e in enumerate(entry.evidence, 1)
            if e.chunk_id in sources_of
        }
        if not entry.evidence:
            unresolved.append(f"{entry.id} has no evidence")
        unresolved += [
            f"{entry.id}: {e.label}" for e in entry.evidence if e.chunk_id not in sources_of
        ]
        for name in ("title", "cause", "trigger"):
            text = getattr(entry, name)
            for problem in grounding_problems(text, list(cited), cited, known_people, year):
                unsupported.append(f"{entry.id} {name}: {problem}")
            invented += [f"{entry.id} {name}: {what}" for what in entities.invented(text, year)]
    checks.append(
        _check(
            "evidence resolves",
            unresolved,
            "every entry's evidence is in the record",
            "{count} evidence items do not resolve",
        )
    )
    checks.append(
        _check(
            "evidence supports",
            unsupported,
            "every entry is supported by its evidence",
            "{count} statements not supported by the entry's evidence",
        )
    )
    checks.append(
        _check(
            "no invented entities",
            invented,
            "every ticket key, date and amount is in the record",
            "{count} names the record does not contain",
        )
    )
    dropped = [f"{d.title}: {'; '.join(d.reasons)}" for d in run.dropped]
    checks.append(
        DraftCheck(
            name="dropped proposals",
            passed=True,  # dropped before storing: information for the PM, not a failure
            summary=f"{len(dropped)} proposals failed validation and were not stored"
            if dropped
            else "none",
            problems=dropped[:MAX_LISTED],
        )
    )
    return DraftChecks(passed=all(c.passed for c in checks), checks=checks, checked_at=now)


def _as_recorded(source: Evidence, recorded: Evidence | None) -> bool:
    """The source says what the record says: its words, title, date, kind and place."""
    if recorded is None:
        return False
    fields = ("document_id", "kind", "title", "date", "locator", "text")
    return all(getattr(source, name) == getattr(recorded, name) for name in fields)


def _schema(draft: StatusReport | RiskSuggestionRun) -> DraftCheck:
    try:
        type(draft).model_validate_json(draft.model_dump_json())
    except ValidationError as error:
        return DraftCheck(
            name="schema",
            passed=False,
            summary="does not match its schema",
            problems=[f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5]],
        )
    return DraftCheck(name="schema", passed=True, summary="valid")


def _cited(lines: Sequence[object]) -> int:
    return sum(len(getattr(line, "citations", [])) for line in lines)


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
