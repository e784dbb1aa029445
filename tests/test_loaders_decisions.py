"""Decision records: MADR 3 (front matter), MADR 2 (bullets), Nygard ADRs and decision-log CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.domain.record import Decision, Kind
from ingest.loaders.base import LoaderOptions, LoadResult
from tests.conftest import load_path

OPTIONS = LoaderOptions(project="payments")


def load(path: Path) -> LoadResult:
    return load_path(path, OPTIONS)


def only_decision(result: LoadResult) -> Decision:
    assert result.failures == []
    assert len(result.documents) == 1
    record = result.documents[0].document.record
    assert isinstance(record, Decision)
    return record


def test_madr3_with_front_matter(samples: Path) -> None:
    result = load(samples / "0007-use-managed-postgresql.md")
    decision = only_decision(result)
    document = result.documents[0].document
    assert document.id == "decision:ADR-0007"
    assert document.kind is Kind.DECISION
    assert document.title == "ADR-0007 Use managed PostgreSQL for the ledger"
    assert (decision.status, decision.date) == ("accepted", dt.date(2026, 9, 9))
    assert decision.deciders == ["Olu Bakare", "Ines Duarte", "Gemma Ortiz"]
    assert "EUR 80k a year" in decision.context
    assert decision.outcome == (
        'Chosen option: "Managed PostgreSQL", because it costs about EUR 20k a year and meets '
        "the recovery target."
    )
    assert "licence cost falls by about EUR 60k" in decision.consequences
    assert "partitioning" in decision.consequences
    assert "Good, because" not in decision.outcome  # nested consequences are not the outcome


def test_madr2_with_bullet_fields(samples: Path) -> None:
    decision = only_decision(load(samples / "0008-keep-history-24-months.md"))
    assert decision.id == "ADR-0008"
    assert (decision.status, decision.date) == ("accepted", dt.date(2026, 10, 6))
    assert decision.deciders == ["Olu Bakare", "Zoë Müller"]
    assert decision.outcome == "Chosen option: migrate 24 months, archive the rest read-only."
    assert "one weekend" in decision.consequences
    assert "Older disputes need the archive." in decision.consequences


def test_nygard_adr(samples: Path) -> None:
    decision = only_decision(load(samples / "0009-simulator-for-load-tests.md"))
    assert decision.id == "ADR-0009"
    assert decision.title == "Load test against the acquirer simulator"
    assert (decision.status, decision.date) == ("Proposed", dt.date(2026, 10, 20))
    assert decision.deciders == ["Olu Bakare", "Ines Duarte"]
    assert decision.context.startswith("The acquirer sandbox is capped at 50 tps")
    assert decision.outcome == "Run the load test against the acquirer's simulator."


def test_adr_sections_carry_line_locators(samples: Path) -> None:
    loaded = load(samples / "0009-simulator-for-load-tests.md").documents[0]
    by_heading = {section.heading: section for section in loaded.sections}
    assert by_heading["Decision"].lines[0].number == 17
    assert by_heading["Decision"].locator.source == "0009-simulator-for-load-tests.md"


def test_decision_log_csv_headers_in_any_case(samples: Path) -> None:
    result = load(samples / "decision-log.csv")
    decisions = {d.document.record.id: d.document.record for d in result.documents}  # type: ignore[union-attr]
    assert sorted(decisions) == ["DL-01", "DL-02", "DL-03"]
    approved = decisions["DL-02"]
    assert isinstance(approved, Decision)
    assert approved.date == dt.date(2026, 10, 8)
    assert approved.outcome == "Approve CR-4, add Apple Pay (+EUR 30k, +2 weeks)"
    assert approved.context == 'Requested by sales; "must have" for the Q1 campaign'
    assert approved.deciders == ["Steering committee", "Gemma Ortiz"]
    assert decisions["DL-01"].deciders == ["Olu Bakare", "Ines Duarte"]  # type: ignore[union-attr]
    assert decisions["DL-03"].status == "Superseded"  # type: ignore[union-attr]
    locator = result.documents[1].sections[0].locator
    assert (locator.row, locator.source) == (3, "decision-log.csv")


def test_decision_log_bad_row_is_named(samples: Path) -> None:
    [failure] = load(samples / "decision-log.csv").failures
    assert (failure.row, failure.field) == (5, "Date")
    assert failure.reason == "cannot read date '15/13/2026'"


def test_decision_log_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("Decision,Owner\nUse Kafka,Olu\n", encoding="utf-8")
    result = load(path)
    assert result.documents == []
    assert "missing required column 'ID'" in result.failures[0].reason
