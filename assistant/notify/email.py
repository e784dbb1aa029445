"""Notices by e-mail, through the organisation's SMTP server (usually port 587 with STARTTLS and
a login). Each message carries a plain-text body and an HTML alternative of the same content."""

from __future__ import annotations

import contextlib
import html
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import ClassVar

import httpx

from assistant.config import Settings
from assistant.domain.notice import Notice, NoticeNotDeliveredError

# Long enough for a slow relay, short enough that a scheduled run does not hang on a dead one.
SMTP_TIMEOUT_SECONDS = 30.0

_STATUS_COLOURS = {"GREEN": "#1a7f37", "AMBER": "#b25e00", "RED": "#c62828"}


def recipients(settings: Settings) -> list[str]:
    """The addresses in `mail_to`, which people write comma-separated."""
    return [address.strip() for address in (settings.mail_to or "").split(",") if address.strip()]


class EmailChannel:
    """Sends a notice as one e-mail to every address in `mail_to`."""

    label: ClassVar[str] = "E-mail"

    def __init__(
        self,
        settings: Settings,
        *,
        http: httpx.Client | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        del http  # e-mail does not use HTTP; the parameter keeps every channel built alike
        self._settings = settings
        # A test (or a site with its own CA) passes a context that trusts its certificate;
        # otherwise the system's trusted CAs decide, with host names checked.
        self._tls_context = tls_context

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.smtp_host and settings.mail_from and recipients(settings))

    def send(self, notice: Notice) -> None:
        settings = self._settings
        host, port = settings.smtp_host or "", settings.smtp_port
        message = compose(notice, sender=settings.mail_from or "", to=recipients(settings))
        try:
            smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
        except OSError as error:
            raise NoticeNotDeliveredError(f"could not reach {host}:{port}: {error}") from error
        try:
            self._deliver(smtp, message)
        except smtplib.SMTPAuthenticationError as error:
            raise NoticeNotDeliveredError(
                f"authentication failed for user '{settings.smtp_username}': {_reply(error)}"
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            raise NoticeNotDeliveredError(f"the server lacks a feature: {error}") from error
        except smtplib.SMTPRecipientsRefused as error:
            refused = ", ".join(
                f"{address} ({code})" for address, (code, _) in error.recipients.items()
            )
            raise NoticeNotDeliveredError(f"the server refused the recipients {refused}") from error
        except smtplib.SMTPResponseException as error:
            raise NoticeNotDeliveredError(f"the server answered {_reply(error)}") from error
        except ssl.SSLCertVerificationError as error:
            raise NoticeNotDeliveredError(
                f"the server's TLS certificate is not trusted: {error.verify_message}"
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise NoticeNotDeliveredError(f"{host}:{port}: {error}") from error
        finally:
            smtp.close()

    def _deliver(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        settings = self._settings
        if settings.smtp_starttls:
            smtp.starttls(context=self._tls_context or ssl.create_default_context())
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(message)
        # The message is accepted at this point; a server that drops the line instead of
        # answering QUIT must not make the notice count as failed (and be sent again).
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = (
        error.smtp_error.decode(errors="replace")
        if isinstance(error.smtp_error, bytes)
        else str(error.smtp_error)
    )
    return f"{error.smtp_code} {text}".strip()


def compose(notice: Notice, *, sender: str, to: list[str]) -> EmailMessage:
    """The e-mail for a notice: subject = its title, the text, and the same text as HTML."""
    message = EmailMessage()
    message["Subject"] = notice.title
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2].strip("> ") or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(plain_text(notice))
    message.add_alternative(html_text(notice), subtype="html")
    return message


def plain_text(notice: Notice) -> str:
    parts = [notice.title, ""]
    if status := notice.status_label():
        parts.append(f"Overall status: {status}")
    if lines := notice.shown_lines():
        parts += ["", *[f"- {line}" for line in lines]]
    if notice.error:
        parts += ["", f"What went wrong: {notice.error}"]
    if notice.link:
        verb = "Review the draft" if notice.kind == "draft_ready" else "Open pmassist"
        parts += ["", f"{verb}: {notice.link}"]
    return "\n".join(parts).strip() + "\n"


def html_text(notice: Notice) -> str:
    # Everything that comes from the record is escaped: a ticket title may hold "<" or "&".
    e = html.escape
    parts = [f"<h2>{e(notice.title)}</h2>"]
    if status := notice.status_label():
        colour = _STATUS_COLOURS.get(status, "#333333")
        parts.append(f'<p>Overall status: <strong style="color:{colour}">{e(status)}</strong></p>')
    if lines := notice.shown_lines():
        parts.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>")
    if notice.error:
        parts.append(f"<p>What went wrong: {e(notice.error)}</p>")
    if notice.link:
        verb = "Review the draft" if notice.kind == "draft_ready" else "Open pmassist"
        parts.append(f'<p><a href="{e(notice.link)}">{verb}</a></p>')
    return "<!DOCTYPE html>\n<html><body>\n" + "\n".join(parts) + "\n</body></html>\n"
