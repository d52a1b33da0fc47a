"""Figures read from the databases at each scrape: exact whichever process did the work, and cheap (a fixed
number of queries, per organization lookups on indexed columns, never a scan of the trail)."""
import time

from django.db.models import Count, OuterRef, Subquery
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from audit.models import AuditEvent, ChainHead, IntegrityCheck, Organization

from ..models import Alert, DeliveryStatus, SystemLogEntry, WebhookDelivery

WEBHOOK_FAILURE_KINDS = ("webhook.failed", "webhook.abandoned")
EMAIL_FAILURE_KINDS = ("email.failed", "smtp.failed")


class DatabaseCollector:
    def collect(self):
        slugs = dict(Organization.objects.values_list("pk", "slug"))
        yield from self._chains(slugs)
        yield from self._integrity()
        yield from self._retention()
        yield from self._webhooks(slugs)
        yield _log_counter("trailproof_email_failures", "Failed email attempts (smtp.failed, email.failed).",
                           EMAIL_FAILURE_KINDS, slugs)
        yield from self._alerts(slugs)

    @staticmethod
    def _chains(slugs):
        length = GaugeMetricFamily("trailproof_chain_length", "Events ever chained (the head's seq).",
                                   labels=["organization"])
        for organization_id, seq in ChainHead.objects.values_list("organization_id", "seq"):
            length.add_metric([slugs.get(organization_id, str(organization_id))], seq)
        yield length

    @staticmethod
    def _integrity():
        now = time.time()
        age = GaugeMetricFamily("trailproof_integrity_last_success_age_seconds",
                                "Seconds since the chain last verified intact.", labels=["organization"])
        last_ok = GaugeMetricFamily("trailproof_integrity_last_check_ok",
                                    "1 if the latest verification found the chain intact, else 0.",
                                    labels=["organization"])
        checks = IntegrityCheck.objects.filter(organization=OuterRef("pk")).order_by("-checked_at")
        organizations = Organization.objects.annotate(
            latest=Subquery(checks.values("status")[:1]),
            last_ok=Subquery(checks.filter(status=IntegrityCheck.Status.OK).values("checked_at")[:1]))
        for slug, latest, last_success in organizations.values_list("slug", "latest", "last_ok"):
            if last_success is not None:
                age.add_metric([slug], now - last_success.timestamp())
            if latest is not None:
                last_ok.add_metric([slug], 1 if latest == IntegrityCheck.Status.OK else 0)
        yield age
        yield last_ok

    @staticmethod
    def _retention():
        """No purge exists yet: the oldest kept event against the policy shows whether purging keeps up."""
        now = time.time()
        oldest = GaugeMetricFamily("trailproof_retention_oldest_event_age_seconds",
                                   "Age of the oldest event kept.", labels=["organization"])
        policy = GaugeMetricFamily("trailproof_retention_policy_seconds", "The retention period.",
                                   labels=["organization"])
        earliest = (AuditEvent.objects.filter(organization=OuterRef("pk")).order_by("occurred_at", "seq")
                    .values("occurred_at")[:1])
        for slug, days, first in Organization.objects.annotate(first=Subquery(earliest)).values_list(
                "slug", "retention_days", "first"):
            policy.add_metric([slug], days * 86400)
            if first is not None:
                oldest.add_metric([slug], now - first.timestamp())
        yield oldest
        yield policy

    @staticmethod
    def _webhooks(slugs):
        backlog = GaugeMetricFamily("trailproof_webhook_backlog", "Webhook deliveries not yet delivered.",
                                    labels=["organization"])
        pending = (WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).values("organization_id")
                   .annotate(n=Count("id")))
        for row in pending:
            backlog.add_metric([slugs.get(row["organization_id"], str(row["organization_id"]))], row["n"])
        yield backlog
        yield _log_counter("trailproof_webhook_failures", "Failed webhook attempts and abandoned deliveries.",
                           WEBHOOK_FAILURE_KINDS, slugs)

    @staticmethod
    def _alerts(slugs):
        gauge = GaugeMetricFamily("trailproof_alerts_open", "Alerts not yet acknowledged.",
                                  labels=["organization", "severity"])
        rows = (Alert.objects.filter(acknowledged_at__isnull=True).values("organization_id", "severity")
                .annotate(n=Count("id")))
        for row in rows:
            gauge.add_metric([slugs.get(row["organization_id"], str(row["organization_id"])), row["severity"]],
                             row["n"])
        yield gauge


def _log_counter(name, documentation, kinds, slugs):
    counter = CounterMetricFamily(name, documentation, labels=["organization", "kind"])
    rows = (SystemLogEntry.objects.filter(kind__in=kinds).values("organization_id", "kind")
            .annotate(n=Count("id")))
    for row in rows:
        counter.add_metric([slugs.get(row["organization_id"], str(row["organization_id"])), row["kind"]], row["n"])
    return counter
