"""A limit on how many questions one caller asks a minute (questions are the costly requests)."""

from __future__ import annotations

import threading
import time

from fastapi import HTTPException, Request

from assistant.domain.access import Principal


class RateLimiter:
    """A token bucket per caller: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float) -> bool:
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            return True


def limit_questions(request: Request, principal: Principal) -> None:
    """429 with Retry-After when the caller asks too often."""
    limiter: RateLimiter = request.app.state.ask_limiter
    if not limiter.allow(principal.name + str(principal.token_id), time.monotonic()):
        raise HTTPException(
            429,
            f"More than {limiter.per_minute} questions a minute; wait a little.",
            {"Retry-After": "10"},
        )
