"""What erasing a document does to what pmassist wrote from it: saved answers and report drafts
lose every statement that cites the document, and the document's sources with them.

A statement is removed whole rather than trimmed: its words may quote the document even when
it also cites another source. What is left says that something was removed, never what.
"""

from __future__ import annotations

from typing import TypeVar

from assistant.domain.answer import Answer
from assistant.domain.evidence import Evidence
from assistant.domain.report import ReportLine, StatusReport
from assistant.text.citations import cited_ids

ANSWER_NOTE = "[Part of this answer was removed: a source it quoted was erased.]"
# Status reasons, milestones and register entries are report lines too.
Line = TypeVar("Line", bound=ReportLine)

REPORT_NOTE = (
    "Statements citing an erased document were removed from this version ({count}); draft the "
    "report again for a complete picture."
)


def erased_citations(sources: list[Evidence], document_id: str) -> set[str]:
    """The citation ids (S1, …) that point into the erased document."""
    return {source.citation for source in sources if source.document_id == document_id}


def answer_without(answer: Answer, document_id: str) -> Answer | None:
    """The answer with every sentence citing the document removed; None when it cites none."""
    erased = erased_citations(answer.sources, document_id)
    if not erased:
        return None
    kept_lines = [line for line in answer.text.splitlines() if not set(cited_ids(line)) & erased]
    text = "\n".join([*kept_lines, ANSWER_NOTE]).strip()
    return answer.model_copy(
        update={
            "text": text,
            "sentences": [s for s in answer.sentences if not set(s.citations) & erased],
            "sources": [s for s in answer.sources if s.citation not in erased],
        }
    )


def report_quotes(report: StatusReport, document_id: str) -> bool:
    return bool(erased_citations(report.sources, document_id))


def report_without(report: StatusReport, document_id: str) -> tuple[StatusReport, int]:
    """The report without the document's sources and the statements citing them; returns it
    with the number of statements removed."""
    erased = erased_citations(report.sources, document_id)
    removed = 0

    def keep(lines: list[Line]) -> list[Line]:
        nonlocal removed
        kept = [line for line in lines if not set(line.citations) & erased]
        removed += len(lines) - len(kept)
        return kept

    delta = report.delta
    if delta is not None:
        status_change = delta.status_change
        if status_change is not None and set(status_change.citations) & erased:
            status_change, removed = None, removed + 1
        delta = delta.model_copy(
            update={
                "status_change": status_change,
                "new_blockers": keep(delta.new_blockers),
                "closed_blockers": keep(delta.closed_blockers),
                "slipped_dates": keep(delta.slipped_dates),
            }
        )
    redacted = report.model_copy(
        update={
            "status_reasons": keep(report.status_reasons),
            "executive_summary": keep(report.executive_summary),
            "sections": {key: keep(lines) for key, lines in report.sections.items()},
            "needs_checking": keep(report.needs_checking),
            "delta": delta,
            "sources": [s for s in report.sources if s.citation not in erased],
        }
    )
    redacted.warnings = [*report.warnings, REPORT_NOTE.format(count=removed)]
    return redacted, removed
