"""Reads of the audit store, always scoped to one organization: isolation is written here, once."""
from collections import Counter
from typing import NamedTuple

from django.db.models import Count, DateField, F, Q, QuerySet
from django.db.models.functions import Trunc
from django.utils import timezone

from .documents import ActorRow
from .events import answers, integrity_alarms_requested
from .filters import EventFilter
from .models import Actor, AuditEvent, IntegrityCheck, LegalHold, Membership, Organization, RetentionReceipt, Role
from .models.tenancy import INVESTIGATOR_ROLES
from .people import person_label
from .replica import reading_from_replica


def membership_of(user, organization: Organization) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organization=organization).first()


def organizations_visible_to(user) -> QuerySet[Organization]:
    """Superusers see every organization; everyone else only those where they investigate."""
    if user.is_superuser:
        return Organization.objects.filter(deleted_at__isnull=True)
    return Organization.objects.filter(memberships__user=user, memberships__role__in=INVESTIGATOR_ROLES,
                                       deleted_at__isnull=True)


def administers(user, organization_id) -> bool:
    """Superusers, and admins of that organization, may change it, its members and its keys."""
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, organization_id=organization_id, role=Role.ADMIN).exists()


def events_for(organization: Organization) -> QuerySet[AuditEvent]:
    # Through the related manager, each event gets this very organization object: no join, no copy per row.
    # An event needs only the actor's id and personal data: its tallies are four conversions a row for nothing.
    return organization.audit_events.select_related("actor").defer(
        "actor__created_at", "actor__first_seen", "actor__last_seen", "actor__event_count", "actor__user")


def application_records(organization: Organization, *actions: str) -> QuerySet[AuditEvent]:
    """Events of these actions that the application recorded about itself (exports, purges, holds...).

    The application always records as the actor that acts (a member `user:<pk>`, a key `api_key:<prefix>`, a
    command `system:<name>`, or the bot from a job), so its records name their actor in `recorded_via`; an
    ingested event is recorded via its key whatever actor it names, and ingest refuses the reserved actions.
    """
    return events_for(organization).filter(action__in=actions).filter(
        Q(actor__external_id=F("recorded_via")) | Q(actor_kind="bot", recorded_via__startswith="system:"))


def event_for(organization: Organization, pk) -> AuditEvent | None:
    return events_for(organization).filter(pk=pk).first()


def filtered_events(organization: Organization, params) -> EventFilter:
    """A bound filter over the organization's events; check `.is_valid()`, then read `.qs`."""
    return EventFilter(params, queryset=events_for(organization), organization=organization)


def actors_for(organization: Organization, q: str = "") -> QuerySet[Actor]:
    actors = Actor.objects.filter(organization=organization)
    if q:
        actors = actors.filter(Q(external_id__istartswith=q) | Q(name__icontains=q))
    # Name order is served by the (organization, name) index and stays put while actors keep acting, so
    # offset pages neither skip nor repeat; the tallies themselves carry no index (they change every batch).
    return reading_from_replica(actors.order_by("name", "pk"))


def recently_active_actors(organization: Organization, *, kinds: list[str], limit: int) -> list[Actor]:
    """Actors of these kinds seen in the organization's latest events, most recent first."""
    latest = (AuditEvent.objects.filter(organization=organization, actor_kind__in=kinds)
              .order_by("-occurred_at", "-seq").values_list("actor_id", flat=True)[:limit * 20])
    ids = list(dict.fromkeys(latest))[:limit]
    found = Actor.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


class ActorLabel(NamedTuple):
    external_id: str
    kind: str
    label: str


def actor_labels(organization_id: int, *, external_ids=None, kinds=None, limit: int | None = None) -> list[ActorLabel]:
    """Actors as a list shows them (by name; an erased person by pseudonym), read as rows: pages list hundreds of
    people, and a model instance each cost more than the rest of the page's reads."""
    actors = Actor.objects.filter(organization_id=organization_id)
    if kinds is not None:
        actors = actors.filter(kind__in=kinds)
    if external_ids is not None:
        actors = actors.filter(external_id__in=external_ids)
    rows = actors.order_by("name", "pk").values_list("pk", "organization_id", "external_id", "name", "email",
                                                     "erased_at", "kind")
    return [ActorLabel(row[2], row[-1], person_label(ActorRow(*row[:-1]))) for row in rows[:limit]]


def actor_for(organization: Organization, pk) -> Actor | None:
    return Actor.objects.filter(organization=organization, pk=pk).first()


def bot_of(organization: Organization) -> Actor:
    return Actor.objects.get(organization=organization, kind="bot")


def latest_integrity_check(organization: Organization) -> IntegrityCheck | None:
    return IntegrityCheck.objects.filter(organization=organization).order_by("-checked_at").first()


def last_successful_check(organization: Organization) -> IntegrityCheck | None:
    return (IntegrityCheck.objects.filter(organization=organization, status=IntegrityCheck.Status.OK)
            .order_by("-checked_at").first())


def integrity_alarms(organization: Organization) -> list[dict]:
    """The open alarms about the organization's chain, from whoever keeps them (integrity_alarms_requested)."""
    alarms = answers(integrity_alarms_requested, "integrity alarms", organization=organization)
    return sorted(alarms, key=lambda alarm: alarm["raised_at"], reverse=True)


def actor_activity(events: QuerySet[AuditEvent], *, automations: bool = False, bucket: str = "day") -> dict:
    """Counts by action and outcome, per `bucket` (day, week, month, year: its first day, in the current time
    zone) and (for the bot) per automation, in one pass over the events."""
    keys = ["day", "action", "outcome"]
    if automations:
        keys += ["automation__id", "automation__name", "automation__trigger"]
    start = Trunc("occurred_at", bucket, output_field=DateField(), tzinfo=timezone.get_current_timezone())
    rows = reading_from_replica(events).order_by().annotate(day=start).values(*keys).annotate(n=Count("pk"))
    by_action, daily, failures, by_automation = Counter(), Counter(), Counter(), Counter()
    for row in rows:
        by_action[(row["action"], row["outcome"])] += row["n"]
        daily[row["day"]] += row["n"]
        if row["outcome"] == "failure":
            failures[row["day"]] += row["n"]
        if automations and row["automation__id"] is not None:
            by_automation[(row["automation__id"], row["automation__name"], row["automation__trigger"])] += row["n"]
    return {
        "by_action": [{"action": a, "outcome": o, "n": n}
                      for (a, o), n in sorted(by_action.items(), key=lambda item: (-item[1], item[0]))],
        "daily": [{"day": day, "n": n, "failures": failures[day]} for day, n in sorted(daily.items())],
        "automations": [{"automation__id": i, "automation__name": name, "automation__trigger": trigger, "n": n}
                        for (i, name, trigger), n in by_automation.most_common()],
    }


def event_by_seq(organization: Organization, seq: int) -> AuditEvent | None:
    return events_for(organization).filter(seq=seq).first()


def latest_receipts(organization: Organization) -> QuerySet[RetentionReceipt]:
    """The organization's deletion receipts, newest first."""
    return RetentionReceipt.objects.filter(organization=organization).order_by("-purged_at", "-id")


def legal_holds_of(organization: Organization) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(organization=organization).select_related("actor").order_by("-placed_at")


def active_holds(organization: Organization) -> QuerySet[LegalHold]:
    return legal_holds_of(organization).filter(released_at__isnull=True)
