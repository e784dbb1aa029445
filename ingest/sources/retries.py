"""One HTTP request to a tracker, retried the way trackers ask: 429 waits for Retry-After (capped),
5xx and lost connections back off 1, 2, 4 … seconds; after the last attempt a clear error says
that nothing was stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx

from assistant.domain.errors import PmassistError

MAX_ATTEMPTS = 5
LONGEST_WAIT = 60.0  # seconds, whatever Retry-After says


class SyncError(PmassistError):
    """A tracker could not be read; nothing of this sync was stored."""


def send_with_retries(
    send: Callable[[], httpx.Response],
    where: str,
    sleep: Callable[[float], None],
    on_retry: Callable[[], None] = lambda: None,
) -> httpx.Response:
    """The first reply that is neither 429 nor 5xx (any other status is the caller's)."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            reply = send()
        except httpx.TransportError as error:
            if attempt == MAX_ATTEMPTS:
                raise SyncError(
                    f"Cannot reach {where} ({MAX_ATTEMPTS} attempts): {error}; nothing was stored."
                ) from error
            on_retry()
            sleep(_backoff(attempt))
            continue
        if reply.status_code == 429 or reply.status_code >= 500:
            if attempt == MAX_ATTEMPTS:
                raise SyncError(
                    f"{where} answered HTTP {reply.status_code} on all {MAX_ATTEMPTS} attempts; "
                    "nothing was stored. Try again later."
                )
            on_retry()
            sleep(_wait(reply, attempt))
            continue
        return reply
    raise AssertionError("unreachable")


def _wait(reply: httpx.Response, attempt: int) -> float:
    retry_after = reply.headers.get("Retry-After", "")
    if retry_after.strip().isdigit():
        return min(float(retry_after), LONGEST_WAIT)
    return _backoff(attempt)


def _backoff(attempt: int) -> float:
    return float(min(2 ** (attempt - 1), LONGEST_WAIT))


def rate_limit_reset(reply: httpx.Response) -> str:
    """When GitHub's used-up rate limit resets ("14:00 UTC"), from `x-ratelimit-reset`."""
    reset = reply.headers.get("x-ratelimit-reset", "")
    if not reset.isdigit():
        return "later"
    return dt.datetime.fromtimestamp(int(reset), dt.UTC).strftime("%H:%M UTC")
