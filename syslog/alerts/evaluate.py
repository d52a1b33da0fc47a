"""Evaluating alert rules: occurrences ("hits") from recorded events or the scheduled jobs, counted, compared
with each organization's rules, and raised as alerts."""
import logging
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Alert, WorkingHours
from .counters import add_and_count
from .raising import Firing, raise_alerts
from .rules import RuleConfig, rule_configs

logger = logging.getLogger("trailproof.alerts")


@dataclass(frozen=True)
class Hit:
    """One occurrence a rule watches: `subject` is what is counted (an account, an address, the organization)."""

    rule: str
    subject: str
    label: str = ""
    value: int = 1
    at: datetime | None = None
    details: dict = field(default_factory=dict, hash=False, compare=False)


def evaluate(organization_id: int, hits: list[Hit], *, now=None) -> list[Alert]:
    """Counts the hits and raises (or folds) the alerts the organization's enabled rules call for."""
    now = now or timezone.now()
    configs = rule_configs(organization_id)
    grouped: dict[tuple[str, str], list[Hit]] = {}
    for hit in hits:
        grouped.setdefault((hit.rule, hit.subject), []).append(hit)
    firing = []  # (config, subject, hits, count)
    counted = []
    for (rule, subject), group in grouped.items():
        config = configs[rule]
        group = _qualifying(organization_id, config, group, now) if config.enabled else []
        if not group:
            continue
        if config.spec.trigger == "count":
            counted.append((config, subject, group))
        else:
            firing.append((config, subject, group, len(group)))
    counts = add_and_count([(f"{organization_id}:{c.key}:{s}", c.window_minutes, len(g)) for c, s, g in counted],
                           now=now) if counted else []
    firing += [(c, s, g, n) for (c, s, g), n in zip(counted, counts, strict=True) if n >= c.threshold]
    return raise_alerts(organization_id, [_firing(*fired) for fired in firing], now=now)


def _qualifying(organization_id, config: RuleConfig, group, now) -> list[Hit]:
    # Events that happened before the window (a backfill, an imported history) describe no current attack.
    recent_since = now - timedelta(minutes=config.window_minutes)
    group = [hit for hit in group if hit.at is None or hit.at >= recent_since]
    condition = CONDITIONS.get(config.key)
    if condition is not None:
        group = [hit for hit in group if condition(organization_id, hit)]
    if config.spec.trigger == "value":
        group = [hit for hit in group if hit.value >= config.threshold]
    return group


def _firing(config: RuleConfig, subject, group, count) -> Firing:
    last = group[-1]
    message = config.spec.message.format(count=count, label=last.label, window=config.window_minutes,
                                         value=last.value)
    details = {**last.details, **({"value": last.value} if config.spec.trigger == "value" else {})}
    return Firing(config, subject, count, len(group), message, details)


def outside_working_hours(organization_id: int, hit: Hit) -> bool:
    hours = WorkingHours.objects.filter(organization_id=organization_id).first() or WorkingHours()
    try:
        zone = zoneinfo.ZoneInfo(hours.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = (hit.at or timezone.now()).astimezone(zone)
    return local.isoweekday() not in hours.weekdays or not hours.starts_at <= local.time() < hours.ends_at


CONDITIONS = {"export.after_hours": outside_working_hours}


def evaluate_safely(organization_id: int, hits: list[Hit]) -> None:
    """For callers that must never fail because alerting did (after a commit, inside a job)."""
    try:
        evaluate(organization_id, hits)
    except Exception:
        logger.exception("Could not evaluate alert rules for organization %s", organization_id)
