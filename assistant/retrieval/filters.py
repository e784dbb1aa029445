"""Metadata filters as a Chroma `where` clause; the keyword index applies the same filter with
`RetrievalFilter.matches`."""

from __future__ import annotations

from typing import Any

from assistant.domain.record import chunk_metadata_date
from assistant.domain.search import STATUS_CATEGORIES, RetrievalFilter


def chroma_where(filters: RetrievalFilter) -> dict[str, Any] | None:
    """The filter as a Chroma `where` clause (the keyword index applies `matches`)."""
    clauses: list[dict[str, Any]] = []
    if filters.kinds:
        clauses.append({"kind": {"$in": [kind.value for kind in filters.kinds]}})
    if filters.since:
        clauses.append({"date": {"$gte": chunk_metadata_date(filters.since)}})
    if filters.until:
        clauses.append({"date": {"$lte": chunk_metadata_date(filters.until)}})
    categories = [s for s in filters.statuses if s in STATUS_CATEGORIES]
    names = [s for s in filters.statuses if s not in STATUS_CATEGORIES]
    if categories and names:
        clauses.append(
            {"$or": [{"status_category": {"$in": categories}}, {"status": {"$in": names}}]}
        )
    elif categories:
        clauses.append({"status_category": {"$in": categories}})
    elif names:
        clauses.append({"status": {"$in": names}})
    if filters.assignees:
        clauses.append({"assignee": {"$in": list(filters.assignees)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
