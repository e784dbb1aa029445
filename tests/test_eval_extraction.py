"""The extraction suite: hand labels of real records against what the loaders read, on a small
corpus written here (minutes and a decision record), the text matching it rests on, and the skip
when there are no records."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evals import matching, real_records
from evals.dataset import FixtureError
from evals.results import CaseResult, Engine, Tally
from evals.runner import EvalOptions, EvalRunner
from evals.suites import extraction, parse_suites
from evals.suites.base import EvalSuite
from evals.thresholds import Thresholds
from evals.workspace import Workspace
from tests.conftest import REPO

MINUTES = """---
title: Platform weekly — 3 March 2026
date: 2026-03-03
attendees:
  - Alice Example
  - Bob Example
---

# Platform weekly — 3 March 2026

## Action items

- [ ] Alice Example — draft the release plan for the spring launch — due 2026-03-06
- [x] Bob Example — book the demo room on the fourth floor — due 2026-03-04
- [ ] Bob Example — order two new build agents for the CI cluster — due 2026-03-10
"""

DECISION = """---
status: accepted
date: 2026-02-01
deciders:
  - Alice Example
  - Bob Example
---
# Use PostgreSQL for the platform database

## Context and Problem Statement

The platform needs a relational database. Which one do we run?

## Decision Outcome

Chosen option: PostgreSQL, because the team runs it already.
"""

MEETING_LABEL = {
    "file": "minutes/2026-03-03-platform-weekly.md",
    "heading": None,
    "date": "2026-03-03",
    # Carol is labelled but not in the record: a missed attendee.
    "attendees": ["Alice Example", "Bob Example", "Carol Example"],
    "decisions": [],
    "actions": [
        {"task": "draft the release plan for the spring launch", "owner": "Alice Example"},
        # The record gives this task to Bob: a wrong owner.
        {"task": "book the demo room on the fourth floor", "owner": "Alice Example", "done": True},
        # Not in the record: a missed action. The build agents are in it but not labelled: an
        # extra one.
        {"task": "write the retrospective summary for the wiki", "owner": None},
    ],
    "progress": [],
}
DECISION_LABEL = {
    "file": "adr/2026-02-01-use-postgresql.md",
    "date": "2026-02-01",
    "date_precision": "day",
    "status": "Proposed",  # the record says accepted: a wrong status
    "deciders": ["Alice Example", "Bob Example"],
    "title": "Use PostgreSQL for the platform database",
}


def small_corpus(tmp_path: Path) -> tuple[Path, Path]:
    """(records folder, labels folder) with one corpus, "platform"."""
    records, labels = tmp_path / "records" / "platform", tmp_path / "labels" / "platform"
    (records / "minutes").mkdir(parents=True)
    (records / "adr").mkdir()
    labels.mkdir(parents=True)
    (records / MEETING_LABEL["file"]).write_text(MINUTES, encoding="utf-8")
    (records / DECISION_LABEL["file"]).write_text(DECISION, encoding="utf-8")
    (labels / "meetings.yaml").write_text(yaml.safe_dump([MEETING_LABEL]), encoding="utf-8")
    (labels / "decisions.yaml").write_text(yaml.safe_dump([DECISION_LABEL]), encoding="utf-8")
    return records.parent, labels.parent


def run(records: Path, labels: Path, only: list[str] | None = None) -> list[CaseResult]:
    cases = extraction.evaluate(only, records=records, labels=labels)
    assert not isinstance(cases, str), cases
    return cases


# Scoring a small corpus ------------------------------------------------------------------------


def test_a_small_corpus_is_scored_field_by_field(tmp_path: Path) -> None:
    cases = run(*small_corpus(tmp_path))
    assert [(c.project, c.case) for c in cases] == [
        ("platform", "minutes/2026-03-03-platform-weekly.md"),
        ("platform", "adr/2026-02-01-use-postgresql.md"),
    ]
    metrics = extraction.metrics(Tally(cases))
    assert metrics["meetings"] == metrics["decision_records"] == 1
    assert metrics["meeting_date_accuracy"] == 1.0
    assert metrics["attendee_precision"] == 1.0
    assert metrics["attendee_recall"] == round(2 / 3, 4)
    # Two of three labelled actions read, two of three read actions labelled.
    assert metrics["action_recall"] == metrics["action_precision"] == round(2 / 3, 4)
    # Both matched actions have an owner on each side; one is right.
    assert metrics["owner_accuracy"] == metrics["owner_precision"] == 0.5
    assert metrics["action_done_accuracy"] == 1.0
    # Nothing labelled and nothing read: no figure rather than a perfect one.
    assert metrics["decision_precision"] is None and metrics["decision_recall"] is None
    assert metrics["decision_date_accuracy"] == metrics["date_precision_accuracy"] == 1.0
    assert metrics["decider_accuracy"] == metrics["title_accuracy"] == 1.0
    assert metrics["status_accuracy"] == 0.0

    meeting, decision = cases
    assert not meeting.passed and not decision.passed
    assert "missed attendee: Carol Example" in meeting.notes
    assert "missed action: write the retrospective summary for the wiki" in meeting.notes
    assert any(
        n.startswith("not labelled action: order two new build agents") for n in meeting.notes
    )
    assert (
        "owner of 'book the demo room on the fourth floor': expected Alice Example, read Bob Example"
        in meeting.notes
    )
    assert decision.notes == ["status: expected Proposed, read accepted"]


def test_per_corpus_figures_and_a_run_limited_to_some_corpora(tmp_path: Path) -> None:
    records, labels = small_corpus(tmp_path)
    assert [c.project for c in run(records, labels, only=["platform"])] == ["platform"] * 2
    assert extraction.evaluate(["harbor"], records=records, labels=labels) == (
        "skipped: no labelled corpus among harbor"
    )
    result = EvalRunner(
        EvalOptions(
            fixtures=tmp_path / "no-fixtures", work_dir=tmp_path, suites=(suite(records, labels),)
        ),
        open_workspace=no_workspace,
        thresholds=Thresholds(offline={"extraction": {"action_recall": 0.9}}, model={}),
    ).run()
    extracted = result.suites[0]
    assert set(extracted.per_project) == {"platform"}
    assert extracted.per_project["platform"]["attendee_recall"] == round(2 / 3, 4)
    assert result.failures == [f"extraction.action_recall {round(2 / 3, 4):g} < 0.9"]


def test_a_file_the_labels_name_but_the_folder_lacks_counts_as_unread(tmp_path: Path) -> None:
    records, labels = small_corpus(tmp_path)
    (records / "platform" / MEETING_LABEL["file"]).unlink()
    meeting = run(records, labels)[0]
    assert meeting.notes[0].startswith("no meeting read (no such file: ")
    assert meeting.values["attendees_matched"] == 0 and meeting.values["attendees_expected"] == 3


# Without records -------------------------------------------------------------------------------


def suite(records: Path, labels: Path) -> EvalSuite:
    """The extraction suite on a given records folder and labels."""
    return EvalSuite(
        name="extraction",
        run=lambda _: [],
        metrics=extraction.metrics,
        standalone=lambda only: extraction.evaluate(only, records=records, labels=labels),
    )


def no_workspace(engine: Engine) -> Workspace:
    raise AssertionError("a suite over records of its own needs no fixture workspace")


def test_no_real_records_skips_the_suite_with_a_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere"
    monkeypatch.setenv(real_records.RECORDS_ENV, str(missing))
    assert real_records.records_folder() == missing
    assert extraction.evaluate() == f"skipped: no real records at {missing}"

    said: list[str] = []
    result = EvalRunner(
        EvalOptions(
            fixtures=tmp_path / "no-fixtures", work_dir=tmp_path, suites=parse_suites("extraction")
        ),
        open_workspace=no_workspace,
        thresholds=Thresholds.load(REPO / "evals" / "thresholds.yaml"),
        progress=said.append,
    ).run()
    assert result.passed and result.failures == []
    assert result.suites[0].skipped == f"skipped: no real records at {missing}"
    assert f"extraction: skipped: no real records at {missing}" in said
    assert result.as_dict()["suites"][0]["skipped"] == result.suites[0].skipped


def test_without_the_variable_the_records_are_looked_for_beside_the_checkout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(real_records.RECORDS_ENV, raising=False)
    assert real_records.records_folder() == REPO.parent / "shared" / "real-records"


# The labels ------------------------------------------------------------------------------------


def test_the_labels_in_the_repository_load_and_cover_the_three_corpora() -> None:
    corpora = extraction.load_labels()
    assert set(corpora) == {"jenkins-infra", "rust-compiler-team", "simpler-grants-gov"}
    meetings = sum(len(m) for m, _ in corpora.values())
    decisions = sum(len(d) for _, d in corpora.values())
    assert meetings >= 20 and decisions >= 15


def test_a_label_that_does_not_fit_its_schema_names_file_and_field(tmp_path: Path) -> None:
    folder = tmp_path / "labels" / "team"
    folder.mkdir(parents=True)
    bad = {**MEETING_LABEL, "atendees": []}
    (folder / "meetings.yaml").write_text(yaml.safe_dump([bad]), encoding="utf-8")
    with pytest.raises(FixtureError, match=r"meetings.yaml: 0.atendees: Extra inputs"):
        extraction.load_labels(tmp_path / "labels")


# Matching texts --------------------------------------------------------------------------------


def test_an_item_matches_when_it_holds_most_of_the_labels_content_words() -> None:
    label = "Upgrade to [Kubernetes 1.27](https://example.org/issues/1)"
    assert matching.holds(label, "upgrade kubernetes 1.27 on the clusters") == 1.0
    assert matching.holds(label, "Kubernetes") < matching.MATCH_SHARE
    # A label that is a URL is held only by a text that contains it.
    url = "https://tracker.example.org/issues/4002"
    assert matching.holds(url, f"see {url}/") == 1.0
    assert matching.holds(url, "https://tracker.example.org/issues/4003") == 0.0


def test_pairs_are_one_to_one_best_first() -> None:
    labels = ["Forgot username and password", "Forgot username and password", "Login issue"]
    read = ["Login issue", "Forgot username and password"]
    assert matching.pair(labels, read, matching.holds) == {0: 1, 2: 0}


def test_names_statuses_and_owners_compare_as_people_write_them() -> None:
    assert extraction.same_name("Zoë Lambert", "zoe lambert") == 1.0
    assert extraction.same_name("@ohaddad", "ohaddad") == 1.0
    assert extraction.same_status("Accepted", "accepted.")
    assert extraction.same_status("Active", "{Active}")
    assert extraction.same_status(
        "Superseded By Revisiting SOAP Proxy", "Superseded By [Revisiting SOAP Proxy](x.md)"
    )
    assert extraction.same_status("unknown", None) and not extraction.same_status(
        "unknown", "Active"
    )
    assert extraction.same_names(["Lucas", "Billy"], ["billy", "Lucas"])
    assert extraction.same_owner("Omar", "Omar Haddad")
    assert not extraction.same_owner("Omar", "Ines Duarte")
    assert not extraction.same_owner(None, "Ines Duarte")
