"""`pmassist serve`'s own routine: every source synced every PMASSIST_SYNC_EVERY_MINUTES, and at
PMASSIST_WEEKLY_DRAFT the week drafted and risks suggested for every project, the PM told where
to review them. Each run is kept in the run history; "run now" starts one by hand.

One job per project runs at a time (a second is refused, or left for the next tick). The clock
is injected, so a test moves time instead of waiting for it. A weekly time missed while the
server was down is caught up when it starts again within MISFIRE_GRACE, not days later.

With several workers (`serve --workers N`, or servers on several machines sharing a database)
one runs the timed jobs: the holder of the scheduler lease (store/leases.py). Every worker polls;
the holder renews the lease from its loop thread while its jobs run in another, so a long
weekly draft does not lose it. A worker that takes the lease marks the runs left 'running'
interrupted, as only then is their worker known to be gone. "Run now" and webhook syncs run in
whichever worker receives them; the per-project locks order them across processes.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from assistant.domain.clock import utc_now
from assistant.domain.errors import InvalidInputError, JobBusyError, PmassistError
from assistant.domain.notice import Notice
from assistant.domain.period import PeriodChoice
from assistant.domain.schedule import JOBS, Job, PlannedJob, ScheduledRun, Trigger, WeeklyTime
from assistant.notify import Notifier
from assistant.service.reports import ReportService
from assistant.service.risks import RiskService
from assistant.service.sources import SourceService
from assistant.service.wiring import Wiring
from assistant.store.leases import worker_id

log = logging.getLogger("pmassist")

MISFIRE_GRACE = dt.timedelta(hours=6)
POLL_SECONDS = 30.0
# The lease lasts this many polls: a holder misses two renewals before another worker takes over.
LEASE_POLLS = 3
LEASE = dt.timedelta(seconds=LEASE_POLLS * POLL_SECONDS)
NOTICE_LINES = 4


class ScheduleService:
    def __init__(
        self,
        wiring: Wiring,
        sources: SourceService,
        reports: ReportService,
        risks: RiskService,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        notifier: Notifier | None = None,
        worker: str | None = None,
    ) -> None:
        """`worker`: this worker's name in the scheduler lease (default hostname:pid:random)."""
        self.wiring = wiring
        self.sources = sources
        self.reports = reports
        self.risks = risks
        self.clock = clock
        self._notifier = notifier
        self._guard = threading.Lock()
        self._busy: set[str] = set()
        # Syncs asked for (a webhook) while the project was busy: project -> whether to reconcile.
        self._pending: dict[str, bool] = {}
        self._stop = threading.Event()
        self._loop: threading.Thread | None = None
        self.worker = worker or worker_id()
        self._running: set[int] = set()  # ids of the runs this worker is running now
        # Cleared while another worker holds the lease: a tick that began as the holder stops
        # starting timed jobs once the lease is lost (the new holder runs them).
        self._leading = threading.Event()
        self._leading.set()

    @property
    def notifier(self) -> Notifier:
        if self._notifier is None:
            self._notifier = Notifier(self.wiring.settings)
        return self._notifier

    def weekly_time(self) -> WeeklyTime | None:
        settings = self.wiring.settings
        if not settings.weekly_draft:
            return None
        return WeeklyTime.parse(settings.weekly_draft, settings.schedule_timezone)

    # What is planned, what is due ---------------------------------------------------------

    def projects(self, job: Job) -> list[str]:
        """Sync: projects with a source. Weekly draft: projects with a record."""
        if job == "sync":
            return sorted({source.project for source in self.sources.sources()})
        return self.wiring.documents.project_names()

    def plan(self, project: str | None = None, now: dt.datetime | None = None) -> list[PlannedJob]:
        now = now or self.clock()
        planned = []
        for job in JOBS:
            for name in self.projects(job):
                if project is None or name == project:
                    planned.append(
                        PlannedJob(
                            project=name,
                            job=job,
                            next_at=self._next_at(name, job, now),
                            busy=name in self._busy,
                        )
                    )
        return planned

    def _next_at(self, project: str, job: Job, now: dt.datetime) -> dt.datetime | None:
        if job == "sync":
            every = self.wiring.settings.sync_every_minutes
            if not every:
                return None
            last = self.wiring.runs.last(project, "sync")
            return max(now, last.started_at + dt.timedelta(minutes=every)) if last else now
        weekly = self.weekly_time()
        if weekly is None:
            return None
        if self._weekly_due(project, weekly, now):
            return now
        following = weekly.next_after(now.replace(tzinfo=dt.UTC))
        return following.replace(tzinfo=None) if following else None

    def _weekly_due(self, project: str, weekly: WeeklyTime, now: dt.datetime) -> bool:
        slot = weekly.last_before(now.replace(tzinfo=dt.UTC))
        if slot is None:
            return False
        slot = slot.replace(tzinfo=None)
        if now - slot > MISFIRE_GRACE:
            return False
        last = self.wiring.runs.last(project, "weekly_draft")
        return last is None or last.started_at < slot

    def due(self, timed: bool = True) -> list[tuple[str, Job]]:
        """Syncs asked for while their project was busy first, then what the clock says (in
        the worker holding the scheduler lease: `timed`)."""
        now = self.clock()
        with self._guard:
            asked: list[tuple[str, Job]] = [
                (p, "sync") for p in sorted(self._pending) if p not in self._busy
            ]
        if not timed:
            return asked
        on_time = [
            (planned.project, planned.job)
            for planned in self.plan(now=now)  # one "now", or a job due now is due a moment later
            if planned.next_at is not None and planned.next_at <= now and not planned.busy
        ]
        return list(dict.fromkeys([*asked, *on_time]))

    # Running ------------------------------------------------------------------------------

    def tick(self, timed: bool = True) -> list[ScheduledRun]:
        """Run every job that is due now, one after the other; a busy project waits. Not
        `timed`: only the syncs this worker was asked for (it does not hold the lease)."""
        done = []
        for project, job in self.due(timed):
            if self._stop.is_set():
                break  # stopping: what is left is due at the next worker's tick
            with self._guard:
                asked = project in self._pending and job == "sync"
                reconcile = self._pending.get(project, False) and asked
            if not asked and not self._leading.is_set():
                continue
            try:
                with self._claim(project, job):
                    trigger: Trigger = "webhook" if asked else "schedule"
                    done.append(self._run(project, job, trigger, reconcile=reconcile))
            except JobBusyError:
                continue
        return done

    def request_sync(self, project: str, trigger: Trigger, *, reconcile: bool = False) -> None:
        """Sync now in the background, or as soon as the project's current run has finished.
        `reconcile`: list every key too (an issue was deleted)."""
        try:
            self.run_now(project, "sync", trigger, reconcile=reconcile)
        except JobBusyError:
            with self._guard:
                self._pending[project] = self._pending.get(project, False) or reconcile

    def run(self, project: str, job: Job, trigger: Trigger) -> ScheduledRun:
        """Run one job now in this thread and keep it in the history; never raises for the
        job's own failure (the run says it failed, and the PM is told)."""
        with self._claim(project, job):
            return self._run(project, job, trigger)

    def run_now(
        self, project: str, job: Job, trigger: Trigger = "run now", *, reconcile: bool = False
    ) -> None:
        """Start a job in the background ("run now", a webhook); refused while one runs."""
        if job not in JOBS:
            raise InvalidInputError(f"Unknown job {job!r}: sync or weekly_draft.", field="job")
        if project not in self.projects(job):
            what = "no source to sync" if job == "sync" else "no record to draft from"
            raise InvalidInputError(f"Project {project} has {what}.", field="project")
        self._acquire(project, job)  # refused here, in the caller's thread, when busy

        def work() -> None:
            try:
                self._run(project, job, trigger, reconcile=reconcile)
            finally:
                self._release(project)

        threading.Thread(target=work, name=f"pmassist {job} {project}", daemon=True).start()

    @contextmanager
    def _claim(self, project: str, job: Job) -> Iterator[None]:
        self._acquire(project, job)
        try:
            yield
        finally:
            self._release(project)

    def _acquire(self, project: str, job: Job) -> None:
        with self._guard:
            if project in self._busy:
                raise JobBusyError(
                    f"A scheduled run for {project} is going on; {job.replace('_', ' ')} can "
                    "start when it has finished."
                )
            self._busy.add(project)
            if job == "sync":
                self._pending.pop(project, None)

    def _release(self, project: str) -> None:
        with self._guard:
            self._busy.discard(project)

    def _run(
        self, project: str, job: Job, trigger: Trigger, *, reconcile: bool = False
    ) -> ScheduledRun:
        previous = self.wiring.runs.last(project, job)
        run = self.wiring.runs.start(
            ScheduledRun(project=project, job=job, trigger=trigger, started_at=self.clock())
        )
        assert run.id is not None
        with self._guard:
            self._running.add(run.id)
        try:
            run = self._sync(run, reconcile) if job == "sync" else self._weekly_draft(run)
            run.outcome = "succeeded"
        except Exception as error:  # a run's failure is recorded and told, never raised
            log.warning("The %s run for %s failed: %s", job, project, error)
            run.outcome = "failed"
            run.detail = _failure(error)
            # A sync that keeps failing (the tracker is down) is told once, not every tick.
            if job == "weekly_draft" or previous is None or previous.outcome != "failed":
                run.deliveries = self.notifier.send(self._failure_notice(run))
        run.finished_at = self.clock()
        self.wiring.runs.finish(run)
        with self._guard:
            self._running.discard(run.id)
        return run

    def _sync(self, run: ScheduledRun, reconcile: bool) -> ScheduledRun:
        outcomes = self.sources.sync(run.project, reconcile=reconcile)
        run.detail = "; ".join(
            f"{o.source}: {o.fetched} fetched, {o.added} added, {o.updated} updated, "
            f"{o.removed} removed"
            for o in outcomes
        )
        return run

    def _weekly_draft(self, run: ScheduledRun) -> ScheduledRun:
        project = run.project
        notes = []
        if project in self.projects("sync"):
            try:
                self.sources.sync(project)
            except Exception as error:  # the draft is still worth having from what is stored
                notes.append(
                    f"The sync before the draft failed, so it uses the last sync: {_failure(error)}"
                )
        draft_id, report = self.reports.draft(project, PeriodChoice(week=self._week_just_ended()))
        run.draft_id = draft_id  # saved: the run links to it even if the risks fail
        risk_draft, suggestion = self.risks.suggest(project, report.period)
        proposed = sum(1 for o in suggestion.outcomes if o.action in ("proposed", "reproposed"))
        run.detail = " ".join(
            [
                f"Report draft {draft_id} ({report.period.label}, "
                f"{report.overall_status.upper()}); {proposed} risk proposals to review "
                f"(draft {risk_draft}).",
                *notes,
            ]
        )
        base = self.wiring.settings.public_url.rstrip("/")
        notice = Notice(
            project=project,
            kind="draft_ready",
            title=f"Weekly status draft ready: {project}, {report.period.label}",
            link=f"{base}/drafts/{draft_id}",
            status=report.overall_status,
            lines=[
                *(line.text for line in report.executive_summary[:NOTICE_LINES]),
                f"{proposed} risk proposals to review: {base}/p/{project}/risks",
                *notes,
            ],
        )
        run.deliveries = self.notifier.send(notice)
        return run

    def _week_just_ended(self) -> str:
        """The ISO week before today in the schedule's time zone: Monday 07:00 in Sydney is
        still Sunday in UTC, and the week to draft is the one that ended there."""
        zone = ZoneInfo(self.wiring.settings.schedule_timezone)
        today = self.clock().replace(tzinfo=dt.UTC).astimezone(zone).date()
        year, week, _ = (today - dt.timedelta(days=7)).isocalendar()
        return f"{year}-W{week:02d}"

    def _failure_notice(self, run: ScheduledRun) -> Notice:
        base = self.wiring.settings.public_url.rstrip("/")
        what = "Sync" if run.job == "sync" else "Weekly draft"
        return Notice(
            project=run.project,
            kind="run_failed",
            title=f"{what} failed: {run.project}",
            link=f"{base}/p/{run.project}/runs",
            error=run.detail,
        )

    def history(self, project: str | None = None) -> list[ScheduledRun]:
        return self.wiring.runs.history(project)

    # One scheduler across workers: the lease ------------------------------------------------

    def lead(self, lease: dt.timedelta = LEASE) -> bool:
        """Keep or take the scheduler lease; True while this worker holds it. On taking it, the
        runs left 'running' are marked interrupted (but for this worker's own): the previous
        holder gave the lease up or let it expire, so it is gone. A live worker's "run now" is
        marked too, and its own finish then records how it really ended."""
        now = self.clock()
        outcome = self.wiring.leases.take(self.worker, now, now + lease)
        if outcome == "taken":
            log.info("This worker (%s) runs the schedule now.", self.worker)
            with self._guard:
                mine = set(self._running)
            self.wiring.runs.interrupt_unfinished(now, keep=mine)
        if outcome == "refused":
            self._leading.clear()
        else:
            self._leading.set()
        return outcome != "refused"

    def step(self, lease: dt.timedelta = LEASE) -> list[ScheduledRun]:
        """One turn of the loop, all in this thread: keep or take the lease, then tick (only
        the syncs asked of this worker when another holds the lease)."""
        return self.tick(timed=self.lead(lease))

    def resign(self) -> None:
        """Give the lease up, so that another worker takes over at its next poll."""
        self.wiring.leases.release(self.worker)

    # The loop `pmassist serve` runs --------------------------------------------------------

    def start(self, poll_seconds: float = POLL_SECONDS) -> None:
        """Poll in a background thread until `stop`: keep or take the lease, and tick in
        another thread, so that the lease is renewed while a long job runs."""
        if self._loop is not None:
            return
        self.weekly_time()  # a malformed PMASSIST_WEEKLY_DRAFT stops the start, with its reason
        self._stop.clear()
        lease = dt.timedelta(seconds=LEASE_POLLS * poll_seconds)

        def ticking(timed: bool) -> None:
            try:
                self.tick(timed)
            except Exception:  # the loop outlives a bad tick; the next one tries again
                log.exception("A scheduled tick failed")

        def loop() -> None:
            worker: threading.Thread | None = None
            while not self._stop.is_set():
                try:
                    leading = self.lead(lease)
                except Exception:  # the database is away: no timed jobs until it is back
                    log.exception("The scheduler lease could not be kept or taken")
                    leading = False
                if worker is None or not worker.is_alive():
                    worker = threading.Thread(
                        target=ticking, args=(leading,), name="pmassist tick", daemon=True
                    )
                    worker.start()
                self._stop.wait(poll_seconds)
            if worker is not None:
                worker.join(timeout=30)

        self._loop = threading.Thread(target=loop, name="pmassist schedule", daemon=True)
        self._loop.start()

    def stop(self) -> None:
        self._stop.set()
        if self._loop is not None:
            self._loop.join(timeout=60)
            self._loop = None
            try:
                self.resign()
            except Exception:  # the lease then expires by itself
                log.exception("The scheduler lease could not be released")


def _failure(error: Exception) -> str:
    return error.message if isinstance(error, PmassistError) else f"{type(error).__name__}: {error}"
