"""Writes about alerts: acknowledging one, changing a rule or the working hours; each recorded in the trail."""
import zoneinfo

from django.db import transaction
from django.utils import timezone

from audit.acting import Acting
from audit.services.recording import record_action
from audit.validation import text_problem

from ..models import Alert, AlertRuleSetting, WorkingHours
from .rules import RULES_BY_KEY, bounds_problem, rule_configs
from .selectors import working_hours_of

MAX_NOTE = 1000


class AlertError(ValueError):
    """Refused input, with a message for the person who sent it."""


def acknowledge_alert(*, organization, alert_id: int, note: str, user, acting: Acting) -> Alert:
    """Closes an open alert with a note; `alert.acknowledged` is recorded in the organization's trail."""
    note = (note or "").strip()
    if not note or len(note) > MAX_NOTE:
        raise AlertError(f"Write a note of 1 to {MAX_NOTE} characters: what was found, what was done.")
    if text_problem(note):
        raise AlertError(f"The note: {text_problem(note)}")
    with transaction.atomic(), transaction.atomic(using="syslog"):
        alert = Alert.objects.select_for_update().filter(organization_id=organization.pk, pk=alert_id).first()
        if alert is None:
            raise AlertError("No such alert in this organization.")
        if alert.acknowledged_at is not None:
            raise AlertError(f"This alert was already acknowledged by {alert.acknowledged_by}.")
        alert.acknowledged_at, alert.acknowledged_by_id = timezone.now(), user.pk
        alert.acknowledged_by, alert.acknowledgement_note = user.get_full_name()[:200], note
        alert.save(update_fields=["acknowledged_at", "acknowledged_by_id", "acknowledged_by",
                                  "acknowledgement_note"])
        record_action(organization, "alert.acknowledged", acting, reason=note[:500],
                      targets=[{"type": "alert", "id": f"alert:{alert.pk}", "name": alert.message[:200]}],
                      metadata={"rule": alert.rule, "severity": alert.severity, "count": alert.count,
                                "raised_at": alert.raised_at.isoformat()})
    return alert


def update_rule(*, organization, key: str, enabled: bool, threshold: int | None, window_minutes: int,
                acting: Acting) -> dict:
    """Sets an organization's values for one rule, within the catalog's bounds; returns what changed."""
    spec = RULES_BY_KEY.get(key)
    if spec is None:
        raise AlertError(f"Unknown alert rule {key!r}.")
    threshold = threshold if spec.threshold is not None else None
    problem = bounds_problem(spec, enabled=enabled, threshold=threshold, window_minutes=window_minutes)
    if problem:
        raise AlertError(problem)
    current = rule_configs(organization.pk)[key]
    after = {"enabled": enabled, "threshold": threshold, "window_minutes": window_minutes}
    changes = {f"alert_rules.{key}.{name}": {"before": getattr(current, name), "after": value}
               for name, value in after.items() if getattr(current, name) != value}
    if changes:
        with transaction.atomic():
            AlertRuleSetting.objects.update_or_create(organization=organization, rule=key,
                                                      defaults={**after, "updated_at": timezone.now()})
            record_action(organization, "settings.changed", acting, changes=changes,
                          targets=[{"type": "alert_rule", "id": key, "name": spec.title}])
    return changes


def update_working_hours(*, organization, time_zone: str, starts_at, ends_at, weekdays: list[int],
                         acting: Acting) -> dict:
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise AlertError(f"Unknown time zone {time_zone!r}; use a name like Europe/Berlin.") from None
    if starts_at >= ends_at:
        raise AlertError("The working day must start before it ends.")
    weekdays = sorted(set(weekdays))
    if not weekdays or not set(weekdays) <= set(range(1, 8)):
        raise AlertError("Choose at least one working day.")
    hours = working_hours_of(organization)
    after = {"time_zone": time_zone, "starts_at": starts_at, "ends_at": ends_at, "weekdays": weekdays}
    changes = {f"working_hours.{name}": {"before": _plain(getattr(hours, name)), "after": _plain(value)}
               for name, value in after.items() if getattr(hours, name) != value}
    if changes:
        with transaction.atomic():
            WorkingHours.objects.update_or_create(organization=organization, defaults=after)
            record_action(organization, "settings.changed", acting, changes=changes,
                          targets=[{"type": "organization", "id": organization.slug, "name": organization.name}])
    return changes


def _plain(value):
    return value.strftime("%H:%M") if hasattr(value, "strftime") else value
