"""Keeps the activity projections in step with the trail, inside the recording transaction.

`project_events` folds new events, in seq order, into the runs, tasks, blueprints and versions they
describe: one read and one upsert per table per recorded batch. The recording transaction holds the
organization's chain-head lock, so no other writer folds into the same rows meanwhile. The rebuild
command feeds the whole trail through this same function, so a rebuild equals what live recording built.
"""
from audit.canonical import format_timestamp
from audit.catalog import Summary, spec_for

from .models import Blueprint, BlueprintVersion, Participant, Run, Task

# What the events say about a run's status and a task's state (data, not branches).
RUN_STATUS = {"run.started": "active", "run.launched": "active", "run.completed": "completed",
              "run.cancelled": "cancelled"}
RUN_STARTS = {"run.started", "run.launched"}
RUN_ENDS = {"run.completed", "run.cancelled"}
TASK_STATE = {"task.assigned": "assigned", "task.started": "in progress", "task.completed": "completed",
              "task.reopened": "reopened"}
PUBLISH_ACTIONS = {"blueprint.published"}
ASSIGN_ACTIONS = {"task.assigned"}


def project_events(organization, rows) -> None:
    """Fold `rows` (AuditEvents of one organization, in seq order, actors loaded) into the projections."""
    runs = _existing(Run, organization, "run_id", {row.run_id for row in rows if row.run_id})
    tasks = _existing(Task, organization, "task_id", {row.task_id for row in rows if row.task_id})
    blueprints = _existing(Blueprint, organization, "blueprint_id",
                           {row.blueprint_id for row in rows if row.blueprint_id})
    known_tasks = set(tasks)
    participants: dict[tuple[str, str], tuple[str, str]] = {}
    versions: dict[tuple[str, int], BlueprintVersion] = {}
    for row in rows:
        if row.blueprint_id:
            _fold_blueprint(_get(blueprints, Blueprint, organization, "blueprint_id", row), row, versions)
        if row.task_id:
            _fold_task(_get(tasks, Task, organization, "task_id", row), row, participants)
        if row.run_id:
            _fold_run(_get(runs, Run, organization, "run_id", row), row, participants)
    for task_id in set(tasks) - known_tasks:
        run = runs.get(tasks[task_id].run_id)
        if run is not None:
            run.task_count += 1
    _upsert(Blueprint, blueprints.values(), "blueprint_id")
    _upsert(Task, tasks.values(), "task_id")
    _upsert(Run, runs.values(), "run_id")
    if versions:
        BlueprintVersion.objects.bulk_create(
            versions.values(), update_conflicts=True, unique_fields=["organization", "blueprint_id", "version"],
            update_fields=[f.name for f in BlueprintVersion._meta.concrete_fields
                           if f.name not in ("id", "organization", "blueprint_id", "version")])
    if participants:
        Participant.objects.bulk_create(
            [Participant(organization=organization, run_id=run_id, actor_id=actor_id, actor_kind=kind, name=name)
             for (run_id, actor_id), (kind, name) in participants.items()], ignore_conflicts=True)


def _existing(model, organization, key: str, ids: set) -> dict:
    if not ids:
        return {}
    return {getattr(obj, key): obj for obj in model.objects.filter(organization=organization, **{f"{key}__in": ids})}


def _get(found: dict, model, organization, key: str, row):
    ident = getattr(row, key)
    obj = found.get(ident)
    if obj is None:
        obj = found[ident] = model(organization=organization, first_activity_at=row.occurred_at,
                                   last_activity_at=row.occurred_at, **{key: ident})
    return obj


def _upsert(model, objs, key: str) -> None:
    objs = list(objs)
    if not objs:
        return
    for obj in objs:  # one INSERT .. ON CONFLICT for new and known rows alike
        obj.pk = None
    fixed = ("id", "organization", key)
    model.objects.bulk_create(objs, update_conflicts=True, unique_fields=["organization", key],
                              update_fields=[f.name for f in model._meta.concrete_fields if f.name not in fixed])


def _touch(obj, row) -> None:
    obj.first_activity_at = min(obj.first_activity_at, row.occurred_at)
    obj.last_activity_at = max(obj.last_activity_at, row.occurred_at)
    obj.event_count += 1


def _participate(participants, run_id, row) -> None:
    actor = row.actor
    participants[(run_id, actor.external_id)] = (actor.kind, actor.name)


def assignee_of(row) -> tuple[str, str] | None:
    """The person a task was assigned to: its user target, or the `assignee` change."""
    for target in row.targets or ():
        if target.get("type") == "user":
            return target["id"], target.get("name") or ""
    change = (row.changes or {}).get("assignee")
    if isinstance(change, dict) and isinstance(change.get("after"), str):
        return change["after"], ""
    return None


def _fold_run(run, row, participants) -> None:
    _touch(run, row)
    run.name = (row.run or {}).get("name") or run.name
    if row.blueprint:
        run.blueprint_id = row.blueprint_id
        run.blueprint_name = row.blueprint.get("name") or run.blueprint_name
        run.blueprint_version = row.blueprint.get("version") or run.blueprint_version
    status = RUN_STATUS.get(row.action)
    if status:
        run.status = status
    if row.action in RUN_STARTS:
        run.started_at = min(run.started_at, row.occurred_at) if run.started_at else row.occurred_at
    if row.action in RUN_ENDS:
        run.completed_at = row.occurred_at
    _participate(participants, run.run_id, row)


def _fold_task(task, row, participants) -> None:
    _touch(task, row)
    task.name = (row.task or {}).get("name") or task.name
    task.run_id = row.run_id or task.run_id
    status = (row.changes or {}).get("status")
    state = status.get("after") if isinstance(status, dict) and isinstance(status.get("after"), str) else None
    task.state = state or TASK_STATE.get(row.action) or task.state
    if row.action == "task.completed":
        task.completed_at = row.occurred_at
    elif row.action == "task.reopened":
        task.completed_at = None
    if row.action in ASSIGN_ACTIONS:
        assignee = assignee_of(row)
        if assignee:
            task.assignee_id, task.assignee_name = assignee
            if row.run_id:
                participants.setdefault((row.run_id, assignee[0]), ("user", assignee[1]))


def _fold_blueprint(blueprint, row, versions) -> None:
    _touch(blueprint, row)
    blueprint.name = (row.blueprint or {}).get("name") or blueprint.name
    if spec_for(row.action).summary == Summary.DRAFT_EDITS or (row.changes and row.action in PUBLISH_ACTIONS):
        _merge_draft_edit(blueprint, row)
    if row.action in PUBLISH_ACTIONS:
        version = _publish(blueprint, row)
        versions[(blueprint.blueprint_id, version.version)] = version


def _merge_draft_edit(blueprint, row) -> None:
    pending = blueprint.pending or {"count": 0, "editors": [], "changes": {}}
    if row.action not in PUBLISH_ACTIONS:
        moment = format_timestamp(row.occurred_at)
        pending["count"] += 1
        pending.setdefault("first_at", moment)
        pending.setdefault("first_seq", row.seq)
        pending["last_at"], pending["last_seq"] = moment, row.seq
        if not any(editor["id"] == row.actor.external_id for editor in pending["editors"]):
            pending["editors"].append({"id": row.actor.external_id, "name": row.actor.name})
    for name, change in (row.changes or {}).items():
        merged = pending["changes"].setdefault(name, {"before": change.get("before")})
        merged["after"] = change.get("after")
        blueprint.fields = {**blueprint.fields, name: change.get("after")}
    blueprint.pending = pending


def _publish(blueprint, row) -> BlueprintVersion:
    pending = blueprint.pending or {}
    number = (row.blueprint or {}).get("version") or (blueprint.latest_version or 0) + 1
    version = BlueprintVersion(
        organization_id=blueprint.organization_id, blueprint_id=blueprint.blueprint_id, version=number,
        published_at=row.occurred_at, published_by=row.actor.external_id, published_by_name=row.actor.name,
        event_seq=row.seq, draft_edit_count=pending.get("count", 0), editors=pending.get("editors", []),
        first_edit_at=pending.get("first_at"), last_edit_at=pending.get("last_at"),
        first_edit_seq=pending.get("first_seq"), last_edit_seq=pending.get("last_seq"),
        changes=pending.get("changes", {}), snapshot=dict(blueprint.fields))
    blueprint.latest_version = max(number, blueprint.latest_version or 0)
    blueprint.published_at = row.occurred_at
    blueprint.pending = {}
    return version


def on_events_chained(sender, *, organization, events, **kwargs) -> None:
    project_events(organization, events)
