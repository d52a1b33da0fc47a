"""Raising alerts: one `alert.raised` entry in the system log store each, repeats within the window folded in.

Written to the system log database in its own transaction, so an alert about the main store failing survives.
The email and the webhook notice are queued when that transaction has committed. Folding is the frequent case
during an attack (every further failed sign-in of a batch): on PostgreSQL all of a batch's folds are one call of a
database function (one UPDATE, planned once per connection), committed without waiting for the disk. Concurrent
evaluations of the same rule and subject take turns (an advisory lock), so a burst seen by two processes at once
is one alert.
"""
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.db import connections, transaction
from django.db.models import F, Subquery

from ..models import Alert
from ..services import log_system_event
from .notify import notify_alert
from .rules import RuleConfig


@dataclass(frozen=True)
class Firing:
    """A rule that fired for a subject: `count` describes a new alert, `added` raises an open one's count."""

    config: RuleConfig
    subject: str
    count: int
    added: int
    message: str
    details: dict

    @property
    def key(self) -> tuple[str, str]:
        return self.config.key, self.subject[:200]


def raise_alerts(organization_id: int, firings: list[Firing], *, now) -> list[Alert]:
    """New alerts, or the open ones for the same rule and subject seen within their window, counts raised."""
    if not firings:
        return []
    if connections["syslog"].vendor != "postgresql":  # SQLite: one writer at a time
        folded = _fold_each(organization_id, firings, now)
        return [folded.get(firing.key) or _create(organization_id, firing, now) for firing in firings]
    folded = _fold_all_on_postgresql(organization_id, firings, now)  # usually all of them, in one round trip
    new = [firing for firing in firings if firing.key not in folded]
    if new:
        with transaction.atomic(using="syslog"):
            # Under the subjects' locks until the new alerts commit; another process may have raised one meanwhile.
            folded.update(_fold_all_on_postgresql(organization_id, new, now))
            with connections["syslog"].cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO ON")  # a new alert is kept whatever happens
            folded.update({firing.key: _create(organization_id, firing, now)
                           for firing in new if firing.key not in folded})
    return [folded[firing.key] for firing in firings]


def _subject_locks(organization_id, firings) -> list[int]:
    return sorted({int.from_bytes(hashlib.blake2b(f"alert:{organization_id}:{rule}:{subject}".encode(),
                                                  digest_size=8).digest(), "big", signed=True)
                   for rule, subject in (firing.key for firing in firings)})


def _create(organization_id, firing: Firing, now) -> Alert:
    config = firing.config
    with transaction.atomic(using="syslog"):
        entry = log_system_event(
            organization_id=organization_id, kind="alert.raised", severity=config.spec.severity,
            message=firing.message, details={"rule": config.key, "count": firing.count,
                                             "window_minutes": config.window_minutes, "subject": firing.subject,
                                             **firing.details})
        alert = Alert.objects.create(
            organization_id=organization_id, rule=config.key, subject=firing.subject[:200],
            severity=config.spec.severity, entry=entry, message=firing.message[:500], count=firing.count,
            window_minutes=config.window_minutes, raised_at=now, last_seen_at=now)
        transaction.on_commit(partial(notify_alert, alert.pk), using="syslog")
    return alert


def _open_within_window(organization_id, firing: Firing, now):
    return Alert.objects.filter(organization_id=organization_id, rule=firing.config.key,
                                subject=firing.subject[:200], acknowledged_at__isnull=True,
                                last_seen_at__gte=now - timedelta(minutes=firing.config.window_minutes))


def _fold_each(organization_id, firings, now) -> dict[tuple[str, str], Alert]:
    folded = {}
    for firing in firings:
        latest = _open_within_window(organization_id, firing, now).order_by("-last_seen_at").values("pk")[:1]
        if Alert.objects.filter(pk__in=Subquery(latest)).update(count=F("count") + firing.added, last_seen_at=now):
            folded[firing.key] = _open_within_window(organization_id, firing, now).order_by("-last_seen_at").first()
    return folded


def _fold_all_on_postgresql(organization_id, firings, now) -> dict[tuple[str, str], Alert]:
    """One call of trailproof_fold_alerts (syslog migration 0010): the subjects' locks and one UPDATE of the open
    alerts within their windows; the rows it returns say which were open."""
    fields = [field.attname for field in Alert._meta.concrete_fields]
    columns = ", ".join(field.column for field in Alert._meta.concrete_fields)
    keys = [firing.key for firing in firings]
    with connections["syslog"].cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM trailproof_fold_alerts(%s, %s, %s::bigint[], %s::text[], %s::text[], "  # noqa: S608
            "%s::integer[], %s::timestamptz[])",
            [organization_id, now, _subject_locks(organization_id, firings), [rule for rule, _ in keys],
             [subject for _, subject in keys], [firing.added for firing in firings],
             [now - timedelta(minutes=firing.config.window_minutes) for firing in firings]])
        alerts = [Alert.from_db("syslog", fields, row) for row in cursor.fetchall()]
    return {(alert.rule, alert.subject): alert for alert in alerts}
