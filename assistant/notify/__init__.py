"""Telling a PM that a weekly draft is ready or a scheduled run failed: by e-mail, in Slack, in
Teams, on whichever of them the settings configure.

A notice that does not arrive must never stop the run that sent it (the draft is saved either
way), so `Notifier.send` does not raise for a channel's failure: it returns one `Delivery` per
channel saying whether it arrived and, if not, why.

Adding a channel is one module with a class like `SlackChannel` (a `configured(settings)` check,
a constructor taking the settings, an HTTP client and a TLS context, and `send(notice)`) and one
line in `CHANNELS`.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
from collections.abc import Callable
from typing import ClassVar, Protocol
from urllib.parse import urlsplit

import httpx

from assistant.config import Settings
from assistant.domain.notice import Delivery, Notice, NoticeNotDeliveredError
from assistant.notify.email import EmailChannel
from assistant.notify.slack import SlackChannel
from assistant.notify.teams import TeamsChannel

log = logging.getLogger("pmassist")

# Three tries, 1 s then 2 s apart: enough to ride out a mail relay or webhook that blinks, short
# enough that a scheduled run is not held up for long by one that is down.
ATTEMPTS = 3
BACKOFF_SECONDS = (1.0, 2.0)
HTTP_TIMEOUT_SECONDS = 30.0


class Channel(Protocol):
    label: ClassVar[str]  # how the channel is named to a person: "E-mail", "Slack"

    def __init__(
        self,
        settings: Settings,
        *,
        http: httpx.Client | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None: ...

    @staticmethod
    def configured(settings: Settings) -> bool: ...

    def send(self, notice: Notice) -> None:
        """Deliver the notice or raise; `NoticeNotDeliveredError` carries a reason for the PM."""


CHANNELS: dict[str, type[Channel]] = {
    "email": EmailChannel,
    "slack": SlackChannel,
    "teams": TeamsChannel,
}


class Notifier:
    """Sends a notice to every configured channel, retrying each one on its own."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._transport = transport
        self._tls_context = tls_context

    def channels(self) -> list[str]:
        """The names of the channels the settings configure, in `CHANNELS` order."""
        return [name for name, kind in CHANNELS.items() if kind.configured(self._settings)]

    def send(self, notice: Notice) -> list[Delivery]:
        names = self.channels()
        if not names:
            return []
        with httpx.Client(transport=self._transport, timeout=HTTP_TIMEOUT_SECONDS) as http:
            return [self._send_one(name, notice, http) for name in names]

    def _send_one(self, name: str, notice: Notice, http: httpx.Client) -> Delivery:
        kind = CHANNELS[name]
        channel = kind(self._settings, http=http, tls_context=self._tls_context)
        reason = ""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                channel.send(notice)
            except Exception as error:  # any failure is reported, never raised
                reason = self._scrub(_describe(error))
                log.warning(
                    "%s notice for %s, attempt %d of %d failed: %s",
                    kind.label,
                    notice.project,
                    attempt,
                    ATTEMPTS,
                    reason,
                )
            else:
                return Delivery(channel=name, delivered=True, attempts=attempt)
            if attempt < ATTEMPTS:
                self._sleep(BACKOFF_SECONDS[attempt - 1])
        failure = f"{kind.label} notice not delivered after {ATTEMPTS} attempts: {reason}"
        return Delivery(channel=name, delivered=False, attempts=ATTEMPTS, error=failure)

    def _scrub(self, text: str) -> str:
        """The reason with every secret blanked: the channels already leave them out; this is the
        net under an exception from a library that quotes its URL or credentials."""
        settings = self._settings
        secrets: list[str] = []
        for url in (settings.slack_webhook_url, settings.teams_webhook_url):
            if url is not None and url.get_secret_value():
                # A webhook's path is its token: blank it also where only the path is quoted.
                secrets.append(url.get_secret_value())
                with contextlib.suppress(ValueError):
                    path = urlsplit(url.get_secret_value()).path
                    secrets += [path] if len(path) > 1 else []
        if settings.smtp_password is not None and settings.smtp_password.get_secret_value():
            secrets.append(settings.smtp_password.get_secret_value())
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, "[secret]")
        return text


def _describe(error: Exception) -> str:
    if isinstance(error, NoticeNotDeliveredError):
        return error.message
    # An unexpected failure (a refused connection, a timeout): its type says more than its text.
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


__all__ = ["ATTEMPTS", "BACKOFF_SECONDS", "CHANNELS", "Channel", "Notifier"]
