"""Keeps the activity projections in step with the trail, inside the recording transaction.

`project_events` folds new events, in seq order, into per-batch deltas of the runs, tasks and participants
they describe, merged by one upsert per table (`activity.upserts`: one statement on PostgreSQL); blueprints,
rarer and carrying their pending draft merge, are read and written back. The recording transaction holds
the organization's chain-head lock, so no other writer folds into the same rows meanwhile. The rebuild
command feeds the whole trail through this same function, so a rebuild equals what live recording built.
"""
import re

from audit.canonical import format_timestamp
from audit.catalog import Summary, spec_for
from audit.people import person_name

from .models import Blueprint, BlueprintVersion, Participant, Task
from .upserts import merge_batch

# What the events say about a run's status and a task's state (data, not branches).
RUN_STATUS = {"run.started": "active", "run.launched": "active", "run.completed": "completed",
              "run.cancelled": "cancelled"}
RUN_STARTS = {"run.started", "run.launched"}
RUN_ENDS = {"run.completed", "run.cancelled"}
TASK_STATE = {"task.assigned": "assigned", "task.started": "in progress", "task.completed": "completed",
              "task.reopened": "reopened"}
PUBLISH_ACTIONS = {"blueprint.published"}
# Reads (task.viewed, document.downloaded, ...) change nothing: they show in the activity tabs, summarized as
# access patterns, but neither move a run up the list nor make the reader a participant.
READS = {"access"}
ASSIGN_ACTIONS = {"task.assigned"}


def project_events(organization, rows) -> None:
    """Fold `rows` (AuditEvents of one organization, in seq order, actors loaded) into the projections."""
    runs: dict[str, dict] = {}
    tasks: dict[str, dict] = {}
    participants: dict[tuple[str, str], tuple[str, str]] = {}
    blueprint_rows = []
    for row in rows:
        if spec_for(row.action).category in READS:
            continue
        if row.task_id:
            _fold_task(tasks, row, participants)
        if row.run_id:
            _fold_run(runs, row, participants)
        if row.blueprint_id and not row.run_id:  # a run's events name its blueprint, but are the run's history
            blueprint_rows.append(row)
    for task in tasks.values():  # completed_at is kept while the task is completed
        if task["state"] and task["state"] != "completed":
            task["completed_at"] = None
    if blueprint_rows:
        _project_blueprints(organization, blueprint_rows)
    if tasks or runs:
        merge_batch(organization, list(tasks.values()), list(runs.values()), participants)


def _delta(found: dict, ident: str, row, **blank) -> dict:
    delta = found.get(ident)
    if delta is None:
        delta = found[ident] = {"id": ident, "first": row.occurred_at, "last": row.occurred_at, "count": 0, **blank}
    delta["first"], delta["last"] = min(delta["first"], row.occurred_at), max(delta["last"], row.occurred_at)
    delta["count"] += 1
    return delta


def _participate(participants, run_id, actor_id, kind, name) -> None:
    participants.setdefault((run_id, actor_id), (kind, name or ""))


def assignee_of(row) -> tuple[str, str] | None:
    """The person a task was assigned to: its user target, or the `assignee` change."""
    for target in row.targets or ():
        if target.get("type") == "user":
            return target["id"], target.get("name") or ""
    change = (row.changes or {}).get("assignee")
    if isinstance(change, dict) and isinstance(change.get("after"), str):
        return change["after"], ""
    return None


def _fold_run(runs, row, participants) -> None:
    run = _delta(runs, row.run_id, row, name="", blueprint_id="", blueprint_name="", blueprint_version=None,
                 status="", started_at=None, completed_at=None)
    run["name"] = (row.run or {}).get("name") or run["name"]
    if row.blueprint:
        run["blueprint_id"] = row.blueprint_id
        run["blueprint_name"] = row.blueprint.get("name") or run["blueprint_name"]
        run["blueprint_version"] = row.blueprint.get("version") or run["blueprint_version"]
    run["status"] = RUN_STATUS.get(row.action) or run["status"]
    if row.action in RUN_STARTS:
        run["started_at"] = min(run["started_at"], row.occurred_at) if run["started_at"] else row.occurred_at
    if row.action in RUN_ENDS:
        run["completed_at"] = row.occurred_at
    _participate(participants, row.run_id, row.actor.external_id, row.actor.kind, person_name(row.actor))


def _fold_task(tasks, row, participants) -> None:
    task = _delta(tasks, row.task_id, row, run_id="", name="", state="", assignee_id="", assignee_name="",
                  completed_at=None)
    task["name"] = (row.task or {}).get("name") or task["name"]
    task["run_id"] = row.run_id or task["run_id"]
    status = (row.changes or {}).get("status")
    state = status.get("after") if isinstance(status, dict) and isinstance(status.get("after"), str) else None
    task["state"] = state or TASK_STATE.get(row.action) or task["state"]
    if row.action == "task.completed":
        task["completed_at"] = row.occurred_at
    if row.action in ASSIGN_ACTIONS:
        assignee = assignee_of(row)
        if assignee:
            task["assignee_id"], task["assignee_name"] = assignee
            if row.run_id:
                _participate(participants, row.run_id, assignee[0], "user", assignee[1])


def _project_blueprints(organization, rows) -> None:
    """Blueprints carry the merge of their pending draft edits: read, folded in Python, written back."""
    blueprints = {bp.blueprint_id: bp for bp in Blueprint.objects.filter(
        organization=organization, blueprint_id__in={row.blueprint_id for row in rows})}
    versions: dict[tuple[str, int], BlueprintVersion] = {}
    for row in rows:
        blueprint = blueprints.get(row.blueprint_id)
        if blueprint is None:
            blueprint = blueprints[row.blueprint_id] = Blueprint(
                organization=organization, blueprint_id=row.blueprint_id, first_activity_at=row.occurred_at,
                last_activity_at=row.occurred_at)
        _fold_blueprint(blueprint, row, versions)
    for blueprint in blueprints.values():  # one INSERT .. ON CONFLICT for new and known rows alike
        blueprint.pk = None
    Blueprint.objects.bulk_create(
        blueprints.values(), update_conflicts=True, unique_fields=["organization", "blueprint_id"],
        update_fields=[f.name for f in Blueprint._meta.concrete_fields
                       if f.name not in ("id", "organization", "blueprint_id")])
    if versions:
        BlueprintVersion.objects.bulk_create(
            versions.values(), update_conflicts=True, unique_fields=["organization", "blueprint_id", "version"],
            update_fields=[f.name for f in BlueprintVersion._meta.concrete_fields
                           if f.name not in ("id", "organization", "blueprint_id", "version")])


def _fold_blueprint(blueprint, row, versions) -> None:
    blueprint.first_activity_at = min(blueprint.first_activity_at, row.occurred_at)
    blueprint.last_activity_at = max(blueprint.last_activity_at, row.occurred_at)
    blueprint.event_count += 1
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
            pending["editors"].append({"id": row.actor.external_id, "name": person_name(row.actor) or ""})
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
        published_at=row.occurred_at, published_by=row.actor.external_id,
        published_by_name=person_name(row.actor) or "",
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


PLAIN_ID = re.compile(r"[A-Za-z0-9 ._:@+-]+")


def on_person_erased(sender, *, organization, actor_id, pseudonym, **kwargs) -> None:
    """The projections' copies of an erased person's name become their pseudonym, as a rebuild would give."""
    Participant.objects.filter(organization=organization, actor_id=actor_id).exclude(name="").update(name=pseudonym)
    Task.objects.filter(organization=organization, assignee_id=actor_id).exclude(assignee_name="").update(
        assignee_name=pseudonym)
    BlueprintVersion.objects.filter(organization=organization, published_by=actor_id).update(
        published_by_name=pseudonym)
    # The database narrows to rows whose JSON text holds the id, when the id is written the same in any JSON
    # (no quote, backslash or non-ASCII to escape); Python then matches editors exactly.
    plain = PLAIN_ID.fullmatch(actor_id) is not None
    versions = BlueprintVersion.objects.filter(organization=organization)
    for version in versions.filter(editors__icontains=actor_id) if plain else versions:
        if _rename_editor(version.editors, actor_id, pseudonym):
            version.save(update_fields=["editors"])
    blueprints = Blueprint.objects.filter(organization=organization)
    for blueprint in blueprints.filter(pending__icontains=actor_id) if plain else blueprints:
        if _rename_editor((blueprint.pending or {}).get("editors", []), actor_id, pseudonym):
            blueprint.save(update_fields=["pending"])


def _rename_editor(editors: list, actor_id: str, pseudonym: str) -> bool:
    renamed = False
    for editor in editors:
        if editor.get("id") == actor_id and editor.get("name"):
            editor["name"], renamed = pseudonym, True
    return renamed
