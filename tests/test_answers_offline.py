"""The offline writer: passages read with their context, key terms weighted by rarity, the fact
quoted, and questions the record does not answer declined."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.answers.answer_kinds import asked_for, figures_missing
from assistant.answers.coverage import CoverageReading, judge_coverage, read_coverage
from assistant.answers.extracts import SOURCES_READ, _sources_read, quotation
from assistant.answers.key_terms import (
    key_terms,
    names_a,
    numbered_names,
    question_terms,
    stem,
    stems,
)
from assistant.answers.passages import source_passages
from assistant.config import Settings
from assistant.domain.answer import Answer
from assistant.domain.evidence import Evidence
from assistant.domain.record import Kind, Locator
from assistant.service import Assistant
from tests.conftest import CountingEmbedder

MINUTES = """\
# Orion weekly status (2026-03-10)

Attendees: Dana Fox, Omar Haddad

## Vendors

- Fastly: done
- Akamai: contract still with legal
- Certificate renewal
  - Dana Fox renews the test certificates by 20 March; the vendor needs five working days.

## Cloud budgets

- Azure
  - May: $2,410 (invoice)
  - June: $1,977 (invoice, forecasted at $2,112)
- AWS
  - June: $8,900 (forecasted at $15,100)

## Decisions

- Omar Haddad moves the nightly export to 02:00 so that it no longer collides with backups.
"""


def evidence(text: str, kind: Kind = Kind.MINUTES, title: str = "Orion weekly status") -> Evidence:
    return Evidence(
        citation="S1",
        chunk_id="minutes:x#abc-0",
        document_id="minutes:x",
        kind=kind,
        title=title,
        locator=Locator(source="x.md"),
        text=text,
        score=1.0,
    )


def test_a_nested_line_keeps_the_bullet_above_it_and_a_bullet_its_explanation() -> None:
    chunk = "Orion weekly status — Cloud budgets · March 2026\n- Azure\n  - June: $1,977\n"
    [azure, june] = source_passages(evidence(chunk))
    assert june.parents == ("Azure",) and quotation(june) == "Azure … June: $1,977"
    assert azure.children == ("June: $1,977",)
    assert quotation(azure) == "Azure / June: $1,977"


def test_labels_tables_and_questions() -> None:
    chunk = (
        "Orion steering — Milestones · March 2026\n"
        "| Milestone | Forecast |\n|---|---|\n| M4 Load test | 2026-11-27 |\n"
        "Notes:\nWho signs the DPIA?\nNobody has signed the DPIA yet.\n"
    )
    found = {p.text: p for p in source_passages(evidence(chunk))}
    assert found["M4 Load test | 2026-11-27"].labels == ("Milestone | Forecast",)
    assert found["Nobody has signed the DPIA yet."].labels == ("Notes",)
    assert "Who signs the DPIA?" not in found  # a question is never quoted as an answer


def test_a_ticket_is_read_past_its_title() -> None:
    chunk = (
        "ORI-7: Login fails after SSO (2026-03-02) · March 2026\n"
        "Bug · Status: In Progress · Priority: High\n"
        "Description:\nThe SSO token expires after 5 minutes because the proxy clock drifts.\n"
        "Comments:\n2026-03-04: Omar Haddad synced the proxy clock; fix in review.\n"
    )
    found = {p.text: p for p in source_passages(evidence(chunk, Kind.TICKET, "ORI-7: Login"))}
    description = "The SSO token expires after 5 minutes because the proxy clock drifts."
    assert found[description].labels == ("Description",)
    assert "2026-03-04: Omar Haddad synced the proxy clock; fix in review." in found
    assert "ORI-7: Login" in found  # the title too


def test_key_terms_leave_out_stop_and_generic_words_and_meet_other_word_forms() -> None:
    assert list(question_terms("What is the status of the team's outages this week?")) == ["outag"]
    assert stem("outages") == stem("outage") and stem("planned") == stem("plan")
    assert stem("rates") == stem("rated") == stem("rate")
    assert stem("HBR-48") == "hbr-48" and stem("2.568.1") == "2.568.1"
    assert "text" in stems("text-message reminders") and "hbr-48" in stems("(HBR-48)")


def test_key_terms_are_weighted_by_rarity_and_unknown_names_are_kept_apart() -> None:
    frequencies = {"dana": 3, "fox": 3, "salary": 0, "rebecca": 0, "role": 40}
    terms = key_terms(
        "What is Dana Fox's salary, and what role does Rebecca have?",
        lambda word: frequencies.get(word, 10),
        100,
    )
    assert terms.weights["salary"] > terms.weights["dana"] > terms.weights["rol"]
    assert terms.unknown == {"salary", "rebecca"}
    assert terms.unknown_names == {"rebecca"}  # named, and in no chunk of the record
    # A describing word the record never uses ("exposed") names nothing and is left out.
    assert "expos" not in key_terms("Was data exposed?", lambda word: 0, 100).weights


def test_a_word_placing_a_period_is_no_key_term() -> None:
    # The time window reads "early September"; the record dates its lines instead.
    asked = "Which tasks did Omar Haddad block in early September 2026?"
    assert list(question_terms(asked)) == ["task", "omar", "haddad", "block", "september", "2026"]
    assert "end" in question_terms("When will the end users be trained?")


def test_an_abbreviation_in_the_record_holds_the_words_the_question_spells_out() -> None:
    terms = key_terms("When does the change advisory board meet Dana Fox?", lambda word: 2, 100)
    spelled = {stem("change"), stem("advisory"), stem("board")}
    assert spelled <= terms.found_in("The CAB meets on Tuesdays; CAB-7 is open")
    assert not spelled & terms.found_in("A cab takes Dana Fox home")  # a word, not initials


def test_a_question_asking_for_a_figure_needs_one_in_the_extracts() -> None:
    rate = "What is Dana Fox's day rate?"
    assert figures_missing(rate, [("Dana Fox renews the certificates", 0.5)]) == ["amount"]
    assert not figures_missing(rate, [("Dana Fox: EUR 900 a day", 0.5)])
    # An amount in a passage about something else answers nothing.
    assert figures_missing(rate, [("Azure: USD 1,977 in June", 0.0)]) == ["amount"]
    when = "When does the certificate expire?"
    assert figures_missing(when, [("It expires soon.", 0.5)]) == ["date"]
    assert not figures_missing("How much bandwidth in April?", [("April: 43.85 Tb", 0.5)])
    assert not figures_missing("What should we stop to cut costs?", [("Stop the VMs", 0.5)])
    # Bringing costs down is something done, not an amount.
    assert asked_for("What did Omar Haddad do to bring the hosting costs down?") == []
    assert [kind.name for kind in asked_for("What did the hosting cost in May?")] == ["amount"]


@pytest.mark.parametrize(
    ("reading", "coverage"),
    [
        (CoverageReading(0.7, 0.8, 0.0, frozenset(), ()), "answered"),
        # Close in meaning, but most of what was asked is in no passage and no chunk at all.
        (CoverageReading(0.6, 0.2, 0.5, frozenset(), ()), "weak"),
        (CoverageReading(0.7, 0.8, 0.0, frozenset(), ("amount",)), "weak"),
        (CoverageReading(0.7, 0.8, 0.2, frozenset({"rebecca"}), ()), "not_covered"),
        (CoverageReading(0.2, 0.1, 0.0, frozenset(), ()), "not_covered"),
        # Far in meaning but holding the question's terms: still answered from the terms.
        (CoverageReading(0.28, 0.6, 0.0, frozenset(), ()), "answered"),
        # Close in meaning, but the record uses the question's words apart, never together.
        (CoverageReading(0.62, 0.15, 0.0, frozenset(), ()), "weak"),
        # A paraphrase (words in no chunk) does not count against the terms the passage holds.
        (CoverageReading(0.84, 0.15, 0.45, frozenset(), ()), "answered"),
    ],
)
def test_coverage_weighs_meaning_terms_and_figures(
    reading: CoverageReading, coverage: str, settings: Settings
) -> None:
    assert judge_coverage(reading, settings) == coverage


def test_a_status_question_reads_the_ticket_it_names_and_wants_where_it_stands() -> None:
    assert [kind.name for kind in asked_for("ORI-7 status")] == ["state"]
    named = evidence("ORI-7: Login fails (2026-03-02)\n2026-03-04: fix merged", Kind.TICKET)
    others = [evidence(f"Minutes\nLine {n}") for n in range(SOURCES_READ)]
    assert _sources_read("ORI-7 status", [*others, named]) == [*others, named]
    assert _sources_read("Login status", [*others, named]) == others


def test_a_numbered_name_that_no_source_holds_is_not_covered(settings: Settings) -> None:
    question = "How many story points did the team finish in Sprint 7?"
    assert numbered_names(question) == ["sprint 7"]
    assert numbered_names("What did we ship in July 2026?") == []  # a date, not a name
    terms = key_terms(question, lambda word: 1, 10)
    held = read_coverage(question, terms, [], [], [evidence("Board\nSprint-7 closed 31 points")])
    assert held.names_missing == ()
    missing = read_coverage(question, terms, [], [], [evidence("Board\nSprint 6 closed 31 points")])
    assert missing.names_missing == ("sprint 7",)
    # "Version" between the name and its number says what the number is.
    assert names_a("Upgrade Redis version `7` before May", "redis 7")
    assert names_a("Redis v7 is end of life", "redis 7")
    assert not names_a("Redis cluster of 7 nodes", "redis 7")
    assert judge_coverage(replace(missing, closeness=0.8, terms_held=1.0), settings) == (
        "not_covered"
    )


@pytest.fixture
def orion(settings: Settings, counting_embedder: CountingEmbedder, record: Path, samples: Path):  # type: ignore[no-untyped-def]
    (record / "2026-03-10-orion-weekly.md").write_text(MINUTES, encoding="utf-8")
    shutil.copy(samples / "jira-cloud-export.csv", record)
    assistant = Assistant(settings, embedder=counting_embedder, language_model=None)
    assistant.records.ingest([record], "orion")
    return assistant


def quotes(answer: Answer) -> list[str]:
    return [sentence.text for sentence in answer.sentences]


def verbatim(answer: Answer) -> None:
    """Every piece of every quote is the record's own words, in the source it cites."""
    sources = {source.citation: source for source in answer.sources}
    for sentence in answer.sentences:
        [citation] = sentence.citations
        source = sources[citation]
        text = " ".join(f"{source.title}\n{source.text}".replace("**", "").split())
        for piece in re.split(r" … | / ", sentence.text):
            assert piece in text, piece


def test_offline_answers_carry_the_fact(orion: Assistant) -> None:
    ask = orion.questions.ask
    fastly = ask("Where are we with Fastly?", "orion")
    assert fastly.coverage == "answered"
    assert any(q == "Fastly: done" for q in quotes(fastly))  # a short line with the key term
    verbatim(fastly)

    june = ask("How much did Azure cost in June?", "orion")
    assert any("Azure … June: $1,977" in q for q in quotes(june))  # with the bullet above it
    verbatim(june)

    who = ask("Who renews the certificates?", "orion")
    # The bullet is quoted with the line under it that says who and when.
    assert any("Dana Fox renews the test certificates by 20 March" in q for q in quotes(who))
    verbatim(who)

    ticket = ask("Which acquirer case is PAY-104 waiting on?", "orion")
    assert any("ACQ-5521" in q for q in quotes(ticket))  # the description, not the title only
    comment = ask("What did the acquirer confirm about the card payment time-outs?", "orion")
    assert any("Acquirer confirmed the rate limit" in q for q in quotes(comment))
    verbatim(ticket)
    verbatim(comment)


def test_questions_the_record_does_not_answer_are_declined(orion: Assistant) -> None:
    salary = orion.questions.ask("What is Dana Fox's annual salary?", "orion")
    assert salary.coverage in ("weak", "not_covered")
    stranger = orion.questions.ask("What is Rebecca Quill's role on Orion?", "orion")
    assert stranger.coverage == "not_covered"
    assert stranger.text.startswith("The project record does not cover this question")


def test_what_a_piece_of_work_found_is_not_in_a_record_that_says_it_is_still_to_do() -> None:
    from assistant.answers.coverage import outcome_pending
    from assistant.answers.extracts import ScoredPassage

    def scored(text: str) -> list[ScoredPassage]:
        return [
            ScoredPassage(p, 0.6, 0.6, frozenset(), 0.6)
            for p in source_passages(evidence(f"Orion weekly status\n{text}"))
        ]

    question = "What root cause did the post-mortem of the login outage find?"
    pending = "- Login outage on 2 March\n  - Still need to write the post-mortem (Dana Fox)"
    written = pending + "\n- Post-mortem written: the session cache filled the disk"
    assert outcome_pending(question, scored(pending))
    assert not outcome_pending(question, scored(written))
    # A question that does not ask for an outcome is answered from the same lines.
    assert not outcome_pending("Who writes the post-mortem of the login outage?", scored(pending))
