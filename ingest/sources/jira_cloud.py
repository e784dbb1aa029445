"""Jira Cloud's issue search, read page by page: `POST /rest/api/3/search/jql`.

The older `/rest/api/3/search` answers 410 Gone on Jira Cloud; the new endpoint pages with
`nextPageToken` instead of `startAt`. Issues come with their changelog (`expand=changelog`), so
the status history is exact rather than guessed from an export. The result has the shape of a
saved search (`{"issues": [...], "names": {...}}`), which the Jira JSON loader reads: synced and
exported tickets get the same document ids (`ticket:KEY`).

Incremental: `updated >= "-Nm" ORDER BY updated ASC`, N the minutes since the last sync plus an
overlap. The overlap covers clocks that differ and issues saved while the last sync ran; an
issue fetched twice is kept once.
429 (with Retry-After) and 5xx are retried with backoff; a page token the server no longer
accepts restarts the run from the first page.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from assistant.domain.clock import utc_now
from ingest.sources.retries import SyncError, send_with_retries

SEARCH_PATH = "/rest/api/3/search/jql"
PAGE_SIZE = 100
KEYS_PAGE_SIZE = 5000  # Jira's most per page when only keys are asked for
# The fields the ticket loader reads; asking for them by name keeps pages small.
FIELDS = [
    "summary",
    "status",
    "issuetype",
    "priority",
    "assignee",
    "reporter",
    "created",
    "updated",
    "resolutiondate",
    "duedate",
    "labels",
    "components",
    "fixVersions",
    "parent",
    "issuelinks",
    "description",
    "comment",
    "customfield_10020",  # Sprint on Jira Cloud
    "customfield_10021",  # Flagged
]
OVERLAP = dt.timedelta(minutes=5)
ORDER_BY = re.compile(r"\s+order\s+by\s+.*$", re.IGNORECASE | re.DOTALL)
EXPIRED_TOKEN = re.compile(r"token", re.IGNORECASE)


class JiraSyncError(SyncError):
    """Jira could not be read; nothing of this sync was stored."""


@dataclass
class JiraSearch:
    """What one sync fetched: the issues by key (the last copy of each), and the field names."""

    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    pages: int = 0
    restarts: int = 0
    retries: int = 0

    def as_search_result(self) -> dict[str, Any]:
        """The shape of a saved `/search/jql` result, as the Jira JSON loader reads it."""
        return {"issues": list(self.issues.values()), "names": self.names}


class JiraCloudClient:
    def __init__(
        self,
        site: str,
        email: str,
        api_token: str,
        *,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        on_page: Callable[[int], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.site = site.rstrip("/")
        self._http = httpx.Client(
            base_url=self.site,
            auth=(email, api_token),
            timeout=timeout,
            headers={"Accept": "application/json"},
            transport=transport,
        )
        self._sleep = sleep
        # Told how many items each page brought, for a progress bar.
        self._on_page = on_page or (lambda items: None)

    def close(self) -> None:
        self._http.close()

    def search(self, jql: str, since: dt.datetime | None = None) -> JiraSearch:
        """Every issue the JQL finds (updated since `since`, less the overlap, when given)."""
        found = JiraSearch()

        def keep(page: dict[str, Any]) -> None:
            found.names.update({str(k): str(v) for k, v in (page.get("names") or {}).items()})
            for issue in page.get("issues") or []:
                found.issues[str(issue.get("key"))] = issue

        body = {
            "jql": incremental_jql(jql, since),
            "fields": FIELDS,
            "expand": "changelog,names",
            "maxResults": PAGE_SIZE,
        }
        # Issues are kept by key, so pages read again after a restart add no duplicates.
        self._read_pages(body, found, keep, forget=lambda: None)
        return found

    def keys(self, jql: str) -> tuple[set[str], JiraSearch]:
        """Every key the JQL finds now, however old: what is missing from it was deleted or
        moved out of the query's reach. Asking for keys only lets Jira send 5,000 a page."""
        found = JiraSearch()
        keys: set[str] = set()

        def keep(page: dict[str, Any]) -> None:
            for issue in page.get("issues") or []:
                key = issue.get("key") if isinstance(issue, dict) else None
                if not key:
                    # Removing what a listing without keys "misses" would empty the record.
                    raise JiraSyncError(
                        f"{self.site} listed an issue without its key; nothing was removed."
                    )
                keys.add(str(key))

        query = ORDER_BY.sub("", jql.strip()) + " ORDER BY key ASC"
        body = {"jql": query, "fields": ["key"], "maxResults": KEYS_PAGE_SIZE}
        self._read_pages(body, found, keep, forget=keys.clear)
        return keys, found

    def issues(self, keys: set[str], found: JiraSearch) -> None:
        """Fetch these issues in full into `found`: ones a listing shows that an incremental
        search missed (they entered the query without being updated, e.g. a sprint started)."""
        ordered = sorted(keys)
        for start in range(0, len(ordered), PAGE_SIZE):
            batch = ", ".join(f'"{key}"' for key in ordered[start : start + PAGE_SIZE])
            more = self.search(f"key in ({batch})")
            found.issues.update(more.issues)
            found.names.update(more.names)
            found.pages += more.pages
            found.retries += more.retries

    def _read_pages(
        self,
        body: dict[str, Any],
        found: JiraSearch,
        keep: Callable[[dict[str, Any]], None],
        forget: Callable[[], None],
    ) -> None:
        """Every page in turn; a page token the server refuses starts the run again once."""
        token: str | None = None
        while True:
            page = self._post(
                {**body, "nextPageToken": token} if token else body, found, paging=token is not None
            )
            if page is None:
                found.restarts += 1
                if found.restarts > 1:
                    raise JiraSyncError(
                        f"{self.site} refused its own page token twice; nothing was stored."
                    )
                forget()
                token = None
                continue
            found.pages += 1
            keep(page)
            self._on_page(len(page.get("issues") or []))
            token = page.get("nextPageToken")
            if not token or page.get("isLast"):
                return

    def _post(self, body: dict[str, Any], found: JiraSearch, paging: bool) -> Any:
        def count_retry() -> None:
            found.retries += 1

        reply = send_with_retries(
            lambda: self._http.post(SEARCH_PATH, json=body), self.site, self._sleep, count_retry
        )
        if reply.status_code == 400 and paging and EXPIRED_TOKEN.search(reply.text):
            return None
        if reply.status_code in (401, 403):
            raise JiraSyncError(
                f"{self.site} refused the credentials (HTTP {reply.status_code}): check "
                "PMASSIST_JIRA_EMAIL and PMASSIST_JIRA_API_TOKEN, and that the account may "
                "browse the project."
            )
        if reply.status_code != 200:
            raise JiraSyncError(
                f"{self.site} refused the search (HTTP {reply.status_code}): {_messages(reply)}"
            )
        return reply.json()


def incremental_jql(jql: str, since: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """The JQL, limited to issues updated since the last sync (less the overlap), oldest
    first: a sync cut short resumes where it stopped.

    The bound is relative ("-95m"): Jira reads an absolute date in the API user's own time
    zone, which would shift the window by hours for anyone not on UTC."""
    base = ORDER_BY.sub("", jql.strip())
    if since is not None:
        elapsed = (now or utc_now()) - (since - OVERLAP)
        minutes = max(1, math.ceil(elapsed.total_seconds() / 60))
        base = f'({base}) AND updated >= "-{minutes}m"'
    return f"{base} ORDER BY updated ASC"


def _messages(reply: httpx.Response) -> str:
    try:
        body = reply.json()
    except ValueError:
        return reply.text[:200]
    messages = body.get("errorMessages") if isinstance(body, dict) else None
    return "; ".join(str(m) for m in messages) if messages else reply.text[:200]
