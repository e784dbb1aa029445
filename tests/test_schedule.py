"""The routine `pmassist serve` runs by itself, on an injected clock (no sleeps): the weekly
draft at its cron-like time in the PM's time zone, syncs every few minutes, one job per project
at a time, the run history, and the notices: e-mail to a real SMTP server started here
(aiosmtpd) and a Slack webhook to a receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from assistant.domain.errors import InvalidInputError, JobBusyError
from assistant.domain.schedule import ScheduledRun, WeeklyTime
from assistant.notify import Notifier
from assistant.service import Assistant
from assistant.service.schedule import ScheduleService
from tests.conftest import free_port, sample_copy
from tests.local_http import Request, local_server

UTC = dt.UTC


class Clock:
    """Time set by the test, moving on a millisecond each time it is read, as time does while
    the scheduler plans (a job due "now" must not be put off by that)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(milliseconds=1)
        return self.now


class Mailbox:
    """An aiosmtpd handler keeping what it is sent."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8")))
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def slack() -> Iterator[tuple[list[dict[str, Any]], str]]:
    received: list[dict[str, Any]] = []

    def answer(request: Request, address: str) -> tuple[int, dict[str, str], str]:
        received.append(json.loads(request.body))
        return 200, {"Content-Type": "text/plain"}, "ok"

    with local_server(answer) as address:
        yield received, address + "/services/T000/B000/heron"


def scheduler(pm: Assistant, clock: Clock) -> ScheduleService:
    notifier = Notifier(pm.settings, sleep=lambda seconds: None)
    return ScheduleService(
        pm.wiring, pm.sources, pm.reports, pm.risks, clock=clock, notifier=notifier
    )


# The weekly time ------------------------------------------------------------------------------


def test_a_weekly_time_is_read_in_the_pms_time_zone_across_a_clock_change() -> None:
    monday_seven = WeeklyTime.parse("0 7 * * MON", "Europe/Berlin")
    # Summer time (UTC+2) ended on Sunday 25 October 2026: 07:00 in Berlin is 06:00 UTC after.
    assert monday_seven.next_after(dt.datetime(2026, 10, 20, tzinfo=UTC)) == dt.datetime(
        2026, 10, 26, 6, 0, tzinfo=UTC
    )
    assert monday_seven.last_before(dt.datetime(2026, 10, 25, tzinfo=UTC)) == dt.datetime(
        2026, 10, 19, 5, 0, tzinfo=UTC
    )
    twice = WeeklyTime.parse("30 6,12 * * MON-FRI")
    assert twice.next_after(dt.datetime(2026, 11, 27, 12, 30, tzinfo=UTC)) == dt.datetime(
        2026, 11, 30, 6, 30, tzinfo=UTC
    )  # Friday's last is past: Monday's first
    for text, problem in [
        ("0 7 * *", "needs five fields"),
        ("0 25 * * MON", "'25' is not a valid hour (0-23)"),
        ("0 7 * * FUNDAY", "'FUNDAY' is not a valid day of week"),
    ]:
        with pytest.raises(InvalidInputError, match=re.escape(problem)):
            WeeklyTime.parse(text)
    with pytest.raises(InvalidInputError, match="Unknown time zone 'Mars/Olympus'"):
        WeeklyTime.parse("0 7 * * MON", "Mars/Olympus")


def test_cron_forms_read_as_cron_reads_them() -> None:
    assert WeeklyTime.parse("0 7 * * MON-SUN").weekdays == frozenset(range(7))
    assert WeeklyTime.parse("0 7 * * FRI-SUN").weekdays == {5, 6, 0}
    assert WeeklyTime.parse("0/30 7 * * *").minutes == {0, 30}
    with pytest.raises(InvalidInputError, match="the range '22-2' runs backwards"):
        WeeklyTime.parse("0 22-2 * * *")
    # "*/2" does not restrict the day: the Mondays among the odd days, not every odd day.
    odd_mondays = WeeklyTime.parse("0 7 */2 * MON")
    assert odd_mondays.matches_day(dt.date(2026, 11, 23))  # the 23rd, a Monday
    assert not odd_mondays.matches_day(dt.date(2026, 11, 25))  # odd, a Wednesday
    assert not odd_mondays.matches_day(dt.date(2026, 11, 30))  # a Monday, even
    # Both days restricted: either matches, as in cron.
    either = WeeklyTime.parse("0 7 1 * MON")
    assert either.matches_day(dt.date(2026, 12, 1)) and either.matches_day(dt.date(2026, 11, 30))


# The weekly draft -----------------------------------------------------------------------------


def test_the_week_is_drafted_at_its_time_and_the_pm_is_told(
    harbor: Any,
    tmp_path: Path,
    mailbox: tuple[Mailbox, int],
    slack: tuple[list[dict[str, Any]], str],
) -> None:
    box, smtp_port = mailbox
    slack_messages, slack_url = slack
    pm = sample_copy(
        harbor,
        tmp_path,
        weekly_draft="0 7 * * MON",
        schedule_timezone="Europe/Berlin",
        sync_every_minutes=0,
        public_url="https://pmassist.example.org",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_starttls=False,
        mail_from="pmassist@example.org",
        mail_to="dana.fox@example.com, sam.okafor@example.com",
        slack_webhook_url=slack_url,
    )
    clock = Clock(dt.datetime(2026, 11, 23, 5, 59))  # 06:59 in Berlin, Monday
    schedule = scheduler(pm, clock)
    [planned] = [p for p in schedule.plan("harbor") if p.job == "weekly_draft"]
    assert planned.next_at == dt.datetime(2026, 11, 23, 6, 0)
    assert schedule.tick() == []

    clock.now = dt.datetime(2026, 11, 23, 6, 0)
    [run] = schedule.tick()

    assert (run.project, run.job, run.trigger, run.outcome) == (
        "harbor",
        "weekly_draft",
        "schedule",
        "succeeded",
    )
    assert run.draft_id is not None
    report = pm.drafts.report(run.draft_id)
    assert report is not None and report.project == "harbor"
    assert f"Report draft {run.draft_id}" in run.detail and "risk proposals" in run.detail
    assert [(d.channel, d.delivered, d.attempts) for d in run.deliveries] == [
        ("email", True, 1),
        ("slack", True, 1),
    ]
    [(recipients, mail)] = box.messages
    assert recipients == ["dana.fox@example.com", "sam.okafor@example.com"]
    assert f"Subject: Weekly status draft ready: harbor, {report.period.label}" in mail
    assert f"https://pmassist.example.org/drafts/{run.draft_id}" in mail
    assert report.overall_status.upper() in mail
    [posted] = slack_messages
    assert f"/drafts/{run.draft_id}" in json.dumps(posted)
    # The risk suggestions were made for the same week and wait for review.
    assert any(e.status == "proposed" for e in pm.risks.entries("harbor"))

    # Drafted once per weekly time: the next tick and the rest of the day do nothing.
    clock.now = dt.datetime(2026, 11, 23, 6, 15)
    assert schedule.tick() == []
    assert schedule.history("harbor")[0].id == run.id
    [planned] = [p for p in schedule.plan("harbor") if p.job == "weekly_draft"]
    assert planned.next_at == dt.datetime(2026, 11, 30, 6, 0)


def test_the_week_drafted_is_the_one_that_ended_in_the_pms_time_zone(
    harbor: Any, tmp_path: Path
) -> None:
    pm = sample_copy(
        harbor,
        tmp_path,
        weekly_draft="0 7 * * MON",
        schedule_timezone="Australia/Sydney",
        sync_every_minutes=0,
    )
    # Monday 30 November, 07:00 in Sydney, is still Sunday in UTC.
    clock = Clock(dt.datetime(2026, 11, 29, 20, 0))
    [run] = scheduler(pm, clock).tick()
    report = pm.drafts.report(run.draft_id or 0)
    assert report is not None and report.period.label == "2026-W48"  # 23–29 November


def test_a_weekly_time_missed_long_ago_is_not_run_late(harbor: Any, tmp_path: Path) -> None:
    pm = sample_copy(harbor, tmp_path, weekly_draft="0 7 * * MON", sync_every_minutes=0)
    # The server was down on Monday morning and starts again at 09:30: caught up (grace 6 h) …
    clock = Clock(dt.datetime(2026, 11, 23, 9, 30))
    assert scheduler(pm, clock).due() == [("harbor", "weekly_draft")]
    # … but not on Tuesday: a draft a day late is a surprise, the next Monday's is not.
    clock.now = dt.datetime(2026, 11, 24, 9, 30)
    assert scheduler(pm, clock).due() == []


def test_a_failed_run_is_kept_and_told_and_one_job_runs_per_project(
    harbor: Any, tmp_path: Path, slack: tuple[list[dict[str, Any]], str]
) -> None:
    slack_messages, slack_url = slack
    pm = sample_copy(harbor, tmp_path, sync_every_minutes=15, slack_webhook_url=slack_url)
    clock = Clock(dt.datetime(2026, 11, 23, 6, 0))
    schedule = scheduler(pm, clock)
    # A source with no credentials configured: every sync fails until the PM sets them.
    pm.sources.add(
        "jira", "harbor", site="https://harbor-example.atlassian.net", jql="project = HAR"
    )

    [failed] = schedule.tick()
    assert failed.outcome == "failed"
    assert "Syncing Jira needs PMASSIST_JIRA_EMAIL" in failed.detail
    [told] = slack_messages
    assert "Sync failed: harbor" in json.dumps(told) and "/p/harbor/runs" in json.dumps(told)

    # Not due again for 15 minutes; a sync that keeps failing is told once, not every time.
    clock.now += dt.timedelta(minutes=14)
    assert schedule.tick() == []
    clock.now += dt.timedelta(minutes=1)
    [again] = schedule.tick()
    assert again.outcome == "failed" and again.deliveries == [] and len(slack_messages) == 1

    with schedule._claim("harbor", "sync"):
        with pytest.raises(JobBusyError, match="A scheduled run for harbor is going on"):
            schedule.run_now("harbor", "weekly_draft")
        clock.now += dt.timedelta(minutes=30)
        assert schedule.tick() == []  # a busy project waits for the next tick
    with pytest.raises(InvalidInputError, match="Project nowhere has no source to sync"):
        schedule.run_now("nowhere", "sync")


def test_runs_a_stopped_server_left_unfinished_are_marked_interrupted(
    harbor: Any, tmp_path: Path
) -> None:
    pm = sample_copy(harbor, tmp_path)
    started = pm.wiring.runs.start(
        ScheduledRun(
            project="harbor", job="sync", trigger="schedule", started_at=dt.datetime(2026, 11, 23)
        )
    )
    assert pm.wiring.runs.interrupt_unfinished(dt.datetime(2026, 11, 23, 1)) == 1
    [run] = pm.schedule.history("harbor")
    assert (run.id, run.outcome) == (started.id, "interrupted")
    assert run.detail == "The server stopped before the run finished."
