"""The application's EMAIL_BACKEND: every message it sends becomes a `syslog.send_email` task.

Django's own senders (the password reset form, for one) go through here, so no email is sent inside a
request: the task is queued after the request's transaction commits, and the worker sends it through
EMAIL_DELIVERY_BACKEND or the organization's own SMTP server.
"""
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from .selectors import organization_of_recipient
from .tasks import send_email


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            organization_id = organization_of_recipient(message.to)
            args = (organization_id, list(message.to), message.subject, message.body)
            transaction.on_commit(lambda args=args: send_email.delay(*args), using="default")
        return len(email_messages)
