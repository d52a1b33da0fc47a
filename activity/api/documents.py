"""The JSON shapes of the activity projections (contract §7)."""
from audit.canonical import format_timestamp

from ..models import Participant


def _when(moment):
    return format_timestamp(moment) if moment else None


def participants_by_run(runs) -> dict[str, list[str]]:
    """Each run's participant actor ids, for a page of runs in one query."""
    found: dict[str, list[str]] = {run.run_id: [] for run in runs}
    if runs:
        rows = (Participant.objects.filter(organization_id=runs[0].organization_id, run_id__in=list(found))
                .order_by("actor_id").values_list("run_id", "actor_id"))
        for run_id, actor_id in rows:
            found[run_id].append(actor_id)
    return found


def run_document(run, participants: list[str]) -> dict:
    return {
        "id": run.run_id, "name": run.name or None,
        "blueprint": {"id": run.blueprint_id, "name": run.blueprint_name or None, "version": run.blueprint_version}
        if run.blueprint_id else None,
        "status": run.status or None, "started_at": _when(run.started_at), "completed_at": _when(run.completed_at),
        "participants": participants, "task_count": run.task_count, "event_count": run.event_count,
        "last_activity_at": _when(run.last_activity_at),
    }


def task_document(task) -> dict:
    return {
        "id": task.task_id, "name": task.name or None, "run": task.run_id or None, "state": task.state or None,
        "assignee": {"id": task.assignee_id, "name": task.assignee_name or None} if task.assignee_id else None,
        "completed_at": _when(task.completed_at), "event_count": task.event_count,
        "first_activity_at": _when(task.first_activity_at), "last_activity_at": _when(task.last_activity_at),
    }


def blueprint_document(blueprint) -> dict:
    return {
        "id": blueprint.blueprint_id, "name": blueprint.name or None, "latest_version": blueprint.latest_version,
        "published_at": _when(blueprint.published_at), "draft_edits_pending": (blueprint.pending or {}).get("count", 0),
        "event_count": blueprint.event_count, "last_activity_at": _when(blueprint.last_activity_at),
    }


def version_document(version) -> dict:
    return {
        "version": version.version, "published_at": _when(version.published_at), "published_by": version.published_by,
        "published_by_name": version.published_by_name or None, "draft_edit_count": version.draft_edit_count,
        "editors": [editor["id"] for editor in version.editors],
        "editor_names": [editor.get("name") or editor["id"] for editor in version.editors],
        "period": {"from": version.first_edit_at and _when(version.first_edit_at),
                   "to": version.last_edit_at and _when(version.last_edit_at)},
        "changes": version.changes, "event_seq": version.event_seq,
    }
