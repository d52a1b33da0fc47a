"""Webhook subscriptions: create, change and delete them (each recorded in the trail), and match events.

Each change runs in one block over both stores: `with atomic(syslog), atomic(default)` exits the inner
(trail) block first, so the audit event commits before the webhook row and a change never lacks its event.
"""
from django.db import transaction
from django.utils import timezone

from audit.acting import Acting
from audit.services.recording import record_action
from audit.validation import ACTION_RE

from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from .signing import new_secret
from .targets import check_url

# Bounded so one tenant cannot make every recorded event fan out without limit (documented in the README).
MAX_ENDPOINTS_PER_ORGANIZATION = 20
MAX_ACTIONS = 50


def valid_action_pattern(pattern: str) -> bool:
    """An exact action (task.completed) or a prefix ending in .* (auth.*): what a subscription may name."""
    if pattern.endswith(".*"):
        return bool(ACTION_RE.fullmatch(pattern[:-2] + ".x"))
    return bool(ACTION_RE.fullmatch(pattern))
EDITABLE_FIELDS = ("url", "actions", "description")


class WebhookLimitReached(ValueError):
    pass


def action_matches(patterns: list[str], action: str) -> bool:
    """An empty list matches every action; `auth.*` matches every action under `auth.`."""
    if not patterns:
        return True
    return any(action == p or (p.endswith(".*") and action.startswith(p[:-1])) for p in patterns)


def _target(endpoint: WebhookEndpoint) -> dict:
    return {"type": "webhook", "id": str(endpoint.id), "name": endpoint.url[:200]}


def create_webhook(*, organization, url: str, actions: list[str], description: str = "",
                   acting: Acting) -> WebhookEndpoint:
    """Returns the new endpoint; its `secret` is for the caller to show once."""
    check_url(url)
    if WebhookEndpoint.objects.filter(organization_id=organization.pk).count() >= MAX_ENDPOINTS_PER_ORGANIZATION:
        raise WebhookLimitReached(f"An organization can have at most {MAX_ENDPOINTS_PER_ORGANIZATION} webhooks.")
    with transaction.atomic(using="syslog"), transaction.atomic(using="default"):
        endpoint = WebhookEndpoint.objects.create(
            organization_id=organization.pk, url=url, actions=actions, description=description,
            secret=new_secret(), created_via=acting.recorded_via)
        record_action(organization, "webhook.created", acting, targets=[_target(endpoint)],
                      changes={name: {"before": None, "after": getattr(endpoint, name)} for name in EDITABLE_FIELDS})
    return endpoint


def update_webhook(*, endpoint: WebhookEndpoint, organization, values: dict, acting: Acting) -> WebhookEndpoint:
    if "url" in values:
        check_url(values["url"])
    changes = {name: {"before": getattr(endpoint, name), "after": value}
               for name, value in values.items() if name in EDITABLE_FIELDS and getattr(endpoint, name) != value}
    if not changes:
        return endpoint
    with transaction.atomic(using="syslog"), transaction.atomic(using="default"):
        for name, change in changes.items():
            setattr(endpoint, name, change["after"])
        endpoint.updated_at = timezone.now()
        endpoint.save(update_fields=[*changes, "updated_at"])
        record_action(organization, "webhook.updated", acting, targets=[_target(endpoint)], changes=changes)
    return endpoint


def delete_webhook(*, endpoint: WebhookEndpoint, organization, acting: Acting) -> None:
    """Its pending deliveries go with it: their tasks find nothing left to send."""
    target = _target(endpoint)
    with transaction.atomic(using="syslog"), transaction.atomic(using="default"):
        endpoint.delete()
        record_action(organization, "webhook.deleted", acting, targets=[target])


class NotResendable(ValueError):
    pass


def resend_delivery(*, delivery: WebhookDelivery, organization, acting: Acting) -> WebhookDelivery:
    """An abandoned delivery is owed again: same webhook-id, a fresh retry schedule; recorded in the trail."""
    if delivery.status != DeliveryStatus.ABANDONED:
        raise NotResendable("Only an abandoned delivery can be re-sent.")
    with transaction.atomic(using="syslog"), transaction.atomic(using="default"):
        reopened = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.ABANDONED).update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), finished_at=None)
        if not reopened:
            raise NotResendable("This delivery was already re-sent.")
        record_action(organization, "webhook.resent", acting, targets=[_target(delivery.endpoint)],
                      metadata={"delivery": str(delivery.pk), "webhook_id": delivery.webhook_id,
                                "event": delivery.event_id, "type": delivery.message_type,
                                "previous_attempts": delivery.attempts})
    delivery.refresh_from_db()
    return delivery
