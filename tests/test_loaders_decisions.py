"""Decision records: MADR 3 (front matter), MADR 2 (bullets), Nygard ADRs and decision-log CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.domain.record import Decision, Kind
from ingest.loaders import load_file
from ingest.loaders.base import LoaderOptions, LoadResult, SourceFile
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


# Decision records as teams publish them: dated file names, month-only dates, nested deciders,
# folders of proposals. Each sample is written by the test, so the tests stand on their own.


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_as(path: Path, display: str) -> LoadResult:
    """Load a file shown by a path inside an ingested folder, as a folder ingest shows it."""
    return load_file(SourceFile(path, display), OPTIONS)


NYGARD = "\n## Status\n\nAccepted\n\n## Context\n\nLoad grows.\n\n## Decision\n\nQueue it.\n"
MADR_BULLETS = """# {title}

* **Status:** Active
* **Last Modified:** {modified}
* **Deciders:** Ana Silva, Bo Chen

## Context and Problem Statement

We need a place for the data.

## Decision Outcome

Use PostgreSQL.
"""


def test_date_prefixed_adrs_of_one_year_get_distinct_ids_and_their_dates(tmp_path: Path) -> None:
    first = write(
        tmp_path, "2023-07-05-db-choices.md", MADR_BULLETS.format(title="DB", modified="2023-08-01")
    )
    second = write(
        tmp_path, "2023-11-22-uptime.md", MADR_BULLETS.format(title="Uptime", modified="2024-01-09")
    )
    compact = write(
        tmp_path, "20240507-queues.md", MADR_BULLETS.format(title="Queues", modified="2024-06-01")
    )
    decisions = [only_decision(load(path)) for path in (first, second, compact)]
    assert [d.id for d in decisions] == [
        "2023-07-05-DB-CHOICES",
        "2023-11-22-UPTIME",
        "20240507-QUEUES",
    ]
    # The file name's date is the decision's; "Last Modified" is only a later edit.
    assert [d.date for d in decisions] == [
        dt.date(2023, 7, 5),
        dt.date(2023, 11, 22),
        dt.date(2024, 5, 7),
    ]
    assert {d.date_precision for d in decisions} == {"day"}


def test_record_number_from_file_heading_or_front_matter(tmp_path: Path) -> None:
    numbered_file = write(tmp_path, "0005-use-kafka.md", "# Use Kafka\n" + NYGARD)
    adr_heading = write(tmp_path, "kafka.md", "# ADR-12: Use Kafka\n" + NYGARD)
    dotted = write(tmp_path, "queues.md", "# 3. Use queues\n\nDate: 2024-02-01\n" + NYGARD)
    # YAML would read 0012 as an octal 10: the number is taken as written.
    front = write(tmp_path, "events.md", "---\nid: 0012\n---\n# Use events\n" + NYGARD)
    ids = [only_decision(load(path)).id for path in (numbered_file, adr_heading, dotted, front)]
    assert ids == ["ADR-0005", "ADR-0012", "ADR-0003", "ADR-0012"]
    assert only_decision(load(adr_heading)).title == "Use Kafka"


def test_a_date_in_the_heading_is_a_date_not_a_number(tmp_path: Path) -> None:
    path = write(tmp_path, "use-postgres.md", "# 2023-07-05 Use Postgres\n" + NYGARD)
    result = load(path)
    decision = only_decision(result)
    assert (decision.id, decision.title) == ("USE-POSTGRES", "Use Postgres")
    assert (decision.date, decision.date_precision) == (dt.date(2023, 7, 5), "day")
    assert result.warnings == []


def test_date_fields_come_before_the_file_name_and_last_modified_after(tmp_path: Path) -> None:
    dated = write(
        tmp_path,
        "2023-07-20-use-npm.md",
        "# Use npm\n\n* Deciders: Ana Silva\n* Date: 2022-09\n\n## Context\n\nYarn is extra.\n",
    )
    accepted = write(
        tmp_path,
        "0004-use-npm.md",
        "# Use npm\n\n* Status: Accepted\n* Accepted on: 14 March 2024\n"
        "* Last updated: 2024-05-01\n\n## Context\n\nYarn is extra.\n",
    )
    modified_only = write(
        tmp_path,
        "use-wiki.md",
        MADR_BULLETS.format(title="Use a wiki", modified="July 25, 2025"),
    )
    month = only_decision(load(dated))
    assert (month.date, month.date_precision) == (dt.date(2022, 9, 1), "month")
    assert only_decision(load(accepted)).date == dt.date(2024, 3, 14)
    assert only_decision(load(modified_only)).date == dt.date(2025, 7, 25)


def test_month_and_year_only_dates_keep_their_precision(tmp_path: Path) -> None:
    from_name = write(
        tmp_path,
        "2026-01-content-management.md",
        MADR_BULLETS.format(title="CMS", modified="2026-04-10"),
    )
    named_month = write(tmp_path, "0001-a.md", "# A\n\nDate: September 2022\n" + NYGARD)
    year = write(tmp_path, "0002-b.md", "---\ndate: 2021\n---\n# B\n" + NYGARD)
    by_name = only_decision(load(from_name))
    assert (by_name.id, by_name.date, by_name.date_precision) == (
        "2026-01-CONTENT-MANAGEMENT",
        dt.date(2026, 1, 1),
        "month",
    )
    named = only_decision(load(named_month))
    assert (named.date, named.date_precision) == (dt.date(2022, 9, 1), "month")
    yearly = only_decision(load(year))
    assert (yearly.date, yearly.date_precision) == (dt.date(2021, 1, 1), "year")


def test_unreadable_date_is_a_warning_with_file_and_line(tmp_path: Path) -> None:
    undated = write(
        tmp_path, "0007-cache.md", "# Cache\n\n* Status: proposed\n* Date: soon\n" + NYGARD
    )
    result = load(undated)
    decision = only_decision(result)
    assert (decision.id, decision.date) == ("ADR-0007", None)
    assert result.warnings == [
        "0007-cache.md: line 4: cannot read date 'soon'; the record is read without it"
    ]
    # With a date in the file name, that date is read instead.
    dated_name = write(tmp_path, "2024-03-01-cache.md", "# Cache\n\nDate: next sprint\n" + NYGARD)
    result = load(dated_name)
    assert only_decision(result).date == dt.date(2024, 3, 1)
    assert result.warnings == [
        "2024-03-01-cache.md: line 3: cannot read date 'next sprint'; the record is dated "
        "2024-03-01 from the file name instead"
    ]


def test_a_date_yaml_cannot_build_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    path = write(
        tmp_path, "0008-retention.md", "---\ntitle: Retention\ndate: 2023-02-30\n---\n" + NYGARD
    )
    result = load(path)
    decision = only_decision(result)
    assert (decision.title, decision.date) == ("Retention", None)
    assert result.warnings == [
        "0008-retention.md: line 3: cannot read date '2023-02-30'; the record is read without it"
    ]


def test_deciders_inline_with_contributors_and_html_entities(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "0010-cms.md",
        "# CMS\n\n* **Status:** Active\n"
        "* **Deciders:** Julia Park, Jay Roy (contributors: Dee Moss, Al Fox)&#x20;\n"
        "* **Tags:** cms&nbsp;\n",
    )
    assert only_decision(load(path)).deciders == ["Julia Park", "Jay Roy"]
    together = write(
        tmp_path,
        "0011-research.md",
        "# Research\n\n* Deciders: Cara Lee (w/ Dan Ito, Eve Ng)\n* Status: Active\n",
    )
    assert only_decision(load(together)).deciders == ["Cara Lee", "Dan Ito", "Eve Ng"]
    either = write(tmp_path, "0012-logs.md", "# Logs\n\n- **Deciders:** Ana Silva and/or Bo Chen\n")
    assert only_decision(load(either)).deciders == ["Ana Silva", "Bo Chen"]


def test_deciders_as_nested_bullets_or_a_section(tmp_path: Path) -> None:
    nested = write(
        tmp_path,
        "0013-reporting.md",
        "# Reporting\n\n* **Status:** Active\n* **Deciders:**\n  * Lucía Ortega&#x20;\n"
        "  * Sam Obi&nbsp;\n* **Tags:** analytics\n\n## Context\n\nText.\n",
    )
    assert only_decision(load(nested)).deciders == ["Lucía Ortega", "Sam Obi"]
    plain_line = write(
        tmp_path,
        "0014-dashboards.md",
        "# Dashboards\n\nDeciders:\n\n- Ana Silva\n- Bo Chen\n" + NYGARD,
    )
    assert only_decision(load(plain_line)).deciders == ["Ana Silva", "Bo Chen"]
    section = write(
        tmp_path,
        "0015-storage.md",
        "# Storage\n\n## Status\n\nAccepted\n\n## Deciders\n\n* Ana Silva\n* Bo Chen\n",
    )
    assert only_decision(load(section)).deciders == ["Ana Silva", "Bo Chen"]


def test_status_unknown_when_none_and_cleaned_of_markdown(tmp_path: Path) -> None:
    no_status = write(
        tmp_path,
        "2023-07-20-server-rendering.md",
        "## Context and Problem Statement\n\nRendering.\n\n## Considered options\n\n1. Server\n",
    )
    decision = only_decision(load(no_status))
    assert (decision.status, decision.title) == ("unknown", "Server rendering")
    samples = {
        "**Status: Active**\\\n**Deciders:** Ana Silva\\\n": "Active",
        "* **Status:** {Active}\n": "Active",
        "* **Status:** Accepted.\n": "Accepted",
        "- **Status:** Superseded By [Logging](0002-logging.md)\n": "Superseded By Logging",
        "## Status\n\n* Proposed\n": "Proposed",
    }
    for number, (header, status) in enumerate(samples.items(), start=20):
        path = write(tmp_path, f"00{number}-x.md", f"# X\n\n{header}\n## Context\n\nText.\n")
        assert only_decision(load(path)).status == status


def test_documents_in_a_proposals_folder_are_decisions(tmp_path: Path) -> None:
    text = (
        "# Private fields\n\n- Start Date: 2014-03-11\n- Status: Final Comment Period\n\n"
        "## Summary\n\nFields are private by default.\n\n## Motivation\n\nEncapsulation.\n"
    )
    path = write(tmp_path, "rfcs/text/0001-private-fields.md", text)
    result = load_as(path, "lang/rfcs/text/0001-private-fields.md")
    decision = only_decision(result)
    assert result.format == "adr-markdown"
    assert (decision.id, decision.title) == ("RFC-0001", "Private fields")
    assert (decision.status, decision.date) == ("Final Comment Period", dt.date(2014, 3, 11))
    # Outside such a folder the same text is no ADR: its headings are not an ADR's.
    assert load(path).format != "adr-markdown"


def test_proposal_numbers_that_look_like_years_stay_numbers(tmp_path: Path) -> None:
    # Four-digit numbers with no month after them are numbers; "# Summary" opens the text.
    rfc = write(
        tmp_path,
        "rfcs/text/2000-const-generics.md",
        "- Start Date: 2017-05-01\n\n# Summary\n\nConst generics.\n",
    )
    decision = only_decision(load_as(rfc, "rfcs/text/2000-const-generics.md"))
    assert (decision.id, decision.title, decision.date) == (
        "RFC-2000",
        "Const generics",
        dt.date(2017, 5, 1),
    )
    # A plain-text proposal with its fields in a header block, its title one of them.
    pep = write(
        tmp_path,
        "peps/pep-0008.txt",
        "PEP: 8\nTitle: Style Guide\nStatus: Active\nCreated: 05-Jul-2001\n\n"
        "Introduction\n============\n\nText.\n",
    )
    decision = only_decision(load_as(pep, "peps/pep-0008.txt"))
    assert (decision.id, decision.title, decision.status, decision.date) == (
        "PEP-0008",
        "Style Guide",
        "Active",
        dt.date(2001, 7, 5),
    )


def test_index_files_of_a_proposals_folder_are_not_decisions(tmp_path: Path) -> None:
    for name in ("README.md", "index.md", "_index.md", "SUMMARY.md"):
        path = write(tmp_path, f"keps/{name}", "# Enhancement proposals\n\nOne file each.\n")
        assert load_as(path, f"project/keps/{name}").format == "minutes-markdown"


def test_date_prefixed_meeting_notes_are_not_taken_for_adrs(tmp_path: Path) -> None:
    notes = (
        "# Roadmap 2020 discussion\n\n## Context\n\nWhere the compiler stands.\n\n"
        "## Decision\n\nFocus on compile times.\n\n## Notes from the meeting\n\n- Ana: agreed\n"
    )
    path = write(tmp_path, "2019-10-04-Roadmap-2020-Goals.md", notes)
    assert load(path).format == "minutes-markdown"
    assert load_as(path, "minutes/design-meeting/2019-10-04-Roadmap-2020-Goals.md").format == (
        "minutes-markdown"
    )
    # In a folder of decisions it is one.
    in_decisions = load_as(path, "project/decisions/2019-10-04-Roadmap-2020-Goals.md")
    assert only_decision(in_decisions).date == dt.date(2019, 10, 4)


def test_record_without_number_or_date_is_read_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "adr/use-ethnio.md", "# Use Ethnio for design research\n")
    result = load_as(path, "wiki/adr/use-ethnio.md")
    decision = only_decision(result)
    assert (decision.id, decision.title, decision.status) == (
        "USE-ETHNIO",
        "Use Ethnio for design research",
        "unknown",
    )
    assert result.warnings == [
        "wiki/adr/use-ethnio.md: no number or date; its id comes from the file name"
    ]


def test_decision_log_month_dates_and_missing_status(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", "ID,Date,Decision\nD-1,2026-09,Two-week sprints\n")
    decision = only_decision(load(path))
    assert (decision.date, decision.date_precision) == (dt.date(2026, 9, 1), "month")
    assert decision.status == "unknown"
