"""Reads of alerts and alert settings, always scoped to one organization."""
from django.db.models import QuerySet

from ..models import Alert, WorkingHours
from .rules import RuleConfig, rule_configs

HISTORY_LENGTH = 100


def open_alerts(organization, *, rule: str | None = None) -> QuerySet[Alert]:
    alerts = Alert.objects.filter(organization_id=organization.pk, acknowledged_at__isnull=True)
    return alerts.filter(rule=rule) if rule else alerts


def alert_history(organization) -> QuerySet[Alert]:
    """Acknowledged alerts, the latest acknowledgement first."""
    return (Alert.objects.filter(organization_id=organization.pk, acknowledged_at__isnull=False)
            .order_by("-acknowledged_at", "-id")[:HISTORY_LENGTH])


def alert_of(organization, pk) -> Alert | None:
    return Alert.objects.filter(organization_id=organization.pk, pk=pk).first()


def rules_of(organization) -> list[RuleConfig]:
    return list(rule_configs(organization.pk).values())


def working_hours_of(organization) -> WorkingHours:
    """The organization's working hours, or the defaults (unsaved) when it never set them."""
    return WorkingHours.objects.filter(organization=organization).first() or WorkingHours(organization=organization)
