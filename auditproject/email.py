"""Turns the EMAIL_URL setting into Django's email settings.

Forms: `console:`, `smtp://user:password@host:port`, `smtp+tls://...` (STARTTLS), `smtp+ssl://...` (TLS from the
start), and `mailgun://API_KEY@sending-domain` (Mailgun's API through django-anymail; `MAILGUN_API_URL`
points it elsewhere, e.g. Mailgun's EU region or a test server).
"""
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def email_settings_from_url(url: str, *, mailgun_api_url: str | None = None) -> dict:
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "mailgun":
        return _mailgun(parts, mailgun_api_url)
    if parts.scheme not in {"smtp", "smtp+tls", "smtp+ssl"}:
        raise ImproperlyConfigured(f"EMAIL_URL must start with smtp://, smtp+tls://, smtp+ssl://, mailgun:// or "
                                   f"console:, got scheme {parts.scheme!r}")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtp+ssl" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme == "smtp+ssl",
        "EMAIL_TIMEOUT": 10,
    }


def _mailgun(parts, api_url: str | None) -> dict:
    if not parts.username or not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL for Mailgun is mailgun://API_KEY@sending-domain")
    anymail = {"MAILGUN_API_KEY": unquote(parts.username), "MAILGUN_SENDER_DOMAIN": parts.hostname}
    if api_url:
        anymail["MAILGUN_API_URL"] = api_url
    return {"EMAIL_BACKEND": "anymail.backends.mailgun.EmailBackend", "ANYMAIL": anymail}
