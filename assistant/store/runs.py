"""The history of scheduled runs (`pmassist serve`'s syncs and weekly drafts), newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from assistant.domain.schedule import Job, ScheduledRun
from assistant.store.db import scheduled_runs

HISTORY_SHOWN = 50


class RunStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start(self, run: ScheduledRun) -> ScheduledRun:
        with self.engine.begin() as connection:
            run_id = connection.execute(
                insert(scheduled_runs).values(
                    project=run.project,
                    job=run.job,
                    trigger=run.trigger,
                    started_at=run.started_at,
                    outcome=run.outcome,
                    run_json=run.model_dump_json(),
                )
            ).inserted_primary_key
        assert run_id is not None
        return run.model_copy(update={"id": run_id[0]})

    def finish(self, run: ScheduledRun) -> None:
        assert run.id is not None, "a run is started before it finishes"
        with self.engine.begin() as connection:
            connection.execute(
                update(scheduled_runs)
                .where(scheduled_runs.c.id == run.id)
                .values(
                    finished_at=run.finished_at,
                    outcome=run.outcome,
                    run_json=run.model_dump_json(),
                )
            )

    def interrupt_unfinished(self, when: dt.datetime, keep: Collection[int] = ()) -> int:
        """Runs a stopped server left 'running' are over: say so rather than show them forever.
        `keep`: the runs the caller is running itself."""
        with self.engine.begin() as connection:
            rows = connection.execute(
                select(scheduled_runs.c.id, scheduled_runs.c.run_json).where(
                    scheduled_runs.c.outcome == "running", scheduled_runs.c.id.not_in(list(keep))
                )
            ).all()
            marked = 0
            for run_id, body in rows:
                run = ScheduledRun.model_validate_json(body).model_copy(
                    update={
                        "outcome": "interrupted",
                        "finished_at": when,
                        "detail": "The server stopped before the run finished.",
                    }
                )
                # Still running: a run its worker finished meanwhile keeps how it really ended.
                result = connection.execute(
                    update(scheduled_runs)
                    .where(scheduled_runs.c.id == run_id, scheduled_runs.c.outcome == "running")
                    .values(outcome="interrupted", finished_at=when, run_json=run.model_dump_json())
                )
                marked += result.rowcount
        return marked

    def history(self, project: str | None = None, limit: int = HISTORY_SHOWN) -> list[ScheduledRun]:
        query = select(scheduled_runs.c.id, scheduled_runs.c.run_json)
        if project is not None:
            query = query.where(scheduled_runs.c.project == project)
        query = query.order_by(scheduled_runs.c.started_at.desc(), scheduled_runs.c.id.desc())
        with self.engine.connect() as connection:
            rows = connection.execute(query.limit(limit)).all()
        return [
            ScheduledRun.model_validate_json(body).model_copy(update={"id": run_id})
            for run_id, body in rows
        ]

    def last(self, project: str, job: Job) -> ScheduledRun | None:
        query = (
            select(scheduled_runs.c.id, scheduled_runs.c.run_json)
            .where(scheduled_runs.c.project == project, scheduled_runs.c.job == job)
            .order_by(scheduled_runs.c.started_at.desc(), scheduled_runs.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        return ScheduledRun.model_validate_json(row[1]).model_copy(update={"id": row[0]})
