"""GitHub issues over the REST API: `GET /repos/{owner}/{repo}/issues`, page by page.

`state=all&sort=updated&direction=asc&since=…` fetches what changed since the last sync (less
an overlap), oldest change first; pages follow the `Link: <…>; rel="next"` header. Pull requests,
which that endpoint also lists, are left out. The result is the list the GitHub issues loader
reads, so synced and exported issues get the same document ids.

Rate limits: 429 (secondary limits) waits for Retry-After; a 403 with no requests remaining
says when the limit resets rather than waiting up to an hour.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from ingest.sources.retries import SyncError, rate_limit_reset, send_with_retries

API = "https://api.github.com"
PAGE_SIZE = 100
OVERLAP = dt.timedelta(minutes=5)


@dataclass
class GitHubIssues:
    """What one sync fetched: the issues by number (the last copy of each)."""

    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    pull_requests_skipped: int = 0
    pages: int = 0
    retries: int = 0

    def as_issue_list(self) -> list[dict[str, Any]]:
        return [self.issues[number] for number in sorted(self.issues)]


class GitHubIssuesClient:
    def __init__(
        self,
        repository: str,
        token: str | None,
        *,
        api: str = API,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        on_page: Callable[[int], None] | None = None,
    ) -> None:
        if repository.count("/") != 1:
            raise SyncError(f"A GitHub repository is owner/name, not {repository!r}.")
        self.repository = repository
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=api.rstrip("/"), timeout=timeout, headers=headers)
        self._sleep = sleep
        # Told how many items each page brought, for a progress bar.
        self._on_page = on_page or (lambda items: None)

    def close(self) -> None:
        self._http.close()

    def fetch(self, since: dt.datetime | None = None) -> GitHubIssues:
        found = GitHubIssues()
        params: dict[str, str | int] = {
            "state": "all",
            "sort": "updated",
            "direction": "asc",
            "per_page": PAGE_SIZE,
        }
        if since is not None:
            params["since"] = (since - OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ")
        url: str | None = f"/repos/{self.repository}/issues"

        def count_retry() -> None:
            found.retries += 1

        while url:
            # The next page's address carries its own query (the first page's, plus `page`).
            request = self._http.build_request(
                "GET", url, params=params if found.pages == 0 else None
            )
            reply = send_with_retries(
                partial(self._http.send, request),
                f"GitHub ({self.repository})",
                self._sleep,
                count_retry,
            )
            self._check(reply)
            found.pages += 1
            items = reply.json()
            self._on_page(len(items))
            for item in items:
                if "pull_request" in item:
                    found.pull_requests_skipped += 1
                    continue
                found.issues[int(item["number"])] = item
            url = reply.links.get("next", {}).get("url")
        return found

    def _check(self, reply: httpx.Response) -> None:
        if reply.status_code == 200:
            return
        if reply.status_code == 403 and reply.headers.get("x-ratelimit-remaining") == "0":
            when = rate_limit_reset(reply)
            raise SyncError(
                f"GitHub's rate limit for this token is used up; it resets at {when}. Nothing "
                "was stored; sync again then."
            )
        if reply.status_code in (401, 403, 404):
            raise SyncError(
                f"GitHub refused to list the issues of {self.repository} (HTTP "
                f"{reply.status_code}): check PMASSIST_GITHUB_TOKEN and that it may read the "
                "repository's issues (fine-grained token: Issues, read-only)."
            )
        raise SyncError(
            f"GitHub refused to list the issues of {self.repository} (HTTP {reply.status_code})."
        )
