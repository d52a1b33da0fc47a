"""Sending email: through the organization's own SMTP server if it set one, else the deployment's backend.

Every email the application sends goes through the Celery task `syslog.tasks.send_email`, which calls
`send_email` here once per attempt. A provider's refusal (django-anymail, e.g. Mailgun) is logged as
`email.failed` with the provider's answer; an SMTP server's refusal or silence as `smtp.failed` with its
reply. Subjects, bodies and full addresses are never logged (bodies can hold password reset links): only the
recipients' domains.

Settings: EMAIL_DELIVERY_BACKEND (what EMAIL_URL chose), EMAIL_RETRY_DELAYS (seconds between attempts;
1 min, 5 min, 30 min by default).
"""
import re
import smtplib
import socket
from dataclasses import dataclass
from datetime import timedelta

from anymail.exceptions import AnymailError
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from .models import OrganizationMailServer
from .services import log_system_event

DEFAULT_RETRY_DELAYS = (60, 300, 1800)
SMTP_TIMEOUT_SECONDS = 10
_ADDRESS = re.compile(r"[\w.+'-]+@([\w-]+(?:\.[\w-]+)+)")


def email_retry_delays() -> tuple[float, ...]:
    return tuple(getattr(settings, "EMAIL_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))


@dataclass(frozen=True)
class Route:
    """Where a message goes: the system log kind of a failure, and the server or provider named in it."""

    connection: BaseEmailBackend
    failure_kind: str
    via: str
    from_email: str


def route_for(organization_id: int) -> Route:
    own = OrganizationMailServer.objects.filter(organization_id=organization_id).first()
    if own is not None:
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host=own.host, port=own.port,
            username=own.username, password=own.password, use_tls=own.security == "starttls",
            use_ssl=own.security == "tls", timeout=SMTP_TIMEOUT_SECONDS, fail_silently=False)
        return Route(connection, "smtp.failed", f"{own.host}:{own.port}",
                     own.from_email or settings.DEFAULT_FROM_EMAIL)
    backend = getattr(settings, "EMAIL_DELIVERY_BACKEND", settings.EMAIL_BACKEND)
    connection = get_connection(backend, fail_silently=False)
    if backend.startswith("anymail."):
        return Route(connection, "email.failed", getattr(connection, "esp_name", "provider"),
                     settings.DEFAULT_FROM_EMAIL)
    return Route(connection, "smtp.failed", f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}",
                 settings.DEFAULT_FROM_EMAIL)


def send_email(*, organization_id: int, to: list[str], subject: str, body: str, attempt: int = 1,
               can_retry: bool = True) -> float | None:
    """One attempt; returns the seconds until the retry when it failed and one is left, else None."""
    route = route_for(organization_id)
    try:
        EmailMessage(subject, body, route.from_email, to, connection=route.connection).send()
        return None
    except (smtplib.SMTPException, OSError, AnymailError) as failure:
        delays = email_retry_delays()
        delay = delays[attempt - 1] if can_retry and attempt <= len(delays) else None
        _log_failure(organization_id, route, attempt, to, describe(failure), delay)
        return delay


def describe(failure: Exception) -> str:
    """What went wrong, without the recipients' addresses or any credential."""
    if isinstance(failure, AnymailError):
        return _provider_answer(failure)
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


def _provider_answer(failure: AnymailError) -> str:
    if failure.status_code is None:
        cause = failure.__cause__
        return f"{type(failure).__name__}: {type(cause).__name__ if cause else failure.args[0] if failure.args else ''}"
    text = ""
    if failure.response is not None:
        text = " ".join(failure.response.text.split())[:300]
    return scrub(f"HTTP {failure.status_code}: {text}")


def scrub(text: str) -> str:
    """Replaces every email address with its domain alone."""
    return _ADDRESS.sub(lambda match: f"…@{match.group(1)}", text)


def _text(message) -> str:
    return scrub((message.decode(errors="replace") if isinstance(message, bytes) else str(message))[:200])


def recipient_domains(to: list[str]) -> list[str]:
    return sorted({address.rsplit("@", 1)[-1].lower().rstrip(">") for address in to})


def _log_failure(organization_id, route: Route, attempt, to, error, delay) -> None:
    next_retry_at = timezone.now() + timedelta(seconds=delay) if delay is not None else None
    retry = (f"; retrying at {next_retry_at:%Y-%m-%d %H:%M:%S} UTC" if next_retry_at
             else f"; given up after {attempt} attempt{'s' if attempt != 1 else ''}")
    what = "The email provider" if route.failure_kind == "email.failed" else "Email through"
    log_system_event(
        organization_id=organization_id, kind=route.failure_kind,
        severity="warning" if next_retry_at else "error",
        message=f"{what} {route.via} failed on attempt {attempt}: {error}{retry}",
        details={"attempt": attempt, "server" if route.failure_kind == "smtp.failed" else "provider": route.via,
                 "error": error, "recipients": len(to), "recipient_domains": recipient_domains(to),
                 "next_retry_at": next_retry_at.isoformat().replace("+00:00", "Z") if next_retry_at else None})
