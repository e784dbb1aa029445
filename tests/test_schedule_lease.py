"""One scheduler across server workers and machines: the scheduler lease in the database.

Two workers (two Assistants on one database: one SQLite file, or a real PostgreSQL server
started here) each run their own ScheduleService on one injected clock. Only the lease holder
runs the timed jobs; when it stops, or dies and its lease expires, the other takes over, and only
then are the runs it left 'running' marked interrupted. And a real `pmassist serve --workers 2`
answers requests and drafts the week once per weekly time."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from assistant.config import Settings
from assistant.domain.schedule import ScheduledRun
from assistant.embeddings import Embedder
from assistant.server import SERVE_LOCAL_CSRF, app_from_environment, serve_environment
from assistant.service import Assistant
from assistant.service.schedule import LEASE, ScheduleService
from assistant.store.leases import LeaseStore
from tests.conftest import SAMPLE_RECORD, copy_database, free_port, sample_copy
from tests.postgres import postgres_server
from tests.test_schedule import Clock, scheduler
from tests.test_schedule_server import wait_for
from tests.test_server_safety import PMASSIST

MONDAY_SEVEN = {"weekly_draft": "0 7 * * MON", "schedule_timezone": "Europe/Berlin"}
BERLIN_SEVEN = dt.datetime(2026, 11, 23, 6, 0)  # 07:00 in Berlin, Monday


@pytest.fixture(scope="module")
def postgres_harbor(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[Settings]:
    """The sample project on a PostgreSQL server of this module's own."""
    with postgres_server() as url:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            home=tmp_path_factory.mktemp("pg-lease-home"),
            database_url=url,
            sync_every_minutes=0,
            **MONDAY_SEVEN,
        )
        first = Assistant(settings, embedder=embedder, language_model=None)
        try:
            assert first.records.ingest([SAMPLE_RECORD], "harbor").added
            yield settings
        finally:
            first.wiring.documents.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def two_workers(
    request: pytest.FixtureRequest, harbor: Any, tmp_path: Path, embedder: Embedder
) -> Iterator[tuple[Assistant, Assistant]]:
    """Two workers' Assistants on one database, each with its own engine (as two processes)."""
    if request.param == "sqlite":
        settings = sample_copy(harbor, tmp_path, sync_every_minutes=0, **MONDAY_SEVEN).settings
    else:
        settings = request.getfixturevalue("postgres_harbor")
    pair = [Assistant(settings, embedder=embedder, language_model=None) for _ in range(2)]
    engine = pair[0].wiring.documents.engine
    with engine.begin() as connection:  # a fresh start for each test on the shared server
        connection.execute(text("DELETE FROM scheduled_runs"))
        connection.execute(
            text("UPDATE scheduler_lease SET holder = '', expires_at = :long_ago"),
            {"long_ago": dt.datetime(2000, 1, 1)},
        )
    try:
        yield pair[0], pair[1]
    finally:
        for worker in pair:
            worker.wiring.documents.engine.dispose()


def workers_on(pair: tuple[Assistant, Assistant], clock: Clock) -> list[ScheduleService]:
    services = [scheduler(pm, clock) for pm in pair]
    for name, service in zip("ab", services, strict=True):
        service.worker = f"host:{name}"
    return services


def left_running(pm: Assistant, when: dt.datetime) -> ScheduledRun:
    """A run a worker is in the middle of (or was, when it died)."""
    return pm.wiring.runs.start(
        ScheduledRun(project="harbor", job="sync", trigger="run now", started_at=when)
    )


def outcome(pm: Assistant, run: ScheduledRun) -> str:
    return next(r.outcome for r in pm.schedule.history("harbor") if r.id == run.id)


def test_one_worker_runs_the_schedule_and_the_other_takes_over_when_it_stops(
    two_workers: tuple[Assistant, Assistant],
) -> None:
    clock = Clock(BERLIN_SEVEN)
    a, b = workers_on(two_workers, clock)

    [drafted] = a.step()
    assert (drafted.job, drafted.trigger, drafted.outcome) == (
        "weekly_draft",
        "schedule",
        "succeeded",
    )
    assert b.step() == []  # due for b too by the clock, but a holds the lease
    assert a.wiring.leases.holder(clock()) == "host:a"

    # a is running a job: its own renewals never mark it interrupted, nor does b's refusal.
    running = left_running(two_workers[0], clock())
    a._running.add(running.id or 0)
    assert a.lead() and not b.lead()
    assert outcome(two_workers[0], running) == "running"

    # a stops (gives the lease up) with that run unfinished: b takes over at its next poll,
    # and only now is the run over.
    a.resign()
    assert b.step() == []  # the week is drafted already: once per weekly time, not per worker
    assert b.wiring.leases.holder(clock()) == "host:b"
    assert outcome(two_workers[1], running) == "interrupted"
    assert not a.lead()

    # The next Monday: the new holder drafts it (its lease renewed), the old one does not.
    clock.now = BERLIN_SEVEN + dt.timedelta(days=7)
    [next_week] = b.step()
    assert a.step() == []
    assert next_week.job == "weekly_draft" and next_week.outcome == "succeeded"
    drafts = [r for r in b.history("harbor") if r.job == "weekly_draft"]
    assert len(drafts) == 2


def test_a_dead_holders_lease_expires_and_its_runs_are_interrupted_then(
    two_workers: tuple[Assistant, Assistant],
) -> None:
    clock = Clock(BERLIN_SEVEN - dt.timedelta(hours=1))  # nothing due yet
    a, b = workers_on(two_workers, clock)
    assert a.step() == [] and b.step() == []
    running = left_running(two_workers[0], clock())
    a._running.add(running.id or 0)

    # a stalls (a long job, a slow database) past its lease, but nobody took it: a keeps it,
    # and its own run is not interrupted.
    clock.now += LEASE * 2
    assert a.lead()
    assert outcome(two_workers[0], running) == "running"

    # a dies: its lease runs out, b takes it and marks a's run interrupted, not before.
    clock.now += LEASE - dt.timedelta(seconds=1)
    assert not b.lead()
    assert outcome(two_workers[1], running) == "running"
    clock.now += dt.timedelta(seconds=2)
    mine = left_running(two_workers[1], clock())
    b._running.add(mine.id or 0)
    assert b.lead()
    assert outcome(two_workers[1], running) == "interrupted"
    assert outcome(two_workers[1], mine) == "running"  # the taker's own run is not over
    # a comes back (it was only paused): b holds the lease now, a runs nothing timed.
    clock.now = BERLIN_SEVEN
    [drafted] = b.step()
    assert drafted.trigger == "schedule"
    assert a.step() == []


def test_a_killed_holder_on_this_machine_is_not_waited_out(
    two_workers: tuple[Assistant, Assistant],
) -> None:
    """A server killed (kill -9) and started again at once: its old lease names this host and
    a process that is gone, so the new one takes over without waiting for it to expire."""
    clock = Clock(BERLIN_SEVEN - dt.timedelta(hours=1))
    a, b = workers_on(two_workers, clock)
    ended = subprocess.Popen(["true"])
    ended.wait()
    a.worker = f"{socket.gethostname()}:{ended.pid}:0000"
    assert a.lead()
    running = left_running(two_workers[0], clock())
    b.worker = f"{socket.gethostname()}:{os.getpid()}:1111"  # alive: this very process
    assert b.lead()  # well within a's lease
    assert outcome(two_workers[1], running) == "interrupted"
    # A live holder on this machine is waited for, as one elsewhere is.
    a.worker = "host:a"
    assert not a.lead()


def test_workers_racing_for_a_free_lease_take_it_once(
    two_workers: tuple[Assistant, Assistant],
) -> None:
    url = two_workers[0].settings.sqlalchemy_url
    now = dt.datetime(2026, 11, 23, 6, 0)
    start = threading.Barrier(8)
    outcomes: list[str] = []
    engines = [create_engine(url) for _ in range(8)]

    def race(number: int) -> None:
        leases = LeaseStore(engines[number])
        start.wait()
        outcomes.append(leases.take(f"host:{number}", now, now + LEASE))

    racers = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    for engine in engines:
        engine.dispose()
    assert sorted(outcomes) == ["refused"] * 7 + ["taken"], outcomes


def test_serve_with_two_workers_drafts_each_weekly_time_once(harbor: Any, tmp_path: Path) -> None:
    offline, _ = harbor
    port = free_port()
    url = copy_database(offline, tmp_path / "served.db")
    env = os.environ | {
        "PMASSIST_HOME": str(offline.settings.home),
        "PMASSIST_DATABASE_URL": url,
        "PMASSIST_LLM": "none",
        "PMASSIST_WEEKLY_DRAFT": "* * * * *",  # every minute: due at the first tick
        "PMASSIST_SYNC_EVERY_MINUTES": "0",
    }
    server = subprocess.Popen(
        [PMASSIST, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

            def finished() -> list[dict[str, Any]]:
                try:
                    history = client.get("/api/projects/harbor/runs").json()["history"]
                except httpx.TransportError:
                    assert server.poll() is None, "pmassist serve stopped"
                    return []
                return [r for r in history if r["outcome"] == "succeeded"]

            wait_for(finished, "the scheduled weekly draft", 300)  # two workers start up
            history = client.get("/api/projects/harbor/runs").json()["history"]
            answers = [client.get("/api/projects").status_code for _ in range(6)]
        engine = create_engine(url)
        with engine.connect() as connection:
            holders = connection.execute(text("SELECT holder FROM scheduler_lease")).all()
        engine.dispose()
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()

    assert answers == [200] * 6
    assert output.count("Started server process") == 2, output
    assert "share a SQLite database" in output
    # One draft per minute (per weekly time) however many workers, and no worker starting
    # marked another's run interrupted.
    assert {r["outcome"] for r in history} <= {"succeeded", "running"}, history
    minutes = [r["started_at"][:16] for r in history if r["job"] == "weekly_draft"]
    assert len(minutes) == len(set(minutes)), history
    [(holder,)] = holders
    assert holder.split(":")[1] != str(server.pid)  # a worker, not the supervising process
    # Stopped: the holder gave the lease up for the next server.
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT holder FROM scheduler_lease")) == ""
    engine.dispose()


def test_each_workers_app_keeps_local_mode_only_while_no_token_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `serve --workers N` decided reaches each worker's app; a token created since makes
    the worker ask for tokens, whatever the command line decided."""
    monkeypatch.setenv("PMASSIST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PMASSIST_LLM", "none")
    decided = serve_environment(local_mode=True, hosts=("pmassist.internal",))
    for name, value in decided.items():
        monkeypatch.setenv(name, value)
    local = app_from_environment()
    assert local.state.local_mode is True
    # A page from one worker is posted to another: both check the same form token.
    other_worker = app_from_environment()
    assert local.state.local_csrf == other_worker.state.local_csrf == decided[SERVE_LOCAL_CSRF]
    local.state.assistant.access.create_token("pm", ["harbor"])
    assert app_from_environment().state.local_mode is False
    monkeypatch.setenv("PMASSIST_SERVE_LOCAL_MODE", "0")
    assert app_from_environment().state.local_mode is False


def test_a_tick_that_began_as_holder_starts_no_timed_job_once_the_lease_is_lost(
    two_workers: tuple[Assistant, Assistant],
) -> None:
    clock = Clock(BERLIN_SEVEN)
    a, b = workers_on(two_workers, clock)
    assert b.lead()  # b holds the lease; a's poll is refused
    assert not a.lead()
    # a's tick thread started while it still held the lease (timed): it must not draft now.
    assert a.tick(timed=True) == []
    assert [run.job for run in b.tick(timed=True)] == ["weekly_draft"]
