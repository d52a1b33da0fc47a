"""Scoped reads of the activity history: who sees which runs, tasks and blueprints, written once."""
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.models import Actor, AuditEvent, Organization, Role
from audit.selectors import actor_labels, events_for

from .models import Blueprint, BlueprintVersion, Participant, Run, Task

# Managers, compliance officers and admins see every run of their organization; members the runs they took
# part in.
SEES_EVERY_RUN = frozenset({Role.MANAGER, Role.COMPLIANCE_OFFICER, Role.ADMIN})


@dataclass(frozen=True)
class Viewer:
    organization: Organization
    actor_ids: frozenset | None = None   # None: every run of the organization

    @property
    def sees_every_run(self) -> bool:
        return self.actor_ids is None


def viewer_for_member(user, membership) -> Viewer:
    """A person as their role lets them see: a member's own actor ids are their user's and linked actors'."""
    organization = membership.organization
    if membership.role in SEES_EVERY_RUN or user.is_superuser:
        return Viewer(organization)
    linked = Actor.objects.filter(organization=organization, user=user).values_list("external_id", flat=True)
    return Viewer(organization, frozenset({f"user:{user.pk}", *linked}))


def runs_for(viewer: Viewer) -> QuerySet[Run]:
    runs = Run.objects.filter(organization=viewer.organization)
    if viewer.sees_every_run:
        return runs
    # EXISTS per run, walked in the list's (last_activity_at) order: a page needs only its first matches.
    return runs.filter(Exists(Participant.objects.filter(organization=viewer.organization, run_id=OuterRef("run_id"),
                                                         actor_id__in=viewer.actor_ids)))


def run_for(viewer: Viewer, run_id: str) -> Run | None:
    return runs_for(viewer).filter(run_id=run_id).first()


def tasks_for(viewer: Viewer) -> QuerySet[Task]:
    tasks = Task.objects.filter(organization=viewer.organization)
    if viewer.sees_every_run:
        return tasks
    return tasks.filter(Q(run_id__in=runs_for(viewer).values("run_id")) | Q(assignee_id__in=viewer.actor_ids))


def task_for(viewer: Viewer, task_id: str) -> Task | None:
    return tasks_for(viewer).filter(task_id=task_id).first()


def tasks_of_run(run: Run) -> QuerySet[Task]:
    return Task.objects.filter(organization_id=run.organization_id, run_id=run.run_id)


def participants_of(run: Run) -> list[dict]:
    """Who took part, named as the actor directory knows them now (an erased person stays erased)."""
    rows = list(Participant.objects.filter(organization_id=run.organization_id, run_id=run.run_id)
                .order_by("actor_kind", "actor_id").values_list("actor_id", "actor_kind", "name"))
    labels = {(actor.kind, actor.external_id): actor.label
              for actor in actor_labels(run.organization_id, external_ids=[actor_id for actor_id, _, _ in rows])}
    return [{"id": actor_id, "kind": kind, "name": labels.get((kind, actor_id)) or name or actor_id}
            for actor_id, kind, name in rows]


def blueprints_for(viewer: Viewer) -> QuerySet[Blueprint]:
    """Blueprints are the organization's templates: everyone in it may read their history."""
    return Blueprint.objects.filter(organization=viewer.organization)


def blueprint_for(viewer: Viewer, blueprint_id: str) -> Blueprint | None:
    return blueprints_for(viewer).filter(blueprint_id=blueprint_id).first()


def versions_of(blueprint: Blueprint) -> QuerySet[BlueprintVersion]:
    return BlueprintVersion.objects.filter(organization_id=blueprint.organization_id,
                                           blueprint_id=blueprint.blueprint_id).order_by("-version")


def version_of(blueprint: Blueprint, number: int) -> BlueprintVersion | None:
    return versions_of(blueprint).filter(version=number).first()


def compare_versions(older: BlueprintVersion, newer: BlueprintVersion) -> list[dict]:
    """Every field of either version, with its value in each and whether it differs."""
    names = sorted(set(older.snapshot) | set(newer.snapshot))
    return [{"field": name, "a": older.snapshot.get(name), "b": newer.snapshot.get(name),
             "changed": older.snapshot.get(name) != newer.snapshot.get(name)} for name in names]


def merged_edits(version: BlueprintVersion) -> QuerySet[AuditEvent]:
    """The draft edits a publish merged, oldest first."""
    if version.first_edit_seq is None:
        return AuditEvent.objects.none()
    organization = Organization(pk=version.organization_id)
    return (events_for(organization).filter(blueprint_id=version.blueprint_id, action="blueprint.draft_edited",
                                            seq__gte=version.first_edit_seq, seq__lte=version.last_edit_seq)
            .order_by("seq"))


def activity_events(organization: Organization) -> QuerySet[AuditEvent]:
    """The events activity timelines show: those within the organization's activity period (its retention
    policy); older ones stay in the audit trail until its own period ends."""
    since = timezone.now() - timedelta(days=organization.activity_retention_days)
    return events_for(organization).filter(occurred_at__gte=since)


def run_events(run: Run) -> QuerySet[AuditEvent]:
    return activity_events(run.organization).filter(run_id=run.run_id)


def task_events(task: Task) -> QuerySet[AuditEvent]:
    return activity_events(task.organization).filter(task_id=task.task_id)


def blueprint_timeline(blueprint: Blueprint) -> QuerySet[AuditEvent]:
    """Every event of the blueprint itself (runs launched from it carry it too, and are left out)."""
    return activity_events(blueprint.organization).filter(blueprint_id=blueprint.blueprint_id,
                                                          run_id__isnull=True)


def blueprint_events(blueprint: Blueprint) -> QuerySet[AuditEvent]:
    """The blueprint's events for its activity tab: draft edits already merged show inside their version."""
    events = blueprint_timeline(blueprint)
    merged_through = versions_of(blueprint).exclude(last_edit_seq=None).values_list("last_edit_seq", flat=True)
    last = max(merged_through, default=None)
    if last is not None:
        events = events.exclude(action="blueprint.draft_edited", seq__lte=last)
    return events


def visible_events(viewer: Viewer) -> QuerySet[AuditEvent]:
    """Events of runs the viewer can see (the activity stream)."""
    events = events_for(viewer.organization).filter(run_id__isnull=False)
    if viewer.sees_every_run:
        return events
    return events.filter(run_id__in=runs_for(viewer).values("run_id"))
