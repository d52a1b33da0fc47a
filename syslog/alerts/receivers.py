"""Listens to what `audit` announces and turns it into alert rule hits; audit never imports this."""
from functools import partial
from urllib.parse import urlsplit

from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils.http import urlencode

from audit.events import chain_verified, events_chained, integrity_alarms_requested, recording_failed

from ..notifications import delivery_abandoned
from .evaluate import Hit, evaluate_safely
from .hits import hits_in
from .selectors import open_alerts


@receiver(events_chained)
def count_watched_events(sender, organization, events, **kwargs):
    """Inside the recording transaction: only collects; the counting and alerting happen once it commits."""
    hits = hits_in(events)
    if hits:
        transaction.on_commit(partial(evaluate_safely, organization.pk, hits), robust=True)


@receiver(chain_verified)
def alarm_on_broken_chain(sender, organization, report, **kwargs):
    if not report.ok:
        evaluate_safely(organization.pk, [Hit(
            "integrity.failed", "chain", f"the chain is broken at event {report.first_bad_seq}: {report.problem}",
            details={"first_bad_seq": report.first_bad_seq, "problem": report.problem})])


@receiver(integrity_alarms_requested)
def open_integrity_alarms(sender, organization, **kwargs) -> list[dict]:
    acknowledge = reverse("alerts:list") + "?" + urlencode({"org": organization.slug})
    return [{"raised_at": alert.raised_at, "message": alert.message, "url": acknowledge}
            for alert in open_alerts(organization, rule="integrity.failed")]


@receiver(recording_failed)
def alarm_on_refused_write(sender, organization, error, **kwargs):
    # The error's class only: its text can hold server addresses or values from the refused rows.
    evaluate_safely(organization.pk, [Hit("store.refused_writes", "ingest", type(error).__name__,
                                          details={"error": type(error).__name__})])


@receiver(delivery_abandoned)
def count_abandoned_delivery(sender, delivery, **kwargs):
    host = urlsplit(delivery.endpoint.url).hostname or ""
    evaluate_safely(delivery.organization_id, [Hit("webhook.abandoned", "webhooks", host)])
