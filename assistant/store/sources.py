"""The live sources of each project, and when each last synced."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from assistant.domain.errors import InvalidInputError, NotFoundError
from assistant.domain.sources import TrackerSource
from assistant.store.db import tracker_sources


class SourceStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, source: TrackerSource) -> TrackerSource:
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(tracker_sources).values(
                        project=source.project,
                        name=source.name,
                        kind=source.kind,
                        source_json=source.model_dump_json(
                            exclude={"last_synced_at", "last_reconciled_at"}
                        ),
                        last_synced_at=None,
                    )
                )
        except IntegrityError as error:
            raise InvalidInputError(
                f"Project {source.project} already has a source named {source.name!r}; give "
                "another --name or remove it first."
            ) from error
        return source

    def sources(self, project: str | None = None) -> list[TrackerSource]:
        query = select(
            tracker_sources.c.source_json,
            tracker_sources.c.last_synced_at,
            tracker_sources.c.last_reconciled_at,
        )
        if project is not None:
            query = query.where(tracker_sources.c.project == project)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(tracker_sources.c.id)).all()
        return [
            TrackerSource.model_validate_json(body).model_copy(
                update={"last_synced_at": synced, "last_reconciled_at": reconciled}
            )
            for body, synced, reconciled in rows
        ]

    def remove(self, project: str, name: str) -> None:
        with self.engine.begin() as connection:
            gone = connection.execute(
                delete(tracker_sources).where(
                    tracker_sources.c.project == project, tracker_sources.c.name == name
                )
            ).rowcount
        if not gone:
            raise NotFoundError(f"Project {project} has no source named {name!r}.")

    def mark_synced(
        self, project: str, name: str, when: dt.datetime, *, reconciled: bool = False
    ) -> None:
        values = {"last_synced_at": when}
        if reconciled:
            values["last_reconciled_at"] = when
        with self.engine.begin() as connection:
            connection.execute(
                update(tracker_sources)
                .where(tracker_sources.c.project == project, tracker_sources.c.name == name)
                .values(**values)
            )
