"""The alert emails the application sends to an organization's admins, each through the one email task.

Lockouts, abandoned webhooks and a broken audit chain. Messages name what happened and where to look; they
never carry secrets, payloads or other people's addresses.
"""
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import transaction

from .selectors import admin_emails
from .tasks import send_email

ABANDONED_ALERT_EVERY = 3600  # seconds


def queue_to_admins(organization_id: int, subject: str, body: str) -> int:
    """Queues one email to the organization's admins after the current transaction commits."""
    recipients = admin_emails(organization_id)
    if recipients:
        transaction.on_commit(lambda: send_email.delay(organization_id, recipients, subject, body),
                              using="default")
    return len(recipients)


def lockout_alert(organization, events) -> None:
    for event in events:
        name = (event.actor.name if event.actor_id else "") or "A member"
        queue_to_admins(organization.pk, f"[Trailproof] {name} was locked out of {organization.name}",
                        f"{name}'s account was locked after repeated failed sign-ins at "
                        f"{event.occurred_at:%Y-%m-%d %H:%M} UTC.\n\nThe attempts are in the audit trail "
                        f"(action auth.login_failed). If they were not this person, review the source addresses "
                        f"there; the account unlocks by itself when the lockout period ends.")


def abandoned_webhook_alert(delivery) -> None:
    """At most one email per webhook per ABANDONED_ALERT_EVERY: a receiver down for a day abandons many."""
    if not cache.add(f"syslog:abandoned-alert:{delivery.endpoint_id}", True, timeout=ABANDONED_ALERT_EVERY):
        return
    host = urlsplit(delivery.endpoint.url).hostname
    queue_to_admins(delivery.organization_id, f"[Trailproof] Webhook deliveries to {host} were abandoned",
                    f"A delivery to {delivery.endpoint.url} failed {delivery.attempts} times and was abandoned "
                    f"(last result: {delivery.last_status_code or delivery.last_error}).\n\n"
                    f"Open the System log page in Trailproof to see each attempt and to re-send it once the "
                    f"receiver works again. (Further abandoned deliveries to this webhook within the hour are "
                    f"in the system log without another email.)")


def broken_chain_alert(report) -> None:
    organization = report.organization
    queue_to_admins(organization.pk, f"[Trailproof] The audit trail of {organization.name} failed verification",
                    f"Verification found the hash chain broken at seq {report.first_bad_seq} "
                    f"(verified through seq {report.verified_through_seq}). {report.problem}\n\n"
                    f"Open the Integrity page in Trailproof and keep the affected events as they are.")
