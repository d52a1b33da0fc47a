"""Sending email through Django's email backend; every refusal or unreachable server is logged as smtp.failed.

Settings: EMAIL_RETRY_DELAYS (seconds between attempts; 1 min, 5 min, 30 min by default). Subjects and
bodies are never logged: they can hold password reset links.
"""
import smtplib
import socket
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from .services import log_system_event

DEFAULT_RETRY_DELAYS = (60, 300, 1800)


def email_retry_delays() -> tuple[float, ...]:
    return tuple(getattr(settings, "EMAIL_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))


def send_email(*, organization_id: int, to: list[str], subject: str, body: str, attempt: int = 1,
               can_retry: bool = True) -> float | None:
    """One attempt; returns the seconds until the retry when it failed and one is left, else None."""
    try:
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to).send()
        return None
    except (smtplib.SMTPException, OSError) as failure:
        delays = email_retry_delays()
        delay = delays[attempt - 1] if can_retry and attempt <= len(delays) else None
        _log_smtp_failure(organization_id, attempt, len(to), describe(failure), delay)
        return delay


def describe(failure: Exception) -> str:
    """What went wrong, without the recipients' addresses or any credential."""
    if isinstance(failure, smtplib.SMTPRecipientsRefused):
        answers = sorted({f"{code} {_text(message)}" for code, message in failure.recipients.values()})
        return "recipients refused: " + "; ".join(answers)
    if isinstance(failure, smtplib.SMTPResponseException):
        return f"{type(failure).__name__}: {failure.smtp_code} {_text(failure.smtp_error)}"
    if isinstance(failure, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(failure, OSError):
        return f"could not connect: {failure.strerror or failure}"
    return type(failure).__name__


def _text(message) -> str:
    return (message.decode(errors="replace") if isinstance(message, bytes) else str(message))[:200]


def _log_smtp_failure(organization_id, attempt, recipients, error, delay) -> None:
    next_retry_at = timezone.now() + timedelta(seconds=delay) if delay is not None else None
    server = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    retry = f"; retrying at {next_retry_at:%Y-%m-%d %H:%M:%S} UTC" if next_retry_at else "; not retried"
    log_system_event(
        organization_id=organization_id, kind="smtp.failed", severity="warning" if next_retry_at else "error",
        message=f"Email through {server} failed on attempt {attempt}: {error}{retry}",
        details={"attempt": attempt, "server": server, "error": error, "recipients": recipients,
                 "next_retry_at": next_retry_at.isoformat().replace("+00:00", "Z") if next_retry_at else None})
