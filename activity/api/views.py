"""The activity endpoints: runs, tasks, blueprints, their timelines, published versions and comparisons."""
import re

from django.db.models import Q
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from audit.api.pagination import decode_cursor, next_page_url, page_size_of
from audit.api.permissions import refuse
from audit.api.views import _utc_bounds
from audit.canonical import format_timestamp
from audit.periods import cursor_position
from audit.validation import text_problem

from ..feed import timeline_entry
from ..filters import RunFilter
from ..models import Blueprint, Run, Task
from ..selectors import (
    blueprint_for,
    blueprint_timeline,
    blueprints_for,
    compare_versions,
    participants_of,
    run_events,
    run_for,
    runs_for,
    task_events,
    task_for,
    version_of,
    versions_of,
)
from . import docs
from .access import ActivityView
from .documents import blueprint_document, participants_by_run, run_document, task_document, version_document

TIMELINE_PAGE, TIMELINE_MAX = 500, 1000
MAX_ID = 200  # as the projections store ids and names


def _bad_cursor():
    return ValidationError({"cursor": ["Not a cursor this endpoint issued."]})


def _position(params, kind: str):
    position = decode_cursor(params.get("cursor"))
    if position is None:
        return None
    try:
        if position.get("o") != kind:
            raise ValueError
        return cursor_position(position["t"], position["k"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise _bad_cursor() from None


def _next(request, kind, moment, key) -> str:
    return next_page_url(request, {"o": kind, "t": format_timestamp(moment), "k": key})


def _keys(params, kind: str, **types) -> dict | None:
    """A cursor of another shape than a time and a key: its fields, each of the type given (text as ids are)."""
    position = decode_cursor(params.get("cursor"))
    if position is None:
        return None
    values = [position.get(name) for name in types]
    if position.get("o") != kind or any(type(value) is not kind_of for value, kind_of in zip(values, types.values(),
                                                                                              strict=True)):
        raise _bad_cursor()
    if any(isinstance(value, str) and (len(value) > MAX_ID or text_problem(value)) for value in values):
        raise _bad_cursor()
    return position


def _missing(view, model, key: str, ident: str, what: str):
    """Another organization's object is refused (403, recorded); an unknown or unseen one is 404."""
    organization = view.organization()
    if len(ident) <= 200 and model.objects.filter(**{key: ident}).exclude(organization=organization).exists() \
            and not model.objects.filter(organization=organization, **{key: ident}).exists():
        refuse(view.request, f"{what}:{ident}"[:200], f"The {what} belongs to another organization.")
        raise PermissionDenied(f"This {what} belongs to another organization.")
    raise NotFound(f"No {what} with this id.")


def timeline(view, events, reference_key: str, reference) -> Response:
    """Events oldest first by (occurred_at, seq), cursor-paged; each with its sentence."""
    request = view.request
    size = page_size_of(request.query_params, default=TIMELINE_PAGE, maximum=TIMELINE_MAX)
    position = _position(request.query_params, "timeline")
    if position:
        moment, seq = position
        events = events.filter(Q(occurred_at__gt=moment) | Q(occurred_at=moment, seq__gt=seq))
    page = list(events.order_by("occurred_at", "seq")[: size + 1])
    next_url = _next(request, "timeline", page[size - 1].occurred_at, page[size - 1].seq) if len(page) > size \
        else None
    return Response({reference_key: reference, "results": [timeline_entry(e) for e in page[:size]],
                     "next": next_url})


class RunsView(ActivityView):
    @docs.list_runs
    def get(self, request):
        viewer = self.viewer()
        filters = RunFilter(_utc_bounds(request.query_params), queryset=runs_for(viewer),
                            organization=viewer.organization)
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        size, runs = page_size_of(request.query_params), filters.qs
        position = _position(request.query_params, "runs")
        if position:
            moment, pk = position
            runs = runs.filter(Q(last_activity_at__lt=moment) | Q(last_activity_at=moment, pk__lt=pk))
        page = list(runs.order_by("-last_activity_at", "-pk")[: size + 1])
        next_url = _next(request, "runs", page[size - 1].last_activity_at, page[size - 1].pk) if len(page) > size \
            else None
        page = page[:size]
        taking_part = participants_by_run(page)
        return Response({"results": [run_document(run, taking_part[run.run_id]) for run in page], "next": next_url})


class RunDetailView(ActivityView):
    @docs.run_detail
    def get(self, request, run_id):
        run = run_for(self.viewer(), run_id) or _missing(self, Run, "run_id", run_id, "run")
        return Response(run_document(run, [p["id"] for p in participants_of(run)]))


class RunActivityView(ActivityView):
    @docs.run_activity
    def get(self, request, run_id):
        run = run_for(self.viewer(), run_id) or _missing(self, Run, "run_id", run_id, "run")
        return timeline(self, run_events(run), "run", {"id": run.run_id, "name": run.name or None})


class TaskDetailView(ActivityView):
    @docs.task_detail
    def get(self, request, task_id):
        task = task_for(self.viewer(), task_id) or _missing(self, Task, "task_id", task_id, "task")
        return Response(task_document(task))


class TaskActivityView(ActivityView):
    @docs.task_activity
    def get(self, request, task_id):
        task = task_for(self.viewer(), task_id) or _missing(self, Task, "task_id", task_id, "task")
        return timeline(self, task_events(task), "task", {"id": task.task_id, "name": task.name or None})


class BlueprintsView(ActivityView):
    @docs.list_blueprints
    def get(self, request):
        size, blueprints = page_size_of(request.query_params), blueprints_for(self.viewer())
        position = _keys(request.query_params, "blueprints", n=str, b=str)
        if position:
            blueprints = blueprints.filter(Q(name__gt=position["n"]) | Q(name=position["n"],
                                                                          blueprint_id__gt=position["b"]))
        page = list(blueprints.order_by("name", "blueprint_id")[: size + 1])
        last = page[size - 1] if len(page) > size else None
        next_url = next_page_url(request, {"o": "blueprints", "n": last.name, "b": last.blueprint_id}) if last else None
        return Response({"results": [blueprint_document(b) for b in page[:size]], "next": next_url})


def _blueprint(view, blueprint_id):
    return blueprint_for(view.viewer(), blueprint_id) or _missing(view, Blueprint, "blueprint_id", blueprint_id,
                                                                  "blueprint")


class BlueprintDetailView(ActivityView):
    @docs.blueprint_detail
    def get(self, request, blueprint_id):
        return Response(blueprint_document(_blueprint(self, blueprint_id)))


class BlueprintActivityView(ActivityView):
    @docs.blueprint_activity
    def get(self, request, blueprint_id):
        blueprint = _blueprint(self, blueprint_id)
        return timeline(self, blueprint_timeline(blueprint), "blueprint",
                        {"id": blueprint.blueprint_id, "name": blueprint.name or None})


class BlueprintVersionsView(ActivityView):
    @docs.blueprint_versions
    def get(self, request, blueprint_id):
        blueprint = _blueprint(self, blueprint_id)
        size, versions = page_size_of(request.query_params), versions_of(blueprint)
        position = _keys(request.query_params, "versions", v=int)
        if position:
            versions = versions.filter(version__lt=min(max(position["v"], 0), 2**31))
        page = list(versions[: size + 1])
        next_url = next_page_url(request, {"o": "versions", "v": page[size - 1].version}) if len(page) > size else None
        return Response({"blueprint": {"id": blueprint.blueprint_id, "name": blueprint.name or None},
                         "results": [version_document(v) for v in page[:size]], "next": next_url})


VERSION_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


class VersionCompareView(ActivityView):
    @docs.version_compare
    def get(self, request, blueprint_id, a, b):
        blueprint = _blueprint(self, blueprint_id)
        if not (VERSION_NUMBER.fullmatch(a) and VERSION_NUMBER.fullmatch(b)):  # a JSON 404, not the router's
            raise NotFound("Versions are positive whole numbers.")
        older, newer = version_of(blueprint, int(a)), version_of(blueprint, int(b))
        if older is None or newer is None:
            raise NotFound("No such published version of this blueprint.")
        return Response({"blueprint": {"id": blueprint.blueprint_id, "name": blueprint.name or None},
                         "a": version_document(older), "b": version_document(newer),
                         "fields": compare_versions(older, newer)})
